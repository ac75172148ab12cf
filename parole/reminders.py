"""The morning scan of parole work: reminders of oral hearings, of adjournments and deferrals the
prisoner was not told about, and of people newly eligible for a licence termination referral.

It runs on the same skeleton as the recall report scan (``ippcase.core.reminders``, with the
working-day calendar of ``recall.reminders``); this module keeps the rules: what is due, who is
told and the wording. docs/parole.md ("Reminders") states them.

* Derived from database state: each reminder is a ``ParoleReminder`` row, unique on (kind,
  subject, key date), written with ``INSERT ... ON CONFLICT DO NOTHING RETURNING``. Only the rows
  that are new are sent, so the scan can run late, twice, or in two workers at once.
* A fixed number of queries whatever the number of people, reviews and adjournments.
* Emails and logs carry CRNs, dates, ids and counts, never a name.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Final, TypeAlias

from django.db.models import Exists, F, Min, OuterRef, Q, Subquery
from django.urls import reverse

from ippcase import vocab as case_vocab
from ippcase.cases import licence
from ippcase.core import reminders as core_reminders
from ippcase.core.notifications import Message
from ippcase.core.reminders import open_allocation
from ippcase.models import Allocation, Person, Release, User
from parole import law, selectors
from parole.models import ParoleReminder, ParoleReview, TerminationReferral
from parole.vocab import DelayKind, ReminderKind, ReviewKind
from recall.deadlines import Calendar, weekday_date
from recall.reminders import calendar as working_calendar

log = logging.getLogger(__name__)


ScanResult: TypeAlias = core_reminders.ScanResult[dict[str, int]]
"""What one scan did (``ippcase.core.reminders.ScanResult``); ``candidates`` counts the rows
looked at per kind, ``reminders`` the new reminders per kind."""


@dataclass(frozen=True, slots=True)
class _Due:
    """One reminder relevant today. ``practitioner_id`` is the current COM (None: unallocated).
    ``dates`` are what the email says, by name (hearing, adjourned, first_release, ...)."""

    kind: str
    subject_id: int
    key_date: dt.date
    crn: str
    practitioner_id: int | None
    dates: tuple[tuple[str, dt.date], ...] = ()
    detail: str = ""

    @property
    def key(self) -> tuple[str, int, dt.date]:
        return (self.kind, self.subject_id, self.key_date)

    def date(self, name: str) -> dt.date:
        return dict(self.dates)[name]


# ---------------------------------------------------------------------------------------------
# Oral hearings.


def _hearings_due(today: dt.date, periods: law.Periods) -> list[_Due]:
    """Open oral reviews (no decision, recall not re-released) with a hearing ahead within the
    longest lead time, in ONE query. Each gets the reminder of the shortest lead time reached:
    a missed 28-day reminder is sent late if the 7-day one is not due yet, and superseded by it
    otherwise (as the recall report countdown is). The key date is the hearing date minus the
    lead, so each lead is its own row and a moved hearing gets new ones."""
    leads = sorted(set(periods.hearing_reminder_days))
    if not leads:
        return []
    rows = (
        ParoleReview.objects.filter(
            kind=ReviewKind.ORAL,
            decided_on__isnull=True,
            recall__re_released_on__isnull=True,
            hearing_date__gt=today,
            hearing_date__lte=today + dt.timedelta(days=leads[-1]),
        )
        .annotate(current_allocation=open_allocation("recall__release__person"))
        .annotate(
            crn=F("recall__release__person__crn"),
            practitioner_id=F("current_allocation__practitioner_id"),
        )
        .order_by("pk")
        .values_list("pk", "hearing_date", "crn", "practitioner_id")
    )
    due: list[_Due] = []
    for review_id, hearing, crn, practitioner_id in rows:
        if hearing is None:  # filtered above; tells the type checker
            continue
        days_left = (hearing - today).days
        lead = min(lead for lead in leads if lead >= days_left)
        due.append(
            _Due(
                ReminderKind.HEARING,
                review_id,
                hearing - dt.timedelta(days=lead),
                crn,
                practitioner_id,
                (("hearing", hearing),),
                detail=f"{days_left} day{'' if days_left == 1 else 's'}",
            )
        )
    return due


# ---------------------------------------------------------------------------------------------
# Adjournments and deferrals the prisoner was not told about.


def _untold_due(today: dt.date, cal: Calendar) -> list[_Due]:
    """``selectors.untold_delays``: once per adjournment or deferral (key date: its date), in
    ONE query. Not repeated: the warning stays on the case page and the dashboards until the
    date the prisoner was told is recorded."""
    rows = (
        selectors.untold_delays(today=today, cal=cal)
        .annotate(current_allocation=open_allocation("review__recall__release__person"))
        .annotate(
            crn=F("review__recall__release__person__crn"),
            practitioner_id=F("current_allocation__practitioner_id"),
        )
        .order_by("pk")
        .values_list("pk", "date", "kind", "crn", "practitioner_id")
    )
    return [
        _Due(
            ReminderKind.UNTOLD_DELAY,
            delay_id,
            day,
            crn,
            practitioner_id,
            (("delayed", day),),
            detail=delay_kind,
        )
        for delay_id, day, delay_kind, crn, practitioner_id in rows
    ]


# ---------------------------------------------------------------------------------------------
# Newly eligible for a termination referral.


def _eligible_due(today: dt.date, periods: law.Periods) -> list[_Due]:
    """IPP and DPP people whose qualifying period expired (``law.years_after`` of the first
    release) in the last ``termination_reminder_window_days`` days — *newly* eligible, so the
    first scan after going live does not remind anyone of every old licence — with no
    termination referral recorded at all (so no terminated licence either), in ONE query.
    ``law.latest_start_qualified`` turns the window into exact first-release bounds."""
    by_type = {
        sentence_type: years
        for sentence_type in law.PREVENTIVE_SENTENCES
        if (years := periods.qualifying_years(sentence_type)) is not None
    }
    first_release = (
        Release.objects.filter(person=OuterRef("pk"))
        .values("person")
        .annotate(first=Min("date"))
        .values("first")
    )
    current_com = Allocation.objects.filter(person=OuterRef("pk"), end_date__isnull=True).values(
        "practitioner_id"
    )[:1]
    window_start = today - dt.timedelta(days=periods.termination_reminder_window_days)
    in_time = Q()
    for sentence_type, years in by_type.items():
        in_time |= Q(
            sentence__sentence_type=sentence_type,
            first_release__lte=law.latest_start_qualified(today, years),
            first_release__gt=law.latest_start_qualified(window_start, years),
        )
    rows = (
        Person.objects.filter(sentence__sentence_type__in=list(by_type))
        .annotate(first_release=Subquery(first_release))
        .filter(in_time)
        .filter(~Exists(TerminationReferral.objects.filter(person=OuterRef("pk"))))
        .annotate(practitioner_id=Subquery(current_com))
        .order_by("pk")
        .values_list("pk", "crn", "sentence__sentence_type", "first_release", "practitioner_id")
    )
    due: list[_Due] = []
    for person_id, crn, sentence_type, first, practitioner_id in rows:
        qualifying = law.years_after(first, by_type[sentence_type])
        due.append(
            _Due(
                ReminderKind.TERMINATION_ELIGIBLE,
                person_id,
                qualifying,
                crn,
                practitioner_id,
                (("first_release", first), ("qualifying", qualifying)),
                detail=f"{sentence_type}, {by_type[sentence_type]} years",
            )
        )
    return due


# ---------------------------------------------------------------------------------------------
# Recording and sending.


def _ppcs_users() -> list[int]:
    return list(
        User.objects.filter(is_active=True, roles__contains=[case_vocab.Role.PPCS])
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _line(r: _Due, today: dt.date, cal: Calendar) -> str:
    """What one reminder says, in one sentence: the CRN and dates only."""
    if r.kind == ReminderKind.HEARING:
        return (
            f"{r.crn}: Parole Board oral hearing on {weekday_date(r.date('hearing'))} "
            f"(in {r.detail})."
        )
    if r.kind == ReminderKind.UNTOLD_DELAY:
        delayed = r.date("delayed")
        working_days = cal.working_days_between(delayed, today)
        what = "deferred" if r.detail == DelayKind.DEFERRAL else "adjourned"
        return (
            f"{r.crn}: Parole Board review {what}"
            f" on {weekday_date(delayed)}; no date the prisoner was told is recorded "
            f"{working_days} working days on."
        )
    return (
        f"{r.crn}: qualifying period ({r.detail} from the first release on "
        f"{weekday_date(r.date('first_release'))}) expired; qualifying date "
        f"{weekday_date(r.date('qualifying'))}. No termination referral is recorded."
    )


_SUBJECTS: Final = {
    ReminderKind.HEARING: "A Parole Board oral hearing is in {detail}",
    ReminderKind.UNTOLD_DELAY: "A prisoner has not been told of a parole review {what}",
    ReminderKind.TERMINATION_ELIGIBLE: "A case is eligible for a licence termination referral",
}

_ACTIONS: Final = {
    ReminderKind.HEARING: (
        "Check the prisoner knows the date, and that the reports and witnesses the panel "
        "directed will be ready. Record any adjournment or deferral on the parole tab."
    ),
    ReminderKind.UNTOLD_DELAY: (
        "Tell the prisoner about the adjournment or deferral and its reason, then record the "
        "date they were told on the parole tab."
    ),
    ReminderKind.TERMINATION_ELIGIBLE: (
        "The Secretary of State must refer the case to the Parole Board to consider ending the "
        "licence (s.31A Crime (Sentences) Act 1997). PPCS makes the referral; record it on the "
        "parole tab. The COM should make sure an up-to-date report can be provided."
    ),
}


def _com_message(r: _Due, practitioner_id: int, today: dt.date, cal: Calendar) -> Message:
    subject = _SUBJECTS[ReminderKind(r.kind)].format(
        detail=r.detail,
        what="deferral" if r.detail == DelayKind.DEFERRAL else "adjournment",
    )
    text = f"{_line(r, today, cal)}\n\n{_ACTIONS[ReminderKind(r.kind)]}"
    return Message(practitioner_id, subject, text, reverse("parole:person_parole", args=[r.crn]))


_DIGEST_HEADINGS: Final = {
    ReminderKind.HEARING: "Oral hearings coming up",
    ReminderKind.UNTOLD_DELAY: "Adjournments and deferrals the prisoner was not told about",
    ReminderKind.TERMINATION_ELIGIBLE: "Newly eligible for a licence termination referral",
}


def _ppcs_digest(user_id: int, new: list[_Due], today: dt.date, cal: Calendar) -> Message:
    """One email per PPCS user per scan listing every new reminder (PPCS see them all, across
    every PDU: one email each would be hundreds on the first run)."""
    sections = []
    for kind in ReminderKind:
        theirs = sorted((r for r in new if r.kind == kind), key=lambda r: (r.key_date, r.crn))
        if theirs:
            lines = "\n".join(f"- {_line(r, today, cal)}" for r in theirs)
            heading = f"{_DIGEST_HEADINGS[kind]} ({len(theirs)}):"
            sections.append(f"{heading}\n{lines}\n\n{_ACTIONS[kind]}")
    subject = f"Parole reminders on {weekday_date(today)}: {len(new)}"
    return Message(user_id, subject, "\n\n".join(sections), reverse("parole:report"))


def _messages(new: list[_Due], today: dt.date, cal: Calendar) -> list[Message]:
    """One email per new reminder to the person's current COM (none when unallocated), and one
    list of them all per active PPCS user (the PPCS users are fetched only when one is new)."""
    messages = [
        _com_message(r, r.practitioner_id, today, cal) for r in new if r.practitioner_id is not None
    ]
    if new:
        messages += [_ppcs_digest(user_id, new, today, cal) for user_id in _ppcs_users()]
    return messages


def _find(today: dt.date, cal: Calendar) -> tuple[dict[str, int], list[_Due]]:
    """The rows looked at per kind, and the reminders due today (three queries, after the
    periods in force)."""
    periods = licence.periods()
    found = {
        ReminderKind.HEARING: _hearings_due(today, periods),
        ReminderKind.UNTOLD_DELAY: _untold_due(today, cal),
        ReminderKind.TERMINATION_ELIGIBLE: _eligible_due(today, periods),
    }
    candidates = {str(kind): len(due) for kind, due in found.items()}
    return candidates, [r for due in found.values() for r in due]


_SCAN: Final = core_reminders.Engine(
    name="parole reminders",
    log=log,
    ledger=core_reminders.Ledger(
        ParoleReminder, ("kind", "subject_id", "key_date"), lambda r: r.key
    ),
    find=_find,
    messages=_messages,
    counted_as=lambda r: str(r.kind),
    idle={},
)


def send_parole_reminders(*, today: dt.date | None = None) -> ScanResult:
    """Record and send the parole reminders due on ``today`` (default: today in London).

    Does nothing on a day that is not a working day. Otherwise records, unique on (kind,
    subject, key date), and for each new one notifies the person's current COM (one email per
    reminder) and every active PPCS user (one list per scan):

    * ``hearing``: an open oral review's hearing is 28 or 7 days ahead (``Periods.
      hearing_reminder_days``); key date = hearing date minus the lead.
    * ``untold_delay``: an adjournment or deferral not told to the prisoner after the set number
      of working days (``selectors.untold_delays``); once, key date = its date.
    * ``termination_eligible``: an IPP/DPP person past the qualifying date with no termination
      referral; once, key date = the qualifying date.

    One transaction (the skeleton ``ippcase.core.reminders``), a fixed number of queries
    (calendar, constraints, the periods, three candidate queries, the reminders, the PPCS users,
    the notifications; the insert of reminders is skipped when nothing is due, the last two when
    nothing is new). Safe to run late, twice or concurrently. Meant to run in its own
    transaction (the task does): it makes the foreign key checks immediate, as the report scan
    does.
    """
    return _SCAN.run(today=today, calendar=working_calendar())
