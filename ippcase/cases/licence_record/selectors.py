"""Reads of the licence record pages, from the rows :func:`person_with_history` prefetched."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ippcase.cases import selectors
from ippcase.models import LicenceCondition, Person


@dataclass(frozen=True)
class ConditionRow:
    condition: LicenceCondition
    replaced: LicenceCondition | None  # the condition this one varies
    in_force: bool


def condition_rows(person: Person, today: dt.date | None = None) -> list[ConditionRow]:
    """Every condition, each with the one it varies, in force first (no query per row)."""
    today = today or timezone.localdate()
    conditions = list(person.licence_conditions.all())
    by_id = {c.pk: c for c in conditions}
    rows = [
        ConditionRow(
            c,
            by_id.get(c.varies_id) if c.varies_id else None,
            c.end_date is None or c.end_date >= today,
        )
        for c in conditions
    ]
    return sorted(rows, key=lambda r: not r.in_force)


def may_record_release(person: Person) -> bool:
    """In custody: never released, or recalled and returned to custody."""
    return selectors.case_status(person) in (
        selectors.CaseStatus.NOT_YET_RELEASED,
        selectors.CaseStatus.IN_CUSTODY_ON_RECALL,
    )
