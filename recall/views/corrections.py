"""Correcting a concern or an action short of recall, or striking it out (issue 14): one page
each, with the reason. Access: the case out of the user's view 404 (an entry of another person
too); in view but not ``recall.correct_entry`` 403. A stale page is refused by the service."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ippcase.cases.pages import case_person
from ippcase.core import words
from ippcase.core.forms import ErrorSummary, error_summary, summary_error
from ippcase.core.http import AppRequest, role_required
from ippcase.models import LicenceCondition, Person
from recall import corrections, forms, selectors
from recall.deadlines import long_date
from recall.models import ActionShortOfRecall, Concern
from recall.views.common import header

Entry = Concern | ActionShortOfRecall
E = TypeVar("E", Concern, ActionShortOfRecall)


def _entry(request: AppRequest, crn: str, model: type[E], pk: int) -> tuple[Person, E]:
    person = case_person(request, crn)
    entry = (
        model.objects.select_related("recorded_by__team", "struck_out_by")
        .filter(pk=pk, person=person)
        .first()
    )
    if entry is None:
        raise Http404("No such entry on this case.")
    entry.person = person
    if not request.user.has_perm("recall.correct_entry", entry):
        raise PermissionDenied
    return person, entry


def _title(entry: Entry) -> str:
    """ "concern of 3 March 2026", "action of 3 March 2026 (warning letter)"."""
    if isinstance(entry, Concern):
        return f"concern of {long_date(entry.occurred_on)}"
    return f"action of {long_date(entry.taken_on)} ({words.lower(entry.get_kind_display())})"


def _cited_notice(entry: Entry) -> str:
    rec = selectors.citing_recommendation(entry)
    if rec is None or rec.submitted_at is None:
        return ""
    submitted = long_date(timezone.localdate(rec.submitted_at))
    return (
        f"This {'concern' if isinstance(entry, Concern) else 'action'} was recorded before the "
        f"recall recommendation submitted to PPCS on {submitted}, which may cite it. You can "
        "still change it: the submitted recommendation and its dossier stay as they were."
    )


def _conditions(person: Person, concern: Concern) -> list[LicenceCondition]:
    """The conditions a corrected concern may touch: in force today or on its date, and those
    it already names."""
    today = timezone.localdate()
    named = {c.pk for c in concern.conditions.all()}
    return [
        c
        for c in person.licence_conditions.all()
        if c.in_force_on(today) or c.in_force_on(concern.occurred_on) or c.pk in named
    ]


def _done(request: AppRequest, person: Person, entry: Entry, verb: str, notice: str) -> Any:
    text = f"{_title(entry)[:1].upper()}{_title(entry)[1:]} {verb}."
    messages.success(request, f"{text} {notice}".strip())
    anchor = "" if isinstance(entry, Concern) else "#actions"
    return redirect(reverse("recall:concerns", kwargs={"crn": person.crn}) + anchor)


def _render(
    request: AppRequest,
    person: Person,
    entry: Entry,
    template: str,
    *,
    form: Any,
    errors: ErrorSummary,
) -> HttpResponse:
    what = "concern" if isinstance(entry, Concern) else "action"
    if entry.struck_out_at is not None and not errors:
        errors = summary_error(
            f"This {what} was struck out on {long_date(timezone.localdate(entry.struck_out_at))}: "
            "it can no longer be corrected."
        )
    context = header(request, person, "concerns")
    context.update(
        entry=entry,
        what=what,
        title=_title(entry),
        notice=_cited_notice(entry),
        form=form,
        errors=errors,
    )
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@role_required()
def concern_correct(request: AppRequest, crn: str, pk: int) -> HttpResponse:
    person, concern = _entry(request, crn, Concern, pk)
    posted = request.POST if request.method == "POST" else None
    form = forms.ConcernCorrectForm(
        posted,
        conditions=_conditions(person, concern),
        initial={
            "occurred_on": concern.occurred_on,
            "description": concern.description,
            "source": concern.source,
            "behaviours": concern.behaviours,
            "conditions": [str(c.pk) for c in concern.conditions.all()],
            "version": selectors.entry_version(concern),
        },
    )
    errors: ErrorSummary = []
    if posted is not None:
        if form.is_valid():
            try:
                corrections.concern_correct(
                    concern_id=concern.pk,
                    actor=request.user,
                    expected_version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                    **form.service_kwargs(),
                )
            except corrections.RecallError as error:
                errors = summary_error(error)
            else:
                return _done(request, person, concern, "corrected", _cited_notice(concern))
        else:
            errors = error_summary(form)
    return _render(request, person, concern, "recall/correct_entry.html", form=form, errors=errors)


@require_http_methods(["GET", "POST"])
@role_required()
def action_correct(request: AppRequest, crn: str, pk: int) -> HttpResponse:
    person, action = _entry(request, crn, ActionShortOfRecall, pk)
    posted = request.POST if request.method == "POST" else None
    form = forms.ActionCorrectForm(
        posted,
        initial={
            "kind": action.kind,
            "referral": action.referral,
            "taken_on": action.taken_on,
            "details": action.details,
            "outcome": action.outcome,
            "version": selectors.entry_version(action),
        },
    )
    errors: ErrorSummary = []
    if posted is not None:
        if form.is_valid():
            data = form.cleaned_data
            try:
                corrections.action_correct(
                    action_id=action.pk,
                    actor=request.user,
                    expected_version=data["version"],
                    reason=data["reason"],
                    kind=data["kind"],
                    taken_on=data["taken_on"],
                    details=data["details"],
                    outcome=data["outcome"],
                    referral=data["referral"],
                )
            except corrections.RecallError as error:
                errors = summary_error(error)
            else:
                return _done(request, person, action, "corrected", _cited_notice(action))
        else:
            errors = error_summary(form)
    return _render(request, person, action, "recall/correct_entry.html", form=form, errors=errors)


def _strike_out(request: AppRequest, crn: str, model: type[E], pk: int) -> HttpResponse:
    person, entry = _entry(request, crn, model, pk)
    what = "concern" if isinstance(entry, Concern) else "action"
    posted = request.POST if request.method == "POST" else None
    form = forms.StrikeOutForm(
        posted, what=what, initial={"version": selectors.entry_version(entry)}
    )
    errors: ErrorSummary = []
    if posted is not None:
        if form.is_valid():
            version, reason = form.cleaned_data["version"], form.cleaned_data["reason"]
            try:
                if isinstance(entry, Concern):
                    corrections.concern_strike_out(
                        concern_id=entry.pk,
                        actor=request.user,
                        expected_version=version,
                        reason=reason,
                    )
                else:
                    corrections.action_strike_out(
                        action_id=entry.pk,
                        actor=request.user,
                        expected_version=version,
                        reason=reason,
                    )
            except corrections.RecallError as error:
                errors = summary_error(error)
            else:
                return _done(request, person, entry, "struck out", _cited_notice(entry))
        else:
            errors = error_summary(form)
    return _render(request, person, entry, "recall/strike_out.html", form=form, errors=errors)


@require_http_methods(["GET", "POST"])
@role_required()
def concern_strike_out(request: AppRequest, crn: str, pk: int) -> HttpResponse:
    return _strike_out(request, crn, Concern, pk)


@require_http_methods(["GET", "POST"])
@role_required()
def action_strike_out(request: AppRequest, crn: str, pk: int) -> HttpResponse:
    return _strike_out(request, crn, ActionShortOfRecall, pk)
