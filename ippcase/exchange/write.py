"""Writing an import in bulk: the :class:`WritePlan` collects the rows to delete, update and
create, then writes them in a handful of statements per table however many people the file
holds. It knows models and rows, not the import format: the loader (:mod:`.load`) plans.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import cast

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

from ippcase.exchange.rows import Row
from ippcase.models import (
    Allocation,
    IndexOffence,
    LicenceCondition,
    Person,
    Recall,
    Release,
    Sentence,
)
from parole.models import Adjournment, ParoleReview, RiskAssessedRecallReview, TerminationReferral
from recall.models import MeetingAction, MultiAgencyMeeting

# Rows per INSERT/UPDATE statement: large enough to amortise round trips, small enough to keep
# each statement (and the audit trigger work inside it) short.
_BATCH_SIZE = 2000

_DELETE_ORDER: tuple[type[models.Model], ...] = (
    Adjournment,
    ParoleReview,
    RiskAssessedRecallReview,
    Recall,
    Release,
    IndexOffence,
    LicenceCondition,
    Allocation,
    TerminationReferral,
    MeetingAction,
    MultiAgencyMeeting,
)
# Parents before children: a child's foreign key needs its parent's id.
_CREATE_ORDER: tuple[type[models.Model], ...] = (
    Person,
    Sentence,
    IndexOffence,
    Release,
    Recall,
    ParoleReview,
    Adjournment,
    RiskAssessedRecallReview,
    LicenceCondition,
    Allocation,
    TerminationReferral,
    MultiAgencyMeeting,
    MeetingAction,
)


@dataclass(eq=False)
class NewRow:
    """A row to insert, as attname -> value. A foreign key to a parent that is itself still to
    be inserted is kept in ``parents`` and resolved once the parent's id is allocated."""

    values: Row
    parents: dict[str, NewRow] = field(default_factory=dict)
    id: int | None = None


# The parent of a new row: the id of a stored row, or a row planned in the same import.
Parent = int | NewRow


@dataclass
class WritePlan:
    """The rows to delete, update and create, collected first so that they can be written in
    bulk: a handful of statements per table however many people the file holds."""

    creates: defaultdict[type[models.Model], list[NewRow]] = field(
        default_factory=lambda: defaultdict(list)
    )
    updates: defaultdict[type[models.Model], dict[int, Row]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    update_fields: defaultdict[type[models.Model], set[str]] = field(
        default_factory=lambda: defaultdict(set)
    )
    deletes: defaultdict[type[models.Model], list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def create(self, model: type[models.Model], values: Row, **parents: Parent) -> NewRow:
        """Plan a new ``model`` row; ``parents`` maps foreign-key attnames to their parent."""
        row = NewRow(dict(values))
        for attname, parent in parents.items():
            if isinstance(parent, NewRow):
                row.parents[attname] = parent
            else:
                row.values[attname] = parent
        self.creates[model].append(row)
        return row

    def update(self, model: type[models.Model], stored: Row, values: Row) -> bool:
        """Plan saving ``values`` over the ``stored`` row, only if one of them differs."""
        changed = {name: value for name, value in values.items() if stored[name] != value}
        if not changed:
            return False
        stored.update(changed)
        self.updates[model][stored["id"]] = stored
        self.update_fields[model].update(changed)
        return True

    def delete(self, model: type[models.Model], stored: Row) -> None:
        self.deletes[model].append(stored["id"])

    def apply(self) -> None:
        """Write the plan: deletes, then updates, then creates, so that a row the file replaces
        (an allocation closed and a new one opened) is out of the way of the partial unique
        constraints before its successor goes in."""
        if not (self.creates or self.updates or self.deletes):
            return
        for model in _DELETE_ORDER:
            if ids := self.deletes.get(model):
                model._default_manager.filter(pk__in=ids).delete()
        for model, rows in self.updates.items():
            # Whole rows, so that a field changed on one row only is rewritten unchanged on
            # the others that share the UPDATE statement.
            objs = [model(**row) for row in rows.values()]
            names = sorted(
                model._meta.get_field(attname).name for attname in self.update_fields[model]
            )
            model._default_manager.bulk_update(objs, names, batch_size=_BATCH_SIZE)
        for model in _CREATE_ORDER:
            if new_rows := self.creates.get(model):
                _insert_rows(model, new_rows)


def _insert_rows(model: type[models.Model], rows: list[NewRow]) -> None:
    """Insert ``rows`` with ids taken from the table's sequence, a batch per statement.

    Goes around the ORM on purpose: bulk_create() compiles every value of every row in Python,
    which costs as much as the database work for a large file. One JSON parameter per batch,
    unpacked by ``jsonb_to_recordset``, keeps the statement small and the types exact. The
    audit triggers fire per row as for any insert, and the pghistory context is attached
    because the statement goes through Django's cursor. Fields left out get their model default.
    """
    meta = model._meta
    quote = connection.ops.quote_name
    fields = meta.concrete_fields
    defaults = {f.attname: f.get_default() for f in fields if not f.primary_key}
    names = {f.attname: cast(str, f.column) for f in fields}  # a concrete field has a column
    columns = ", ".join(quote(names[f.attname]) for f in fields)
    record = ", ".join(f"{quote(names[f.attname])} {f.db_type(connection)}" for f in fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 - names from model meta
        f"SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) AS r({record})"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        for row, (new_id,) in zip(rows, cursor.fetchall(), strict=True):
            row.id = new_id
        for start in range(0, len(rows), _BATCH_SIZE):
            payload = []
            for row in rows[start : start + _BATCH_SIZE]:
                values = {**defaults, **row.values, meta.pk.attname: row.id}
                for attname, parent in row.parents.items():
                    values[attname] = parent.id
                payload.append({column: values[attname] for attname, column in names.items()})
            cursor.execute(sql, [json.dumps(payload, cls=DjangoJSONEncoder)])
