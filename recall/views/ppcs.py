"""PPCS: the national queue of requests, and the request page where a caseworker takes a request,
decides it (authorise, reject, ask for more information) and stops or rescinds a recall. The
forms recorded on the recall once authorised post to ``recall.views.recalls``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ippcase.cases.pages import case_header
from ippcase.core.forms import ErrorSummary, error_summary, summary_error
from ippcase.core.http import AppRequest, mark_case_viewed, role_required
from ippcase.models import Region
from recall import dossiers, forms, reminders, selectors, services, vocab
from recall.deadlines import DeadlineStatus
from recall.models import Dossier, RecallRecommendation
from recall.report import selectors as report_selectors
from recall.views.common import (
    Status,
    answers,
    charge_outcome_form_for,
    finding_rows,
    report_deadline,
)

PPCS_QUEUE_PAGE_SIZE = 25
DECISION_TARGET_HOURS = 24


@dataclass
class QueueRow:
    rec: RecallRecommendation
    hours: int
    deadline: DeadlineStatus | None
    licence_ended_on: dt.date | None = None  # a date: authorising would be refused (docs/parole.md)
    part_a: Dossier | None = None  # the latest ready recall request (Part A) PDF

    @property
    def overdue(self) -> bool:
        return self.hours >= DECISION_TARGET_HOURS


def _queue_link(params: dict[str, str], page: int) -> str:
    return "?" + urlencode({**{k: v for k, v in params.items() if v}, "page": page})


def _ended_on(ends_on: dt.date | None) -> dt.date | None:
    return ends_on if ends_on is not None and ends_on <= timezone.localdate() else None


@require_GET
@role_required("recall.decide")
def ppcs_queue(request: AppRequest) -> HttpResponse:
    get = request.GET
    params = {
        "view": get.get("view", "submitted")
        if get.get("view") in selectors.PPCS_QUEUE_VIEWS
        else "submitted",
        "region": get.get("region", ""),
        "emergency": "1" if get.get("emergency") else "",
        "mine": "1" if get.get("mine") else "",
        "q": get.get("q", "").strip(),
    }
    qs = selectors.ppcs_queue(
        view=params["view"],
        region=params["region"],
        emergency_only=bool(params["emergency"]),
        assigned_to=request.user if params["mine"] else None,
        query=params["q"],
    )
    page = Paginator(qs, PPCS_QUEUE_PAGE_SIZE).get_page(get.get("page", 1))
    now = timezone.now()
    calendar = reminders.calendar()
    part_as = dossiers.latest_ready([r.pk for r in page.object_list], vocab.DossierKind.PART_A)
    # licence_ends_on is annotated by selectors.ppcs_queue; django-stubs cannot type it here.
    rows = [
        QueueRow(
            rec=r,
            hours=int((now - r.submitted_at).total_seconds() // 3600) if r.submitted_at else 0,
            deadline=report_deadline(r.recall, calendar) if r.recall_id else None,
            licence_ended_on=_ended_on(r.licence_ends_on),  # type: ignore[attr-defined]  # annotated by the queue selector
            part_a=part_as.get(r.pk),
        )
        for r in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "params": params,
        "views": selectors.PPCS_QUEUE_VIEWS,
        "regions": list(Region.objects.order_by("name")),
        "prev_link": _queue_link(params, page.previous_page_number())
        if page.has_previous()
        else "",
        "next_link": _queue_link(params, page.next_page_number()) if page.has_next() else "",
        "target_hours": DECISION_TARGET_HOURS,
    }
    return render(request, "recall/ppcs_queue.html", context)


def load_ppcs_request(request: AppRequest, rec_id: int) -> RecallRecommendation:
    """A request PPCS may see: 403 for anyone but PPCS, 404 for a recommendation that never
    reached PPCS (a draft is the practitioner's business)."""
    if not request.user.has_perm("recall.decide"):
        raise PermissionDenied
    try:
        rec = selectors.recommendation_with_context(rec_id)
    except RecallRecommendation.DoesNotExist:
        raise Http404("No such request.") from None
    if not request.user.has_perm("recall.view_request", rec):
        raise Http404("No such request.")
    mark_case_viewed(request, rec.person)
    return rec


def ppcs_page(
    request: AppRequest,
    rec: RecallRecommendation,
    *,
    errors: ErrorSummary | None = None,
    decision_form: forms.PpcsDecisionForm | None = None,
    rtc_form: forms.ReturnToCustodyForm | None = None,
    progress_form: forms.RecallProgressForm | None = None,
    stop_form: forms.StopRecallForm | None = None,
    charge_outcome_form: forms.ChargeOutcomeForm | None = None,
) -> HttpResponse:
    user = request.user
    context = case_header(request, rec.person, "ppcs")  # PPCS may not work on the case
    context.update(answers(rec))
    recall = rec.recall if rec.recall_id else None
    context.update(
        rec=rec,
        recall=recall,
        deadline=report_deadline(recall),
        finding_rows=finding_rows(rec, selectors.findings_for(rec, stage="submit")),
        signatures=list(rec.oversights.all()),
        decisions=list(rec.ppcs_decisions.select_related("decided_by")),
        assigned_to=rec.assigned_to,
        errors=errors or [],
        decision_form=decision_form or forms.PpcsDecisionForm(),
        rtc_form=rtc_form or forms.ReturnToCustodyForm(),
        progress_form=progress_form or forms.RecallProgressForm(),
        stop_form=stop_form or forms.StopRecallForm(),
        charge_outcome_form=charge_outcome_form or charge_outcome_form_for(rec),
        is_submitted=rec.status == Status.SUBMITTED,
        taken_by_me=rec.assigned_to_id == user.pk,
        can_decide=user.has_perm("recall.decide_request", rec),
        is_authorised=rec.status == Status.AUTHORISED,
        report=report_selectors.report_for(rec),
        part_b_pdf=report_selectors.latest_part_b(rec) if recall else None,
        part_a_pdf=dossiers.latest_ready([rec.pk], vocab.DossierKind.PART_A).get(rec.pk),
    )
    return render(request, "recall/ppcs_request.html", context)


@require_GET
@role_required()
def ppcs_request(request: AppRequest, rec_id: int) -> HttpResponse:
    return ppcs_page(request, load_ppcs_request(request, rec_id))


@require_POST
@role_required()
def ppcs_take(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = load_ppcs_request(request, rec_id)
    try:
        services.ppcs_assign(rec_id=rec.pk, actor=request.user)
    except services.RecallError as error:
        return ppcs_page(request, rec, errors=summary_error(error))
    messages.success(request, "You have taken this request.")
    return redirect("recall:ppcs_request", rec_id=rec.pk)


@require_POST
@role_required()
def ppcs_decision(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = load_ppcs_request(request, rec_id)
    form = forms.PpcsDecisionForm(request.POST)
    if not form.is_valid():
        return ppcs_page(request, rec, errors=error_summary(form), decision_form=form)
    authorising = form.cleaned_data["outcome"] == vocab.PpcsOutcome.AUTHORISED
    if (
        authorising
        and request.POST.get("confirmed") != "yes"
        and request.user.has_perm("recall.decide_request", rec)
    ):
        # Authorising revokes the licence: it is confirmed on its own page first (issue 16).
        return redirect("recall:ppcs_authorise", rec_id=rec.pk)
    try:
        decided = services.ppcs_decide(
            rec_id=rec.pk,
            actor=request.user,
            outcome=form.cleaned_data["outcome"],
            reason=form.reason(),
        )
    except services.RecallError as error:
        # Reloaded: when a colleague decided first, the page shows their decision.
        rec = load_ppcs_request(request, rec.pk)
        return ppcs_page(request, rec, errors=summary_error(error), decision_form=form)
    messages.success(request, f"Decision recorded: {decided.get_status_display()}.")
    return redirect("recall:ppcs_request", rec_id=rec.pk)


@require_GET
@role_required()
def ppcs_authorise_confirm(request: AppRequest, rec_id: int) -> HttpResponse:
    """ "You are about to revoke the licence": the confirm button posts the authorisation to
    ``recall:ppcs_decide``. Showing this page changes nothing."""
    rec = load_ppcs_request(request, rec_id)
    if rec.status != Status.SUBMITTED or not request.user.has_perm("recall.decide_request", rec):
        messages.info(request, "This request cannot be authorised by you now.")
        return redirect("recall:ppcs_request", rec_id=rec.pk)
    context = case_header(request, rec.person, "ppcs")
    context.update(rec=rec)
    return render(request, "recall/ppcs_authorise.html", context)


@require_POST
@role_required()
def ppcs_stop(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = load_ppcs_request(request, rec_id)
    form = forms.StopRecallForm(request.POST)
    if not form.is_valid():
        return ppcs_page(request, rec, errors=error_summary(form), stop_form=form)
    try:
        services.recall_stop(
            rec_id=rec.pk,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            released_on=form.cleaned_data["released_on"],
        )
    except services.RecallError as error:
        return ppcs_page(request, rec, errors=summary_error(error), stop_form=form)
    messages.success(request, "The recall has been stopped or rescinded.")
    return redirect("recall:ppcs_request", rec_id=rec.pk)
