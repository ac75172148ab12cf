"""Reads for changing the case record: the values each form shows, the marker that makes a form
stale once someone else has changed those values, and the RoSH and MAPPA history.

The marker is a fingerprint of the values the form was shown with (and, for RoSH and MAPPA, of
the latest history row). It needs no version column: the service recomputes it from the locked
rows and refuses the change when it differs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.http import Http404

from ippcase.models import IndexOffence, Person, RiskChange, Sentence

DETAILS_FIELDS = (
    "nomis_number",
    "pnc",
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "ethnicity",
    "address",
)
SENTENCE_FIELDS = (
    "sentence_type",
    "sentence_date",
    "tariff_years",
    "tariff_months",
    "tariff_days",
)
OFFENCE_FIELDS = ("category", "description", "behaviours", "is_principal")
RISK_FIELDS = ("rosh_level", "mappa_category", "mappa_level")
CIRCUMSTANCES_FIELDS = (
    "needs",
    "vulnerability_types",
    "vulnerabilities",
    "accommodation",
    "opd_screening",
    "easy_read",
)
VICTIMS_FIELDS = ("victims_in_vcs", "victim_liaison_officer", "victim_safety")


def fingerprint(*values: Any) -> str:
    """A short digest of ``values`` (JSON, dates as text): the hidden marker of a form."""
    text = json.dumps(values, default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def values_of(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` on ``obj`` (an empty dict for no object)."""
    if obj is None:
        return {}
    return {name: getattr(obj, name) for name in fields}


def details_marker(person: Person) -> str:
    return fingerprint("details", values_of(person, DETAILS_FIELDS))


def sentence_marker(sentence: Sentence | None) -> str:
    return fingerprint("sentence", values_of(sentence, SENTENCE_FIELDS))


def offence_marker(offence: IndexOffence) -> str:
    return fingerprint("offence", offence.pk, values_of(offence, OFFENCE_FIELDS))


def offences_marker(offences: Iterable[IndexOffence]) -> str:
    """The offences of a sentence and which is principal: adding one to a list that changed
    since the form was shown is stale."""
    return fingerprint("offences", sorted((o.pk, o.is_principal) for o in offences))


def risk_marker(person: Person, latest_id: int | None) -> str:
    # IOM is on the same page, kept on the person only (no history row of its own).
    return fingerprint("risk", values_of(person, RISK_FIELDS), person.iom, latest_id)


def circumstances_marker(person: Person) -> str:
    return fingerprint("circumstances", values_of(person, CIRCUMSTANCES_FIELDS))


def victims_marker(person: Person) -> str:
    return fingerprint("victims", values_of(person, VICTIMS_FIELDS))


def mappa_words(category: int | None, level: int | None) -> str:
    """ "category 2, level 1", "category 2" or "not managed under MAPPA"."""
    if category is None:
        return "not managed under MAPPA"
    return f"category {category}" + (f", level {level}" if level is not None else "")


def offence_of(person: Person, pk: int) -> IndexOffence:
    """An index offence of ``person``'s sentence, from the prefetched rows; 404 for any other."""
    sentence = getattr(person, "sentence", None)
    offence = next((o for o in sentence.offences.all() if o.pk == pk), None) if sentence else None
    if offence is None:
        raise Http404("No such index offence on this case.")
    return offence


@dataclass(frozen=True)
class RiskLatest:
    """The newest row of the RoSH and MAPPA history: the latest recorded (for the marker) and
    the latest date of a change (a new assessment may not come before it)."""

    id: int | None
    changed_on: dt.date | None


def risk_history(person: Person) -> list[RiskChange]:
    """The RoSH and MAPPA history of ``person``, latest change first (one query)."""
    return list(
        RiskChange.objects.filter(person_id=person.pk)
        .select_related("recorded_by")
        .order_by("-changed_on", "-id")
    )


def risk_latest(history: list[RiskChange]) -> RiskLatest:
    """The latest of a history read by :func:`risk_history`."""
    return RiskLatest(
        id=max((c.pk for c in history), default=None),
        changed_on=max((c.changed_on for c in history), default=None),
    )


def risk_latest_stored(person_id: int) -> RiskLatest:
    """The latest of the stored history (one query), for the service."""
    found = RiskChange.objects.filter(person_id=person_id).aggregate(
        id=Max("id"), changed_on=Max("changed_on")
    )
    return RiskLatest(id=found["id"], changed_on=found["changed_on"])
