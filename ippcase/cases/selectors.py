"""Reads for the case pages. Every selector issues a fixed number of queries, whatever the size
of the caseload or of a person's history (tests/test_query_counts.py holds them to it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Concat
from django.db.models.lookups import LessThanOrEqual
from django.http import Http404
from django.utils import timezone

from ippcase.cases import licence
from ippcase.cases.licence import licence_end, licence_ends_on
from ippcase.models import (
    Allocation,
    CaseViewEvent,
    IndexOffence,
    LicenceCondition,
    Person,
    Recall,
    Release,
    User,
)
from parole import law


class CaseStatus:
    """The person's position on the "merry-go-round", derived from releases and recalls."""

    ON_LICENCE = "on_licence"
    RECALLED_AT_LARGE = "recalled_at_large"
    IN_CUSTODY_ON_RECALL = "in_custody_on_recall"
    NOT_YET_RELEASED = "not_yet_released"
    # An IPP/DPP licence that ended by law or by the Parole Board (docs/parole.md).
    LICENCE_ENDED = "licence_ended"

    LABELS = {
        ON_LICENCE: ("On licence", "govuk-tag--green"),
        RECALLED_AT_LARGE: ("Recalled, not yet in custody", "govuk-tag--red"),
        IN_CUSTODY_ON_RECALL: ("In custody on recall", "govuk-tag--orange"),
        NOT_YET_RELEASED: ("Not yet released", "govuk-tag--grey"),
        LICENCE_ENDED: ("Licence ended", "govuk-tag--grey"),
    }


# A licence that ends within this many days shows its date on the case and the recommendation.
LICENCE_ENDS_SOON_DAYS = 56  # 8 weeks (issue 12)


def latest_release() -> QuerySet[Release]:
    return Release.objects.filter(person=OuterRef("pk")).order_by("-date")


def status_expression(today: dt.date | None = None, ends_on: Any = None) -> Case:
    """The SQL twin of :func:`case_status`; needs ``latest_release_id`` annotated first
    (``ends_on``: an annotated licence end date to reuse, else it is worked out here)."""
    recall_of_latest = Recall.objects.filter(release_id=OuterRef("latest_release_id"))
    return Case(
        When(latest_release_id__isnull=True, then=Value(CaseStatus.NOT_YET_RELEASED)),
        When(
            Exists(recall_of_latest.filter(returned_to_custody__isnull=True)),
            then=Value(CaseStatus.RECALLED_AT_LARGE),
        ),
        When(Exists(recall_of_latest), then=Value(CaseStatus.IN_CUSTODY_ON_RECALL)),
        When(
            LessThanOrEqual(
                licence_ends_on() if ends_on is None else ends_on,
                Value(today or timezone.localdate()),
            ),
            then=Value(CaseStatus.LICENCE_ENDED),
        ),
        default=Value(CaseStatus.ON_LICENCE),
        output_field=CharField(),
    )


def current_com_name() -> Subquery:
    """The name of the person's current community offender manager (the open allocation),
    correlated on the person's pk; NULL when unallocated."""
    current = Allocation.objects.filter(person=OuterRef("pk"), end_date__isnull=True).annotate(
        name=Concat(F("practitioner__first_name"), Value(" "), F("practitioner__last_name"))
    )
    return Subquery(current.values("name")[:1])


def stored_status(today: dt.date | None = None) -> Case:
    """The SQL twin of :func:`case_status` read from the person's stored position
    (``PersonPosition``, kept by the database): a join and a CASE, no subquery a person. Only
    "has the licence ended by today" is worked out here, from the stored end date."""
    return Case(
        When(position__latest_release__isnull=True, then=Value(CaseStatus.NOT_YET_RELEASED)),
        When(
            position__latest_recall__isnull=False,
            position__returned_to_custody_on__isnull=True,
            then=Value(CaseStatus.RECALLED_AT_LARGE),
        ),
        When(position__latest_recall__isnull=False, then=Value(CaseStatus.IN_CUSTODY_ON_RECALL)),
        When(
            position__licence_ends_on__lte=today or timezone.localdate(),
            then=Value(CaseStatus.LICENCE_ENDED),
        ),
        default=Value(CaseStatus.ON_LICENCE),
        output_field=CharField(),
    )


def search_text(value: str) -> str:
    """A search or filter value as typed, without NUL characters: no stored text can contain
    one, and PostgreSQL refuses a query that does (a server error, not "no results")."""
    return value.replace("\x00", "")


def person_for_user(user: User, crn: str) -> Person:
    """The person with ``crn`` if ``user`` may see them; otherwise 404 (existence is not leaked)."""
    person = (
        Person.objects.select_related("team__pdu__region", "awaiting_pdu__region", "sentence")
        .filter(crn=crn.upper())
        .first()
    )
    if person is None or not user.has_perm("ippcase.view_person", person):
        raise Http404("No case with that CRN is available to you.")
    return person


