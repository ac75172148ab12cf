"""The "Open a case" question pages (GOV.UK pattern: one topic a page, answers kept in the
session, then check your answers). Views are thin: access, the form, the session, render. The
check page and the opening itself are in :mod:`ippcase.cases.opening.check_views`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ippcase.cases.opening import answers as store
from ippcase.cases.opening import forms, rows
from ippcase.cases.opening.selectors import coms_for_team, existing_case, teams_for_new_case
from ippcase.cases.opening.services import (
    DuplicateCase,
    path_label,
    release_problems,
    sentence_after_birth_problem,
)
from ippcase.core.forms import ErrorSummary, as_bool, as_yes_no, error_summary
from ippcase.core.http import AppRequest, role_required
from ippcase.vocab import StandardCondition

PERM = "ippcase.open_case"
GET_POST = require_http_methods(["GET", "POST"])


def _guard(request: AppRequest, key: str) -> HttpResponse | None:
    """Back to the first unanswered page when one before ``key``'s is unanswered."""
    missing = store.first_missing(store.load(request.session), before=key)
    return redirect(missing) if missing else None


def _after_save(request: AppRequest, key: str) -> HttpResponse:
    """The next page; the check page when the user came from it (a "Change" link)."""
    answers = store.load(request.session)
    if request.GET.get("from") == "check" and store.first_missing(answers) is None:
        return redirect("open_case_check")
    return redirect(store.next_page(key))


def _page(
    request: AppRequest, template: str, key: str, errors: ErrorSummary, **context: Any
) -> HttpResponse:
    steps = store.STEP_KEYS
    index = steps.index(key)
    back = reverse(store.STEPS[index - 1][1]) if index else reverse("open_case_start")
    if request.GET.get("from") == "check":
        back = reverse("open_case_check")
    context.update(errors=errors, back=back, step=index + 1, steps=len(steps))
    return render(request, f"ippcase/open_case/{template}", context)


def duplicate_error(request: AppRequest, error: DuplicateCase) -> ErrorSummary:
    """A duplicate CRN or NOMIS number in the error summary: a link to the existing case when
    the user may see it; otherwise who to ask, never whose case it is."""
    what = "CRN" if error.field == "crn" else "NOMIS number"
    existing = error.existing
    if request.user.has_perm("ippcase.view_person", existing):
        return [
            {
                "text": f"A case with this {what} already exists: view the existing case",
                "href": reverse("person_overview", args=[existing.crn]),
            }
        ]
    pdu = existing.team.pdu if existing.team else existing.awaiting_pdu
    ask = f"contact {pdu.name} PDU about it" if pdu else "contact an administrator about it"
    return [{"text": f"A case with this {what} already exists: {ask}", "href": ""}]


@require_GET
@role_required(PERM)
def start(request: AppRequest) -> HttpResponse:
    answers = store.load(request.session)
    return render(
        request,
        "ippcase/open_case/start.html",
        {"in_progress": bool(set(answers) & set(store.STEP_KEYS))},
    )


@GET_POST
@role_required(PERM)
def cancel(request: AppRequest) -> HttpResponse:
    if request.method == "POST":
        store.clear(request.session)
        messages.success(request, "Case not opened: your answers have been deleted.")
        return redirect("caseload")
    return render(request, "ippcase/open_case/cancel.html", {})


def _simple(
    key: str,
    template: str,
    form_class: type[Any],
    more_checks: Callable[[Any, AppRequest], ErrorSummary] | None = None,
) -> Callable[[AppRequest], HttpResponse]:
    """A page of one form whose answers are stored as its ``answers()``."""

    @GET_POST
    @role_required(PERM)
    def view(request: AppRequest) -> HttpResponse:
        if (sent_back := _guard(request, key)) is not None:
            return sent_back
        stored = store.load(request.session).get(key)
        if request.method == "POST":
            form = form_class(request.POST)
            if form.is_valid():
                refused = more_checks(form, request) if more_checks else []
                if not refused:
                    store.save(request.session, key, form.answers())
                    return _after_save(request, key)
                return _page(request, template, key, refused, form=form)
            return _page(request, template, key, error_summary(form), form=form)
        initial = form_class.initial_from(stored) if stored else None
        return _page(request, template, key, [], form=form_class(initial=initial))

    view.__name__ = f"open_case_{key}"
    return view


