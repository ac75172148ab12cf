"""The caseload: the people a user may see, filtered and searched, with where each is now,
the COM, any recall recommendation under way and the report deadline, in one query a page.

It brings the recall and parole work together, so it sits above both (docs/architecture.md).
"""

from __future__ import annotations

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from ippcase.cases.selectors import CaseStatus, current_com_name, search_text, stored_status
from ippcase.core.permissions import visible_people
from ippcase.models import Allocation, Person, Team, User
from ippcase.vocab import Role
from parole.selectors import PAROLE_WORK, parole_work_filter


def caseload(
    user: User,
    *,
    query: str = "",
    team_code: str = "",
    parole_work: str = "",
    practitioner: str = "",
    status: str = "",
    page_number: int | str = 1,
    per_page: int = 25,
) -> Page:
    """A page of the people ``user`` may see, filtered by name/CRN and team (and, for the
    dashboard, to the people allocated now to the ``practitioner`` with that username), with
    the current COM, status (and the licence end date) and recall count annotated in the same
    query; ``status`` keeps one :class:`CaseStatus`."""
    # Everything about where the person is now comes from their stored position (one join; the
    # database keeps it, docs/performance.md): no subquery a person for the status, the recall
    # count, the recommendation under way or the report deadline.
    qs = (
        visible_people(user)
        .select_related("team", "sentence")
        .annotate(
            latest_release_id=F("position__latest_release_id"),
            recall_count=Coalesce(F("position__recall_count"), 0),
            com_name=current_com_name(),
            recommendation_status=NullIf(F("position__live_status"), Value("")),
            licence_ends_on=F("position__licence_ends_on"),
            licence_terminated_on=F("position__licence_terminated_on"),
            status=stored_status(),
            report_rtc=F("position__report_rtc_on"),
        )
    )
    query = search_text(query).strip()
    team_code, practitioner = search_text(team_code), search_text(practitioner)
    if query:
        terms = query.split()
        if len(terms) == 1 and terms[0].upper()[:1].isalpha() and terms[0][1:].isdigit():
            qs = qs.filter(crn__iexact=terms[0])
        else:
            for term in terms:
                qs = qs.filter(
                    Q(first_name__icontains=term)
                    | Q(last_name__icontains=term)
                    | Q(crn__iexact=term)
                )
    if team_code:
        qs = qs.filter(team__code=team_code)
    if status in CaseStatus.LABELS:  # an unknown value filters nothing, like a stale link
        qs = qs.filter(status=status)
    if practitioner:
        qs = qs.filter(
            Exists(
                Allocation.objects.filter(
                    person=OuterRef("pk"),
                    end_date__isnull=True,
                    practitioner__username=practitioner,
                )
            )
        )
    if parole_work in PAROLE_WORK:  # an unknown value filters nothing, like a stale link
        qs = qs.filter(parole_work_filter(parole_work))
    paginator = Paginator(qs.order_by("last_name", "first_name", "crn"), per_page)
    return paginator.get_page(page_number)


def teams_for_filter(user: User) -> QuerySet[Team]:
    """The teams whose people ``user`` can see, for the caseload filter."""
    return Team.objects.filter(pk__in=visible_people(user).values("team_id")).order_by("name")


def unallocated_people(user: User) -> QuerySet[Person]:
    """The people waiting for allocation (no team) that ``user`` may see on the unallocated
    list: administrators all of them (the national list and every PDU's); managers, senior
    managers and local administrators those on their own PDU's list (``awaiting_pdu`` is their
    team's PDU); anyone else none. Each person has ``added_at`` (when the case was created, from
    its audit trail) and the PDU and sentence loaded; oldest first, so the longest waiting lead."""
    qs = Person.objects.filter(team__isnull=True)
    if not user.has_role(Role.ADMIN):
        team = user.team
        if team is None or not user.has_role(Role.MANAGER, Role.SENIOR_MANAGER, Role.LOCAL_ADMIN):
            return qs.none()
        qs = qs.filter(awaiting_pdu_id=team.pdu_id)
    # The audit trail's insert event: the Person model has no creation time of its own.
    added = (
        apps.get_model("ippcase", "PersonEvent")
        ._default_manager.filter(pgh_obj_id=OuterRef("pk"), pgh_label="insert")
        .order_by("pgh_created_at")
    )
    return (
        qs.select_related("awaiting_pdu", "sentence")
        .annotate(added_at=Subquery(added.values("pgh_created_at")[:1]))
        .order_by(F("added_at").asc(nulls_last=True), "last_name", "first_name", "crn")
    )
