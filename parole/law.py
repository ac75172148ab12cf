"""The statutory and policy periods of parole and licence work, and the dates they give.

Pure Python (no Django import, like ``recall.rules`` and ``recall.deadlines``): every period the
law or policy sets lives in :class:`Periods`, the ONE configurable place.
``settings.PAROLE_PERIODS`` (a dict of field overrides) replaces a value without a code change
when the law changes again: the Sentencing Act 2026 already has a prospective change to the
IPP qualifying period.
docs/parole.md states the law each value comes from.

Dates are worked out on the day they are needed, never stored: a change of period moves every
qualifying date at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recall.deadlines import Calendar, long_date
from recall.rules import (
    AUTOMATIC_TERMINATION_YEARS,
    QUALIFYING_YEARS,
    automatic_termination_date,
    years_after,
)

PREVENTIVE_SENTENCES = ("IPP", "DPP")  # the sentences with a licence that can be terminated


@dataclass(frozen=True)
class Periods:
    # Crime (Sentences) Act 1997 s.31A(5), as amended by the Victims and Prisoners Act 2024
    # s.66 (in force 1 November 2024; for the referral duty, 1 February 2025): the qualifying
    # period begins with the day of (first) release.
    qualifying_years_ipp: int = QUALIFYING_YEARS["IPP"]
    qualifying_years_dpp: int = QUALIFYING_YEARS["DPP"]
    # s.31A(4A)-(4C): the licence ends automatically once it has remained in force for a
    # continuous period of two years beginning not before the qualifying period expired.
    automatic_termination_years: int = AUTOMATIC_TERMINATION_YEARS
    # An adjournment or deferral not told to the prisoner within this many working days is a
    # warning on the case and the dashboards (issue 5; the 2025 stakeholder minutes, item 2).
    untold_delay_working_days: int = 5
    # Reminders of an oral hearing go this many calendar days before it.
    hearing_reminder_days: tuple[int, ...] = (28, 7)
    # A licence is "newly eligible" for a termination referral (a reminder) for this many
    # calendar days after its qualifying date; older ones are PPCS's backlog, listed on the page.
    termination_reminder_window_days: int = 28

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any] | None) -> Periods:
        """The defaults with ``overrides`` applied; an unknown name is an error, not a no-op."""
        overrides = dict(overrides or {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown parole period(s) {unknown}; known: {sorted(known)}")
        if "hearing_reminder_days" in overrides:
            overrides["hearing_reminder_days"] = tuple(overrides["hearing_reminder_days"])
        periods = cls(**overrides)
        for f in dataclasses.fields(cls):
            values = getattr(periods, f.name)
            for value in values if isinstance(values, tuple) else (values,):
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"parole period {f.name} must be whole numbers >= 0")
        return periods

    def qualifying_years_by_sentence(self) -> dict[str, int]:
        return {"IPP": self.qualifying_years_ipp, "DPP": self.qualifying_years_dpp}

    def qualifying_years(self, sentence_type: str) -> int | None:
        return self.qualifying_years_by_sentence().get(sentence_type)


def latest_start_qualified(today: dt.date, years: int) -> dt.date:
    """The latest start date whose ``years``-year period has expired by ``today``: the inverse of
    :func:`years_after` (``years_after(start, years) <= today`` exactly when ``start`` is on or
    before the answer)."""
    try:
        candidate = today.replace(year=today.year - years)
    except ValueError:  # today is 29 February
        candidate = dt.date(today.year - years, 2, 28)
    # years_after is monotonic; step forward past any start that still qualifies (29 February).
    while years_after(candidate + dt.timedelta(days=1), years) <= today:
        candidate += dt.timedelta(days=1)
    while years_after(candidate, years) > today:
        candidate -= dt.timedelta(days=1)
    return candidate


@dataclass(frozen=True)
class Spell:
    """A period on licence: from a release to the recall that ended it (None: still on licence)."""

    released: dt.date
    recalled: dt.date | None


ENDED_AUTOMATICALLY = "automatic"
ENDED_BY_PAROLE_BOARD = "parole_board"


@dataclass(frozen=True)
class LicenceEnd:
    """The day a licence ends (or ended): the first day it is no longer in force, and why."""

    on: dt.date
    reason: str  # ENDED_AUTOMATICALLY | ENDED_BY_PAROLE_BOARD

    def has_ended(self, today: dt.date) -> bool:
        return self.on <= today

    @property
    def reason_label(self) -> str:
        if self.reason == ENDED_BY_PAROLE_BOARD:
            return "terminated by the Parole Board"
        return "automatic termination after two continuous years on licence (s.31A)"

    def sentence(self, today: dt.date) -> str:
        """One sentence for pages and refusals: when and why the licence ends or ended."""
        day = long_date(self.on)
        if self.reason == ENDED_BY_PAROLE_BOARD:
            verb = "terminated" if self.has_ended(today) else "terminates"
            return f"The Parole Board {verb} this licence on {day}."
        if self.has_ended(today):
            return (
                f"This licence ended automatically on {day}: it had remained in force for two "
                "continuous years after the qualifying period (Crime (Sentences) Act 1997 s.31A, "
                "as amended by the Victims and Prisoners Act 2024)."
            )
        return (
            f"This licence ends automatically on {day} if the person is not recalled before "
            "then (Crime (Sentences) Act 1997 s.31A, as amended by the Victims and Prisoners "
            "Act 2024)."
        )


@dataclass(frozen=True)
class LicencePosition:
    """Where a person stands on licence termination today."""

    applies: bool  # a preventive sentence (IPP/DPP) with at least one release
    qualifying_date: dt.date | None = None  # the day after the qualifying period expires
    eligible_for_referral: bool = False
    on_licence_since: dt.date | None = None  # the start of the current spell in the community
    automatic_termination_date: dt.date | None = None  # if the current spell lasts that long
    end: LicenceEnd | None = None  # the earlier of automatic termination and a Board decision
    ended: bool = False  # the licence is no longer in force today


def licence_position(
    sentence_type: str | None,
    spells: Sequence[Spell],
    today: dt.date,
    periods: Periods,
    *,
    terminated_on: dt.date | None = None,
) -> LicencePosition:
    """The qualifying date, referral eligibility and the date the licence ends (automatically,
    or on ``terminated_on``, the Parole Board's termination), from the person's spells on
    licence in date order. Only IPP and DPP licences end this way (life and EDS never).

    Supervision is never suspended under the current law: for IPP and DPP the licence ends
    automatically no later than the day five years in the community would be reached
    (docs/parole.md), so the position has no suspension date."""
    years = periods.qualifying_years(sentence_type or "")
    if years is None or not spells:
        return LicencePosition(applies=False)
    first = min(spell.released for spell in spells)
    latest = max(spells, key=lambda spell: spell.released)
    qualifying = years_after(first, years)
    automatic = None
    if latest.recalled is None:  # a recall breaks the continuous period
        automatic = automatic_termination_date(
            sentence_type,
            first,
            latest.released,
            qualifying_years=years,
            termination_years=periods.automatic_termination_years,
        )
    ends = [
        LicenceEnd(day, reason)
        for day, reason in (
            (terminated_on, ENDED_BY_PAROLE_BOARD),
            (automatic, ENDED_AUTOMATICALLY),
        )
        if day is not None
    ]
    end = min(ends, key=lambda e: e.on) if ends else None
    ended = end is not None and end.has_ended(today)
    return LicencePosition(
        applies=True,
        qualifying_date=qualifying,
        eligible_for_referral=qualifying <= today and not ended,
        on_licence_since=latest.released if latest.recalled is None else None,
        automatic_termination_date=automatic,
        end=end,
        ended=ended,
    )


def untold_delay_cutoff(today: dt.date, calendar: Calendar, periods: Periods) -> dt.date:
    """The latest adjournment or deferral date that is overdue today if the prisoner has not
    been told: more than ``untold_delay_working_days`` working days have passed since it."""
    day = today - dt.timedelta(days=1)
    while calendar.working_days_between(day, today) <= periods.untold_delay_working_days:
        day -= dt.timedelta(days=1)
    return day


def is_untold_overdue(
    delay_date: dt.date,
    told_on: dt.date | None,
    today: dt.date,
    calendar: Calendar,
    periods: Periods,
) -> bool:
    return told_on is None and delay_date <= untold_delay_cutoff(today, calendar, periods)
