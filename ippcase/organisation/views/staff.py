"""The staff pages: the list, a new member (the invitation), a member's page and its actions
(roles, team, unlock, deactivate, reactivate). Everything needs ``ippcase.administer``; a member
the user does not administer answers 404."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ippcase.core.forms import ErrorSummary, error_summary, summary_error
from ippcase.core.http import AppRequest, role_required
from ippcase.models import User, labels
from ippcase.organisation import forms, selectors, services
from ippcase.vocab import Role

ADMINISTER = "ippcase.administer"


def administered_member(request: AppRequest, pk: int) -> User:
    member = get_object_or_404(User.objects.select_related("team", "team__pdu"), pk=pk)
    if not request.user.has_perm("ippcase.administer_user", member):
        raise Http404("No such member of staff.")
    return member


@require_GET
@role_required(ADMINISTER)
def staff_list(request: AppRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    team_code = request.GET.get("team", "")[:20]
    page = selectors.staff_page(
        request.user, team_code=team_code, query=query, page_number=request.GET.get("page", 1)
    )
    return render(
        request,
        "organisation/staff_list.html",
        {
            "page": page,
            "query": query,
            "team_code": team_code,
            "teams": list(selectors.teams_for(request.user)),
        },
    )


@role_required(ADMINISTER)
def staff_new(request: AppRequest) -> HttpResponse:
    admin = selectors.is_admin(request.user)
    form = forms.StaffForm(
        request.POST if request.method == "POST" else None,
        teams=selectors.teams_for(request.user),
        admin=admin,
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = services.staff_create(
                actor=request.user, site_url=request.build_absolute_uri("/"), **form.cleaned_data
            )
        except services.AdminError as error:
            form.add_error(None, str(error))
        else:
            if settings.OIDC_ENABLED:
                text = (
                    f"Account created for {member.display_name}. They sign in with "
                    f"{settings.OIDC_PROVIDER_NAME}: we have emailed them to say so."
                )
            else:
                text = (
                    f"Account created for {member.display_name}. We have emailed them a link to "
                    "choose their password; it works once, for 3 days."
                )
            messages.success(request, text)
            return redirect("admin_staff_member", pk=member.pk)
    return render(
        request,
        "organisation/staff_new.html",
        {
            "form": form,
            "errors": error_summary(form) if form.errors else [],
            "oidc_enabled": settings.OIDC_ENABLED,
        },
    )


def member_page(
    request: AppRequest,
    member: User,
    *,
    roles_form: forms.RolesForm | None = None,
    team_form: forms.TeamChangeForm | None = None,
    errors: ErrorSummary | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    admin = selectors.is_admin(user)
    expected = selectors.user_marker(member)
    summary = selectors.member_summary(member)
    roles_form = roles_form or forms.RolesForm(
        admin=admin, initial={"roles": member.roles, "expected": expected}
    )
    team_form = team_form or forms.TeamChangeForm(
        teams=selectors.teams_for(user),
        admin=admin,
        initial={"team": member.team_id, "expected": expected},
    )
    if errors is None:
        errors = []
        for form in (roles_form, team_form):
            if form.is_bound and form.errors:
                errors += error_summary(form)
    context: dict[str, Any] = {
        "member": member,
        "summary": summary,
        "expected": expected,
        "roles_form": roles_form,
        "team_form": team_form,
        "errors": errors,
        "is_self": member.pk == user.pk,
        "role_labels": labels(Role, list(member.roles)),
        "may_manage": admin or not member.has_role(Role.ADMIN, Role.PPCS),
    }
    return render(request, "organisation/staff_member.html", context, status=status)


@require_GET
@role_required(ADMINISTER)
def staff_member(request: AppRequest, pk: int) -> HttpResponse:
    return member_page(request, administered_member(request, pk))


@require_POST
@role_required(ADMINISTER)
def staff_roles(request: AppRequest, pk: int) -> HttpResponse:
    member = administered_member(request, pk)
    form = forms.RolesForm(request.POST, admin=selectors.is_admin(request.user))
    if form.is_valid():
        try:
            services.staff_set_roles(
                actor=request.user,
                member_id=member.pk,
                roles=form.cleaned_data["roles"],
                expected=form.cleaned_data["expected"],
            )
        except services.AdminError as error:
            return member_page(request, member, roles_form=form, errors=summary_error(error))
        messages.success(request, f"Roles of {member.display_name} changed.")
        return redirect("admin_staff_member", pk=member.pk)
    return member_page(request, member, roles_form=form)


@require_POST
@role_required(ADMINISTER)
def staff_team(request: AppRequest, pk: int) -> HttpResponse:
    member = administered_member(request, pk)
    form = forms.TeamChangeForm(
        request.POST,
        teams=selectors.teams_for(request.user),
        admin=selectors.is_admin(request.user),
    )
    if form.is_valid():
        try:
            services.staff_set_team(
                actor=request.user,
                member_id=member.pk,
                team=form.cleaned_data["team"],
                expected=form.cleaned_data["expected"],
            )
        except services.AdminError as error:
            return member_page(request, member, team_form=form, errors=summary_error(error))
        messages.success(request, f"Team of {member.display_name} changed.")
        return redirect("admin_staff_member", pk=member.pk)
    return member_page(request, member, team_form=form)


@require_POST
@role_required(ADMINISTER)
def staff_unlock(request: AppRequest, pk: int) -> HttpResponse:
    member = administered_member(request, pk)
    try:
        services.staff_unlock(actor=request.user, member_id=member.pk)
    except services.AdminError as error:
        return member_page(request, member, errors=summary_error(error))
    messages.success(request, f"{member.display_name} can sign in again.")
    return redirect("admin_staff_member", pk=member.pk)


@role_required(ADMINISTER)
def staff_deactivate(request: AppRequest, pk: int) -> HttpResponse:
    member = administered_member(request, pk)
    errors: ErrorSummary = []
    if request.method == "POST":
        form = forms.ExpectedForm(request.POST)
        if not form.is_valid():
            errors = error_summary(form)
        else:
            try:
                services.staff_deactivate(
                    actor=request.user,
                    member_id=member.pk,
                    expected=form.cleaned_data["expected"],
                )
            except services.AdminError as error:
                errors = summary_error(error)
            else:
                messages.success(request, f"{member.display_name}'s account is deactivated.")
                return redirect("admin_staff_member", pk=member.pk)
    cases = [
        {
            "crn": a.person.crn,
            "name": a.person.full_name,
            "url": reverse("transfer_case", args=[a.person.crn]),
        }
        for a in selectors.open_allocations(member)
    ]
    return render(
        request,
        "organisation/staff_deactivate.html",
        {
            "member": member,
            "cases": cases,
            "errors": errors,
            "expected": selectors.user_marker(member),
            "is_self": member.pk == request.user.pk,
            "last_admin": selectors.last_active_admin(member),
        },
    )


@require_POST
@role_required(ADMINISTER)
def staff_reactivate(request: AppRequest, pk: int) -> HttpResponse:
    member = administered_member(request, pk)
    form = forms.ExpectedForm(request.POST)
    if not form.is_valid():
        return member_page(request, member, errors=error_summary(form))
    try:
        services.staff_reactivate(
            actor=request.user, member_id=member.pk, expected=form.cleaned_data["expected"]
        )
    except services.AdminError as error:
        return member_page(request, member, errors=summary_error(error))
    messages.success(request, f"{member.display_name}'s account is active again.")
    return redirect("admin_staff_member", pk=member.pk)
