"""Reads of parole work: the configured periods, a person's licence position, and the warnings
(untold adjournments and deferrals) that the case pages, reminders and dashboards share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from ippcase.models import Person, Recall, Release
from ippcase.selectors import licence_ends_on, licence_terminated_on
from recall.deadlines import Calendar
from recall.reminders import calendar as working_calendar

from . import law
from .models import Adjournment, ParoleReview, TerminationReferral
from .vocab import RarrOutcome, ReviewOutcome


def periods() -> law.Periods:
    """The statutory and policy periods, with ``settings.PAROLE_PERIODS`` applied."""
    return law.Periods.from_overrides(getattr(settings, "PAROLE_PERIODS", None))


def qualifying_release_cutoffs(today: dt.date | None = None) -> dict[str, dt.date]:
    """For each preventive sentence type, the latest first-release date whose qualifying period
    has expired by ``today``: a person released on or before it qualifies (29 February as in
    ``law.years_after``)."""
    day = timezone.localdate() if today is None else today
    return {
        sentence_type: law.latest_start_qualified(day, years)
        for sentence_type, years in periods().qualifying_years_by_sentence().items()
    }


def untold_delay_cutoff(today: dt.date | None = None, cal: Calendar | None = None) -> dt.date:
    day = timezone.localdate() if today is None else today
    return law.untold_delay_cutoff(day, cal or working_calendar(), periods())


def untold_delays(
    *,
    people: QuerySet[Person] | None = None,
    today: dt.date | None = None,
    cal: Calendar | None = None,
) -> QuerySet[Adjournment]:
    """Adjournments and deferrals not told to the prisoner more than the set number of working
    days after they happened, on recalls still open (not re-released): the warning list."""
    cutoff = untold_delay_cutoff(today, cal)
    qs = Adjournment.objects.filter(
        prisoner_informed_on__isnull=True,
        date__lte=cutoff,
        review__recall__re_released_on__isnull=True,
    )
    if people is not None:
        qs = qs.filter(review__recall__release__person__in=people)
    return qs


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
    ``releases__recall`` and ``termination_referrals`` prefetched for a fixed query count."""
    return licence_position(person).end


@dataclass
class ParoleCase:
    """Everything the person's parole tab shows, read in a fixed number of queries."""

    person: Person
    recalls: list[Recall]
    position: law.LicencePosition
    untold: list[Adjournment] = field(default_factory=list)


def parole_case(person_id: int, today: dt.date | None = None) -> ParoleCase:
    day = timezone.localdate() if today is None else today
    person = (
        Person.objects.select_related("sentence", "team__pdu")
        .prefetch_related(
            "releases__recall",
            "termination_referrals",
            "supervision_suspensions",
        )
        .get(pk=person_id)
    )
    recalls = list(
        Recall.objects.filter(release__person=person)
        .select_related("release", "rarr")
        .prefetch_related(
            Prefetch(
                "parole_reviews",
                queryset=ParoleReview.objects.prefetch_related("delays"),
            )
        )
        .order_by("-recall_date")
    )
    cutoff = untold_delay_cutoff(day)
    untold = [
        delay
        for recall in recalls
        if recall.re_released_on is None
        for review in recall.parole_reviews.all()
        for delay in review.delays.all()
        if delay.prisoner_informed_on is None and delay.date <= cutoff
    ]
    return ParoleCase(
        person=person,
        recalls=recalls,
        position=licence_position(person, day),
        untold=untold,
    )


def release_decision(recall: Recall) -> dt.date | None:
    """The date of the decision that allows re-release (a Parole Board release or a RARR
    release), if there is one."""
    dates = [
        r.decided_on
        for r in recall.parole_reviews.all()
        if r.outcome == ReviewOutcome.RELEASE and r.decided_on is not None
    ]
    rarr = getattr(recall, "rarr", None)
    if rarr is not None and rarr.outcome == RarrOutcome.RELEASE:
        dates.append(rarr.decided_on)
    return min(dates) if dates else None


def awaiting_parole(people: QuerySet[Person] | None = None) -> QuerySet[Recall]:
    """Recalls in custody awaiting re-release: returned to custody and not re-released."""
    qs = Recall.objects.filter(returned_to_custody__isnull=False, re_released_on__isnull=True)
    if people is not None:
        qs = qs.filter(release__person__in=people)
    return qs


# The caseload's "parole work" filter: the lists PPCS and the case team work through.
PAROLE_WORK = {
    "termination_due": "Past the qualifying date, not referred for termination",
    "untold": "Adjournment or deferral not told to the prisoner",
    "awaiting_release": "In custody on recall, awaiting re-release",
}


def parole_work_filter(kind: str, today: dt.date | None = None) -> Q:
    """A filter on Person for one of :data:`PAROLE_WORK` (ValueError for another value)."""
    if kind == "termination_due":
        qualified = Q(pk__in=[])
        for sentence_type, cutoff in qualifying_release_cutoffs(today).items():
            qualified |= Q(sentence__sentence_type=sentence_type) & Q(
                Exists(Release.objects.filter(person=OuterRef("pk"), date__lte=cutoff))
            )
        referred = Exists(TerminationReferral.objects.filter(person=OuterRef("pk")))
        day = timezone.localdate() if today is None else today
        in_force = GreaterThan(
            Coalesce(licence_ends_on(), Value(dt.date.max)), Value(day)
        )  # an ended licence has nothing left to refer
        return qualified & ~Q(referred) & Q(in_force)
    if kind == "untold":
        delays = untold_delays(today=today).filter(review__recall__release__person=OuterRef("pk"))
        return Q(Exists(delays))
    if kind == "awaiting_release":
        return Q(Exists(awaiting_parole().filter(release__person=OuterRef("pk"))))
    raise ValueError(f"unknown parole work {kind!r}")
