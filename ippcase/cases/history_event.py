"""The case history's building blocks (ippcase.cases.history): what a line is, who made a change,
one audit event with its values typed, and the words for a value ("3 March 2025", a choice's
label, a user's name). The describers, one a tracked model, and the reading of the events are in
ippcase.cases.history; this module holds what they share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from ippcase.models import Team, User
from ippcase.vocab import Role
from recall.deadlines import long_date

# ---------------------------------------------------------------------------------------------
# What a line is


@dataclass(frozen=True)
class Change:
    """One field of a changed row: its label and the old and new values in words."""

    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryLine:
    """One audited change: when, who (name and role word, or the import), what, in words."""

    when: dt.datetime
    who: str
    text: str
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Actor:
    name: str
    roles: tuple[str, ...] = ()

    def with_role(self, role: str | None = None) -> str:
        """ "Dylan Reynolds (SPO)": the role given, else the user's own role words."""
        words = role or ", ".join(ROLE_WORDS.get(r, r) for r in self.roles)
        return f"{self.name} ({words})" if words else self.name


@dataclass(frozen=True)
class Names:
    """Who and which team the events' keys name (read once for the whole history)."""

    users: dict[int, Actor]
    teams: dict[int, str]


ROLE_WORDS: dict[str, str] = {
    Role.PRACTITIONER: "COM",
    Role.MANAGER: "SPO",
    Role.SENIOR_MANAGER: "ACO",
    Role.PPCS: "PPCS",
    Role.ADMIN: "administrator",
    Role.LOCAL_ADMIN: "local administrator",
}

# Who, for changes made by the service itself rather than a signed-in user (the pghistory
# context's ``actor``: the import command, the demo data, a Celery worker).
ACTOR_WORDS = {
    "import": "Case import",
    "import_organisation": "Organisation import",
    "load_demo": "Demo data",
    "seed_demo": "Demo data",
    "worker": "The system",
}

# Never shown as a changed field: keys that tie rows together (the line names the row), version
# counters, the row's own bookkeeping timestamps, JSON answers, generated files and their errors.
HIDDEN = frozenset(
    {
        "id",
        "person",
        "sentence",
        "release",
        "recall",
        "recommendation",
        "review",
        "version",
        "recommendation_version",
        "created_at",
        "updated_at",
        "recorded_at",
        "requested_at",
        "signed_at",
        "decided_at",
        "assigned_at",
        "submitted_at",
        "completed_at",
        "corrected_at",
        "created_by",
        "recorded_by",
        "requested_by",
        "signed_by",
        "decided_by",
        "submitted_by",
        "sections_saved",
        "acknowledgements",
        "criteria",
        "alternatives",
        "pdf",
        "error",
        "tariff_expiry_date",
    }
)


def long_time(moment: dt.datetime) -> str:
    """3 March 2025 at 14:05, London time."""
    local = timezone.localtime(moment)
    return f"{long_date(local.date())} at {local:%H:%M}"


# ---------------------------------------------------------------------------------------------
# One event, typed


@dataclass
class Event:
    """One audit event of a tracked model, with its values as Python values (``data`` and, for
    an update, ``before``), by attribute name."""

    model: type[models.Model]
    label: str  # insert | update | delete
    when: dt.datetime
    actor: Actor | None
    data: dict[str, Any]
    before: dict[str, Any] | None
    names: Names = field(repr=False)
    # The audit context of the write: ``reason``, ``correction``, and what a describer needs
    # that the row itself no longer holds (a RoSH and MAPPA change's replaced values,
    # ``risk_was``; a varied condition's old wording, ``was``; a transfer, ``allocation``).
    context: dict[str, Any] = field(default_factory=dict, repr=False)

    def get(self, name: str) -> Any:
        return self.data.get(_field(self.model, name).attname)

    def was(self, name: str) -> Any:
        return (self.before or {}).get(_field(self.model, name).attname)

    def changed(self, name: str) -> bool:
        return self.before is not None and self.was(name) != self.get(name)

    def display(self, name: str, value: Any = None, *, old: bool = False) -> str:
        """The field's value in words (the current one, or ``old``)."""
        f = _field(self.model, name)
        if value is None:
            value = self.was(name) if old else self.get(name)
        return _words(f, value, self.names)

    def text(self, name: str) -> str:
        return str(self.get(name) or "").strip()

    def user(self, name: str) -> Actor | None:
        user_id = self.get(name)
        return self.names.users.get(int(user_id)) if user_id else None

    def changes(self, *, skip: Iterable[str] = ()) -> tuple[Change, ...]:
        """The fields that changed (an update) or were set (an insert), labelled, in the
        model's field order; hidden and ``skip`` fields left out."""
        skipped = HIDDEN | set(skip)
        out = []
        for f in self.model._meta.concrete_fields:
            if f.name in skipped or isinstance(f, models.JSONField):
                continue
            new = self.data.get(f.attname)
            if self.before is None:
                if new in (None, "", []):
                    continue
                out.append(Change(_label(f), "", _words(f, new, self.names)))
            elif self.before.get(f.attname) != new:
                old = self.before.get(f.attname)
                out.append(
                    Change(_label(f), _words(f, old, self.names), _words(f, new, self.names))
                )
        return tuple(out)


def _field(model: type[models.Model], name: str) -> Any:
    return model._meta.get_field(name)


def _label(f: Any) -> str:
    text = str(f.verbose_name)
    return text[:1].upper() + text[1:]


def _words(f: Any, value: Any, names: Names) -> str:
    if value is None or value == "" or value == []:
        return "(blank)"
    if isinstance(f, ArrayField):
        choices = dict(f.base_field.choices or ())
        return ", ".join(str(choices.get(v, v)) for v in value)
    if f.choices:
        return str(dict(f.choices).get(value, value))
    if isinstance(f, models.ForeignKey):
        if f.related_model is User:
            actor = names.users.get(int(value))
            return actor.name if actor else "a former user"
        if f.related_model is Team:
            return names.teams.get(int(value), "a former team")
        return "(linked record)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return long_time(value)
    if isinstance(value, dt.date):
        return long_date(value)
    return str(value)


def typed_row(model: type[models.Model], row: dict[str, Any] | None) -> dict[str, Any] | None:
    """An event's JSON row (column names, dates as ISO text) as Python values by attname."""
    if row is None:
        return None
    values: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.column not in row:
            continue
        raw = row[f.column]
        if raw is not None and isinstance(f, models.DateTimeField):
            raw = dt.datetime.fromisoformat(raw)
        elif raw is not None and isinstance(f, models.DateField):
            raw = dt.date.fromisoformat(raw[:10])
        values[f.attname] = raw
    return values


# ---------------------------------------------------------------------------------------------
# Describers: one per model, event -> sentence (None: nothing to say)

Describer = Callable[[Event], "str | None"]


def reason_clause(prefix: str, text: str) -> str:
    return f" {prefix}: {text}" if text else ""


def generic_describer(what: str) -> Describer:
    def describe(event: Event) -> str | None:
        verb = {"insert": "added", "update": "changed", "delete": "removed"}[event.label]
        if event.label == "update" and not event.changes():
            return None
        return f"{what} {verb}"

    return describe