def _refuse_duplicate(form: forms.PersonForm, request: AppRequest) -> ErrorSummary:
    data = form.cleaned_data
    found = existing_case(data["crn"], data["nomis_number"])
    if found is None:
        return []
    field = "crn" if found.crn == data["crn"] else "nomis_number"
    summary = duplicate_error(request, DuplicateCase(found, field))
    form.add_error(field, summary[0]["text"])
    summary[0]["href"] = summary[0]["href"] or f"#id_{field}"
    return summary


person = _simple("person", "person.html", forms.PersonForm, _refuse_duplicate)


def _sentence_after_birth(form: forms.SentenceForm, request: AppRequest) -> ErrorSummary:
    person = store.load(request.session).get("person") or {}
    problem = sentence_after_birth_problem(
        store.day(person.get("date_of_birth")), form.cleaned_data["sentence_date"]
    )
    if problem is None:
        return []
    form.add_error("sentence_date", problem)
    return error_summary(form)


sentence = _simple("sentence", "sentence.html", forms.SentenceForm, _sentence_after_birth)


risk = _simple("risk", "risk.html", forms.RiskForm)


# ---------------------------------------------------------------------------------------------
# Pages with add-another rows


@GET_POST
@role_required(PERM)
def offences(request: AppRequest) -> HttpResponse:
    key = "offences"
    if (sent_back := _guard(request, key)) is not None:
        return sent_back
    if request.method == "POST":
        principal = forms.OffenceForm(request.POST, prefix="principal")
        edited = rows.edited(forms.OffenceForm, request.POST, "offence")
        if edited is not None:
            principal = forms.OffenceForm(prefix="principal", initial=rows.raw(principal))
            return _page(request, "offences.html", key, [], principal=principal, others=edited)
        others = [f for f in rows.bound(forms.OffenceForm, request.POST, "offence")]
        filled = [f for f in others if not rows.is_blank(f)]
        if principal.is_valid() and all(f.is_valid() for f in filled):
            value = [principal.answers(), *(f.answers() for f in filled)]
            store.save(request.session, key, value)
            return _after_save(request, key)
        errors = error_summary(principal)
        for f in filled:
            errors += error_summary(f)
        return _page(request, "offences.html", key, errors, principal=principal, others=others)
    stored = store.load(request.session).get(key) or []
    principal = forms.OffenceForm(prefix="principal", initial=stored[0] if stored else None)
    others = rows.unbound(forms.OffenceForm, list(stored[1:]), "offence")
    return _page(request, "offences.html", key, [], principal=principal, others=others)


# Where a release check's message is shown: the path's tail -> the row's field.
RELEASE_FIELDS = {
    "date": "date",
    "recall": "recall_date",
    "recall.date": "recall_date",
    "recall.returned_to_custody": "returned_to_custody",
}