def person_with_history(person: Person) -> Person:
    """Load everything the case pages show about ``person`` in a fixed number of queries."""
    return (
        Person.objects.select_related("team__pdu__region", "awaiting_pdu__region", "sentence")
        .prefetch_related(
            Prefetch(
                "releases", queryset=Release.objects.select_related("recall").order_by("date")
            ),
            Prefetch(
                "allocations",
                queryset=Allocation.objects.select_related("practitioner").order_by("start_date"),
            ),
            "licence_conditions",
            *licence.prefetches(),
            Prefetch("sentence__offences", queryset=IndexOffence.objects.all()),
        )
        .get(pk=person.pk)
    )


def current_allocation(person: Person) -> Allocation | None:
    return next((a for a in person.allocations.all() if a.end_date is None), None)


def coms_since_latest_release(person: Person) -> int:
    """How many different COMs have held the case since the latest release (continuity)."""
    releases = list(person.releases.all())
    since = releases[-1].date if releases else None
    return len(
        {
            a.practitioner_id
            for a in person.allocations.all()
            if since is None or a.end_date is None or a.end_date >= since
        }
    )


@dataclass(frozen=True)
class ConditionGroup:
    title: str
    items: list[LicenceCondition]


def licence_condition_groups(person: Person, today: dt.date | None = None) -> list[ConditionGroup]:
    """Conditions in force today, then ended ones (the variations), from prefetched rows."""
    today = today or timezone.localdate()
    conditions = list(person.licence_conditions.all())
    current = [c for c in conditions if c.in_force_on(today) or c.start_date > today]
    ended = [c for c in conditions if c not in current]
    groups = [ConditionGroup("Conditions in force", current)]
    if ended:
        groups.append(ConditionGroup("Conditions that have ended or been varied", ended))
    return [g for g in groups if g.items]


def case_status(person: Person, today: dt.date | None = None) -> str:
    """The person's position, from the releases (with their recalls) and termination referrals
    loaded by :func:`person_with_history`."""
    return _status(person, licence_end(person), today or timezone.localdate())


def _status(person: Person, end: law.LicenceEnd | None, day: dt.date) -> str:
    releases = list(person.releases.all())
    if not releases:
        return CaseStatus.NOT_YET_RELEASED
    recall = getattr(releases[-1], "recall", None)
    if recall is not None:
        return (
            CaseStatus.IN_CUSTODY_ON_RECALL
            if recall.returned_to_custody
            else CaseStatus.RECALLED_AT_LARGE
        )
    if end is not None and end.has_ended(day):
        return CaseStatus.LICENCE_ENDED
    return CaseStatus.ON_LICENCE


@dataclass(frozen=True)
class LicenceNotice:
    """What the case header says about the end of the licence: ended, or ending soon."""

    ended: bool
    on: dt.date
    text: str
    days_left: int


def _notice(end: law.LicenceEnd | None, day: dt.date) -> LicenceNotice | None:
    """A notice when the licence has ended, or ends within :data:`LICENCE_ENDS_SOON_DAYS`."""
    if end is None or (end.on - day).days > LICENCE_ENDS_SOON_DAYS:
        return None
    return LicenceNotice(
        ended=end.has_ended(day), on=end.on, text=end.sentence(day), days_left=(end.on - day).days
    )


def person_header(person: Person, today: dt.date | None = None) -> dict[str, Any]:
    """The context every case page's header needs (templates/ippcase/person_base.html), from a
    person loaded by :func:`person_with_history`; the licence end is worked out once."""
    day = today or timezone.localdate()
    end = licence_end(person)
    return {
        "person": person,
        "status": CaseStatus.LABELS[_status(person, end, day)],
        "com": current_allocation(person),
        "licence": _notice(end, day),
    }


# ---------------------------------------------------------------------------------------------
# Timeline


@dataclass(frozen=True)
class Period:
    """A stretch of the sentence: in custody or in the community on licence."""

    kind: str  # "custody" | "community" | "at_large"
    start: dt.date
    end: dt.date | None  # None: continuing today
    label: str

    def days(self, today: dt.date) -> int:
        return ((self.end or today) - self.start).days


@dataclass(frozen=True)
class Event:
    date: dt.date
    kind: str  # sentence | tariff_expiry | release | recall | return_to_custody
    label: str


@dataclass
class Timeline:
    periods: list[Period] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    start: dt.date | None = None
    end: dt.date | None = None
    svg: dict[str, Any] = field(default_factory=dict)

    @property
    def days_in_custody(self) -> int:
        return sum(
            p.days(self.end or timezone.localdate()) for p in self.periods if p.kind == "custody"
        )

    @property
    def days_in_community(self) -> int:
        return sum(
            p.days(self.end or timezone.localdate()) for p in self.periods if p.kind != "custody"
        )


