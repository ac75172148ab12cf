"""Pages that change the case record: a small form each, prefilled with the current values.
Thin: the person checked (``ippcase.change_case``: out of the user's view 404, in view without
the permission 403), the form, the service, and back to the page the "Change" link was on with
a banner naming what changed. A refusal shows the form again with its message; nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from ippcase import vocab
from ippcase.cases.pages import case_header, case_person
from ippcase.cases.record import forms, selectors, services
from ippcase.core.forms import ErrorSummary, as_yes_no, error_summary
from ippcase.core.http import AppRequest, role_required
from ippcase.models import Person
from recall.deadlines import long_date


@dataclass(frozen=True)
class Page:
    """A change page: its heading (and title), template, case tab and default page back."""

    title: str
    template: str
    tab: str
    back: str


DETAILS = Page(
    "Change personal details", "ippcase/change/person_details.html", "overview", "person_overview"
)
SENTENCE = Page(
    "Change the sentence", "ippcase/change/sentence.html", "sentence", "person_sentence"
)
ADD_OFFENCE = Page(
    "Add an index offence", "ippcase/change/offence.html", "sentence", "person_sentence"
)
CHANGE_OFFENCE = Page(
    "Change an index offence", "ippcase/change/offence.html", "sentence", "person_sentence"
)
RISK = Page("Change RoSH and MAPPA", "ippcase/change/risk.html", "overview", "person_overview")
CIRCUMSTANCES = Page(
    "Change needs, vulnerabilities and accommodation",
    "ippcase/change/circumstances.html",
    "overview",
    "person_overview",
)
VICTIMS = Page(
    "Change victim details", "ippcase/change/victims.html", "overview", "person_overview"
)

Save = Callable[[dict[str, Any]], str]


def _listed(labels: list[str]) -> str:
    """Field labels in a sentence: "NOMIS number, first name and date of birth"."""
    words = [label[:1].lower() + label[1:] if label[1:2].islower() else label for label in labels]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _back_url(request: AppRequest, person: Person, page: Page) -> str:
    """The page the "Change" link was on (``next``, a path on this site), else the page's own."""
    data = request.POST if request.method == "POST" else request.GET
    candidate = str(data.get("next", ""))
    if (
        candidate.startswith("/")
        and not candidate.startswith("//")
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return reverse(page.back, args=[person.crn])


def _page(
    request: AppRequest,
    person: Person,
    page: Page,
    form: forms.ChangeForm,
    *,
    errors: ErrorSummary | None = None,
    **extra: Any,
) -> HttpResponse:
    context = case_header(request, person, page.tab)
    context.update(
        page=page,
        form=form,
        errors=errors or [],
        back_url=_back_url(request, person, page),
        **extra,
    )
    return render(request, page.template, context)


def _submit(
    request: AppRequest,
    person: Person,
    page: Page,
    form: forms.ChangeForm,
    save: Save,
    **extra: Any,
) -> HttpResponse:
    """The posted form, then the service; done: back with the banner ``save`` returns."""
    if form.is_valid():
        try:
            done = save(form.service_kwargs())
        except services.CaseRecordError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, done)
            return redirect(_back_url(request, person, page))
    return _page(request, person, page, form, errors=error_summary(form), **extra)


def _person(request: AppRequest, crn: str) -> Person:
    return case_person(request, crn, perm=services.CHANGE_CASE)


@require_http_methods(["GET", "POST"])
@role_required()
def change_person_details(request: AppRequest, crn: str) -> HttpResponse:
    person = _person(request, crn)
    if request.method == "GET":
        initial = {
            **selectors.values_of(person, selectors.DETAILS_FIELDS),
            "marker": selectors.details_marker(person),
        }
        return _page(request, person, DETAILS, forms.PersonDetailsForm(initial=initial))

    def save(data: dict[str, Any]) -> str:
        changed = services.change_person_details(person_id=person.pk, actor=request.user, **data)
        return f"Personal details changed: {_listed(changed)}"

    return _submit(request, person, DETAILS, forms.PersonDetailsForm(request.POST), save)


@require_http_methods(["GET", "POST"])
@role_required()
def change_sentence(request: AppRequest, crn: str) -> HttpResponse:
    person = _person(request, crn)
    sentence = getattr(person, "sentence", None)
    if request.method == "GET":
        initial = {
            "tariff_years": 0,
            "tariff_months": 0,
            "tariff_days": 0,
            **selectors.values_of(sentence, selectors.SENTENCE_FIELDS),
            "marker": selectors.sentence_marker(sentence),
        }
        return _page(request, person, SENTENCE, forms.SentenceForm(initial=initial))

    def save(data: dict[str, Any]) -> str:
        changed = services.change_sentence(person_id=person.pk, actor=request.user, **data)
        return f"Sentence changed: {_listed(changed)}"

    return _submit(request, person, SENTENCE, forms.SentenceForm(request.POST), save)


