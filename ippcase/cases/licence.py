"""When a person's licence ends, in Python and in SQL: automatic termination under s.31A of the
Crime (Sentences) Act 1997 as amended by the Victims and Prisoners Act 2024 s.66 (the pure law is
``parole.law``), or an earlier decision of the Parole Board (docs/parole.md).

The Parole Board's decisions are recorded by the parole app, which sits above this layer
(docs/architecture.md). It tells this module how to read them by registering a
:class:`BoardTermination` from ``ParoleConfig.ready()``; this module imports nothing of parole's
but its pure law.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Case,
    DateField,
    Exists,
    Func,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Least
from django.utils import timezone

from ippcase.models import Person, Release
from parole import law
from recall.rules import AUTOMATIC_TERMINATION_IN_FORCE


@dataclass(frozen=True)
class BoardTermination:
    """How to read the date the Parole Board terminated a person's licence (registered by the
    app that records the decisions)."""

    prefetch: str  # the relation on Person that :attr:`decided_on` reads, prefetched by the pages
    decided_on: Callable[[Person], dt.date | None]  # from the prefetched rows
    subquery: Callable[[], Subquery]  # the SQL twin, correlated on the person's pk


_board_termination: BoardTermination | None = None


def register_board_termination(source: BoardTermination) -> None:
    global _board_termination  # one registration, at start-up
    _board_termination = source


def prefetches() -> list[str]:
    """What :func:`licence_end` reads from a person, for ``prefetch_related``."""
    return [_board_termination.prefetch] if _board_termination else []


def periods() -> law.Periods:
    """The statutory and policy periods, with ``settings.PAROLE_PERIODS`` applied."""
    return law.Periods.from_overrides(getattr(settings, "PAROLE_PERIODS", None))


class AutomaticTermination(Func):
    """SQL twin of ``recall.rules.automatic_termination_date`` (the function is created by
    migration 0008): first release, latest release, qualifying years, termination years and the
    in-force floor."""

    function = "ippcase_automatic_termination"
    output_field = DateField()


def _automatic_termination() -> AutomaticTermination:
    """The automatic termination date of the person's current spell on licence (IPP/DPP, latest
    release not recalled; a recall breaks the continuous period), else NULL."""
    configured = periods()
    releases = Release.objects.filter(person=OuterRef("pk"))
    latest_on_licence = releases.filter(recall__isnull=True).exclude(
        Exists(Release.objects.filter(person=OuterRef("person"), date__gt=OuterRef("date")))
    )
    qualifying_years = Case(
        *(
            When(sentence__sentence_type=kind, then=Value(years))
            for kind, years in configured.qualifying_years_by_sentence().items()
        ),
        default=Value(None),
        output_field=IntegerField(),
    )
    return AutomaticTermination(
        Subquery(releases.order_by("date").values("date")[:1]),
        Subquery(latest_on_licence.values("date")[:1]),
        qualifying_years,
        Value(configured.automatic_termination_years),
        Value(AUTOMATIC_TERMINATION_IN_FORCE),
    )


def terminated_on_sql() -> Subquery | Value:
    """The date the Parole Board terminated the person's licence, else NULL."""
    if _board_termination is None:
        return Value(None, output_field=DateField())
    return _board_termination.subquery()


def licence_ends_on() -> Least:
    """The date the person's licence ends or ended: the earlier of the automatic termination
    and a Parole Board termination (PostgreSQL's LEAST skips NULLs); NULL when neither applies.
    The SQL twin of :func:`licence_end`."""
    return Least(_automatic_termination(), terminated_on_sql(), output_field=DateField())


def licence_ends_on_for(person_ref: str) -> Subquery:
    """The licence end date (:func:`licence_ends_on`) of the person a row points at, e.g.
    ``licence_ends_on_for("person_id")`` on recommendations."""
    return Subquery(
        Person.objects.filter(pk=OuterRef(person_ref))
        .annotate(ends_on=licence_ends_on())
        .values("ends_on")[:1]
    )


def licence_terminated_on(person: Person) -> dt.date | None:
    """The date the Parole Board terminated the person's licence (the earliest such decision),
    if it did: the Python twin of :func:`terminated_on_sql`, from the rows :func:`prefetches`
    names."""
    return _board_termination.decided_on(person) if _board_termination else None


def spells(person: Person) -> list[law.Spell]:
    """The person's periods on licence; uses ``releases`` prefetched with their recalls."""
    out = []
    for release in person.releases.all():
        recall = getattr(release, "recall", None)
        out.append(
            law.Spell(released=release.date, recalled=recall.recall_date if recall else None)
        )
    return out


def licence_position(person: Person, today: dt.date | None = None) -> law.LicencePosition:
    sentence = getattr(person, "sentence", None)
    return law.licence_position(
        sentence.sentence_type if sentence else None,
        spells(person),
        timezone.localdate() if today is None else today,
        periods(),
        terminated_on=licence_terminated_on(person),
    )


def licence_end(person: Person) -> law.LicenceEnd | None:
    """When the person's licence ends or ended (automatic termination or the Parole Board), or
    None (not an IPP/DPP licence, not released, or no end in view while recalled). Needs
    ``releases__recall`` and :func:`prefetches` prefetched for a fixed query count."""
    return licence_position(person).end
