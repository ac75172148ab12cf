"""Pages of the recall decision. Views are thin: access (404 for a case out of scope, 403 for a
case in view but an action not allowed), a form, one service call, render. A refused action
(services.RecallError) is shown in the error summary and nothing changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ippcase.cases import selectors as case_selectors
from ippcase.core.forms import error_summary
from ippcase.core.http import AppRequest, mark_case_viewed, role_required
from ippcase.models import Person, User
from recall import dossiers, forms, rules, selectors, services, vocab
from recall.models import Dossier, RecallRecommendation

Status = vocab.RecommendationStatus


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    form_class: type[forms.SectionForm]
    codes: tuple[str, ...]  # the rule codes whose findings are shown with this section


SECTIONS: tuple[Section, ...] = (
    Section(
        "why",
        "Why recall is being considered",
        forms.WhyForm,
        ("LICENCE_ENDED", "COM_DISCONTINUITY", "LONG_TIME_IN_COMMUNITY"),
    ),
    Section(
        "type",
        "Recall type and emergency",
        forms.RecallTypeForm,
        ("FIXED_TERM_NOT_AVAILABLE", "AP_EARLY_RECALL"),
    ),
    Section(
        "criteria",
        "Recall criteria (i) to (iv)",
        forms.CriteriaForm,
        ("CRITERIA_NONE", "CRITERIA_EVIDENCE_MISSING"),
    ),
    Section(
        "behaviours",
        "Current behaviour and the causal link",
        forms.BehavioursForm,
        (
            "CAUSAL_LINK_MISSING",
            "CAUSAL_LINK_UNSTRUCTURED",
            "NON_DISCLOSURE_ONLY",
            "SPECULATIVE_RISK",
            "SUBSTANCE_NO_TESTING",
            "MENTAL_HEALTH_NO_REFERRAL",
        ),
    ),
    Section(
        "risk",
        "Evidence of increased risk of harm",
        forms.RiskForm,
        ("RISK_OF_HARM_EVIDENCE_MISSING",),
    ),
    Section(
        "alternatives",
        "Alternatives to recall",
        forms.AlternativesForm,
        ("ALTERNATIVES_INCOMPLETE", "MAPPA_LEVEL_1_HIGH_ROSH"),
    ),
    Section(
        "multi-agency", "Multi-agency input", forms.MultiAgencyForm, ("NO_MULTI_AGENCY_INPUT",)
    ),
    Section(
        "contact",
        "Out of contact",
        forms.ContactForm,
        ("OUT_OF_TOUCH_NO_LAST_CONTACT", "OUT_OF_TOUCH_UNCHECKED"),
    ),
    Section(
        "allegation",
        "Allegations",
        forms.AllegationForm,
        ("ALLEGATION_STALE", "ALLEGATION_NOT_PURSUED"),
    ),
    Section("panel", "Progression panel", forms.PanelForm, ("NO_PROGRESSION_PANEL",)),
)
SECTION_BY_SLUG = {s.slug: s for s in SECTIONS}
# Findings about the whole recommendation rather than one question.
GENERAL_SECTION = "why"


def section_for_code(code: str) -> str:
    return next((s.slug for s in SECTIONS if code in s.codes), GENERAL_SECTION)


# ---------------------------------------------------------------------------------------------
# Access


def _user(request: AppRequest) -> User:
    return request.user  # type: ignore[return-value]


def _person(request: AppRequest, crn: str) -> Person:
    """The person, loaded for the case pages, if the user may work on the case: 404 if out of
    view, 403 if in view but not theirs to work on (PPCS, admin)."""
    person = case_selectors.person_for_user(_user(request), crn)
    if not request.user.has_perm("recall.record_on_case", person):
        raise PermissionDenied
    mark_case_viewed(request, person)
    return case_selectors.person_with_history(person)


def _person_context(person: Person, tab: str) -> dict[str, Any]:
    return {**case_selectors.person_header(person), "can_work_on_case": True, "tab": tab}


def _recommendation(request: AppRequest, rec_id: int) -> RecallRecommendation:
    """The recommendation with its context if the user may see it: the case team, or a manager
    who may countersign it (a duty manager from another PDU, out of hours only). 404 when the
    case is out of view."""
    try:
        rec = selectors.recommendation_with_context(rec_id)
    except RecallRecommendation.DoesNotExist:
        raise Http404("No such recommendation.") from None
    user = request.user
    if user.has_perm("recall.record_on_case", rec.person) or _may_countersign(user, rec):
        mark_case_viewed(request, rec.person)
        return rec
    if user.has_perm("ippcase.view_person", rec.person):
        raise PermissionDenied
    raise Http404("No such recommendation.")


def _oversight_level(rec: RecallRecommendation) -> str | None:
    return {Status.AWAITING_SPO: "spo", Status.AWAITING_ACO: "aco"}.get(rec.status)  # type: ignore[call-overload]


def _may_countersign(user: Any, rec: RecallRecommendation) -> bool:
    level = _oversight_level(rec)
    return level is not None and bool(user.has_perm(f"recall.countersign_{level}", rec))


def _require_editor(request: AppRequest, rec: RecallRecommendation) -> None:
    if not request.user.has_perm("recall.edit_recommendation", rec):
        raise PermissionDenied


def _version(request: AppRequest) -> int | None:
    form = forms.VersionForm(request.POST)
    return form.cleaned_data["version"] if form.is_valid() else None


# ---------------------------------------------------------------------------------------------
# Concerns and actions short of recall


def _conditions_in_force(person: Person) -> list[Any]:
    today = timezone.localdate()
    return [c for c in person.licence_conditions.all() if c.in_force_on(today)]


def _concerns_page(
    request: AppRequest,
    person: Person,
    *,
    concern_form: forms.ConcernForm | None = None,
    action_form: forms.ActionForm | None = None,
    partial: str | None = None,
    errors: list[dict[str, str]] | None = None,
) -> HttpResponse:
    context = _person_context(person, "concerns")
    context.update(
        concerns=list(selectors.concerns_for(person)),
        actions=list(selectors.actions_for(person)),
        concern_form=concern_form or forms.ConcernForm(conditions=_conditions_in_force(person)),
        action_form=action_form or forms.ActionForm(),
        concern_errors=error_summary(concern_form) if concern_form is not None else [],
        action_errors=error_summary(action_form) if action_form is not None else [],
        service_errors=errors or [],
    )
    if partial == "concerns":
        context["action_form"] = forms.ActionForm()
    template = "recall/concerns.html" + (f"#{partial}" if partial else "")
    return render(request, template, context)


@require_GET
@role_required()
def concerns(request: AppRequest, crn: str) -> HttpResponse:
    return _concerns_page(request, _person(request, crn))


@require_POST
@role_required()
def concern_add(request: AppRequest, crn: str) -> HttpResponse:
    person = _person(request, crn)
    form = forms.ConcernForm(request.POST, conditions=_conditions_in_force(person))
    partial = "concerns" if request.htmx else None  # type: ignore[attr-defined]
    if form.is_valid():
        try:
            services.concern_add(person=person, actor=_user(request), **form.service_kwargs())
        except services.RecallError as error:
            form.add_error(None, str(error))
        else:
            if partial:
                return _concerns_page(request, person, partial=partial)
            messages.success(request, "Concern added.")
            return redirect("recall:concerns", crn=person.crn)
    return _concerns_page(request, person, concern_form=form, partial=partial)


@require_POST
@role_required()
def action_add(request: AppRequest, crn: str) -> HttpResponse:
    person = _person(request, crn)
    form = forms.ActionForm(request.POST)
    partial = "actions" if request.htmx else None  # type: ignore[attr-defined]
    if form.is_valid():
        try:
            services.action_add(person=person, actor=_user(request), **form.cleaned_data)
        except services.RecallError as error:
            form.add_error(None, str(error))
        else:
            if partial:
                return _concerns_page(request, person, partial=partial)
            messages.success(request, "Action added.")
            return redirect(reverse("recall:concerns", kwargs={"crn": person.crn}) + "#actions")
    return _concerns_page(request, person, action_form=form, partial=partial)


# ---------------------------------------------------------------------------------------------
# The recall tab and the recommendation task list


def _recall_tab(
    request: AppRequest,
    person: Person,
    errors: list[dict[str, str]] | None = None,
    **forms_: Any,
) -> HttpResponse:
    context = _person_context(person, "recall")
    recommendations = list(
        RecallRecommendation.objects.filter(person=person).select_related("created_by", "recall")
    )
    context.update(
        open_rec=next((r for r in recommendations if r.is_active), None),
        recommendations=recommendations,
        can_start=_user(request).has_role("practitioner"),
        errors=errors or [],
    )
    context.update(_recall_tab_ppcs(request, context["open_rec"], recommendations, forms_))
    return render(request, "recall/recall_tab.html", context)


@require_GET
@role_required()
def person_recall(request: AppRequest, crn: str) -> HttpResponse:
    return _recall_tab(request, _person(request, crn))


@require_POST
@role_required()
def recommendation_start(request: AppRequest, crn: str) -> HttpResponse:
    person = _person(request, crn)
    try:
        rec = services.recommendation_start(person=person, actor=_user(request))
    except services.RecallError as error:
        return _recall_tab(request, person, errors=[{"text": str(error), "href": ""}])
    return redirect("recall:recommendation", rec_id=rec.pk)


@dataclass
class SectionStatus:
    section: Section
    blocks: int
    warns: int  # warn findings without a justification
    answered: bool

    @property
    def tag(self) -> tuple[str, str] | None:
        if self.blocks:
            return ("Must be resolved", "govuk-tag--red")
        if self.warns:
            return ("Needs a justification", "govuk-tag--yellow")
        if not self.answered:
            return ("Incomplete", "govuk-tag--blue")
        return None


def _answered(rec: RecallRecommendation, slug: str) -> bool:
    if slug not in rec.sections_saved:
        return False
    return {
        "why": bool(rec.why_considered.strip()),
        "criteria": bool(rec.criteria),
        "behaviours": bool(rec.causal_link.strip()),
        "risk": bool(rec.increased_risk_of_harm.strip()),
        "alternatives": all(
            (rec.alternatives.get(k) or {}).get("status") for k in vocab.CORE_ALTERNATIVES
        ),
        "multi-agency": rec.other_agencies_consulted or bool(rec.multi_agency_input.strip()),
    }.get(slug, True)


def _unjustified(rec: RecallRecommendation, finding: rules.Finding) -> bool:
    written = str(rec.acknowledgements.get(finding.code, "")).strip()
    return finding.severity == "warn" and not written


def _recommendation_page(
    request: AppRequest,
    rec: RecallRecommendation,
    *,
    errors: list[dict[str, str]] | None = None,
    refused: list[rules.Finding] | None = None,
    withdraw_form: forms.WithdrawForm | None = None,
) -> HttpResponse:
    findings = selectors.findings_for(rec)
    statuses = [
        SectionStatus(
            section=s,
            blocks=sum(1 for f in findings if f.code in s.codes and f.severity == "block"),
            warns=sum(1 for f in findings if f.code in s.codes and _unjustified(rec, f)),
            answered=_answered(rec, s.slug),
        )
        for s in SECTIONS
    ]
    user = request.user
    errors = list(errors or [])
    for finding in refused or []:
        slug = section_for_code(finding.code)
        href = (
            "#countersignature"
            if finding.code.startswith("COUNTERSIGN_")
            else reverse("recall:section", kwargs={"rec_id": rec.pk, "slug": slug})
        )
        errors.append({"text": finding.message, "href": href})
    context = _person_context(rec.person, "recall")
    context.update(
        rec=rec,
        statuses=statuses,
        findings=findings,
        countersign_findings=_rows(rec, [f for f in findings if f.code.startswith("COUNTERSIGN_")]),
        signatures=list(rec.oversights.all()),
        can_edit=user.has_perm("recall.edit_recommendation", rec),
        can_countersign=_may_countersign(user, rec),
        errors=errors,
        withdraw_form=withdraw_form,
        facts=_facts_summary(rec),
    )
    return render(request, "recall/recommendation.html", context)


def _rows(rec: RecallRecommendation, findings: list[rules.Finding]) -> list[dict[str, Any]]:
    return [{"finding": f, "justification": rec.acknowledgements.get(f.code, "")} for f in findings]


def _facts_summary(rec: RecallRecommendation) -> dict[str, Any]:
    person = rec.person
    sentence = getattr(person, "sentence", None)
    return {
        "sentence": sentence.get_sentence_type_display() if sentence else "Not recorded",
        "rosh": person.get_rosh_level_display() or "Not recorded",
        "mappa": (
            f"Category {person.mappa_category}, level {person.mappa_level}"
            if person.mappa_level
            else "Not managed under MAPPA"
        ),
    }


@require_GET
@role_required()
def recommendation(request: AppRequest, rec_id: int) -> HttpResponse:
    return _recommendation_page(request, _recommendation(request, rec_id))


def _index_behaviours(rec: RecallRecommendation) -> list[str]:
    sentence = getattr(rec.person, "sentence", None)
    if sentence is None:
        return []
    return sorted({b for o in sentence.offences.all() for b in o.behaviours})


def _section_context(
    rec: RecallRecommendation,
    section: Section,
    form: forms.SectionForm,
    findings: list[rules.Finding],
) -> dict[str, Any]:
    shown = [f for f in findings if f.code in section.codes]
    ack_fields = form.ack_fields()
    context = _person_context(rec.person, "recall")
    context.update(
        rec=rec,
        section=section,
        form=form,
        section_findings=[
            {"finding": f, "ack": ack_fields.get(f.code) if f.severity == "warn" else None}
            for f in shown
        ],
        findings_url=reverse(
            "recall:section_findings", kwargs={"rec_id": rec.pk, "slug": section.slug}
        ),
    )
    if section.slug == "behaviours":
        index = _index_behaviours(rec)
        context["index_behaviours"] = [
            {"code": b, "label": vocab_label(b), "current": b in rec.current_behaviours}
            for b in index
        ]
        context["index_codes"] = index
        context["recent_concerns"] = list(selectors.concerns_for(rec.person)[:5])
    return context


def vocab_label(code: str) -> str:
    from ippcase.vocab import Behaviour

    return str(dict(Behaviour.choices).get(code, code))


def _section_form(
    request: AppRequest, rec: RecallRecommendation, section: Section
) -> forms.SectionForm:
    data = request.POST if request.method == "POST" else None
    return section.form_class(data, rec=rec, ack_codes=section.codes)


@require_http_methods(["GET", "POST"])
@role_required()
def section(request: AppRequest, rec_id: int, slug: str) -> HttpResponse:
    rec = _recommendation(request, rec_id)
    _require_editor(request, rec)
    sec = SECTION_BY_SLUG.get(slug)
    if sec is None:
        raise Http404("No such section.")
    if rec.status != Status.DRAFT:
        messages.info(request, "The recommendation can only be changed while it is a draft.")
        return redirect("recall:recommendation", rec_id=rec.pk)
    form = _section_form(request, rec, sec)
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        version = _version(request)
        if form.is_valid() and version is not None:
            try:
                services.recommendation_update(
                    rec_id=rec.pk,
                    actor=_user(request),
                    expected_version=version,
                    changes=form.changes(),
                    section=sec.slug,
                )
            except services.RecallError as error:
                errors.append({"text": str(error), "href": ""})
            else:
                return redirect("recall:recommendation", rec_id=rec.pk)
        else:
            errors = error_summary(form)
    context = _section_context(rec, sec, form, selectors.findings_for(rec))
    context["errors"] = errors
    return render(request, "recall/section.html", context)


@require_POST
@role_required()
def section_findings(request: AppRequest, rec_id: int, slug: str) -> HttpResponse:
    """The section's findings on the form's UNSAVED values: applied to the loaded recommendation
    in memory only, never saved."""
    rec = _recommendation(request, rec_id)
    _require_editor(request, rec)
    sec = SECTION_BY_SLUG.get(slug)
    if sec is None:
        raise Http404("No such section.")
    form = _section_form(request, rec, sec)
    form.is_valid()  # partial answers are fine: changes() uses whatever cleaned
    for name, value in form.changes().items():
        setattr(rec, name, value)
    context = _section_context(rec, sec, form, selectors.findings_for(rec))
    if sec.slug == "behaviours":
        context["index_behaviours"] = [
            {**b, "current": b["code"] in rec.current_behaviours}
            for b in context["index_behaviours"]
        ]
    return render(request, "recall/section.html#findings", context)


@require_POST
@role_required()
def send_for_countersignature(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = _recommendation(request, rec_id)
    _require_editor(request, rec)
    return _transition(
        request,
        rec,
        services.recommendation_send_for_countersignature,
        "Sent for countersignature. Your SPO has been told.",
    )


@require_POST
@role_required()
def submit(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = _recommendation(request, rec_id)
    _require_editor(request, rec)
    return _transition(request, rec, services.recommendation_submit, "Submitted to PPCS.")


def _transition(
    request: AppRequest, rec: RecallRecommendation, service: Any, done: str
) -> HttpResponse:
    version = _version(request)
    if version is None:
        return _recommendation_page(
            request, rec, errors=[{"text": "Reload the page and try again.", "href": ""}]
        )
    try:
        service(rec_id=rec.pk, actor=_user(request), expected_version=version)
    except services.RulesRefused as error:
        return _recommendation_page(
            request, rec, errors=[{"text": str(error), "href": ""}], refused=error.findings
        )
    except services.RecallError as error:
        return _recommendation_page(request, rec, errors=[{"text": str(error), "href": ""}])
    messages.success(request, done)
    return redirect("recall:recommendation", rec_id=rec.pk)


@require_http_methods(["GET", "POST"])
@role_required()
def withdraw(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = _recommendation(request, rec_id)
    _require_editor(request, rec)
    posted = request.POST if request.method == "POST" else None  # an empty POST is a POST too
    form = forms.WithdrawForm(posted, initial={"version": rec.version})
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                services.recommendation_withdraw(
                    rec_id=rec.pk,
                    actor=_user(request),
                    expected_version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                )
            except services.RecallError as error:
                errors.append({"text": str(error), "href": ""})
            else:
                messages.success(request, "The recommendation has been withdrawn.")
                return redirect("recall:person_recall", crn=rec.person.crn)
        else:
            errors = error_summary(form)
    context = _person_context(rec.person, "recall")
    context.update(rec=rec, form=form, errors=errors)
    return render(request, "recall/withdraw.html", context)


# ---------------------------------------------------------------------------------------------
# Management oversight


@require_http_methods(["GET", "POST"])
@role_required()
def oversight(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = _recommendation(request, rec_id)
    user = request.user
    level = _oversight_level(rec)
    # The recommender is let through so that the service can say why they cannot sign.
    if not (user.has_role("manager", "senior_manager") or rec.created_by_id == user.pk):  # type: ignore[union-attr]
        raise PermissionDenied
    posted = request.POST if request.method == "POST" else None  # an empty POST is a POST too
    form = forms.OversightForm(posted, initial={"version": rec.version})
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        if level is None:
            errors.append(
                {"text": "This recommendation is not awaiting countersignature.", "href": ""}
            )
        elif not (_may_countersign(user, rec) or rec.created_by_id == user.pk):
            raise PermissionDenied
        elif form.is_valid():
            data = form.cleaned_data
            try:
                services.recommendation_countersign(
                    rec_id=rec.pk,
                    actor=_user(request),
                    expected_version=data["version"],
                    level=level,
                    decision=data["decision"],
                    rationale=data["rationale"],
                    **{name: data[name] for name in forms.OversightForm.CONFIRMATIONS},
                )
            except services.RecallError as error:
                errors.append({"text": str(error), "href": ""})
            else:
                messages.success(request, f"Your {level.upper()} decision has been recorded.")
                if not user.has_perm("recall.record_on_case", rec.person):
                    return redirect("caseload")  # a duty manager from elsewhere: signed, done
                return redirect("recall:oversight", rec_id=rec.pk)
        else:
            errors = error_summary(form)
    findings = selectors.findings_for(rec)
    context = _person_context(rec.person, "recall")
    context.update(
        _answers(rec),
        rec=rec,
        level=level,
        form=form,
        errors=errors,
        can_countersign=_may_countersign(user, rec),
        finding_rows=_rows(rec, findings),
        signatures=list(rec.oversights.all()),
    )
    return render(request, "recall/oversight.html", context)


# ---------------------------------------------------------------------------------------------
# Decision not to recall letter


@require_GET
@role_required()
def dntr_letter(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = _recommendation(request, rec_id)
    if rec.status != Status.NOT_RECALLED:
        raise Http404("There is no decision not to recall on this recommendation.")
    from weasyprint import HTML  # imported here: it loads pango, which only this page needs

    com = case_selectors.current_allocation(rec.person)
    html = render_to_string(
        "recall/dntr_letter.html",
        {
            "rec": rec,
            "person": rec.person,
            "com": com.practitioner if com else rec.created_by,
            "today": timezone.localdate(),
            "conditions": _conditions_in_force(rec.person),
            "concerns": rec.why_considered,
        },
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"decision-not-to-recall-{rec.person.crn}-{timezone.localdate():%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------------------------------------
# PPCS: the national queue, the request page (take, decide), return to custody, the report
# deadline, stopping a recall; the practitioner's side (answer a request for more information,
# record the return to custody and the report from the recall tab).

PPCS_QUEUE_PAGE_SIZE = 25
DECISION_TARGET_HOURS = 24


def _calendar() -> Any:
    """The working-day calendar with the administrator's holiday overrides (one query)."""
    from recall import reminders

    return reminders.calendar()


