"""Writes that change the case record. Each: keyword-only arguments, one transaction, the person
locked (select_for_update) before anything is read or checked, the permission checked on the
locked row, the form's marker compared (a stale form changes nothing), a refusal when nothing
changed, and the writes inside ``pghistory.context`` with the reason and whether the change
corrects a mistake, so that the case history tells it. Every refusal is a
:class:`CaseRecordError` whose message a user reads; ``field`` names the form field it is about."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

import pghistory
from django.db import models, transaction
from django.utils import timezone

from ippcase import vocab
from ippcase.cases.record import selectors
from ippcase.cases.release_checks import sentence_before_release_problems
from ippcase.core import once
from ippcase.models import IndexOffence, Person, Release, RiskChange, Sentence, User
from recall.deadlines import long_date

CHANGE_CASE = "ippcase.change_case"


class CaseRecordError(ValueError):
    """A refused change. ``str(error)`` is for the user; ``field`` the form field it is about
    (None: the form as a whole)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotAllowed(CaseRecordError):
    def __init__(self) -> None:
        super().__init__("You cannot change this case.")


class StaleForm(CaseRecordError):
    def __init__(self) -> None:
        super().__init__(
            "Someone else changed this part of the case while you were working on it. "
            "Your changes were not saved: reload the page to see the latest values."
        )


class NothingChanged(CaseRecordError):
    def __init__(self) -> None:
        super().__init__("You have not changed anything")


def _today() -> dt.date:
    return timezone.localdate()


def _locked_person(person_id: int, actor: User) -> Person:
    person = (
        Person.objects.select_for_update(of=("self",)).select_related("team__pdu").get(pk=person_id)
    )
    if not actor.has_perm(CHANGE_CASE, person):
        raise NotAllowed
    return person


def _check_marker(current: str, marker: str) -> None:
    if current != marker:
        raise StaleForm


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise CaseRecordError("Enter the reason for the change", field="reason")
    return text


def _text(value: str) -> str:
    """Free text as stored: a browser's CRLF line ends as LF, no spaces around."""
    return value.replace("\r\n", "\n").strip()


