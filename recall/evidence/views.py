"""The evidence pages of a recommendation: the list (grouped by part), uploading, the download
(permission-checked and audited, never a public URL), removing and withholding a document.

Access: whoever may see the case sees its evidence (``recall.view_evidence``: the case team,
its managers, PPCS once the recommendation has been submitted); the case's practitioner adds,
removes and withholds (``recall.add_evidence``). Out of view: 404; in view but not theirs: 403.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ippcase.core.forms import ErrorSummary, error_summary, summary_error
from ippcase.core.http import AppRequest, mark_case_viewed, role_required
from recall import services
from recall.evidence import forms, selectors
from recall.evidence import services as evidence_services
from recall.evidence.checks import safe_name
from recall.models import EvidenceDocument, RecallRecommendation
from recall.views.common import header


def _rec(request: AppRequest, rec_id: int) -> RecallRecommendation:
    rec = RecallRecommendation.objects.select_related("person__team__pdu").filter(pk=rec_id).first()
    if rec is None or not request.user.has_perm("recall.view_evidence", rec):
        raise Http404("No such recommendation.")
    mark_case_viewed(request, rec.person)
    return rec


def _document(request: AppRequest, pk: int, *, change: bool = False) -> EvidenceDocument:
    doc = (
        EvidenceDocument.objects.select_related("recommendation__person__team__pdu", "uploaded_by")
        .filter(pk=pk)
        .first()
    )
    if doc is None or not request.user.has_perm("recall.view_evidence", doc.recommendation):
        raise Http404("No such document.")
    if change and not request.user.has_perm("recall.add_evidence", doc.recommendation):
        raise PermissionDenied
    mark_case_viewed(request, doc.recommendation.person)
    return doc


def _page(
    request: AppRequest, template: str, person: Any, errors: ErrorSummary, **context: Any
) -> HttpResponse:
    page = header(request, person, "recall")
    page.update(errors=errors, **context)
    return render(request, template, page)


@require_GET
@role_required()
def evidence_list(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = _rec(request, rec_id)
    can_add = request.user.has_perm("recall.add_evidence", rec)
    return _page(
        request,
        "recall/evidence/list.html",
        rec.person,
        [],
        rec=rec,
        groups=selectors.evidence_by_part(rec),
        can_add=can_add,
        open_parts=evidence_services.open_parts(rec) if can_add else [],
    )


@require_http_methods(["GET", "POST"])
@role_required()
def evidence_add(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = _rec(request, rec_id)
    if not request.user.has_perm("recall.add_evidence", rec):
        raise PermissionDenied
    parts = evidence_services.open_parts(rec)
    if not parts:
        messages.info(
            request,
            evidence_services.part_refusal(rec, "part_a")
            + " "
            + evidence_services.part_refusal(rec, "part_b"),
        )
        return redirect("recall:evidence", rec_id=rec.pk)
    errors: ErrorSummary = []
    if request.method == "POST":
        form = forms.EvidenceForm(request.POST, request.FILES, parts=parts)
        if form.is_valid():
            data = form.cleaned_data
            try:
                evidence_services.evidence_add(
                    rec_id=rec.pk,
                    actor=request.user,
                    part=data["part"],
                    kind=data["kind"],
                    document_date=data["document_date"],
                    description=data["description"],
                    withheld=form.is_withheld,
                    withheld_reason=data.get("withheld_reason", ""),
                    checked=data["file"],
                    submission_key=form.once_key(),
                )
            except services.RecallError as error:
                errors = summary_error(error)
            else:
                messages.success(request, "The document has been added to the evidence.")
                return redirect("recall:evidence", rec_id=rec.pk)
        else:
            errors = error_summary(form)
    else:
        chosen = request.GET.get("part", "")
        form = forms.EvidenceForm(
            parts=parts, initial={"part": chosen if chosen in parts else parts[0]}
        )
    return _page(request, "recall/evidence/add.html", rec.person, errors, rec=rec, form=form)


def sanitised_filename(doc: EvidenceDocument) -> str:
    """The name offered with the download: the uploaded name as checked on the way in, cleaned
    again (older rows, or a name edited in the database, cannot inject a header)."""
    return safe_name(doc.original_name)


@require_GET
@role_required()
def evidence_download(request: AppRequest, pk: int) -> HttpResponse:
    doc = _document(request, pk)
    response = FileResponse(
        doc.file.open("rb"),
        as_attachment=True,
        filename=sanitised_filename(doc),
        content_type=doc.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # A streamed response, typed as the HttpResponse that role_required's views return.
    return cast(HttpResponse, response)


@require_http_methods(["GET", "POST"])
@role_required()
def evidence_remove(request: AppRequest, pk: int) -> HttpResponse:
    doc = _document(request, pk, change=True)
    errors: ErrorSummary = []
    form = forms.RemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                evidence_services.evidence_remove(
                    evidence_id=doc.pk, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except services.RecallError as error:
                errors = summary_error(error)
            else:
                messages.success(request, "The document has been removed from the evidence.")
                return redirect("recall:evidence", rec_id=doc.recommendation_id)
        else:
            errors = error_summary(form)
    return _page(
        request,
        "recall/evidence/remove.html",
        doc.recommendation.person,
        errors,
        doc=doc,
        rec=doc.recommendation,
        form=form,
    )


@require_http_methods(["GET", "POST"])
@role_required()
def evidence_withhold(request: AppRequest, pk: int) -> HttpResponse:
    doc = _document(request, pk, change=True)
    errors: ErrorSummary = []
    initial = {"withheld": "yes" if doc.withheld else "no", "withheld_reason": doc.withheld_reason}
    form = forms.WithholdForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                evidence_services.evidence_withhold(
                    evidence_id=doc.pk,
                    actor=request.user,
                    withheld=form.is_withheld,
                    reason=form.cleaned_data.get("withheld_reason", ""),
                )
            except services.RecallError as error:
                errors = summary_error(error)
            else:
                messages.success(request, "The document's disclosure has been changed.")
                return redirect("recall:evidence", rec_id=doc.recommendation_id)
        else:
            errors = error_summary(form)
    return _page(
        request,
        "recall/evidence/withhold.html",
        doc.recommendation.person,
        errors,
        doc=doc,
        rec=doc.recommendation,
        form=form,
    )