def _deadline(recall: Any, calendar: Any = None) -> Any:
    """The report deadline of a recall (due date, working days left, badge), or None."""
    from recall import reminders

    if recall is None:
        return None
    return reminders.recall_deadline(recall, calendar=calendar or _calendar())


@dataclass
class QueueRow:
    rec: RecallRecommendation
    hours: int
    deadline: Any
    licence_ended_on: Any = None  # a date: authorising would be refused (docs/parole.md)

    @property
    def overdue(self) -> bool:
        return self.hours >= DECISION_TARGET_HOURS


def _queue_link(params: dict[str, str], page: int) -> str:
    from urllib.parse import urlencode

    return "?" + urlencode({**{k: v for k, v in params.items() if v}, "page": page})


def _ended_on(ends_on: dt.date | None) -> dt.date | None:
    return ends_on if ends_on is not None and ends_on <= timezone.localdate() else None


@require_GET
@role_required("recall.decide")
def ppcs_queue(request: AppRequest) -> HttpResponse:
    from django.core.paginator import Paginator

    from ippcase.models import Region

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
        assigned_to=_user(request) if params["mine"] else None,
        query=params["q"],
    )
    page = Paginator(qs, PPCS_QUEUE_PAGE_SIZE).get_page(get.get("page", 1))
    now = timezone.now()
    calendar = _calendar()
    rows = [
        QueueRow(
            rec=r,
            hours=int((now - r.submitted_at).total_seconds() // 3600) if r.submitted_at else 0,
            deadline=_deadline(r.recall, calendar) if r.recall_id else None,
            licence_ended_on=_ended_on(r.licence_ends_on),  # type: ignore[attr-defined]
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


def _ppcs_request(request: AppRequest, rec_id: int) -> RecallRecommendation:
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


def _answers(rec: RecallRecommendation) -> dict[str, Any]:
    """The recommendation's answers, read-only (templates/recall/_answers.html): the oversight
    page and the PPCS request page."""
    index = _index_behaviours(rec)
    statuses = dict(vocab.AlternativeStatus.choices)
    return {
        "facts": _facts_summary(rec),
        "index_behaviours": [vocab_label(b) for b in index],
        "current_behaviours": [(vocab_label(b), b in index) for b in rec.current_behaviours],
        "alternatives": [
            (
                vocab.ALTERNATIVE_LABELS.get(k, k),
                statuses.get((rec.alternatives.get(k) or {}).get("status", ""), "Not answered"),
                (rec.alternatives.get(k) or {}).get("details", ""),
            )
            for k in forms.alternative_keys(rec)
        ],
        "criteria": [(forms.CRITERIA_LABELS[k], v) for k, v in sorted(rec.criteria.items())],
    }


def _ppcs_page(
    request: AppRequest,
    rec: RecallRecommendation,
    *,
    errors: list[dict[str, str]] | None = None,
    decision_form: forms.PpcsDecisionForm | None = None,
    rtc_form: forms.ReturnToCustodyForm | None = None,
    progress_form: forms.RecallProgressForm | None = None,
    stop_form: forms.StopRecallForm | None = None,
    charge_outcome_form: forms.ChargeOutcomeForm | None = None,
) -> HttpResponse:
    user = _user(request)
    context = _person_context(rec.person, "ppcs")
    context.update(_answers(rec))
    recall = rec.recall if rec.recall_id else None
    context.update(
        can_work_on_case=user.has_perm("recall.record_on_case", rec.person),
        rec=rec,
        recall=recall,
        deadline=_deadline(recall),
        finding_rows=_rows(rec, selectors.findings_for(rec, stage="submit")),
        signatures=list(rec.oversights.all()),
        decisions=list(rec.ppcs_decisions.select_related("decided_by")),
        assigned_to=rec.assigned_to,
        errors=errors or [],
        decision_form=decision_form or forms.PpcsDecisionForm(),
        rtc_form=rtc_form or forms.ReturnToCustodyForm(),
        progress_form=progress_form or forms.RecallProgressForm(),
        stop_form=stop_form or forms.StopRecallForm(),
        charge_outcome_form=charge_outcome_form or _charge_outcome_form(rec),
        is_submitted=rec.status == Status.SUBMITTED,
        can_decide=user.has_perm("recall.decide_request", rec),
        is_authorised=rec.status == Status.AUTHORISED,
    )
    return render(request, "recall/ppcs_request.html", context)


def _service_error(error: services.RecallError) -> list[dict[str, str]]:
    return [{"text": str(error), "href": ""}]


@require_GET
@role_required()
def ppcs_request(request: AppRequest, rec_id: int) -> HttpResponse:
    return _ppcs_page(request, _ppcs_request(request, rec_id))


@require_POST
@role_required()
def ppcs_take(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = _ppcs_request(request, rec_id)
    try:
        services.ppcs_assign(rec_id=rec.pk, actor=_user(request))
    except services.RecallError as error:
        return _ppcs_page(request, rec, errors=_service_error(error))
    messages.success(request, "You have taken this request.")
    return redirect("recall:ppcs_request", rec_id=rec.pk)


@require_POST
@role_required()
def ppcs_decision(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = _ppcs_request(request, rec_id)
    form = forms.PpcsDecisionForm(request.POST)
    if not form.is_valid():
        return _ppcs_page(request, rec, errors=error_summary(form), decision_form=form)
    try:
        decided = services.ppcs_decide(
            rec_id=rec.pk,
            actor=_user(request),
            outcome=form.cleaned_data["outcome"],
            reason=form.reason(),
        )
    except services.RecallError as error:
        # Reloaded: when a colleague decided first, the page shows their decision.
        rec = _ppcs_request(request, rec.pk)
        return _ppcs_page(request, rec, errors=_service_error(error), decision_form=form)
    messages.success(request, f"Decision recorded: {decided.get_status_display()}.")
    return redirect("recall:ppcs_request", rec_id=rec.pk)


@require_POST
@role_required()
def ppcs_stop(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = _ppcs_request(request, rec_id)
    form = forms.StopRecallForm(request.POST)
    if not form.is_valid():
        return _ppcs_page(request, rec, errors=error_summary(form), stop_form=form)
    try:
        services.recall_stop(
            rec_id=rec.pk,
            actor=_user(request),
            reason=form.cleaned_data["reason"],
            released_on=form.cleaned_data["released_on"],
        )
    except services.RecallError as error:
        return _ppcs_page(request, rec, errors=_service_error(error), stop_form=form)
    messages.success(request, "The recall has been stopped or rescinded.")
    return redirect("recall:ppcs_request", rec_id=rec.pk)


def _recall_recommendation(request: AppRequest, rec_id: int) -> RecallRecommendation:
    """The authorised recommendation whose recall PPCS or the case team records progress on."""
    if request.user.has_perm("recall.decide"):
        return _ppcs_request(request, rec_id)
    rec = _recommendation(request, rec_id)
    if not request.user.has_perm("recall.record_on_case", rec.person):
        raise PermissionDenied
    return rec


def _recall_form_page(
    request: AppRequest, rec: RecallRecommendation, errors: list[dict[str, str]], **forms_: Any
) -> HttpResponse:
    if request.user.has_perm("recall.decide"):
        return _ppcs_page(request, rec, errors=errors, **forms_)
    return _recall_tab(request, rec.person, errors=errors, **forms_)


def _recall_done(request: AppRequest, rec: RecallRecommendation, done: str) -> HttpResponse:
    messages.success(request, done)
    if request.user.has_perm("recall.decide"):
        return redirect("recall:ppcs_request", rec_id=rec.pk)
    return redirect("recall:person_recall", crn=rec.person.crn)


def _no_recall() -> list[dict[str, str]]:
    return [
        {"text": "There is no recall to record this on: it has not been authorised.", "href": ""}
    ]


def _record_on_recall(
    request: AppRequest,
    rec_id: int,
    form_class: type[forms.forms.Form],
    form_key: str,
    record: Any,
    done: str,
) -> HttpResponse:
    """A form about the recall a recommendation became; its cleaned data are ``record``'s
    keyword arguments. Errors (form, no recall yet, refused by the service) change nothing."""
    rec = _recall_recommendation(request, rec_id)
    form = form_class(request.POST)
    if not form.is_valid():
        errors = error_summary(form)
    elif rec.recall_id is None:
        errors = _no_recall()
    else:
        try:
            record(recall_id=rec.recall_id, actor=_user(request), **form.cleaned_data)
        except services.RecallError as error:
            errors = _service_error(error)
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
                rec_id=rec.pk, actor=_user(request), outcome=form.cleaned_data["charge_outcome"]
            )
        except services.RecallError as error:
            errors = _service_error(error)
        else:
            return _recall_done(request, rec, "Outcome of the allegation recorded.")
    return _recall_form_page(request, rec, errors, charge_outcome_form=form)


@require_POST
@role_required()
def resubmit(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = _recommendation(request, rec_id)
    _require_editor(request, rec)
    form = forms.ResubmitForm(request.POST)
    if not form.is_valid():
        return _recall_tab(request, rec.person, errors=error_summary(form), resubmit_form=form)
    try:
        services.recommendation_resubmit(
            rec_id=rec.pk,
            actor=_user(request),
            expected_version=form.cleaned_data["version"],
            further_information=form.cleaned_data["further_information"],
        )
    except services.RecallError as error:
        return _recall_tab(request, rec.person, errors=_service_error(error), resubmit_form=form)
    messages.success(request, "Further information given and the request resubmitted to PPCS.")
    return redirect("recall:person_recall", crn=rec.person.crn)


def _recall_tab_ppcs(
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
            deadline=_deadline(current.recall),
            rtc_form=forms_.get("rtc_form") or forms.ReturnToCustodyForm(),
            progress_form=forms_.get("progress_form") or forms.RecallProgressForm(),
            charge_outcome_form=forms_.get("charge_outcome_form") or _charge_outcome_form(current),
        )
    return context


def _charge_outcome_form(rec: RecallRecommendation) -> forms.ChargeOutcomeForm:
    return forms.ChargeOutcomeForm(initial={"charge_outcome": rec.charge_outcome})


# ---------------------------------------------------------------------------------------------
# Dossiers and the prisoner's letter: request, progress (HTMX polling), download


def _dossier_rec(request: AppRequest, rec_id: int) -> RecallRecommendation:
    rec = RecallRecommendation.objects.select_related("person__team__pdu").filter(pk=rec_id).first()
    if rec is None or not dossiers.can_request(_user(request), rec):
        raise Http404("No such recommendation.")
    mark_case_viewed(request, rec.person)
    return rec


@require_http_methods(["GET", "POST"])
@role_required()
def dossier_list(request: AppRequest, rec_id: int) -> HttpResponse:
    """Every generated version with who asked for it; POST asks for a new one."""
    rec = _dossier_rec(request, rec_id)
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        try:
            dossiers.dossier_request(
                rec_id=rec.pk, kind=request.POST.get("kind", ""), actor=_user(request)
            )
        except services.RecallError as error:
            errors.append({"text": str(error), "href": ""})
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
    }
    template = "recall/dossiers.html#versions" if request.htmx else "recall/dossiers.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=400 if errors else 200)


@require_GET
@role_required()
def dossier_download(request: AppRequest, dossier_id: int) -> HttpResponse:
    try:
        dossier = dossiers.dossier_for_download(_user(request), dossier_id)
    except (services.NotAllowed, Dossier.DoesNotExist):
        raise Http404("No such document.") from None
    mark_case_viewed(request, dossier.recommendation.person)
    response = HttpResponse(bytes(dossier.pdf or b""), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{dossiers.filename(dossier)}"'
    return response
