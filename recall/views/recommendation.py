"""The recommendation: its task list (each section's status and findings), a section's form (with
its findings worked out on the unsaved answers), sending for countersignature, submitting to
PPCS, withdrawing. The case's practitioner edits; the case team and a countersigning manager
read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ippcase.core.forms import ErrorSummary, error_summary, summary_error
from ippcase.core.http import AppRequest, role_required
from recall import (
    alternatives,
    deadlines,
    dossiers,
    forms,
    forms_part_a,
    meeting_records,
    part_a,
    rules,
    selectors,
    services,
    vocab,
)
from recall.models import RecallRecommendation
from recall.views.common import (
    Status,
    behaviour_label,
    facts_summary,
    finding_rows,
    header,
    index_behaviours,
    load_recommendation,
    may_countersign,
    posted_version,
    require_editor,
)


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
# The recall request (Part A; docs/recall-paperwork.md): a recall's sections only.
_PART_A_FORMS: dict[str, tuple[type[forms.SectionForm], tuple[str, ...]]] = {
    "whereabouts": (forms_part_a.WhereaboutsForm, ("WHEREABOUTS_UNKNOWN",)),
    "police": (forms_part_a.PoliceForm, ()),
    "risk-profile": (forms_part_a.RiskProfileForm, ()),
    "conditions": (forms_part_a.ConditionsForm, ()),
    "victims": (forms_part_a.VictimsForm, ("VLO_NOT_INFORMED",)),
}
PART_A_SECTIONS: tuple[Section, ...] = tuple(
    Section(slug, title, *_PART_A_FORMS[slug]) for slug, title in part_a.PART_A_SECTIONS
)
SECTION_BY_SLUG = {s.slug: s for s in (*SECTIONS, *PART_A_SECTIONS)}


def sections_for(rec: RecallRecommendation) -> tuple[Section, ...]:
    """The task list: the Part A sections follow for a recall, not for a decision not to
    recall."""
    return (*SECTIONS, *PART_A_SECTIONS) if rec.is_recall else SECTIONS


# Findings about the whole recommendation rather than one question.
GENERAL_SECTION = "why"


def section_for_code(code: str) -> str:
    return next((s.slug for s in SECTION_BY_SLUG.values() if code in s.codes), GENERAL_SECTION)


@dataclass
class SectionStatus:
    section: Section
    blocks: int
    warns: int  # warn findings without a justification
    answered: bool
    hint: str = ""  # what the records say, under the section's name (issue 19)

    @property
    def tag(self) -> tuple[str, str] | None:
        if self.blocks:
            return ("Must be resolved", "govuk-tag--red")
        if self.warns:
            return ("Needs a justification", "govuk-tag--yellow")
        if not self.answered:
            return ("Incomplete", "govuk-tag--blue")
        return None


def _answered(
    rec: RecallRecommendation, slug: str, records: meeting_records.MeetingRecords
) -> bool:
    if slug == "panel":
        # Nothing to answer: the meeting records decide, and a finding needs its justification.
        return True
    if slug == "multi-agency" and records.agencies_heard_in_period:
        # A meeting with another agency within the team's period answers the section; the
        # question about input outside a meeting is then optional.
        return True
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
        "multi-agency": not rec.other_agencies_consulted or bool(rec.multi_agency_input.strip()),
    }.get(slug, True)


def _hint(slug: str, records: meeting_records.MeetingRecords) -> str:
    """The meeting records in a line, under the two sections that read them."""
    period = f"the team's {records.period_months}-month period"
    if slug == "multi-agency":
        count = len(records.with_agencies_in_period)
        if not count:
            return f"No meeting with another agency in {period}"
        return f"{count} meeting{'s' if count != 1 else ''} with other agencies in {period}"
    if slug == "panel":
        if records.forum is None:
            return "No progression panel or MAPPA level 2 or 3 meeting recorded"
        where = "within" if records.forum_in_period else "outside"
        return (
            f"Latest: {records.forum.meeting.get_kind_display()}, "
            f"{deadlines.long_date(records.forum.meeting.held_on)}, {where} {period}"
        )
    return ""


def _unjustified(rec: RecallRecommendation, finding: rules.Finding) -> bool:
    written = str(rec.acknowledgements.get(finding.code, "")).strip()
    return finding.severity == "warn" and not written


@dataclass
class Stopping:
    """Everything that stops a recommendation going on (issue 16): the error summary lists it
    all at once, not only the first kind the service refused on."""

    findings: list[rules.Finding]  # block findings, and warn findings without a justification
    missing: list[tuple[str, str]]  # Part A sections not saved: (slug, title)

    def __bool__(self) -> bool:
        return bool(self.findings or self.missing)


def stopping(rec: RecallRecommendation, *, stage: str) -> Stopping:
    findings = selectors.findings_for(rec, stage=stage)
    return Stopping(
        findings=[f for f in findings if f.severity == "block"]
        + [f for f in findings if _unjustified(rec, f)],
        missing=part_a.missing_sections(rec) if stage == "draft" else [],
    )


def recommendation_page(
    request: AppRequest,
    rec: RecallRecommendation,
    *,
    errors: ErrorSummary | None = None,
    refused: list[rules.Finding] | None = None,
    missing: list[tuple[str, str]] | None = None,
    withdraw_form: forms.WithdrawForm | None = None,
) -> HttpResponse:
    findings = selectors.findings_for(rec)
    records = meeting_records.records_for(rec)
    statuses = [
        SectionStatus(
            section=s,
            blocks=sum(1 for f in findings if f.code in s.codes and f.severity == "block"),
            warns=sum(1 for f in findings if f.code in s.codes and _unjustified(rec, f)),
            answered=_answered(rec, s.slug, records),
            hint=_hint(s.slug, records),
        )
        for s in sections_for(rec)
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
    for slug, title in missing or []:
        errors.append(
            {
                "text": f"Complete the Part A section: {title}",
                "href": reverse("recall:section", kwargs={"rec_id": rec.pk, "slug": slug}),
            }
        )
    context = header(request, rec.person, "recall")
    context.update(
        rec=rec,
        statuses=[st for st in statuses if st.section.slug not in part_a.PART_A_SLUGS],
        part_a_statuses=[st for st in statuses if st.section.slug in part_a.PART_A_SLUGS],
        part_a_pdf=dossiers.latest_ready([rec.pk], vocab.DossierKind.PART_A).get(rec.pk),
        findings=findings,
        countersign_findings=finding_rows(
            rec, [f for f in findings if f.code.startswith("COUNTERSIGN_")]
        ),
        signatures=list(rec.oversights.all()),
        can_edit=user.has_perm("recall.edit_recommendation", rec),
        can_countersign=may_countersign(user, rec),
        errors=errors,
        withdraw_form=withdraw_form,
        facts=facts_summary(rec),
    )
    context["new_actions"] = alternatives.offered(rec, context["can_edit"])
    return render(request, "recall/recommendation.html", context)


@require_GET
@role_required()
def recommendation(request: AppRequest, rec_id: int) -> HttpResponse:
    return recommendation_page(request, load_recommendation(request, rec_id))


def _section_context(
    request: AppRequest,
    rec: RecallRecommendation,
    section: Section,
    form: forms.SectionForm,
    findings: list[rules.Finding],
) -> dict[str, Any]:
    shown = [f for f in findings if f.code in section.codes]
    ack_fields = form.ack_fields()
    context = header(request, rec.person, "recall")
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
        index = index_behaviours(rec)
        context["index_behaviours"] = [
            {"code": b, "label": behaviour_label(b), "current": b in rec.current_behaviours}
            for b in index
        ]
        context["index_codes"] = index
        context["recent_concerns"] = list(selectors.concerns_for(rec.person)[:5])
    if section.slug in ("multi-agency", "panel"):
        context["records"] = meeting_records.records_for(rec)
    if section.slug == "alternatives":
        # The section's view requires the editor.
        context["new_actions"] = alternatives.offered(rec, True)
    if section.slug in part_a.PART_A_SLUGS:
        context.update(part_a.page_context(rec))
    return context


def _section_form(
    request: AppRequest, rec: RecallRecommendation, section: Section
) -> forms.SectionForm:
    data = request.POST if request.method == "POST" else None
    return section.form_class(data, rec=rec, ack_codes=section.codes)


def _section_or_404(rec: RecallRecommendation, slug: str) -> Section:
    sec = SECTION_BY_SLUG.get(slug)
    if sec is None or sec not in sections_for(rec):
        raise Http404("No such section.")
    return sec


@require_http_methods(["GET", "POST"])
@role_required()
def section(request: AppRequest, rec_id: int, slug: str) -> HttpResponse:
    rec = load_recommendation(request, rec_id)
    require_editor(request, rec)
    sec = _section_or_404(rec, slug)
    if rec.status != Status.DRAFT:
        messages.info(request, "The recommendation can only be changed while it is a draft.")
        return redirect("recall:recommendation", rec_id=rec.pk)
    form = _section_form(request, rec, sec)
    errors: ErrorSummary = []
    if request.method == "POST":
        version = posted_version(request)
        if form.is_valid() and version is not None:
            try:
                services.recommendation_update(
                    rec_id=rec.pk,
                    actor=request.user,
                    expected_version=version,
                    changes=form.changes(),
                    section=sec.slug,
                )
            except services.RecallError as error:
                errors = summary_error(error)
            else:
                return redirect("recall:recommendation", rec_id=rec.pk)
        else:
            errors = error_summary(form)
    context = _section_context(request, rec, sec, form, selectors.findings_for(rec))
    context["errors"] = errors
    return render(request, "recall/section.html", context)


@require_POST
@role_required()
def section_findings(request: AppRequest, rec_id: int, slug: str) -> HttpResponse:
    """The section's findings on the form's UNSAVED values: applied to the loaded recommendation
    in memory only, never saved."""
    rec = load_recommendation(request, rec_id)
    require_editor(request, rec)
    sec = _section_or_404(rec, slug)
    form = _section_form(request, rec, sec)
    form.is_valid()  # partial answers are fine: changes() uses whatever cleaned
    for name, value in form.changes().items():
        setattr(rec, name, value)
    context = _section_context(request, rec, sec, form, selectors.findings_for(rec))
    if sec.slug == "behaviours":
        context["index_behaviours"] = [
            {**b, "current": b["code"] in rec.current_behaviours}
            for b in context["index_behaviours"]
        ]
    return render(request, "recall/section.html#findings", context)


@require_POST
@role_required()
def send_for_countersignature(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = load_recommendation(request, rec_id)
    require_editor(request, rec)
    return _transition(
        request, rec, services.recommendation_send_for_countersignature, "draft", "recall:sent"
    )


@require_POST
@role_required()
def submit(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = load_recommendation(request, rec_id)
    require_editor(request, rec)
    return _transition(request, rec, services.recommendation_submit, "submit", "recall:submitted")


def _transition(
    request: AppRequest, rec: RecallRecommendation, service: Any, stage: str, done: str
) -> HttpResponse:
    """Post the step; on success, its confirmation page (``done``). Refused by the rules or an
    incomplete Part A, the error summary lists every finding and section that stops it."""
    version = posted_version(request)
    if version is None:
        return recommendation_page(
            request, rec, errors=summary_error("Reload the page and try again.")
        )
    try:
        service(rec_id=rec.pk, actor=request.user, expected_version=version)
    except (services.PartAIncomplete, services.RulesRefused) as error:
        problems = stopping(rec, stage=stage)
        return recommendation_page(
            request,
            rec,
            errors=summary_error(error),
            refused=problems.findings
            or (error.findings if isinstance(error, services.RulesRefused) else []),
            missing=problems.missing or getattr(error, "missing", []),
        )
    except services.RecallError as error:
        return recommendation_page(request, rec, errors=summary_error(error))
    return redirect(done, rec_id=rec.pk)


@require_http_methods(["GET", "POST"])
@role_required()
def withdraw(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = load_recommendation(request, rec_id)
    require_editor(request, rec)
    posted = request.POST if request.method == "POST" else None  # an empty POST is a POST too
    form = forms.WithdrawForm(posted, initial={"version": rec.version})
    errors: ErrorSummary = []
    if request.method == "POST":
        if form.is_valid():
            try:
                services.recommendation_withdraw(
                    rec_id=rec.pk,
                    actor=request.user,
                    expected_version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                )
            except services.RecallError as error:
                errors = summary_error(error)
            else:
                messages.success(request, "The recommendation has been withdrawn.")
                return redirect("recall:person_recall", crn=rec.person.crn)
        else:
            errors = error_summary(form)
    context = header(request, rec.person, "recall")
    context.update(rec=rec, form=form, errors=errors)
    return render(request, "recall/withdraw.html", context)
