"""Each role's home page (issue 16): what is waiting for the user, most urgent first, and the
header search. Reads only; a fixed number of queries whatever the data size (docs/home-pages.md).

It brings the recall and parole work together, so it sits above both (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db.models import DateTimeField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from ippcase.cases import licence
from ippcase.cases.selectors import latest_release, search_text, status_expression
from ippcase.core.permissions import visible_people
from ippcase.models import Allocation, Person, User
from ippcase.vocab import Role
from parole.selectors import untold_delays
from recall import reminders
from recall.models import ActionShortOfRecall, Concern, RecallRecommendation, RecallReport
from recall.selectors import tracked_report_rtc
from recall.vocab import RecommendationStatus, ReportStatus

# How far ahead a licence end counts as soon, and how far back a concern counts as recent.
LICENCE_ENDING_WITHIN = dt.timedelta(weeks=8)
RECENT_CONCERN = dt.timedelta(days=14)
RECENT_ALLOCATION = dt.timedelta(days=14)

# The reasons a person is on a practitioner's home page, most urgent first (the order of the
# rows and of the tags on a row). Each is (code, tag text).
REASONS: dict[str, str] = {
    "report_overdue": "Recall report overdue",
    "info_requested": "More information requested by PPCS",
    "untold": "Adjournment not told to the prisoner",
    "report_due_soon": "Recall report due soon",
    "ready": "Countersigned, ready to submit",
    "draft": "Recommendation in draft",
    "concern": "Recent concern, no action since",
    "licence_ending": "Licence ends within 8 weeks",
}
_RANK = {code: n for n, code in enumerate(REASONS)}
_WAITING_ON_ME = {
    RecommendationStatus.INFO_REQUESTED: "info_requested",
    RecommendationStatus.READY: "ready",
    RecommendationStatus.DRAFT: "draft",
}


@dataclass
class Reason:
    code: str
    detail: str
    url: str

    @property
    def label(self) -> str:
        return REASONS[self.code]

    @property
    def overdue(self) -> bool:
        return self.code in ("report_overdue", "info_requested", "untold")


@dataclass
class Row:
    person: Person
    reasons: list[Reason] = field(default_factory=list)

    @property
    def rank(self) -> int:
        return min(_RANK[r.code] for r in self.reasons)

    @property
    def next_url(self) -> str:
        return self.reasons[0].url


def _my_people(user: User) -> QuerySet[Person]:
    mine = Allocation.objects.filter(
        person=OuterRef("pk"), end_date__isnull=True, practitioner=user
    )
    return visible_people(user).filter(Exists(mine))


def practitioner_rows(user: User, *, today: dt.date | None = None) -> list[Row]:
    """The people allocated now to ``user`` with something to do, most urgent first, each with
    the reasons it is there (one query for the people, one for the holiday calendar)."""
    day = timezone.localdate() if today is None else today
    live_rec = RecallRecommendation.objects.filter(
        person=OuterRef("pk"), status__in=list(_WAITING_ON_ME)
    ).order_by("-created_at")
    latest_concern = Concern.objects.filter(
        person=OuterRef("pk"), struck_out_at__isnull=True
    ).order_by("-recorded_at")
    action_since = ActionShortOfRecall.objects.filter(
        person=OuterRef("pk"), struck_out_at__isnull=True, recorded_at__gte=OuterRef("concern_at")
    )
    rec_since = RecallRecommendation.objects.filter(
        person=OuterRef("pk"), created_at__gte=OuterRef("concern_at")
    )
    untold = untold_delays(today=day).filter(review__recall__release__person=OuterRef("pk"))
    qs = (
        _my_people(user)
        .select_related("team")
        .annotate(
            latest_release_id=Subquery(latest_release().values("pk")[:1]),
            rec_id=Subquery(live_rec.values("pk")[:1]),
            rec_status=Subquery(live_rec.values("status")[:1]),
            licence_ends_on=licence.licence_ends_on(),
            concern_at=Subquery(latest_concern.values("recorded_at")[:1]),
            has_untold=Exists(untold),
        )
        .annotate(
            report_rtc=tracked_report_rtc(),
            report_recall_id=Subquery(
                RecallRecommendation.objects.filter(
                    recall__release_id=OuterRef("latest_release_id")
                ).values("pk")[:1]
            ),
            concern_open=Q(concern_at__gte=timezone.now() - RECENT_CONCERN)
            & ~Q(Exists(action_since))
            & ~Q(Exists(rec_since)),
        )
    )
    ending = Q(licence_ends_on__gte=day, licence_ends_on__lte=day + LICENCE_ENDING_WITHIN)
    qs = qs.filter(
        Q(report_rtc__isnull=False)
        | Q(rec_id__isnull=False)
        | Q(has_untold=True)
        | Q(concern_open=True)
        | ending
    ).order_by("last_name", "first_name", "crn")
    calendar = reminders.calendar()
    rows = []
    for person in qs:
        row = Row(person)
        overview = reverse("person_overview", args=[person.crn])
        if person.report_rtc and person.report_recall_id:
            deadline = reminders.deadline_from_rtc(person.report_rtc, today=day, calendar=calendar)
            url = reverse("recall:report", args=[person.report_recall_id])
            if deadline and deadline.is_overdue:
                row.reasons.append(Reason("report_overdue", deadline.label, url))
            elif deadline and deadline.badge in ("due_soon", "due_today"):
                row.reasons.append(Reason("report_due_soon", deadline.label, url))
        if person.rec_id:
            code = _WAITING_ON_ME[person.rec_status]
            url = reverse("recall:recommendation", args=[person.rec_id])
            row.reasons.append(Reason(code, "", url))
        if person.has_untold:
            url = reverse("parole:person_parole", args=[person.crn]) + "#parole-reviews"
            row.reasons.append(Reason("untold", "Tell them and record the date", url))
        if person.concern_open:
            url = reverse("recall:concerns", args=[person.crn])
            when = timezone.localtime(person.concern_at).strftime("%-d %B %Y")
            row.reasons.append(Reason("concern", f"Recorded {when}", url))
        ends = person.licence_ends_on
        if ends is not None and day <= ends <= day + LICENCE_ENDING_WITHIN:
            row.reasons.append(Reason("licence_ending", f"Ends {ends:%-d %B %Y}", overview))
        if row.reasons:
            row.reasons.sort(key=lambda r: _RANK[r.code])
            rows.append(row)
    rows.sort(key=lambda r: r.rank)  # stable: by name within a rank
    return rows


# ---------------------------------------------------------------------------------------------
# Managers (SPO) and senior managers (ACO)


@dataclass
class ManagerHome:
    to_countersign: list[Any]  # RecallRecommendation with sent_at and hours_waiting
    reports_to_countersign: list[RecallReport]
    overdue_reports: list[Any]  # Person with deadline and report_rec_id
    new_allocations: list[Allocation]


def _sent_at(status_field: str = "status") -> Coalesce:
    """When the recommendation entered its current status: the earliest audit event in that
    status after the latest event in another (so a resubmission restarts the clock); else
    ``updated_at``."""
    events = apps.get_model("recall", "RecallRecommendationEvent")
    last_other = (
        events.objects.filter(pgh_obj_id=OuterRef(OuterRef("pk")))
        .exclude(status=OuterRef(OuterRef(status_field)))
        .order_by("-pgh_created_at")
        .values("pgh_created_at")[:1]
    )
    first_in_status = (
        events.objects.filter(pgh_obj_id=OuterRef("pk"), status=OuterRef(status_field))
        .filter(
            pgh_created_at__gt=Coalesce(
                Subquery(last_other),
                Value(dt.datetime(1970, 1, 1, tzinfo=dt.UTC), output_field=DateTimeField()),
            )
        )
        .order_by("pgh_created_at")
        .values("pgh_created_at")[:1]
    )
    return Coalesce(Subquery(first_in_status), F("updated_at"), output_field=DateTimeField())


def manager_home(user: User, *, today: dt.date | None = None) -> ManagerHome:
    """What waits for an SPO (manager) or ACO (senior manager) in their PDU: recommendations
    at their level of countersignature (oldest first, with when they were sent), Part B
    reports to countersign, reports overdue, and cases allocated into the PDU's teams lately."""
    day = timezone.localdate() if today is None else today
    if user.team is None:
        return ManagerHome([], [], [], [])
    pdu_id = user.team.pdu_id
    statuses = []
    if user.has_role(Role.MANAGER):
        statuses.append(RecommendationStatus.AWAITING_SPO)
    if user.has_role(Role.SENIOR_MANAGER):
        statuses.append(RecommendationStatus.AWAITING_ACO)
    now = timezone.now()
    recs: list[Any] = list(
        RecallRecommendation.objects.filter(status__in=statuses, person__team__pdu_id=pdu_id)
        .select_related("person__team")
        .annotate(sent_at=_sent_at())
        .order_by("sent_at", "pk")
    )
    for rec in recs:
        rec.hours_waiting = int((now - rec.sent_at).total_seconds() // 3600)
    reports = []
    if user.has_role(Role.MANAGER):
        reports = list(
            RecallReport.objects.filter(
                status=ReportStatus.AWAITING_SPO,
                recall__release__person__team__pdu_id=pdu_id,
            )
            .select_related("recall__release__person__team", "recall__recommendation")
            .order_by("updated_at", "pk")
        )
    late = (
        Person.objects.filter(team__pdu_id=pdu_id)
        .select_related("team")
        .annotate(latest_release_id=Subquery(latest_release().values("pk")[:1]))
        .annotate(report_rtc=tracked_report_rtc())
        .filter(report_rtc__isnull=False)
        .annotate(
            report_rec_id=Subquery(
                RecallRecommendation.objects.filter(
                    recall__release_id=OuterRef("latest_release_id")
                ).values("pk")[:1]
            )
        )
        .order_by("report_rtc", "last_name")
    )
    calendar = reminders.calendar()
    overdue: list[Any] = []
    person: Any
    for person in late:
        deadline = reminders.deadline_from_rtc(person.report_rtc, today=day, calendar=calendar)
        if deadline and deadline.is_overdue:
            person.deadline = deadline
            overdue.append(person)
    allocations = list(
        Allocation.objects.filter(
            person__team__pdu_id=pdu_id,
            end_date__isnull=True,
            start_date__gte=day - RECENT_ALLOCATION,
        )
        .select_related("person__team", "practitioner")
        .order_by("-start_date", "pk")
    )
    return ManagerHome(recs, reports, overdue, allocations)


# ---------------------------------------------------------------------------------------------
# The header search


def search(user: User, query: str, *, page_number: int | str = 1, per_page: int = 25) -> Page:
    """People ``user`` may see whose CRN or NOMIS number is the query, or whose first or last
    name contains every word of it (case-insensitive), with status and team; by name."""
    terms = search_text(query).split()
    qs = visible_people(user)
    if not terms:
        qs = qs.none()
    for term in terms:
        qs = qs.filter(
            Q(crn__iexact=term)
            | Q(nomis_number__iexact=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
        )
    qs = (
        qs.select_related("team", "awaiting_pdu")
        .annotate(
            latest_release_id=Subquery(latest_release().values("pk")[:1]),
            licence_ends_on=licence.licence_ends_on(),
        )
        .annotate(status=status_expression(ends_on=F("licence_ends_on")))
        .order_by("last_name", "first_name", "crn")
    )
    return Paginator(qs, per_page).get_page(page_number)
