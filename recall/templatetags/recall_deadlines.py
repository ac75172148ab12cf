"""The current recall's report deadline for the person header (the same calculation and badge
as the recall tab, the PPCS queue and the caseload)."""

from __future__ import annotations

from typing import Any

from django import template

from recall import reminders

register = template.Library()


@register.simple_tag
def current_recall_deadline(person: Any) -> Any:
    """The deadline of the recall of the person's latest release, once in custody; else None.
    Uses the prefetched releases (person_with_history): two queries only when in custody."""
    releases = list(person.releases.all())
    recall = getattr(releases[-1], "recall", None) if releases else None
    if recall is None or recall.returned_to_custody is None:
        return None
    return reminders.recall_deadline(recall)
