"""Case pages. Views are thin: check access, call a selector, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from recall.vocab import RecommendationStatus

from . import health, history, selectors
from .models import labels
from .vocab import Need

View = Callable[..., HttpResponse]


def role_required(perm: str = "ippcase.use_app") -> Callable[[View], View]:
    """Sign-in AND a role: a signed-in account with no role sees nothing."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm(perm):
                raise PermissionDenied
            response = view(request, *args, **kwargs)
            _record_case_view(request, response)
            return response

        return wrapped

    return decorator


def mark_case_viewed(request: HttpRequest, person: Any) -> None:
    """Note that this request shows ``person``'s case. ``role_required`` writes it to the read
    audit once the page is served: a GET answered 200 (not an HTMX partial such as the
    dossier list's polling, whose page load was recorded; not a refusal)."""
    request.case_viewed = person  # type: ignore[attr-defined]


def _record_case_view(request: HttpRequest, response: HttpResponse) -> None:
    person = getattr(request, "case_viewed", None)
    if person is None or request.method != "GET" or response.status_code != 200:
        return
    if getattr(request, "htmx", False):
        return
    from . import services

    match = request.resolver_match
    services.case_view_record(
        user=request.user,  # type: ignore[arg-type]
        person=person,
        url_name=match.view_name if match else "",
        path=request.path,
    )


def add_report_deadlines(people: Any) -> None:
    """Set ``deadline`` (the report deadline badge) on each person of a caseload page, with the
    one holiday calendar of the recall app (one query)."""
    from recall import reminders

    calendar, today = reminders.calendar(), timezone.localdate()
    for person in people:
        person.deadline = (
            reminders.deadline_from_rtc(person.report_rtc, today=today, calendar=calendar)
            if person.report_rtc
            else None
        )


@role_required()
def home(request: HttpRequest) -> HttpResponse:
    return redirect("caseload")


@require_GET
@role_required()
def caseload(request: HttpRequest) -> HttpResponse:
    page = selectors.caseload(
        request.user,  # type: ignore[arg-type]
        query=request.GET.get("q", ""),
        team_code=request.GET.get("team", ""),
        parole_work=request.GET.get("work", ""),
        status=request.GET.get("status", ""),
        page_number=request.GET.get("page", 1),
        per_page=settings.CASELOAD_PAGE_SIZE,
    )
    from parole import selectors as parole_selectors

    add_report_deadlines(page.object_list)
    context = {
        "page": page,
        "query": request.GET.get("q", ""),
        "team_code": request.GET.get("team", ""),
        "work": request.GET.get("work", ""),
        "status": request.GET.get("status", ""),
        "parole_work": parole_selectors.PAROLE_WORK,
        "teams": selectors.teams_for_filter(request.user),  # type: ignore[arg-type]
        "status_labels": selectors.CaseStatus.LABELS,
        "recommendation_labels": dict(RecommendationStatus.choices),
    }
    template = "ippcase/caseload.html#results" if request.htmx else "ippcase/caseload.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _person_context(request: HttpRequest, crn: str, tab: str) -> dict[str, Any]:
    person = selectors.person_with_history(selectors.person_for_user(request.user, crn))  # type: ignore[arg-type]
    mark_case_viewed(request, person)
    return {
        **selectors.person_header(person),
        "tab": tab,
        "can_work_on_case": request.user.has_perm("recall.record_on_case", person),
    }


@require_GET
@role_required()
def person_overview(request: HttpRequest, crn: str) -> HttpResponse:
    context = _person_context(request, crn, "overview")
    person = context["person"]
    context["needs"] = labels(Need, person.needs)
    context["continuity"] = {"coms_since_release": selectors.coms_since_latest_release(person)}
    return render(request, "ippcase/person_overview.html", context)


@require_GET
@role_required()
def person_sentence(request: HttpRequest, crn: str) -> HttpResponse:
    context = _person_context(request, crn, "sentence")
    person = context["person"]
    sentence = getattr(person, "sentence", None)
    today = timezone.localdate()
    if sentence is not None and sentence.tariff_expiry_date <= today:
        context["years_over_tariff"] = (today - sentence.tariff_expiry_date).days // 365
    context["conditions"] = selectors.licence_condition_groups(person, today)
    return render(request, "ippcase/person_sentence.html", context)


@require_GET
@role_required()
def person_timeline(request: HttpRequest, crn: str) -> HttpResponse:
    context = _person_context(request, crn, "timeline")
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
def person_history(request: HttpRequest, crn: str) -> HttpResponse:
    context = _person_context(request, crn, "history")
    context["entries"] = history.case_history(context["person"])
    return render(request, "ippcase/person_history.html", context)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Health for load balancers and docker-compose (see ippcase/health.py). Public, so it
    reveals no data. 503 when the database does not answer; Redis and the worker heartbeat
    (ok / stale / never, with its age) are reported, not required, since pages and decisions
    keep working while Redis is down (docs/operations.md)."""
    body = health.check()
    response = JsonResponse(body, status=200 if body["database"] == "ok" else 503)
    response["Cache-Control"] = "no-store"
    return response
