"""The licence record pages of a case: the licence (conditions in force and past, with their
variations), record a release, add, vary and end a condition. Thin: access (404 out of scope,
403 without ``ippcase.change_case`` on the person), a form, one service call."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ippcase.cases.licence_record import forms, selectors, services
from ippcase.cases.pages import case_header, case_person
from ippcase.core.forms import error_summary
from ippcase.core.http import AppRequest, role_required
from ippcase.models import LicenceCondition, Person

CHANGE_CASE = "ippcase.change_case"


def _render(
    request: AppRequest, person: Person, template: str, form: Any, **extra: Any
) -> HttpResponse:
    context = case_header(request, person, "licence")
    context.update(form=form, errors=error_summary(form) if form.is_bound else [], **extra)
    return render(request, f"ippcase/licence/{template}", context)


def _refused(form: Any, error: services.LicenceRecordError) -> None:
    for message in error.messages:
        form.add_error(None, message)


@require_GET
@role_required()
def licence_conditions(request: AppRequest, crn: str) -> HttpResponse:
    person = case_person(request, crn)
    context = case_header(request, person, "licence")
    context.update(
        rows=selectors.condition_rows(person),
        can_change=request.user.has_perm(CHANGE_CASE, person),
        may_record_release=selectors.may_record_release(person),
    )
    return render(request, "ippcase/licence/licence.html", context)


@require_http_methods(["GET", "POST"])
@role_required()
def record_release(request: AppRequest, crn: str) -> HttpResponse:
    person = case_person(request, crn, perm=CHANGE_CASE)
    marker = services.releases_marker(list(person.releases.all()))
    if request.method == "POST":
        form = forms.ReleaseForm(request.POST)
        if form.is_valid():
            try:
                services.record_release(
                    person=person,
                    actor=request.user,
                    submission_key=form.once_key(),
                    **form.service_kwargs(),
                )
            except services.LicenceRecordError as error:
                _refused(form, error)
            else:
                messages.success(request, "Release recorded.")
                return redirect("licence_conditions", crn=person.crn)
    else:
        form = forms.ReleaseForm(initial={"marker": marker})
    return _render(request, person, "release.html", form, marker=marker)


@require_http_methods(["GET", "POST"])
@role_required()
def add_condition(request: AppRequest, crn: str) -> HttpResponse:
    person = case_person(request, crn, perm=CHANGE_CASE)
    if request.method == "POST":
        form = forms.AddConditionForm(request.POST)
        if form.is_valid():
            try:
                services.add_condition(
                    person=person,
                    actor=request.user,
                    submission_key=form.once_key(),
                    **form.service_kwargs(),
                )
            except services.LicenceRecordError as error:
                _refused(form, error)
            else:
                messages.success(request, "Licence condition added.")
                return redirect("licence_conditions", crn=person.crn)
    else:
        form = forms.AddConditionForm()
    return _render(request, person, "add.html", form)


def _condition(person: Person, pk: int) -> LicenceCondition:
    condition = next((c for c in person.licence_conditions.all() if c.pk == pk), None)
    if condition is None:
        raise Http404("No such licence condition on this case.")
    return condition


@require_http_methods(["GET", "POST"])
@role_required()
def vary_condition(request: AppRequest, crn: str, pk: int) -> HttpResponse:
    person = case_person(request, crn, perm=CHANGE_CASE)
    condition = _condition(person, pk)
    if request.method == "POST":
        form = forms.VaryConditionForm(request.POST)
        if form.is_valid():
            try:
                services.vary_condition(
                    person=person, actor=request.user, condition_id=pk, **form.service_kwargs()
                )
            except services.LicenceRecordError as error:
                _refused(form, error)
            else:
                messages.success(request, "Licence condition varied.")
                return redirect("licence_conditions", crn=person.crn)
    else:
        form = forms.VaryConditionForm(
            initial={
                "marker": services.condition_marker(condition),
                "text": condition.text,
                "additional_code": condition.additional_code,
            }
        )
    return _render(request, person, "vary.html", form, condition=condition)


@require_http_methods(["GET", "POST"])
@role_required()
def end_condition(request: AppRequest, crn: str, pk: int) -> HttpResponse:
    person = case_person(request, crn, perm=CHANGE_CASE)
    condition = _condition(person, pk)
    if request.method == "POST":
        form = forms.EndConditionForm(request.POST)
        if form.is_valid():
            try:
                services.end_condition(
                    person=person, actor=request.user, condition_id=pk, **form.service_kwargs()
                )
            except services.LicenceRecordError as error:
                _refused(form, error)
            else:
                messages.success(request, "Licence condition ended.")
                return redirect("licence_conditions", crn=person.crn)
    else:
        form = forms.EndConditionForm(initial={"marker": services.condition_marker(condition)})
    return _render(request, person, "end.html", form, condition=condition)
