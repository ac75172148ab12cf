"""The recall request (Part A; issue 15, docs/recall-paperwork.md): which task-list sections make
it up, whether they are all saved, and what its pages and PDF show from the case (licence
conditions in force, the victim-safety ones among them, the breaches prefilled from the concerns
log). Reads only: no writes here. The section forms are in ``recall.forms_part_a``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ippcase.models import LicenceCondition, Person, labels
from ippcase.vocab import Vulnerability
from recall.models import Concern, RecallRecommendation

# (slug, title), in the order of the Part A. Other helpers link to these slugs.
PART_A_SECTIONS: tuple[tuple[str, str], ...] = (
    ("whereabouts", "Where the person can be found"),
    ("police", "Police contact and arrest"),
    ("risk-profile", "MAPPA, IOM, RoSH and vulnerabilities"),
    ("conditions", "Previous releases, recalls and licence conditions breached"),
    ("victims", "Victims"),
)
PART_A_SLUGS: tuple[str, ...] = tuple(slug for slug, _ in PART_A_SECTIONS)

# Additional conditions that protect a victim: shown in the Part A's victims section as the
# victim-safety measures in force (ippcase.vocab.AdditionalCondition).
VICTIM_SAFETY_CODES = frozenset({"exclusion_zone", "non_contact"})


def missing_sections(rec: RecallRecommendation) -> list[tuple[str, str]]:
    """The Part A sections not yet saved, for a recall (a decision not to recall has none)."""
    if not rec.is_recall:
        return []
    return [(slug, title) for slug, title in PART_A_SECTIONS if slug not in rec.sections_saved]


def conditions_in_force(person: Person, day: dt.date) -> list[LicenceCondition]:
    """The person's licence conditions in force on ``day`` (standard, additional, bespoke), from
    the prefetched ``licence_conditions`` when loaded."""
    return [c for c in person.licence_conditions.all() if c.in_force_on(day)]


def victim_safety_conditions(conditions: Iterable[LicenceCondition]) -> list[LicenceCondition]:
    return [c for c in conditions if c.additional_code in VICTIM_SAFETY_CODES]


def breach_prefill(
    conditions: Iterable[LicenceCondition], concerns: Iterable[Concern]
) -> dict[str, str]:
    """For each condition, the concerns linked to it (``Concern.conditions``; the caller passes
    only concerns not struck out) as "date: description" lines, oldest first."""
    concerns = sorted(concerns, key=lambda c: (c.occurred_on, c.pk))
    prefill: dict[str, str] = {}
    for condition in conditions:
        lines = [
            f"{c.occurred_on:%d %b %Y}: {c.description}"
            for c in concerns
            if any(linked.pk == condition.pk for linked in c.conditions.all())
        ]
        if lines:
            prefill[str(condition.pk)] = "\n".join(lines)
    return prefill


def conditions_breached_problem(
    breached: Mapping[str, Any], in_force: Iterable[LicenceCondition]
) -> str | None:
    """Why ``breached`` ({"<condition pk>": "how"}) cannot be saved, or None: each key must be
    a licence condition of the person in force now, each value a description of the breach."""
    if not isinstance(breached, Mapping):
        return "Choose the licence conditions breached from the list shown."
    allowed = {str(c.pk) for c in in_force}
    for key, how in breached.items():
        if str(key) not in allowed:
            return (
                "Choose licence conditions that are in force on this person's licence: one of "
                "the conditions chosen is not."
            )
        if not isinstance(how, str) or not how.strip():
            return "Describe how each licence condition marked as breached was breached."
    return None


def changes_problem(person: Person, changes: Mapping[str, Any], day: dt.date) -> str | None:
    """Why these answers to the recommendation cannot be saved as far as the Part A goes
    (``recall.services.recommendation_update`` refuses them with it), or None."""
    if "conditions_breached" not in changes:
        return None
    return conditions_breached_problem(
        changes["conditions_breached"], conditions_in_force(person, day)
    )


def breached_rows(
    rec: RecallRecommendation, conditions: Iterable[LicenceCondition]
) -> list[tuple[LicenceCondition, str]]:
    """The conditions marked breached with how, in the licence's order."""
    return [
        (c, str(rec.conditions_breached[str(c.pk)]))
        for c in conditions
        if str(c.pk) in rec.conditions_breached
    ]


def vulnerability_labels(person: Person) -> list[str]:
    return labels(Vulnerability, person.vulnerability_types)


def victims_url(crn: str) -> str:
    """The case's page for changing its victims (``change_victims``), or "" while there is
    none: the link is shown only when the page exists."""
    try:
        return reverse("change_victims", kwargs={"crn": crn})
    except NoReverseMatch:
        return ""


def page_context(rec: RecallRecommendation) -> dict[str, Any]:
    """What the Part A section pages show from the case, read-only (``rec`` loaded by
    ``recall.selectors.recommendation_with_context``: no further queries)."""
    person = rec.person
    conditions = conditions_in_force(person, timezone.localdate())
    return {
        "vulnerabilities": vulnerability_labels(person),
        "releases": list(person.releases.all()),
        "victim_safety": victim_safety_conditions(conditions),
        "victims_url": victims_url(person.crn),
    }
