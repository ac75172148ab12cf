"""Deliberate steps (issue 16): "Check your answers" before sending a recommendation for
countersignature and before submitting it to PPCS (the GOV.UK check answers pattern: every
answer, a Change link to its section, then the button that posts to ``recall:send`` or
``recall:submit``), and the confirmation page after each (what happened, who has it now, what
happens next). The POST endpoints stay in ``recall.views.recommendation``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ippcase.core.http import AppRequest, role_required
from recall import part_a
from recall.models import RecallRecommendation
from recall.views.common import Status, answers, header, load_recommendation, require_editor
from recall.views.recommendation import sections_for, stopping

# (the status a check page is for, the status its confirmation page is for)
_STEPS = {
    "send": (Status.DRAFT, Status.AWAITING_SPO),
    "submit": (Status.READY, Status.SUBMITTED),
}


def _check_page(request: AppRequest, rec_id: int, step: str) -> HttpResponse:
    rec = load_recommendation(request, rec_id)
    require_editor(request, rec)
    if rec.status != _STEPS[step][0]:
        messages.info(request, "The recommendation has moved on: there is nothing to check.")
        return redirect("recall:recommendation", rec_id=rec.pk)
    context = header(request, rec.person, "recall")
    context.update(answers(rec))
    saved = set(rec.sections_saved)
    context.update(
        rec=rec,
        step=step,
        change=step == "send",  # only a draft can be changed
        part_a_rows=[
            (s.slug, s.title, s.slug in saved)
            for s in sections_for(rec)
            if s.slug in part_a.PART_A_SLUGS
        ],
        problems=stopping(rec, stage="draft" if step == "send" else "submit"),
    )
    return render(request, "recall/check_answers.html", context)


@require_GET
@role_required()
def send_check(request: AppRequest, rec_id: int) -> HttpResponse:
    return _check_page(request, rec_id, "send")


@require_GET
@role_required()
def submit_check(request: AppRequest, rec_id: int) -> HttpResponse:
    return _check_page(request, rec_id, "submit")


def _confirmation(request: AppRequest, rec_id: int, step: str) -> HttpResponse:
    rec = load_recommendation(request, rec_id)
    if rec.status != _STEPS[step][1]:
        return redirect("recall:recommendation", rec_id=rec.pk)
    context = header(request, rec.person, "recall")
    context.update(rec=rec, step=step, holder=_holder(rec, step))
    return render(request, "recall/confirmation.html", context)


def _holder(rec: RecallRecommendation, step: str) -> str:
    if step == "send":
        return "The SPOs of the case's probation delivery unit (PDU)"
    if rec.assigned_to is not None:
        return f"{rec.assigned_to.display_name} (PPCS)"
    return "The PPCS national queue: no caseworker has taken it yet"


@require_GET
@role_required()
def sent(request: AppRequest, rec_id: int) -> HttpResponse:
    return _confirmation(request, rec_id, "send")


@require_GET
@role_required()
def submitted(request: AppRequest, rec_id: int) -> HttpResponse:
    return _confirmation(request, rec_id, "submit")