def _label(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    text = str(getattr(field, "verbose_name", name))
    return text[:1].upper() + text[1:]


def _assign(obj: models.Model, values: dict[str, Any]) -> list[str]:
    """Set ``values`` on ``obj``; the names of the fields whose value changed. A list (ticked
    boxes) is unchanged when it holds the same values in any order."""
    changed = []
    for name, value in values.items():
        current = getattr(obj, name)
        if isinstance(value, list) and set(current or []) == set(value):
            continue
        if current != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def _labels(model: type[models.Model], names: Iterable[str]) -> list[str]:
    return [_label(model, name) for name in names]


def _not_future(day: dt.date, what: str, field: str) -> None:
    if day > _today():
        raise CaseRecordError(
            f"{what} must be today or in the past (today is {long_date(_today())})", field=field
        )


# ---------------------------------------------------------------------------------------------
# Personal details


@transaction.atomic
def change_person_details(
    *,
    person_id: int,
    actor: User,
    marker: str,
    nomis_number: str,
    pnc: str,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    gender: str,
    ethnicity: str,
    correction: bool,
    reason: str,
    address: str = "",
) -> list[str]:
    """Change the person's NOMIS number, PNC, names, date of birth, gender, ethnicity or main
    address (never the CRN); the labels of the fields changed. A NOMIS number of another case
    is refused."""
    person = _locked_person(person_id, actor)
    _check_marker(selectors.details_marker(person), marker)
    nomis_number = nomis_number.strip().upper()
    _not_future(date_of_birth, "The date of birth", "date_of_birth")
    changed = _assign(
        person,
        {
            "nomis_number": nomis_number,
            "pnc": pnc.strip(),
            "first_name": first_name.strip(),
            "last_name": last_name.strip(),
            "date_of_birth": date_of_birth,
            "gender": gender,
            "ethnicity": ethnicity,
            "address": _text(address),
        },
    )
    if not changed:
        raise NothingChanged
    if (
        "nomis_number" in changed
        and nomis_number
        and Person.objects.filter(nomis_number=nomis_number).exclude(pk=person.pk).exists()
    ):
        raise CaseRecordError(
            f"{nomis_number} is the NOMIS number of another case: check the number",
            field="nomis_number",
        )
    with pghistory.context(reason=_reason(reason), correction=correction):
        person.save(update_fields=changed)
    return _labels(Person, changed)


# ---------------------------------------------------------------------------------------------
# Sentence and index offences


@transaction.atomic
def change_sentence(
    *,
    person_id: int,
    actor: User,
    marker: str,
    sentence_type: str,
    sentence_date: dt.date,
    tariff_years: int,
    tariff_months: int,
    tariff_days: int,
    correction: bool,
    reason: str,
) -> list[str]:
    """Change the sentence (or record it, when the case has none); the labels of the fields
    changed. The sentence must stay before the first release (the import's check and message)."""
    person = _locked_person(person_id, actor)
    sentence = Sentence.objects.select_for_update().filter(person=person).first()
    _check_marker(selectors.sentence_marker(sentence), marker)
    _not_future(sentence_date, "The sentence date", "sentence_date")
    if not (0 <= tariff_months < 12 and 0 <= tariff_days < 366 and tariff_years >= 0):
        raise CaseRecordError(
            "The tariff must be whole years, fewer than 12 months and fewer than 366 days",
            field="tariff_years",
        )
    values = {
        "sentence_type": sentence_type,
        "sentence_date": sentence_date,
        "tariff_years": tariff_years,
        "tariff_months": tariff_months,
        "tariff_days": tariff_days,
    }
    if sentence is None:
        sentence = Sentence(person=person, **values)
        changed = list(values)
    else:
        changed = _assign(sentence, values)
    if not changed:
        raise NothingChanged
    releases = Release.objects.filter(person=person).values_list("date", flat=True)
    problems = sentence_before_release_problems(sentence_date, list(releases))
    if problems:
        raise CaseRecordError(f"Sentence date: {problems[0][1]}", field="sentence_date")
    with pghistory.context(reason=_reason(reason), correction=correction):
        sentence.save()
    return _labels(Sentence, changed)


def _offence_values(
    category: str, description: str, behaviours: Iterable[str], principal: bool
) -> dict[str, Any]:
    return {
        "category": category,
        "description": _text(description),
        "behaviours": sorted(set(behaviours)),
        "is_principal": principal,
    }


def _demote_principal(sentence: Sentence, keep: IndexOffence | None) -> None:
    """The current principal offence becomes an additional one (inside the caller's audit
    context), so that exactly one stays principal."""
    for other in IndexOffence.objects.select_for_update().filter(
        sentence=sentence, is_principal=True
    ):
        if keep is None or other.pk != keep.pk:
            other.is_principal = False
            other.save(update_fields=["is_principal"])


@once.keyed(IndexOffence, CaseRecordError)  # issue 18: a replay gets the first
@transaction.atomic
def add_offence(
    *,
    person_id: int,
    actor: User,
    marker: str,
    category: str,
    description: str,
    behaviours: Iterable[str],
    principal: bool,
    correction: bool,
    reason: str,
    submission_key: uuid.UUID | None = None,
) -> IndexOffence:
    """Add an index offence to the sentence; made principal, it demotes the principal one."""
    person = _locked_person(person_id, actor)
    sentence = Sentence.objects.select_for_update().filter(person=person).first()
    if sentence is None:
        raise CaseRecordError("Record the sentence before its index offences")
    offences = list(IndexOffence.objects.select_for_update().filter(sentence=sentence))
    _check_marker(selectors.offences_marker(offences), marker)
    if not principal and not any(o.is_principal for o in offences):
        raise CaseRecordError(
            "The sentence has no principal index offence yet: this one must be the principal "
            "offence",
            field="principal",
        )
    with pghistory.context(reason=_reason(reason), correction=correction):
        if principal:
            _demote_principal(sentence, None)
        return IndexOffence.objects.create(
            sentence=sentence, **_offence_values(category, description, behaviours, principal)
        )


@transaction.atomic
def change_offence(
    *,
    person_id: int,
    actor: User,
    offence_id: int,
    marker: str,
    category: str,
    description: str,
    behaviours: Iterable[str],
    principal: bool,
    correction: bool,
    reason: str,
) -> list[str]:
    """Change an index offence (category, description, behaviours, principal or additional);
    made principal, it demotes the principal one in the same transaction. The principal offence
    stays principal until another is made principal, so there is always exactly one."""
    person = _locked_person(person_id, actor)
    offence = (
        IndexOffence.objects.select_for_update()
        .filter(pk=offence_id, sentence__person=person)
        .first()
    )
    if offence is None:
        raise CaseRecordError("That index offence is not on this case")
    _check_marker(selectors.offence_marker(offence), marker)
    was_principal = offence.is_principal
    changed = _assign(offence, _offence_values(category, description, behaviours, principal))
    if not changed:
        raise NothingChanged
    if was_principal and not principal:
        raise CaseRecordError(
            "There must be one principal index offence: to change which one, make another "
            "offence the principal one",
            field="principal",
        )
    with pghistory.context(reason=_reason(reason), correction=correction):
        if principal and not was_principal:
            _demote_principal(offence.sentence, offence)
        offence.save(update_fields=changed)
    return _labels(IndexOffence, changed)


# ---------------------------------------------------------------------------------------------
# RoSH and MAPPA


@transaction.atomic
def change_risk(
    *,
    person_id: int,
    actor: User,
    marker: str,
    rosh_level: str,
    mappa_category: int | None,
    mappa_level: int | None,
    changed_on: dt.date,
    kind: str,
    reason: str,
    iom: str | None = None,
) -> RiskChange | None:
    """Record a RoSH or MAPPA change from ``changed_on``: a history row (never overwritten) and
    the person's current values, in one transaction. A new assessment may not be dated before
    the latest recorded change; a correction may. The row carries the reason and kind, so the
    audit context carries only the values it replaces (``risk_was``) for the case history.

    IOM (``iom``, None: unchanged) is kept on the person only, audited like the other case
    facts; the context carries ``changed_on`` for its history line. A change of IOM alone
    writes no RoSH and MAPPA row and returns None."""
    person = _locked_person(person_id, actor)
    latest = selectors.risk_latest_stored(person.pk)
    _check_marker(selectors.risk_marker(person, latest.id), marker)
    _not_future(changed_on, "The date of the change", "changed_on")
    if mappa_level is not None and mappa_category is None:
        raise CaseRecordError(
            "A MAPPA level needs a MAPPA category: choose a category, or no level",
            field="mappa_level",
        )
    if kind not in vocab.RiskChangeKind.values:
        raise CaseRecordError("Select whether this is a new assessment or a correction")
    was = selectors.values_of(person, selectors.RISK_FIELDS)
    changed = _assign(
        person,
        {"rosh_level": rosh_level, "mappa_category": mappa_category, "mappa_level": mappa_level},
    )
    iom_changed = _assign(person, {"iom": iom}) if iom is not None else []
    if not changed and not iom_changed:
        raise NothingChanged
    if not changed:
        with pghistory.context(
            reason=_reason(reason),
            correction=kind == vocab.RiskChangeKind.CORRECTION,
            changed_on=changed_on.isoformat(),
        ):
            person.save(update_fields=iom_changed)
        return None
    if (
        kind == vocab.RiskChangeKind.NEW_ASSESSMENT
        and latest.changed_on is not None
        and changed_on < latest.changed_on
    ):
        raise CaseRecordError(
            "The date of a new assessment cannot be before the latest recorded change "
            f"({long_date(latest.changed_on)}): if you are correcting what was recorded, "
            "say that it is a correction",
            field="changed_on",
        )
    with pghistory.context(risk_was=was, changed_on=changed_on.isoformat()):
        change = RiskChange.objects.create(
            person=person,
            rosh_level=rosh_level,
            mappa_category=mappa_category,
            mappa_level=mappa_level,
            changed_on=changed_on,
            kind=kind,
            reason=_reason(reason),
            recorded_by=actor,
        )
        person.save(update_fields=changed + iom_changed)
    return change


# ---------------------------------------------------------------------------------------------
# Circumstances


@transaction.atomic
def change_circumstances(
    *,
    person_id: int,
    actor: User,
    marker: str,
    needs: Iterable[str],
    vulnerability_types: Iterable[str],
    vulnerabilities: str,
    accommodation: str,
    opd_screening: str,
    correction: bool,
    reason: str,
    easy_read: bool | None = None,
) -> list[str]:
    """Change the needs, vulnerabilities (types and details), accommodation (approved premises
    among them), OPD screening and communication needs (letters in easy read; None:
    unchanged); the labels of the fields changed."""
    person = _locked_person(person_id, actor)
    _check_marker(selectors.circumstances_marker(person), marker)
    changed = _assign(
        person,
        {
            # Stored in the vocabulary's order, so that ticking the same boxes changes nothing.
            "needs": [n for n in vocab.Need.values if n in set(needs)],
            "vulnerability_types": [
                v for v in vocab.Vulnerability.values if v in set(vulnerability_types)
            ],
            "vulnerabilities": _text(vulnerabilities),
            "accommodation": accommodation,
            "opd_screening": opd_screening,
            **({} if easy_read is None else {"easy_read": easy_read}),
        },
    )
    if not changed:
        raise NothingChanged
    with pghistory.context(reason=_reason(reason), correction=correction):
        person.save(update_fields=changed)
    return _labels(Person, changed)


# ---------------------------------------------------------------------------------------------
# Victims


@transaction.atomic
def change_victims(
    *,
    person_id: int,
    actor: User,
    marker: str,
    victims_in_vcs: str,
    victim_liaison_officer: str,
    victim_safety: str,
    correction: bool,
    reason: str,
) -> list[str]:
    """Change whether any victims are in the Victim Contact Scheme, their victim liaison
    officer and the victim safety considerations; the labels of the fields changed."""
    person = _locked_person(person_id, actor)
    _check_marker(selectors.victims_marker(person), marker)
    if victims_in_vcs not in vocab.YesNoUnknown.values:
        raise CaseRecordError(
            "Select whether any victims are in the Victim Contact Scheme", field="victims_in_vcs"
        )
    changed = _assign(
        person,
        {
            "victims_in_vcs": victims_in_vcs,
            "victim_liaison_officer": victim_liaison_officer.strip(),
            "victim_safety": _text(victim_safety),
        },
    )
    if not changed:
        raise NothingChanged
    with pghistory.context(reason=_reason(reason), correction=correction):
        person.save(update_fields=changed)
    return _labels(Person, changed)
