"""The administration home and the pages of regions, PDUs and teams. Everything needs
``ippcase.administer``; regions and renaming PDUs need ``ippcase.administer_regions``
(administrators); a PDU or team the user does not administer answers 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from ippcase.core.forms import ErrorSummary, error_summary, summary_error
from ippcase.core.http import AppRequest, role_required
from ippcase.models import Pdu, Region, Team
from ippcase.organisation import forms, selectors, services

ADMINISTER = "ippcase.administer"
REGIONS = "ippcase.administer_regions"


def _page(request: AppRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    form = context.get("form")
    context.setdefault("errors", error_summary(form) if form is not None and form.errors else [])
    return render(request, f"organisation/{template}", context)


def administered_pdu(request: AppRequest, code: str) -> Pdu:
    pdu = get_object_or_404(Pdu.objects.select_related("region"), code=code)
    if not request.user.has_perm("ippcase.administer_pdu", pdu):
        raise Http404("No such PDU.")
    return pdu


@require_GET
@role_required(ADMINISTER)
def home(request: AppRequest) -> HttpResponse:
    user = request.user
    return _page(
        request,
        "home.html",
        {
            "regions": selectors.organisation_tree(user),
            "waiting": selectors.waiting_accounts(user),
            "is_admin": selectors.is_admin(user),
            "no_pdu": not selectors.is_admin(user) and selectors.administered_pdu_id(user) is None,
        },
    )


@role_required(REGIONS)
def region_new(request: AppRequest) -> HttpResponse:
    form = forms.RegionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            region = services.region_create(actor=request.user, **form.cleaned_data)
        except services.AdminError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Region {region.name} added.")
            return redirect("administration")
    return _page(request, "region_new.html", {"form": form})


@role_required(REGIONS)
def region(request: AppRequest, code: str) -> HttpResponse:
    obj = get_object_or_404(Region, code=code)
    form = forms.RenameForm(
        request.POST if request.method == "POST" else None,
        initial={"name": obj.name, "expected": selectors.marker(obj.name)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.region_rename(
                actor=request.user,
                region_id=obj.pk,
                name=form.cleaned_data["name"],
                expected=form.cleaned_data["expected"],
            )
        except services.AdminError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Region renamed.")
            return redirect("admin_region", code=obj.code)
    pdus = list(obj.pdus.order_by("name"))
    return _page(request, "region.html", {"region": obj, "pdus": pdus, "form": form})


@role_required(REGIONS)
def pdu_new(request: AppRequest) -> HttpResponse:
    form = forms.PduForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            pdu = services.pdu_create(actor=request.user, **form.cleaned_data)
        except services.AdminError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"PDU {pdu.name} added.")
            return redirect("admin_pdu", code=pdu.code)
    return _page(request, "pdu_new.html", {"form": form})


@role_required(ADMINISTER)
def pdu(request: AppRequest, code: str) -> HttpResponse:
    obj = administered_pdu(request, code)
    can_rename = request.user.has_perm(REGIONS)
    if request.method == "POST" and not can_rename:
        raise PermissionDenied
    form = forms.RenameForm(
        request.POST if request.method == "POST" else None,
        initial={"name": obj.name, "expected": selectors.marker(obj.name)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.pdu_rename(
                actor=request.user,
                pdu_id=obj.pk,
                name=form.cleaned_data["name"],
                expected=form.cleaned_data["expected"],
            )
        except services.AdminError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "PDU renamed.")
            return redirect("admin_pdu", code=obj.code)
    teams = list(selectors.organisation_team_counts(obj))
    return _page(
        request,
        "pdu.html",
        {"pdu": obj, "teams": teams, "form": form, "can_rename": can_rename},
    )


@role_required(ADMINISTER)
def team_new(request: AppRequest) -> HttpResponse:
    pdus = selectors.pdus_for(request.user)
    form = forms.TeamForm(
        request.POST if request.method == "POST" else None,
        pdus=pdus,
        initial={"pdu": request.GET.get("pdu")} if request.method == "GET" else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(actor=request.user, **form.cleaned_data)
        except services.AdminError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Team {team.name} added.")
            return redirect("admin_team", code=team.code)
    return _page(request, "team_new.html", {"form": form, "no_pdus": not pdus.exists()})


def administered_team(request: AppRequest, code: str) -> Team:
    obj = get_object_or_404(Team.objects.select_related("pdu", "pdu__region"), code=code)
    if not request.user.has_perm("ippcase.administer_pdu", obj.pdu):
        raise Http404("No such team.")
    return obj


def _team_page(
    request: AppRequest,
    obj: Team,
    *,
    form: forms.RenameForm | None = None,
    period_form: forms.PanelPeriodForm | None = None,
    errors: ErrorSummary | None = None,
) -> HttpResponse:
    if form is None:
        form = forms.RenameForm(initial={"name": obj.name, "expected": selectors.marker(obj.name)})
    if period_form is None:
        period_form = forms.PanelPeriodForm(
            initial={
                "panel_period_months": obj.panel_period_months,
                "expected": selectors.marker(obj.panel_period_months),
            }
        )
    if errors is None:
        errors = error_summary(form) if form.errors else []
        errors += error_summary(period_form) if period_form.errors else []
    return _page(
        request,
        "team.html",
        {
            "team": obj,
            "members": selectors.team_members(obj),
            "form": form,
            "period_form": period_form,
            "errors": errors,
        },
    )


@role_required(ADMINISTER)
def team(request: AppRequest, code: str) -> HttpResponse:
    obj = administered_team(request, code)
    form = forms.RenameForm(
        request.POST if request.method == "POST" else None,
        initial={"name": obj.name, "expected": selectors.marker(obj.name)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.team_rename(
                actor=request.user,
                team_id=obj.pk,
                name=form.cleaned_data["name"],
                expected=form.cleaned_data["expected"],
            )
        except services.AdminError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Team renamed.")
            return redirect("admin_team", code=obj.code)
    return _team_page(request, obj, form=form)


@require_POST
@role_required(ADMINISTER)
def team_panel_period(request: AppRequest, code: str) -> HttpResponse:
    """Change how many months a panel or meeting counts for a recommendation (issue 19)."""
    obj = administered_team(request, code)
    form = forms.PanelPeriodForm(request.POST)
    if form.is_valid():
        try:
            services.team_set_panel_period(
                actor=request.user,
                team_id=obj.pk,
                months=form.cleaned_data["panel_period_months"],
                expected=form.cleaned_data["expected"],
            )
        except services.AdminError as error:
            return _team_page(request, obj, period_form=form, errors=summary_error(error))
        months = form.cleaned_data["panel_period_months"]
        messages.success(
            request,
            f"A panel or meeting now counts for {months} month{'s' if months != 1 else ''}.",
        )
        return redirect("admin_team", code=obj.code)
    return _team_page(request, obj, period_form=form)