@GET_POST
@role_required(PERM)
def releases(request: AppRequest) -> HttpResponse:
    key = "releases"
    if (sent_back := _guard(request, key)) is not None:
        return sent_back
    if request.method == "POST":
        released = forms.ReleasedForm(request.POST)
        edited = rows.edited(forms.ReleaseForm, request.POST, "release")
        if edited is not None:
            released = forms.ReleasedForm(initial={"released": "yes"})
            return _page(request, "releases.html", key, [], released=released, rows=edited)
        forms_ = rows.bound(forms.ReleaseForm, request.POST, "release")
        if not released.is_valid():
            return _page(
                request,
                "releases.html",
                key,
                error_summary(released),
                released=released,
                rows=rows.unbound(forms.ReleaseForm, [rows.raw(f) for f in forms_], "release"),
            )
        if not as_bool(released.cleaned_data["released"]):
            store.save(request.session, key, {"released": False, "rows": []})
            return _after_save(request, key)
        filled = [f for f in forms_ if not rows.is_blank(f)] or forms_[:1]
        if not filled:
            forms_ = filled = [forms.ReleaseForm({}, prefix="release-0")]
        errors = _release_errors(request, filled)
        if not errors:
            value = {"released": True, "rows": [f.answers() for f in filled]}
            store.save(request.session, key, value)
            return _after_save(request, key)
        return _page(request, "releases.html", key, errors, released=released, rows=forms_)
    stored = store.load(request.session).get(key)
    released = forms.ReleasedForm(
        initial={"released": as_yes_no(stored["released"])} if stored else None
    )
    initials = [forms.ReleaseForm.initial_from(r) for r in (stored or {}).get("rows") or []]
    listed = rows.unbound(forms.ReleaseForm, initials or [{}], "release")
    return _page(request, "releases.html", key, [], released=released, rows=listed)


def _release_errors(request: AppRequest, filled: list[forms.ReleaseForm]) -> ErrorSummary:
    """Each row's own errors; once they are all valid, the import's checks of the history and
    the sentence date, each message against the row and field its path names."""
    if not all(f.is_valid() for f in filled):
        return [e for f in filled for e in error_summary(f)]
    sentence = store.load(request.session).get("sentence") or {}
    problems = release_problems(
        store.day(sentence.get("sentence_date")), [f.answers() for f in filled]
    )
    for path, message in problems:
        if path.startswith("sentence"):
            index, field = 0, "date"
        else:
            head, _, tail = path.partition("].")
            index, field = int(head.removeprefix("releases[")), RELEASE_FIELDS.get(tail, "date")
        filled[index].add_error(field, f"{path_label(path)}: {message}")
    return [e for f in filled for e in error_summary(f)]


@GET_POST
@role_required(PERM)
def conditions(request: AppRequest) -> HttpResponse:
    key = "conditions"
    if (sent_back := _guard(request, key)) is not None:
        return sent_back
    answers = store.load(request.session)
    latest = store.latest_release_date(answers) if answers["releases"].get("released") else None
    if latest is None:
        if request.method == "POST":
            none: dict[str, Any] = {"standard": [], "additional": [], "bespoke": []}
            store.save(request.session, key, {**none, "start_date": None})
            return _after_save(request, key)
        return _page(request, "conditions.html", key, [], not_released=True)
    if request.method == "POST":
        return _conditions_post(request, latest)
    stored = answers.get(key)
    initial = (
        {"standard": stored["standard"], "start_date": store.day(stored["start_date"])}
        if stored
        else {"standard": list(StandardCondition.values), "start_date": latest}
    )
    return _page(
        request,
        "conditions.html",
        key,
        [],
        form=forms.ConditionsForm(initial=initial),
        additional=rows.unbound(
            forms.AdditionalConditionForm,
            list((stored or {}).get("additional") or []),
            "additional",
        ),
        bespoke=rows.unbound(
            forms.BespokeConditionForm, list((stored or {}).get("bespoke") or []), "bespoke"
        ),
    )


