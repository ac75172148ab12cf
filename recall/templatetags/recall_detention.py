"""The prompt to review continued detention when the allegation behind a recall was not
pursued: one inclusion tag, so that the recall tab and the parole tab show the same warning
(the parole app builds on the recall app, not the other way round)."""

from __future__ import annotations

from typing import Any

from django import template

from recall import selectors

register = template.Library()


@register.inclusion_tag("recall/_detention_review_warning.html")
def detention_review_warning(person: Any) -> dict[str, Any]:
    """``{% detention_review_warning person %}``: a GOV.UK warning text while ``person`` is in
    custody on a recall whose allegation ended in no further action, discontinuance or
    acquittal; nothing otherwise. One query."""
    return {"person": person, "review_rec": selectors.detention_review_prompt(person)}
