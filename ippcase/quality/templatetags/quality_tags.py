"""The case header's link to a person's published quality-assurance reviews (issue 19): shown
only when there is one (one query)."""

from __future__ import annotations

from typing import Any

from django import template

from ippcase.quality import selectors

register = template.Library()


@register.simple_tag
def has_published_review(person: Any) -> bool:
    return person is not None and selectors.has_published_review(person.pk)
