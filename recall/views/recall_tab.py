"""The case's Recall tab: the person's recommendations, starting one, and its PPCS part: the
question PPCS asked with the form to answer it (resubmit), and the current recall with its report
deadline and the forms to record on it (posted to ``recall.views.recalls``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ippcase.cases.pages import WORK_ON_CASE, case_person
from ippcase.core.forms import ErrorSummary, error_summary, summary_error
from ippcase.core.http import AppRequest, role_required
from ippcase.models import Person
from recall import dossiers, forms, services, vocab
from recall.models import RecallRecommendation, RecallReport
from recall.views.common import (
    Status,
    charge_outcome_form_for,
    header,
    load_recommendation,
    report_deadline,
    require_editor,
)


def recall_tab_page(
    request: AppRequest, person: Person, errors: ErrorSummary | None = None, **forms_: Any
) -> HttpResponse:
    """The Recall tab; ``forms_`` are forms posted with errors, shown in place of blank ones."""
    context = header(request, person, "recall")
    recommendations: list[RecallRecommendation] = list(
        RecallRecommendation.objects.filter(person=person)
        .select_related("created_by", "recall")
        .annotate(evidence_count=Count("evidence", filter=Q(evidence__removed_at__isnull=True)))
    )
    context.update(
        open_rec=next((r for r in recommendations if r.is_active), None),
        recommendations=recommendations,
        can_start=request.user.has_role("practitioner"),
        start_form=forms.StartForm(),
        errors=errors or [],
    )
    context.update(_ppcs_part(request, context["open_rec"], recommendations, forms_))
    return render(request, "recall/recall_tab.html", context)


def _ppcs_part(
    request: AppRequest,
    open_rec: RecallRecommendation | None,
    recommendations: list[RecallRecommendation],
    forms_: dict[str, Any],
) -> dict[str, Any]:
    """The recall tab's PPCS part: the question PPCS asked (and the form to answer it), the
    current recall with its report deadline, and the forms to record custody and the report."""
    context: dict[str, Any] = {}
    if open_rec is not None and open_rec.status == Status.INFO_REQUESTED:
        context["ppcs_question"] = (
            open_rec.ppcs_decisions.filter(outcome=vocab.PpcsOutcome.INFO_REQUESTED)
            .select_related("decided_by")
            .last()
        )
        context["can_resubmit"] = request.user.has_perm("recall.edit_recommendation", open_rec)
        context["resubmit_form"] = forms_.get("resubmit_form") or forms.ResubmitForm(
            initial={"version": open_rec.version}
        )
    current = next(
        (r for r in recommendations if r.status == Status.AUTHORISED and r.recall_id), None
    )
    if current is not None:
        context.update(
            current_rec=current,
            current_recall=current.recall,
            current_report=RecallReport.objects.filter(recall=current.recall).first(),
            deadline=report_deadline(current.recall),
            rtc_form=forms_.get("rtc_form") or forms.ReturnToCustodyForm(),
            progress_form=forms_.get("progress_form") or forms.RecallProgressForm(),
            charge_outcome_form=forms_.get("charge_outcome_form")
            or charge_outcome_form_for(current),
        )
    return context


@require_GET
@role_required()
def person_recall(request: AppRequest, crn: str) -> HttpResponse:
    return recall_tab_page(request, case_person(request, crn, perm=WORK_ON_CASE))


@require_POST
@role_required()
def recommendation_start(request: AppRequest, crn: str) -> HttpResponse:
    person = case_person(request, crn, perm=WORK_ON_CASE)
    form = forms.StartForm(request.POST)
    if not form.is_valid():
        return recall_tab_page(request, person, errors=error_summary(form))
    try:
        rec = services.recommendation_start(
            person=person, actor=request.user, submission_key=form.once_key()
        )
    except services.RecallError as error:
        return recall_tab_page(request, person, errors=summary_error(error))
    return redirect("recall:recommendation", rec_id=rec.pk)


@require_POST
@role_required()
def resubmit(request: AppRequest, rec_id: int) -> HttpResponse:
    """The practitioner answers PPCS's request for more information and resubmits."""
    rec = load_recommendation(request, rec_id)
    require_editor(request, rec)
    form = forms.ResubmitForm(request.POST)
    if not form.is_valid():
        return recall_tab_page(request, rec.person, errors=error_summary(form), resubmit_form=form)
    try:
        dossiers.recommendation_resubmit(
            rec_id=rec.pk,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            further_information=form.cleaned_data["further_information"],
        )
    except services.RecallError as error:
        return recall_tab_page(request, rec.person, errors=summary_error(error), resubmit_form=form)
    messages.success(request, "Further information given and the request resubmitted to PPCS.")
    return redirect("recall:person_recall", crn=rec.person.crn)
