"""Reads of parole work: the Parole Board's termination of a licence, the qualifying dates,
and the warnings (untold adjournments and deferrals) that the case pages, reminders and
dashboards share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from ippcase.cases.licence import BoardTermination, licence_ends_on, licence_position, periods
from ippcase.models import Person, Recall, Release
from parole import law
from parole.models import Adjournment, ParoleReview, TerminationReferral
from parole.vocab import RarrOutcome, ReviewOutcome, TerminationOutcome
from recall.deadlines import Calendar
from recall.reminders import calendar as working_calendar


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


def board_terminated_on(person: Person) -> dt.date | None:
    """The date the Parole Board terminated the person's licence (the earliest such decision),
    from ``termination_referrals`` prefetched."""
    decided = [
        r.decided_on
        for r in person.termination_referrals.all()
        if r.outcome == TerminationOutcome.TERMINATED and r.decided_on is not None
    ]
    return min(decided) if decided else None


def board_terminated_on_sql() -> Subquery:
    """The SQL twin of :func:`board_terminated_on`, correlated on the person's pk."""
    terminated = TerminationReferral.objects.filter(
        person=OuterRef("pk"), outcome=TerminationOutcome.TERMINATED, decided_on__isnull=False
    )
    return Subquery(terminated.order_by("decided_on").values("decided_on")[:1])


# Registered from ParoleConfig.ready(): how the case pages learn that the Board ended a licence.
BOARD_TERMINATION = BoardTermination(
    prefetch="termination_referrals",
    decided_on=board_terminated_on,
    subquery=board_terminated_on_sql,
)


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
