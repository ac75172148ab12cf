"""The QA report's pages (issue 19; docs/quality-assurance.md, "The report"): a sample's report
as a page, a PDF and a CSV, and the trend across the samples in the user's scope.

Access is the sample's: ``quality.draw_sample`` (a senior manager, a QA lead or an
administrator; others 403) and the sample within the user's scope (``selectors.sample_for``:
outside it 404, as the sample page)."""

from __future__ import annotations

import io

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from ippcase.core import csv_safe
from ippcase.core.http import AppRequest, role_required
from ippcase.quality import report, selectors, vocab
from ippcase.quality.models import QaSample
from recall import dossiers

DRAW = "quality.draw_sample"


def _sample(request: AppRequest, pk: int) -> QaSample:
    found = selectors.sample_for(request.user, pk)
    if found is None:
        raise Http404
    return found


def _context(sample: QaSample) -> dict[str, object]:
    found = report.sample_report(sample)
    return {
        "sample": sample,
        "scope": selectors.sample_scope(sample),
        "report": found,
        "report_groups": [("team", found.by_team, "team"), ("PDU", found.by_pdu, "pdu")],
        "answer_labels": [str(label) for label in vocab.Answer.labels],
        "verdict_labels": [str(label) for label in vocab.OverrideVerdict.labels],
        "judgement_labels": [str(label) for label in vocab.Judgement.labels],
    }


@require_GET
@role_required(DRAW)
def sample_report(request: AppRequest, pk: int) -> HttpResponse:
    return render(request, "quality/report.html", _context(_sample(request, pk)))


def _filename(sample: QaSample, ext: str) -> str:
    return f"qa-report-sample-{sample.pk}-{timezone.localdate():%Y-%m-%d}.{ext}"


@require_GET
@role_required(DRAW)
def report_pdf(request: AppRequest, pk: int) -> HttpResponse:
    sample = _sample(request, pk)
    context = {**_context(sample), "today": timezone.localdate()}
    html = render_to_string("quality/report_pdf.html", context, request=request)
    pdf = dossiers.pdf_from_html(html, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(sample, "pdf")}"'
    return response


CSV_HEADER = [
    "Item",
    "CRN",
    "Team",
    "PDU",
    "Decision",
    "Decision date",
    "Judgement",
    "Avoidable reasons",
    *[str(label) for label in vocab.Question.labels],
]


@require_GET
@role_required(DRAW)
def report_csv(request: AppRequest, pk: int) -> HttpResponse:
    """One row a sampled decision. Only published reviews' judgements and answers are given; a
    decision with a draft or no review says "Not yet reviewed"."""
    sample = _sample(request, pk)
    out = io.StringIO()
    writer = csv_safe.writer(out)
    writer.writerow(CSV_HEADER)
    for row in report.sample_report(sample).rows:
        writer.writerow(
            [
                row.position,
                row.crn,
                row.team,
                row.pdu,
                row.kind,
                row.decided_on.isoformat() if row.decided_on else "",
                row.judgement,
                "; ".join(row.avoidable_reasons),
                *row.answers,
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(sample, "csv")}"'
    return response


@require_GET
@role_required(DRAW)
def trend(request: AppRequest) -> HttpResponse:
    rows = report.trend(request.user)
    for row in rows:
        row.sample.scope = selectors.sample_scope(row.sample)  # type: ignore[attr-defined]
    context = {
        "rows": rows,
        "chart": report.trend_chart(rows),
        "judgement_labels": [str(label) for label in vocab.Judgement.labels],
    }
    return render(request, "quality/trend.html", context)
