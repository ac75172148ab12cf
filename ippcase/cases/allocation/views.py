"""The allocation pages of a case: the history and the receiving team (step 1), then the new
COM, the start date and the reason (step 2). For the managers of the case's PDU and
administrators (``ippcase.transfer_case``): out of scope 404, in scope without it 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ippcase.cases import selectors as case_selectors
from ippcase.cases.allocation import forms, selectors, services
from ippcase.cases.pages import person_context
from ippcase.core.forms import ErrorSummary, error_summary, summary_error
from ippcase.core.http import AppRequest, role_required
from ippcase.models import Person
from recall.deadlines import long_date

PERM = "ippcase.transfer_case"
COM_THRESHOLD = 3  # "three or more COMs since release", as the dashboard's continuity panel


def _context(request: AppRequest, crn: str) -> dict[str, Any]:
    context = person_context(request, crn, "overview", perm=PERM)
    person: Person = context["person"]
    unallocated = person.team_id is None
    context.update(
        unallocated=unallocated,
        action="Allocate" if unallocated else "Transfer",
        coms_since_release=case_selectors.coms_since_latest_release(person),
        com_threshold=COM_THRESHOLD,
    )
    return context


@require_http_methods(["GET", "POST"])
@role_required()
def transfer_case(request: AppRequest, crn: str) -> HttpResponse:
    context = _context(request, crn)
    person: Person = context["person"]
    groups = selectors.teams_by_pdu()
    posted = request.POST if request.method == "POST" else None
    form = forms.TeamForm(posted, groups=groups)
    errors: ErrorSummary = []
    if posted is not None:
        if form.is_valid():
            return redirect(
                "transfer_case_to_team", crn=person.crn, team_code=form.cleaned_data["team"]
            )
        errors = error_summary(form)
    context.update(
        form=form,
        errors=errors,
        groups=groups,
        history=selectors.allocation_history(person),
    )
    return render(request, "ippcase/allocation/history.html", context)


@require_http_methods(["GET", "POST"])
@role_required()
def transfer_case_to_team(request: AppRequest, crn: str, team_code: str) -> HttpResponse:
    context = _context(request, crn)
    person: Person = context["person"]
    team = selectors.team_by_code(team_code)
    if team is None:
        raise Http404("No such team.")
    current = case_selectors.current_allocation(person)
    posted = request.POST if request.method == "POST" else None
    form = forms.TransferForm(
        posted,
        practitioners=selectors.active_practitioners(team),
        current_start=current.start_date if current else None,
        initial={"allocation": forms.marker(current.pk if current else None)},
    )
    errors: ErrorSummary = []
    if posted is not None:
        if form.is_valid():
            try:
                allocation = services.transfer_case(
                    person_id=person.pk,
                    practitioner=form.chosen,
                    start_date=form.cleaned_data["start_date"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    expected_allocation_id=form.cleaned_data["allocation"],
                    team=team,
                    submission_key=form.once_key(),
                )
            except services.TransferError as error:
                errors = summary_error(error)
            else:
                messages.success(
                    request,
                    f"Case {services.verb_for(person)} to {form.chosen.display_name} "
                    f"({team.name}) from {long_date(allocation.start_date)}.",
                )
                return redirect("person_overview", crn=person.crn)
        else:
            errors = error_summary(form)
    context.update(form=form, errors=errors, team=team, current=current)
    return render(request, "ippcase/allocation/transfer.html", context)
