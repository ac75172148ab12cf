"""The recall report (Part B) pages, under ``recalls/<rec_id>/report/`` (``rec_id``: the
authorised recommendation whose recall is reported on): the task list, starting it, a section,
sending it to the SPOs, the SPO's countersignature, submitting it from a check-your-answers page,
and the date it was served on the person. The case team reads; the practitioner writes; a manager
of the case's PDU countersigns. A case out of view is a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ippcase.cases.pages import WORK_ON_CASE
from ippcase.core.forms import ErrorSummary, error_summary, summary_error
from ippcase.core.http import AppRequest, mark_case_viewed, role_required
from recall import forms as recall_forms
from recall import selectors as recall_selectors
from recall import services as recall_services
from recall.models import RecallRecommendation, RecallReport
from recall.report import forms, selectors, services
from recall.views.common import conditions_in_force, header, report_deadline

Report = services.Report


def _load(request: AppRequest, rec_id: int) -> tuple[RecallRecommendation, RecallReport | None]:
    """The recommendation (with its recall) and its report, if the user may see them: the case
    team, or a manager who may countersign the report. 404 when the case is out of view or
    there is no recall; 403 when in view but not the user's."""
    try:
        rec = recall_selectors.recommendation_with_context(rec_id)
    except RecallRecommendation.DoesNotExist:
        raise Http404("No such recall.") from None
    user = request.user
    report = selectors.report_for(rec)
    allowed = user.has_perm(WORK_ON_CASE, rec.person) or (
        report is not None and user.has_perm("recall.countersign_report", report)
    )
    if not allowed:
        if user.has_perm("ippcase.view_person", rec.person):
            raise PermissionDenied
        raise Http404("No such recall.")
    if rec.recall_id is None:
        raise Http404("There is no recall to report on.")
    mark_case_viewed(request, rec.person)
    return rec, report


def _existing(request: AppRequest, rec_id: int) -> tuple[RecallRecommendation, RecallReport]:
    rec, report = _load(request, rec_id)
    if report is None:
        raise Http404("The report has not been started.")
    return rec, report


def _page(
    request: AppRequest,
    rec: RecallRecommendation,
    report: RecallReport | None,
    template: str,
    errors: ErrorSummary | None = None,
    **extra: Any,
) -> HttpResponse:
    user = request.user
    recall = rec.recall
    context = header(request, rec.person, "recall")
    context.update(
        rec=rec,
        recall=recall,
        report=report,
        deadline=report_deadline(recall),
        errors=errors or [],
        can_start=report is None and user.has_perm("recall.start_report", rec.person),
        start_form=recall_forms.StartForm(),
        can_write=report is not None and user.has_perm("recall.write_report", report),
        can_countersign=report is not None
        and report.status == Report.AWAITING_SPO
        and user.has_perm("recall.countersign_report", report),
        **extra,
    )
    if report is not None:
        context["sections"] = selectors.task_list(report)
        context["part_b_pdf"] = (
            selectors.latest_part_b(rec) if report.status == Report.SUBMITTED else None
        )
    return render(request, template, context, status=200)


