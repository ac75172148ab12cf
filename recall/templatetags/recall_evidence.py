"""``{% evidence_count rec as n %}``: how many documents (not removed) a recommendation has, for
the link to its evidence page (one query). A tag, so that the recommendation page's view is not
changed for it."""

from __future__ import annotations

from typing import Any

from django import template

from recall.evidence import selectors

register = template.Library()


@register.simple_tag
def evidence_count(rec: Any) -> int:
    return selectors.evidence_count(rec)
