"""The case's "Concerns and actions" tab: concerns about the person and the actions short of
recall taken on them (the case team). With HTMX, a form posted replaces its own list."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_POST

from ippcase.cases.pages import WORK_ON_CASE, case_person
from ippcase.core.forms import error_summary
from ippcase.core.http import AppRequest, role_required
from ippcase.models import Person
from recall import entries, forms, selectors, services
from recall.models import Concern
from recall.views.common import conditions_in_force, header


def concern_summary(concern: Concern) -> str:
    """What the success banner names a concern by: its first words."""
    return Truncator(" ".join(concern.description.split())).chars(60)


def _concerns_page(
    request: AppRequest,
    person: Person,
    *,
    concern_form: forms.ConcernForm | None = None,
    action_form: forms.ActionForm | None = None,
    partial: str | None = None,
    banner: str = "",
) -> HttpResponse:
    context = header(request, person, "concerns")
    # The log shows struck-out entries too (struck through, with why); each entry carries its
    # person for the correct_entry permission of its links.
    concerns = list(selectors.concerns_for(person, with_struck_out=True))
    actions = list(selectors.actions_for(person, with_struck_out=True))
    for concern in concerns:
        concern.person = person
    for action in actions:
        action.person = person
    context.update(
        concerns=concerns,
        actions=actions,
        concern_form=concern_form or forms.ConcernForm(conditions=conditions_in_force(person)),
        action_form=action_form or forms.ActionForm(),
        concern_errors=error_summary(concern_form) if concern_form is not None else [],
        action_errors=error_summary(action_form) if action_form is not None else [],
        banner=banner,  # with HTMX, the success banner comes inside the swapped list
    )
    if partial == "concerns":
        context["action_form"] = forms.ActionForm()
    template = "recall/concerns.html" + (f"#{partial}" if partial else "")
    return render(request, template, context)


@require_GET
@role_required()
def concerns(request: AppRequest, crn: str) -> HttpResponse:
    return _concerns_page(request, case_person(request, crn, perm=WORK_ON_CASE))


@require_POST
@role_required()
def concern_add(request: AppRequest, crn: str) -> HttpResponse:
    person = case_person(request, crn, perm=WORK_ON_CASE)
    form = forms.ConcernForm(request.POST, conditions=conditions_in_force(person))
    partial = "concerns" if request.htmx else None
    if form.is_valid():
        try:
            concern = entries.concern_add(
                person=person,
                actor=request.user,
                submission_key=form.once_key(),
                **form.service_kwargs(),
            )
        except services.RecallError as error:
            form.add_error(None, str(error))
        else:
            banner = f"Concern added: {concern_summary(concern)}"
            if partial:
                return _concerns_page(request, person, partial=partial, banner=banner)
            messages.success(request, banner)
            return redirect("recall:concerns", crn=person.crn)
    return _concerns_page(request, person, concern_form=form, partial=partial)


@require_POST
@role_required()
def action_add(request: AppRequest, crn: str) -> HttpResponse:
    person = case_person(request, crn, perm=WORK_ON_CASE)
    form = forms.ActionForm(request.POST)
    partial = "actions" if request.htmx else None
    if form.is_valid():
        try:
            action = entries.action_add(person=person, actor=request.user, **form.cleaned_data)
        except services.RecallError as error:
            form.add_error(None, str(error))
        else:
            banner = f"Action added: {action.get_kind_display()}"
            if partial:
                return _concerns_page(request, person, partial=partial, banner=banner)
            messages.success(request, banner)
            return redirect(reverse("recall:concerns", kwargs={"crn": person.crn}) + "#actions")
    return _concerns_page(request, person, action_form=form, partial=partial)