def _done(request: AppRequest, rec: RecallRecommendation, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("recall:report", rec_id=rec.pk)


def _posted(
    request: AppRequest,
    rec: RecallRecommendation,
    form: Any,
    write: Callable[[dict[str, Any]], str],
) -> tuple[HttpResponse | None, ErrorSummary]:
    """A posted form: ``write`` (a service call on the cleaned data, returning the message to
    show) then a redirect to the report; or, on errors or a refusal, the errors (nothing
    changed). (None, []) for a GET."""
    if request.method != "POST":
        return None, []
    if not form.is_valid():
        return None, error_summary(form)
    try:
        done = write(form.cleaned_data)
    except recall_services.RecallError as error:
        return None, summary_error(error)
    return _done(request, rec, done), []


@require_GET
@role_required()
def report(request: AppRequest, rec_id: int) -> HttpResponse:
    rec, rep = _load(request, rec_id)
    return _page(request, rec, rep, "recall/report/report.html")


@require_POST
@role_required()
def report_start(request: AppRequest, rec_id: int) -> HttpResponse:
    rec, rep = _load(request, rec_id)
    form = recall_forms.StartForm(request.POST)
    if not form.is_valid():
        return _page(request, rec, rep, "recall/report/report.html", error_summary(form))
    try:
        services.report_start(rec_id=rec.pk, actor=request.user, submission_key=form.once_key())
    except recall_services.RecallError as error:
        return _page(request, rec, rep, "recall/report/report.html", summary_error(error))
    return _done(request, rec, "The recall report has been started.")


@require_http_methods(["GET", "POST"])
@role_required()
def report_section(request: AppRequest, rec_id: int, slug: str) -> HttpResponse:
    rec, rep = _existing(request, rec_id)
    if not request.user.has_perm("recall.write_report", rep):
        raise PermissionDenied
    form_class = forms.SECTION_FORMS.get(slug)
    if form_class is None:
        raise Http404("No such section.")
    if rep.status != Report.DRAFT:
        messages.info(request, "The report can only be changed while it is being written.")
        return redirect("recall:report", rec_id=rec.pk)
    form = form_class(request.POST if request.method == "POST" else None, report=rep)

    def write(data: dict[str, Any]) -> str:
        services.report_update(
            report_id=rep.pk,
            actor=request.user,
            expected_version=data["version"],
            changes=form.changes(),
            section=slug,
        )
        return "Section saved."

    response, errors = _posted(request, rec, form, write)
    if response is not None:
        return response
    extra: dict[str, Any] = {"form": form, "slug": slug, "title": services.SECTION_TITLES[slug]}
    if slug == "conditions":
        extra["conditions"] = conditions_in_force(rec.person)
    if slug == "risk":
        extra["case_rosh"] = rec.person.get_rosh_level_display()
    return _page(request, rec, rep, "recall/report/section.html", errors, **extra)


def _version(request: AppRequest) -> int | None:
    form = forms.ReportVersionForm(request.POST)
    return form.cleaned_data["version"] if form.is_valid() else None


@require_POST
@role_required()
def report_send(request: AppRequest, rec_id: int) -> HttpResponse:
    rec, rep = _existing(request, rec_id)
    version = _version(request)
    try:
        if version is None:
            raise services.StaleReport
        services.report_send(report_id=rep.pk, actor=request.user, expected_version=version)
    except recall_services.RecallError as error:
        return _page(request, rec, rep, "recall/report/report.html", summary_error(error))
    return _done(request, rec, "Sent for countersignature. The SPOs of the PDU have been told.")


@require_http_methods(["GET", "POST"])
@role_required()
def report_countersign(request: AppRequest, rec_id: int) -> HttpResponse:
    rec, rep = _existing(request, rec_id)
    if rep.created_by_id == request.user.pk or not request.user.has_perm(
        "recall.countersign_report", rep
    ):
        raise PermissionDenied
    posted = request.POST if request.method == "POST" else None
    form = forms.CountersignForm(posted, initial={"version": rep.version})

    def write(data: dict[str, Any]) -> str:
        agree = data["decision"] == "agree"
        services.report_countersign(
            report_id=rep.pk,
            actor=request.user,
            expected_version=data["version"],
            agree=agree,
            comments=data["comments"],
        )
        return "Report countersigned." if agree else "Report returned to be rewritten."

    response, errors = _posted(request, rec, form, write)
    if response is not None:
        return response
    return _page(request, rec, rep, "recall/report/countersign.html", errors, form=form)


@require_http_methods(["GET", "POST"])
@role_required()
def report_submit(request: AppRequest, rec_id: int) -> HttpResponse:
    """Check your answers, then submit (the reason for a late report asked on the same page)."""
    rec, rep = _existing(request, rec_id)
    if not request.user.has_perm("recall.write_report", rep):
        raise PermissionDenied
    late = services.is_late(rec.recall)  # type: ignore[arg-type]
    posted = request.POST if request.method == "POST" else None
    form = forms.SubmitForm(posted, initial={"version": rep.version}, late=late)

    def write(data: dict[str, Any]) -> str:
        services.report_submit(
            report_id=rep.pk,
            actor=request.user,
            expected_version=data["version"],
            delay_reason=data["delay_reason"],
        )
        return "Report submitted. Its PDF is being made."

    response, errors = _posted(request, rec, form, write)
    if response is not None:
        return response
    return _page(
        request,
        rec,
        rep,
        "recall/report/submit.html",
        errors,
        form=form,
        late=late,
        due=services.due_date(rec.recall),  # type: ignore[arg-type]
    )


@require_http_methods(["GET", "POST"])
@role_required()
def report_served(request: AppRequest, rec_id: int) -> HttpResponse:
    """The date the submitted report was served on the person, beside the date the reasons for
    recall (the dossier) were served."""
    rec, rep = _existing(request, rec_id)
    if not request.user.has_perm("recall.write_report", rep):
        raise PermissionDenied
    posted = request.POST if request.method == "POST" else None
    form = forms.ServedForm(posted)

    def write(data: dict[str, Any]) -> str:
        services.report_record_served(
            report_id=rep.pk, actor=request.user, served_on=data["served_on"]
        )
        return "The date the report was served has been recorded."

    response, errors = _posted(request, rec, form, write)
    if response is not None:
        return response
    return _page(request, rec, rep, "recall/report/served.html", errors, form=form)