@require_http_methods(["GET", "POST"])
@role_required()
def add_offence(request: AppRequest, crn: str) -> HttpResponse:
    person = _person(request, crn)
    sentence = getattr(person, "sentence", None)
    if sentence is None:
        messages.info(request, "Record the sentence before its index offences.")
        return redirect("change_sentence", crn=person.crn)
    if request.method == "GET":
        initial = {"marker": selectors.offences_marker(sentence.offences.all())}
        return _page(request, person, ADD_OFFENCE, forms.AddOffenceForm(initial=initial))

    def save(data: dict[str, Any]) -> str:
        offence = services.add_offence(person_id=person.pk, actor=request.user, **data)
        return f"Index offence added: {offence.get_category_display()}"

    return _submit(request, person, ADD_OFFENCE, forms.AddOffenceForm(request.POST), save)


@require_http_methods(["GET", "POST"])
@role_required()
def change_offence(request: AppRequest, crn: str, pk: int) -> HttpResponse:
    person = _person(request, crn)
    offence = selectors.offence_of(person, pk)
    if request.method == "GET":
        initial = {
            **selectors.values_of(offence, selectors.OFFENCE_FIELDS),
            "principal": "yes" if offence.is_principal else "no",
            "marker": selectors.offence_marker(offence),
        }
        return _page(
            request, person, CHANGE_OFFENCE, forms.OffenceForm(initial=initial), offence=offence
        )

    def save(data: dict[str, Any]) -> str:
        changed = services.change_offence(
            person_id=person.pk, actor=request.user, offence_id=offence.pk, **data
        )
        return f"Index offence changed: {_listed(changed)}"

    form = forms.OffenceForm(request.POST)
    return _submit(request, person, CHANGE_OFFENCE, form, save, offence=offence)


def _mappa_choice(value: int | None) -> str:
    return forms.NONE if value is None else str(value)


@require_http_methods(["GET", "POST"])
@role_required()
def change_risk(request: AppRequest, crn: str) -> HttpResponse:
    person = _person(request, crn)
    history = selectors.risk_history(person)
    latest = selectors.risk_latest(history)
    if request.method == "GET":
        initial = {
            "rosh_level": person.rosh_level,
            "mappa_category": _mappa_choice(person.mappa_category),
            "mappa_level": _mappa_choice(person.mappa_level),
            "iom": person.iom,
            "marker": selectors.risk_marker(person, latest.id),
        }
        return _page(request, person, RISK, forms.RiskForm(initial=initial), risk_history=history)

    def save(data: dict[str, Any]) -> str:
        change = services.change_risk(person_id=person.pk, actor=request.user, **data)
        iom = f"IOM {vocab.YesNoUnknown(data['iom']).label.lower()}"
        if change is None:
            return f"IOM recorded from {long_date(data['changed_on'])}: {iom}"
        return (
            f"RoSH and MAPPA recorded from {long_date(change.changed_on)}: RoSH "
            f"{change.get_rosh_level_display() or 'not assessed'}; MAPPA "
            f"{selectors.mappa_words(change.mappa_category, change.mappa_level)}; {iom}"
        )

    form = forms.RiskForm(request.POST)
    return _submit(request, person, RISK, form, save, risk_history=history)


@require_http_methods(["GET", "POST"])
@role_required()
def change_circumstances(request: AppRequest, crn: str) -> HttpResponse:
    person = _person(request, crn)
    if request.method == "GET":
        initial = {
            **selectors.values_of(person, selectors.CIRCUMSTANCES_FIELDS),
            "easy_read": as_yes_no(person.easy_read),
            "marker": selectors.circumstances_marker(person),
        }
        return _page(request, person, CIRCUMSTANCES, forms.CircumstancesForm(initial=initial))

    def save(data: dict[str, Any]) -> str:
        changed = services.change_circumstances(person_id=person.pk, actor=request.user, **data)
        return f"Circumstances changed: {_listed(changed)}"

    form = forms.CircumstancesForm(request.POST)
    return _submit(request, person, CIRCUMSTANCES, form, save)


@require_http_methods(["GET", "POST"])
@role_required()
def change_victims(request: AppRequest, crn: str) -> HttpResponse:
    person = _person(request, crn)
    if request.method == "GET":
        initial = {
            **selectors.values_of(person, selectors.VICTIMS_FIELDS),
            "marker": selectors.victims_marker(person),
        }
        return _page(request, person, VICTIMS, forms.VictimsForm(initial=initial))

    def save(data: dict[str, Any]) -> str:
        changed = services.change_victims(person_id=person.pk, actor=request.user, **data)
        return f"Victims changed: {_listed(changed)}"

    return _submit(request, person, VICTIMS, forms.VictimsForm(request.POST), save)
