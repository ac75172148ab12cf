"""What is recorded on the recall a recommendation became, once PPCS authorised it: the return to
custody, the progress of the recall (the report), and the outcome of the allegation behind it. PPCS
records from the request page, the case team from the Recall tab; a form with errors is shown
again on the page it came from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from ippcase.cases.pages import WORK_ON_CASE
from ippcase.core.forms import ErrorSummary, error_summary, summary_error
from ippcase.core.http import AppRequest, role_required
from recall import forms, services
from recall.models import RecallRecommendation
from recall.views.common import load_recommendation
from recall.views.ppcs import load_ppcs_request, ppcs_page
from recall.views.recall_tab import recall_tab_page


def _recall_recommendation(request: AppRequest, rec_id: int) -> RecallRecommendation:
    """The authorised recommendation whose recall PPCS or the case team records progress on."""
    if request.user.has_perm("recall.decide"):
        return load_ppcs_request(request, rec_id)
    rec = load_recommendation(request, rec_id)
    if not request.user.has_perm(WORK_ON_CASE, rec.person):
        raise PermissionDenied
    return rec


def _recall_form_page(
    request: AppRequest, rec: RecallRecommendation, errors: ErrorSummary, **forms_: Any
) -> HttpResponse:
    if request.user.has_perm("recall.decide"):
        return ppcs_page(request, rec, errors=errors, **forms_)
    return recall_tab_page(request, rec.person, errors=errors, **forms_)


def _recall_done(request: AppRequest, rec: RecallRecommendation, done: str) -> HttpResponse:
    messages.success(request, done)
    if request.user.has_perm("recall.decide"):
        return redirect("recall:ppcs_request", rec_id=rec.pk)
    return redirect("recall:person_recall", crn=rec.person.crn)


def _record_on_recall(
    request: AppRequest,
    rec_id: int,
    form_class: type[django_forms.Form],
    form_key: str,
    record: Callable[..., Any],
    done: str,
) -> HttpResponse:
    """A form about the recall a recommendation became; its cleaned data are ``record``'s
    keyword arguments. Errors (form, no recall yet, refused by the service) change nothing."""
    rec = _recall_recommendation(request, rec_id)
    form = form_class(request.POST)
    if not form.is_valid():
        errors = error_summary(form)
    elif rec.recall_id is None:
        errors = summary_error("There is no recall to record this on: it has not been authorised.")
    else:
        try:
            record(recall_id=rec.recall_id, actor=request.user, **form.cleaned_data)
        except services.RecallError as error:
            errors = summary_error(error)
        else:
            return _recall_done(request, rec, done)
    return _recall_form_page(request, rec, errors, **{form_key: form})


@require_POST
@role_required()
def record_return_to_custody(request: AppRequest, rec_id: int) -> HttpResponse:
    return _record_on_recall(
        request,
        rec_id,
        forms.ReturnToCustodyForm,
        "rtc_form",
        services.recall_record_return_to_custody,
        "Return to custody recorded.",
    )


@require_POST
@role_required()
def record_progress(request: AppRequest, rec_id: int) -> HttpResponse:
    return _record_on_recall(
        request,
        rec_id,
        forms.RecallProgressForm,
        "progress_form",
        services.recall_record_progress,
        "Recall progress recorded.",
    )


@require_POST
@role_required()
def record_charge_outcome(request: AppRequest, rec_id: int) -> HttpResponse:
    """What became of the allegation behind the recall, once known (the case team or PPCS)."""
    rec = _recall_recommendation(request, rec_id)
    form = forms.ChargeOutcomeForm(request.POST)
    if not form.is_valid():
        errors = error_summary(form)
    else:
        try:
            services.recommendation_record_charge_outcome(
                rec_id=rec.pk, actor=request.user, outcome=form.cleaned_data["charge_outcome"]
            )
        except services.RecallError as error:
            errors = summary_error(error)
        else:
            return _recall_done(request, rec, "Outcome of the allegation recorded.")
    return _recall_form_page(request, rec, errors, charge_outcome_form=form)
