"""The PDFs of a recommendation: the dossiers and letters built in the background (the list, with
HTMX polling while one is built; asking for a new version; the download) and the decision-not-to-
recall letter, made on request."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ippcase.cases import selectors as case_selectors
from ippcase.core.forms import ErrorSummary, error_summary, summary_error
from ippcase.core.http import AppRequest, mark_case_viewed, role_required
from recall import dossiers, forms, services, vocab
from recall.models import Dossier, RecallRecommendation
from recall.views.common import (
    Status,
    conditions_in_force,
    load_recommendation,
)


def _dossier_rec(request: AppRequest, rec_id: int) -> RecallRecommendation:
    rec = RecallRecommendation.objects.select_related("person__team__pdu").filter(pk=rec_id).first()
    if rec is None or not dossiers.can_request(request.user, rec):
        raise Http404("No such recommendation.")
    mark_case_viewed(request, rec.person)
    return rec


@require_http_methods(["GET", "POST"])
@role_required()
def dossier_list(request: AppRequest, rec_id: int) -> HttpResponse:
    """Every generated version with who asked for it; POST asks for a new one."""
    rec = _dossier_rec(request, rec_id)
    errors: ErrorSummary = []
    form = forms.StartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not form.is_valid():
        errors = error_summary(form)
    elif request.method == "POST":
        try:
            dossiers.dossier_request(
                rec_id=rec.pk,
                kind=request.POST.get("kind", ""),
                actor=request.user,
                submission_key=form.once_key(),
            )
        except services.RecallError as error:
            errors = summary_error(error)
        else:
            return redirect("recall:dossiers", rec_id=rec.pk)
    rows = dossiers.dossiers_for(rec)
    context = {
        "rec": rec,
        "person": rec.person,
        "rows": rows,
        "polling": dossiers.in_progress(rows),
        "kinds": [(k, vocab.DossierKind(k).label) for k in dossiers.kinds_available(rec)],
        "errors": errors,
        "form": forms.StartForm(),  # a fresh key: a failed request's key was not spent either
    }
    template = "recall/dossiers.html#versions" if request.htmx else "recall/dossiers.html"
    return render(request, template, context, status=400 if errors else 200)


@require_GET
@role_required()
def dossier_download(request: AppRequest, dossier_id: int) -> HttpResponse:
    try:
        dossier = dossiers.dossier_for_download(request.user, dossier_id)
    except (services.NotAllowed, Dossier.DoesNotExist):
        raise Http404("No such document.") from None
    mark_case_viewed(request, dossier.recommendation.person)
    response = HttpResponse(bytes(dossier.pdf or b""), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{dossiers.filename(dossier)}"'
    return response


@require_GET
@role_required()
def dntr_letter(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = load_recommendation(request, rec_id)
    if rec.status != Status.NOT_RECALLED:
        raise Http404("There is no decision not to recall on this recommendation.")
    com = case_selectors.current_allocation(rec.person)
    html = render_to_string(
        dossiers.DNTR_TEMPLATES[rec.person.easy_read],
        {
            "rec": rec,
            "person": rec.person,
            "com": com.practitioner if com else rec.created_by,
            "today": timezone.localdate(),
            "conditions": conditions_in_force(rec.person),
            "concerns": rec.why_considered,
        },
        request=request,
    )
    pdf = dossiers.pdf_from_html(html, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"decision-not-to-recall-{rec.person.crn}-{timezone.localdate():%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
