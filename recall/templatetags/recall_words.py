"""``|lower_words``: a label lower-cased inside a sentence, its acronyms kept (issue 16)."""

from __future__ import annotations

from django import template

from ippcase.core import words

register = template.Library()


@register.filter
def lower_words(value: object) -> str:
    return words.lower(str(value))
