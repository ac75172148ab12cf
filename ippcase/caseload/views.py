"""The caseload page (each role's home page is in home_views.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ippcase.caseload import selectors as caseload_selectors
from ippcase.cases.selectors import CaseStatus
from ippcase.core.http import AppRequest, role_required
from parole import selectors as parole_selectors
from recall import reminders
from recall.vocab import RecommendationStatus


def add_report_deadlines(people: Iterable[Any]) -> None:
    """Set ``deadline`` (the report deadline badge) on each person of a caseload page, with the
    one holiday calendar of the recall app (one query)."""
    calendar, today = reminders.calendar(), timezone.localdate()
    for person in people:
        person.deadline = (
            reminders.deadline_from_rtc(person.report_rtc, today=today, calendar=calendar)
            if person.report_rtc
            else None
        )


@require_GET
@role_required()
def caseload(request: AppRequest) -> HttpResponse:
    page = caseload_selectors.caseload(
        request.user,
        query=request.GET.get("q", ""),
        team_code=request.GET.get("team", ""),
        parole_work=request.GET.get("work", ""),
        status=request.GET.get("status", ""),
        page_number=request.GET.get("page", 1),
        per_page=settings.CASELOAD_PAGE_SIZE,
    )
    add_report_deadlines(page.object_list)
    unallocated_count = 0
    if not request.htmx and request.user.has_perm("ippcase.view_unallocated"):
        unallocated_count = caseload_selectors.unallocated_people(request.user).count()
    context = {
        "unallocated_count": unallocated_count,
        "page": page,
        "query": request.GET.get("q", ""),
        "team_code": request.GET.get("team", ""),
        "work": request.GET.get("work", ""),
        "status": request.GET.get("status", ""),
        "parole_work": parole_selectors.PAROLE_WORK,
        "teams": caseload_selectors.teams_for_filter(request.user),
        "status_labels": CaseStatus.LABELS,
        "recommendation_labels": dict(RecommendationStatus.choices),
    }
    template = "ippcase/caseload.html#results" if request.htmx else "ippcase/caseload.html"
    return render(request, template, context)
