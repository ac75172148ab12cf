"""Add-another rows without JavaScript: a page posts its rows as forms prefixed ``<name>-<i>``
with a ``<name>-count``; an "Add another" button (``action=add-<name>``) re-renders them with one
more blank row, a "Remove" button (``action=remove-<name>-<i>``) without row ``i``. Rows left
wholly blank are not answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django import forms

from ippcase.cases.opening.forms import MAX_ROWS

F = TypeVar("F", bound=forms.Form)


def count(data: Mapping[str, Any], name: str) -> int:
    try:
        value = int(str(data.get(f"{name}-count", "0")))
    except ValueError:
        value = 0
    return max(0, min(value, MAX_ROWS))


def bound(form_class: type[F], data: Mapping[str, Any], name: str) -> list[F]:
    return [form_class(data, prefix=f"{name}-{i}") for i in range(count(data, name))]


def unbound(form_class: type[F], initials: list[dict[str, Any]], name: str) -> list[F]:
    return [form_class(prefix=f"{name}-{i}", initial=r) for i, r in enumerate(initials)]


def raw(form: forms.Form) -> dict[str, Any]:
    """What was typed in a bound row, as the initial of an unbound one."""
    return {name: form[name].data for name in form.fields}


def is_blank(form: forms.Form) -> bool:
    return not any(_filled(value) for value in raw(form).values())


def _filled(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return any(_filled(v) for v in value)
    return bool(str(value or "").strip())


def edited(form_class: type[F], data: Mapping[str, Any], name: str) -> list[F] | None:
    """The rows after this POST's add or remove button for ``name``; None when the button was
    not one of them."""
    action = str(data.get("action", ""))
    rows = [raw(f) for f in bound(form_class, data, name)]
    if action == f"add-{name}":
        if len(rows) < MAX_ROWS:
            rows.append({})
        return unbound(form_class, rows, name)
    prefix = f"remove-{name}-"
    if action.startswith(prefix):
        index = action.removeprefix(prefix)
        if index.isdigit() and int(index) < len(rows):
            del rows[int(index)]
        return unbound(form_class, rows, name)
    return None
