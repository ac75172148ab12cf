"""Check your answers, and opening the case: the summary of every page with a "Change" link
each, then POST "Open case" -> :func:`ippcase.cases.opening.services.open_case`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ippcase import vocab
from ippcase.cases.opening import answers as store
from ippcase.cases.opening.selectors import existing_case
from ippcase.cases.opening.services import (
    DuplicateCase,
    OpenCaseError,
    answer_problems,
    open_case,
)
from ippcase.cases.opening.views import PERM, duplicate_error
from ippcase.core import once
from ippcase.core.forms import STALE_PAGE, ErrorSummary, KeyedForm, version_field
from ippcase.core.http import AppRequest, role_required
from ippcase.models import Person, Team, User, labels
from recall.deadlines import long_date


class CheckForm(KeyedForm):
    """Opening the case: the answers' version, and the one-time key (issue 18)."""

    version = version_field()


def _date(value: Any) -> str:
    day = store.day(value)
    return long_date(day) if day else "Not given"


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}{'' if number == 1 else 's'}"


def _label(choices: Any, value: Any) -> str:
    return str(dict(choices.choices).get(value, value)) if value not in (None, "") else "None"


def summary(answers: store.Answers) -> list[dict[str, Any]]:
    """The sections of the summary: a title, the page to change and the rows (key, value)."""
    p, s, risk = answers["person"], answers["sentence"], answers["risk"]
    team = Team.objects.select_related("pdu").filter(pk=answers["allocation"]["team"]).first()
    com = User.objects.filter(pk=answers["allocation"]["practitioner"]).first()
    tariff = (
        ", ".join(
            _count(s.get(f"tariff_{unit}s") or 0, unit)
            for unit in ("year", "month", "day")
            if s.get(f"tariff_{unit}s")
        )
        or "0 days"
    )
    offences = [
        (
            "Principal offence" if i == 0 else f"Additional offence {i}",
            " — ".join(
                part
                for part in (
                    _label(vocab.OffenceCategory, o["category"]),
                    o.get("description") or "",
                    ", ".join(labels(vocab.Behaviour, o.get("behaviours") or []))
                    or "No behaviours",
                )
                if part
            ),
        )
        for i, o in enumerate(answers["offences"])
    ]
    released = answers["releases"]
    release_rows = [("Released on this sentence", "Yes" if released.get("released") else "No")]
    for i, r in enumerate(released.get("rows") or [] if released.get("released") else []):
        text = f"{_date(r['date'])} from {r['prison']}" + (
            ", to approved premises" if r.get("approved_premises") else ""
        )
        if r.get("recall_date"):
            text += f". Recalled {_date(r['recall_date'])}" + (
                f", returned to custody {_date(r['returned_to_custody'])}"
                if r.get("returned_to_custody")
                else ", not yet returned to custody"
            )
        release_rows.append((f"Release {i + 1}", text))
    c = answers["conditions"]
    condition_rows = [
        (
            "Standard conditions",
            "; ".join(labels(vocab.StandardCondition, c["standard"])) or "None",
        ),
        (
            "Additional conditions",
            "; ".join(
                f"{_label(vocab.AdditionalCondition, a.get('code'))}: {a['text']}"
                for a in c.get("additional") or []
            )
            or "None",
        ),
        ("Bespoke conditions", "; ".join(b["text"] for b in c.get("bespoke") or []) or "None"),
    ]
    if c.get("start_date"):
        condition_rows.append(("Conditions start", _date(c["start_date"])))
    return [
        {
            "title": "Person",
            "page": "open_case_person",
            "rows": [
                ("CRN", p["crn"]),
                ("NOMIS number", p.get("nomis_number") or "None"),
                ("PNC number", p.get("pnc") or "None"),
                ("Name", f"{p['first_name']} {p['last_name']}"),
                ("Date of birth", _date(p["date_of_birth"])),
                ("Gender", _label(vocab.Gender, p["gender"])),
                ("Ethnicity", _label(vocab.Ethnicity, p["ethnicity"])),
                ("Main address", p.get("address") or "Not recorded"),
            ],
        },
        {
            "title": "Sentence",
            "page": "open_case_sentence",
            "rows": [
                ("Type", _label(vocab.SentenceType, s["sentence_type"])),
                ("Sentence date", _date(s["sentence_date"])),
                ("Tariff", tariff),
            ],
        },
        {"title": "Index offences", "page": "open_case_offences", "rows": offences},
        {
            "title": "Risk",
            "page": "open_case_risk",
            "rows": [
                ("RoSH level", _label(vocab.RoshLevel, risk["rosh_level"])),
                ("MAPPA category", _label(vocab.MappaCategory, risk.get("mappa_category"))),
                ("MAPPA level", _label(vocab.MappaLevel, risk.get("mappa_level"))),
                ("Date assessed", _date(risk["assessed_on"])),
            ],
        },
        {"title": "Releases and recalls", "page": "open_case_releases", "rows": release_rows},
        {"title": "Licence conditions", "page": "open_case_conditions", "rows": condition_rows},
        {
            "title": "Allocation",
            "page": "open_case_allocation",
            "rows": [
                ("Team", f"{team.name} ({team.pdu.name})" if team else "Not found"),
                ("COM", com.display_name if com else "Not found"),
                ("Allocated from", _date(answers["allocation"]["start_date"])),
            ],
        },
    ]


def _problems(request: AppRequest, answers: store.Answers) -> ErrorSummary:
    errors: ErrorSummary = []
    for problem in answer_problems(answers, request.user):
        page = store.PAGE_OF.get(problem.step or "")
        href = f"{reverse(page)}?from=check" if page else ""
        errors.append({"text": str(problem), "href": href})
    person = answers["person"]
    found = existing_case(person["crn"], person.get("nomis_number") or "")
    if found is not None:
        field = "crn" if found.crn == person["crn"] else "nomis_number"
        errors += duplicate_error(request, DuplicateCase(found, field))
    return errors


@require_http_methods(["GET", "POST"])
@role_required(PERM)
def check(request: AppRequest) -> HttpResponse:
    form = CheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # The same check page sent again (a double click; the first cleared the answers): the
        # case it opened, not the first question again nor "a case with this CRN exists".
        first = once.first_result(form.once_key(), request.user, Person)
        if first is not None:
            return redirect("person_overview", crn=first.crn)
    answers = store.load(request.session)
    missing = store.first_missing(answers)
    if missing is not None:
        return redirect(missing)
    if request.method == "POST":
        if not form.is_valid() or form.cleaned_data["version"] != answers.get("version"):
            errors: ErrorSummary = [{"text": STALE_PAGE, "href": ""}]
        else:
            try:
                person = open_case(answers=answers, by=request.user, submission_key=form.once_key())
            except DuplicateCase as error:
                errors = duplicate_error(request, error)
            except OpenCaseError as error:
                page = store.PAGE_OF.get(error.step or "")
                errors = [
                    {"text": str(error), "href": f"{reverse(page)}?from=check" if page else ""}
                ]
            else:
                store.clear(request.session)
                messages.success(request, f"Case opened for {person.full_name} ({person.crn}).")
                return redirect("person_overview", crn=person.crn)
    else:
        errors = _problems(request, answers)
    return render(
        request,
        "ippcase/open_case/check.html",
        {
            "errors": errors,
            "sections": summary(answers),
            "version": answers.get("version"),
            "form": form if request.method == "POST" else CheckForm(),
        },
    )