def _conditions_post(request: AppRequest, latest: Any) -> HttpResponse:
    key = "conditions"
    form = forms.ConditionsForm(request.POST)
    additional = rows.edited(forms.AdditionalConditionForm, request.POST, "additional")
    bespoke = rows.edited(forms.BespokeConditionForm, request.POST, "bespoke")
    if additional is not None or bespoke is not None:
        return _page(
            request,
            "conditions.html",
            key,
            [],
            form=forms.ConditionsForm(initial=rows.raw(form)),
            additional=additional
            or rows.unbound(
                forms.AdditionalConditionForm,
                [
                    rows.raw(f)
                    for f in rows.bound(forms.AdditionalConditionForm, request.POST, "additional")
                ],
                "additional",
            ),
            bespoke=bespoke
            or rows.unbound(
                forms.BespokeConditionForm,
                [
                    rows.raw(f)
                    for f in rows.bound(forms.BespokeConditionForm, request.POST, "bespoke")
                ],
                "bespoke",
            ),
        )
    additional_forms = rows.bound(forms.AdditionalConditionForm, request.POST, "additional")
    bespoke_forms = rows.bound(forms.BespokeConditionForm, request.POST, "bespoke")
    filled: list[django_forms.Form] = [
        f for f in [*additional_forms, *bespoke_forms] if not rows.is_blank(f)
    ]
    valid = form.is_valid() and all(f.is_valid() for f in filled)
    if valid:
        start = form.cleaned_data["start_date"]
        if start is None:
            form.add_error("start_date", "Enter the date the conditions start")
        elif start < latest:
            form.add_error(
                "start_date",
                "The conditions must start on or after the latest release "
                f"({latest.day} {latest:%B %Y})",
            )
        valid = not form.errors
    if valid:
        value = {
            "standard": form.cleaned_data["standard"],
            "additional": [dict(f.cleaned_data) for f in additional_forms if f in filled],
            "bespoke": [dict(f.cleaned_data) for f in bespoke_forms if f in filled],
            "start_date": store.iso(form.cleaned_data["start_date"]),
        }
        store.save(request.session, key, value)
        return _after_save(request, key)
    errors = error_summary(form) + [e for f in filled for e in error_summary(f)]
    return _page(
        request,
        "conditions.html",
        key,
        errors,
        form=form,
        additional=additional_forms,
        bespoke=bespoke_forms,
    )


@GET_POST
@role_required(PERM)
def allocation(request: AppRequest) -> HttpResponse:
    key = "allocation"
    if (sent_back := _guard(request, key)) is not None:
        return sent_back
    teams = list(teams_for_new_case(request.user))
    stored = store.load(request.session).get(key)
    if request.method == "POST":
        chosen = _team_id(request.POST.get("team"), teams)
        coms = list(coms_for_team(chosen)) if chosen else []
        form = forms.AllocationForm(request.POST, teams=teams, coms=coms)
        valid = form.is_valid()
        if valid and request.POST.get("action") != "team":
            form.require_com()
            if not coms:
                form.add_error("team", "The team has no active practitioners: choose another")
            if not form.errors:
                store.save(request.session, key, form.answers())
                return _after_save(request, key)
        elif valid:  # the team chosen: show its COMs
            form = forms.AllocationForm(
                initial={**rows.raw(form), "practitioner": _default_com(request, coms)},
                teams=teams,
                coms=coms,
            )
        errors = error_summary(form) if form.is_bound else []
        return _page(
            request,
            "allocation.html",
            key,
            errors,
            form=form,
            teams=teams,
            coms=coms,
            team_chosen=chosen is not None,
        )
    chosen = (stored or {}).get("team") or (teams[0].pk if len(teams) == 1 else None)
    coms = list(coms_for_team(chosen)) if chosen else []
    initial = (
        {**stored, "start_date": store.day(stored["start_date"])}
        if stored
        else {"team": chosen, "practitioner": _default_com(request, coms)}
    )
    form = forms.AllocationForm(initial=initial, teams=teams, coms=coms)
    return _page(
        request,
        "allocation.html",
        key,
        [],
        form=form,
        teams=teams,
        coms=coms,
        team_chosen=chosen is not None,
    )


def _team_id(value: Any, teams: list[Any]) -> int | None:
    ids = {str(t.pk): t.pk for t in teams}
    return ids.get(str(value or ""))


def _default_com(request: AppRequest, coms: list[Any]) -> int | None:
    """The user, when they are one of the team's COMs."""
    return request.user.pk if any(c.pk == request.user.pk for c in coms) else None
