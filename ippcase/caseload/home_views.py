"""Each role's home page and the header search (issue 16; docs/home-pages.md)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ippcase.caseload import home as home_selectors
from ippcase.cases.selectors import CaseStatus
from ippcase.core.http import AppRequest, role_required
from ippcase.vocab import Role
from recall.meeting_selectors import overdue_for_owner


@require_GET
@role_required()
def home(request: AppRequest) -> HttpResponse:
    """``/``: the practitioner's cases, the manager's "waiting for you", PPCS's queue, the
    quality-assurance samples for a QA lead, the administration home for administrators only,
    else the caseload."""
    user = request.user
    if user.has_role(Role.PRACTITIONER):
        return render(
            request,
            "ippcase/home_practitioner.html",
            {
                "rows": home_selectors.practitioner_rows(user),
                "team": user.team,
                "overdue_actions": overdue_for_owner(user),
            },
        )
    if user.has_role(Role.MANAGER, Role.SENIOR_MANAGER):
        return render(
            request,
            "ippcase/home_manager.html",
            {"home": home_selectors.manager_home(user), "overdue_actions": overdue_for_owner(user)},
        )
    if user.has_role(Role.PPCS):
        return redirect("recall:ppcs_queue")
    if set(user.roles) - {Role.ADMIN, Role.LOCAL_ADMIN} == {Role.QA_LEAD}:
        # A QA lead's only case work is quality assurance (issue 19). caseload sits below
        # quality, so it names the page, it does not import it.
        return redirect("quality:samples")
    if set(user.roles) <= {Role.ADMIN, Role.LOCAL_ADMIN}:
        return redirect("administration")
    return redirect("caseload")


@require_GET
@role_required("ippcase.search_people")
def search(request: AppRequest) -> HttpResponse:
    query = home_selectors.search_text(request.GET.get("q", "")).strip()
    page = home_selectors.search(
        request.user,
        query,
        page_number=request.GET.get("page", 1),
        per_page=settings.CASELOAD_PAGE_SIZE,
    )
    for person in page.object_list:
        person.status_label, person.status_class = CaseStatus.LABELS.get(
            person.status, (person.status, "govuk-tag--grey")
        )
    return render(request, "ippcase/search.html", {"query": query, "page": page})