def _ddmmyyyy(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def build_timeline(person: Person, today: dt.date | None = None) -> Timeline:
    """The person's sentence as alternating periods in custody and in the community, from a
    person loaded by :func:`person_with_history` (no further queries)."""
    today = today or timezone.localdate()
    timeline = Timeline(end=today)
    sentence = getattr(person, "sentence", None)
    releases = list(person.releases.all())
    if sentence is None:
        return timeline
    timeline.start = sentence.sentence_date
    timeline.events.append(
        Event(sentence.sentence_date, "sentence", f"Sentenced ({sentence.sentence_type})")
    )
    timeline.events.append(Event(sentence.tariff_expiry_date, "tariff_expiry", "Tariff expired"))
    custody_from = sentence.sentence_date
    for number, release in enumerate(releases, start=1):
        timeline.periods.append(Period("custody", custody_from, release.date, "In custody"))
        where = " to approved premises" if release.approved_premises else ""
        timeline.events.append(
            Event(release.date, "release", f"Release {number} from {release.prison}{where}")
        )
        recall = getattr(release, "recall", None)
        if recall is None:
            timeline.periods.append(Period("community", release.date, None, "On licence"))
            break
        timeline.periods.append(Period("community", release.date, recall.recall_date, "On licence"))
        timeline.events.append(Event(recall.recall_date, "recall", f"Recall {number}"))
        if recall.returned_to_custody is None:
            timeline.periods.append(
                Period("at_large", recall.recall_date, None, "Recalled, at large")
            )
            break
        if recall.returned_to_custody > recall.recall_date:
            timeline.periods.append(
                Period(
                    "at_large", recall.recall_date, recall.returned_to_custody, "Recalled, at large"
                )
            )
        timeline.events.append(
            Event(recall.returned_to_custody, "return_to_custody", "Returned to custody")
        )
        custody_from = recall.returned_to_custody
    else:
        timeline.periods.append(Period("custody", custody_from, None, "In custody"))
    timeline.events.sort(key=lambda e: (e.date, e.kind != "sentence"))
    timeline.svg = _timeline_svg_geometry(sentence.sentence_date, timeline, today)
    return timeline


SVG_WIDTH = 960
SVG_MARGIN = 40
# Each kind of period's colour and the pattern drawn over it (includes/timeline_defs.html):
# the periods differ by more than colour (WCAG 1.4.1). Community time is the one plain bar.
TIMELINE_FILLS = {"custody": "#d4351c", "community": "#00703c", "at_large": "#f47738"}
TIMELINE_PATTERNS = {
    "custody": "timeline-pattern-custody",
    "community": "",
    "at_large": "timeline-pattern-at_large",
}


def _timeline_svg_geometry(start: dt.date, timeline: Timeline, today: dt.date) -> dict[str, Any]:
    """Positions (in SVG user units) for the bars, event markers and year ticks."""
    span_days = max((today - start).days, 1)
    inner = SVG_WIDTH - 2 * SVG_MARGIN

    def x(day: dt.date) -> float:
        offset = min(max((day - start).days, 0), span_days)
        return round(SVG_MARGIN + inner * offset / span_days, 1)

    bars = [
        {
            "x": x(p.start),
            "width": max(round(x(p.end or today) - x(p.start), 1), 1.0),
            "kind": p.kind,
            "fill": TIMELINE_FILLS[p.kind],
            "pattern": TIMELINE_PATTERNS[p.kind],
            "title": f"{p.label}: {_ddmmyyyy(p.start)} to {_ddmmyyyy(p.end) if p.end else 'now'}",
        }
        for p in timeline.periods
    ]
    markers = []
    recalls = 0
    for e in timeline.events:
        if e.date > today:
            continue
        recalls += e.kind == "recall"
        short = f"R{recalls}" if e.kind == "recall" else ""  # recalls are labelled R1, R2…
        markers.append(
            {
                "x": x(e.date),
                "kind": e.kind,
                "short": short,
                "title": f"{e.label}: {_ddmmyyyy(e.date)}",
            }
        )
    step = 1 if span_days < 365 * 8 else 2 if span_days < 365 * 16 else 5
    years = range(start.year + 1, today.year + 1, step)
    ticks = [{"x": x(dt.date(year, 1, 1)), "label": str(year)} for year in years]
    return {"width": SVG_WIDTH, "height": 120, "bars": bars, "markers": markers, "ticks": ticks}


# ---------------------------------------------------------------------------------------------
# Read audit (issue 7)

CASE_VIEWERS_PAGE_SIZE = 50


def case_viewers(person: Person, *, page_number: Any = 1) -> Page[Any]:
    """One page of who viewed ``person``'s case, newest first, with each viewer (two queries:
    the count and the page)."""
    rows = (
        CaseViewEvent.objects.filter(person=person)
        .select_related("user")
        .order_by("-viewed_at", "-id")
    )
    return Paginator(rows, CASE_VIEWERS_PAGE_SIZE).get_page(page_number)
