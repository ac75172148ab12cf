"""Case pages. Views are thin: check access, call a selector, render."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ippcase.cases import history, selectors
from ippcase.cases.pages import person_context
from ippcase.cases.record import selectors as record_selectors
from ippcase.core.http import AppRequest, role_required
from ippcase.models import labels
from ippcase.vocab import Need, Vulnerability

# Who sees the "Change" links of the case record (ippcase/cases/record/).
CHANGE_CASE = "ippcase.change_case"


@require_GET
@role_required()
def person_overview(request: AppRequest, crn: str) -> HttpResponse:
    context = person_context(request, crn, "overview")
    person = context["person"]
    context["needs"] = labels(Need, person.needs)
    context["vulnerability_types"] = labels(Vulnerability, person.vulnerability_types)
    context["risk_history"] = record_selectors.risk_history(person)
    context["can_change"] = request.user.has_perm(CHANGE_CASE, person)
    context["continuity"] = {"coms_since_release": selectors.coms_since_latest_release(person)}
    return render(request, "ippcase/person_overview.html", context)


@require_GET
@role_required()
def person_sentence(request: AppRequest, crn: str) -> HttpResponse:
    context = person_context(request, crn, "sentence")
    person = context["person"]
    sentence = getattr(person, "sentence", None)
    today = timezone.localdate()
    if sentence is not None and sentence.tariff_expiry_date <= today:
        context["years_over_tariff"] = (today - sentence.tariff_expiry_date).days // 365
    context["conditions"] = selectors.licence_condition_groups(person, today)
    context["can_change"] = request.user.has_perm(CHANGE_CASE, person)
    return render(request, "ippcase/person_sentence.html", context)


@require_GET
@role_required()
def person_timeline(request: AppRequest, crn: str) -> HttpResponse:
    context = person_context(request, crn, "timeline")
    today = timezone.localdate()
    timeline = selectors.build_timeline(context["person"], today)
    context["timeline"] = timeline
    context["periods"] = [
        {"label": p.label, "start": p.start, "end": p.end, "days": p.days(timeline.end or today)}
        for p in timeline.periods
    ]
    context["recall_count"] = sum(1 for e in timeline.events if e.kind == "recall")
    return render(request, "ippcase/person_timeline.html", context)


@require_GET
@role_required()
def person_history(request: AppRequest, crn: str) -> HttpResponse:
    context = person_context(request, crn, "history")
    context["entries"] = history.case_history(context["person"])
    return render(request, "ippcase/person_history.html", context)
