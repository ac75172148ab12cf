"""Words of the case history for a change of the person's own row (ippcase.cases.history): a
change that touches only one part of the case record is named after that part, so the history
says "Victims changed" rather than "Person details changed". The fields changed, old and new,
are listed under the line either way."""

from __future__ import annotations

from collections.abc import Iterable

# Parts of the record kept by their own form or question (issue 15), smallest first.
PERSON_PARTS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"address"}), "Main address"),
    (frozenset({"iom"}), "Integrated Offender Management (IOM)"),
    (frozenset({"easy_read"}), "Communication needs (letters in easy read)"),
    (frozenset({"victims_in_vcs", "victim_liaison_officer", "victim_safety"}), "Victims"),
)


def person_change(names: Iterable[str]) -> str | None:
    """ "Victims changed", "Main address changed", else "Person details changed" for the
    fields ``names`` (None when nothing changed)."""
    changed = set(names)
    if not changed:
        return None
    what = next((part for fields, part in PERSON_PARTS if changed <= fields), "Person details")
    return f"{what} changed"
