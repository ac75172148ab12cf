"""The bulk load's audit events (issue 17): ``seed_demo`` writes the insert events of the rows
it COPYs with one statement per table afterwards; they must be the events the row triggers
would have written, and the triggers must be back on afterwards."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from ippcase.demo.writer import COPIED_MODELS, _insert_event_triggers
from ippcase.models import Person
from tests import factories


@pytest.fixture
def seeded(db):
    call_command("seed_demo", people=40, seed=3, stdout=io.StringIO())


def _tracked(model) -> list[str]:
    return [
        f.attname
        for f in model.pgh_event_model._meta.concrete_fields
        if not f.name.startswith("pgh_") and f.attname != model._meta.pk.attname
    ]


@pytest.mark.parametrize("model", COPIED_MODELS, ids=lambda m: m.__name__)
def test_each_copied_row_has_its_insert_event_with_the_rows_values(seeded, model):
    fields = _tracked(model)
    rows = {row.pop("pk"): row for row in model.objects.values("pk", *fields)}
    events = model.pgh_event_model.objects.filter(pgh_label="insert")
    by_object = {e.pop("pgh_obj_id"): e for e in events.values("pgh_obj_id", *fields)}
    assert rows and by_object == rows
    assert events.count() == len(rows)  # one event a row, no more
    contexts = {e.pgh_context.metadata["actor"] for e in events.select_related("pgh_context")}
    assert contexts == {"seed_demo"}


def test_the_audit_triggers_are_enabled_after_the_load(seeded, team):
    names = [name for model in COPIED_MODELS for name in _insert_event_triggers(model)]
    assert len(names) == len(COPIED_MODELS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname, tgenabled FROM pg_trigger WHERE tgname = ANY(%s)", [names])
        assert dict(cursor.fetchall()) == dict.fromkeys(names, "O")
    person = factories.PersonFactory(team=team)
    assert Person.pgh_event_model.objects.filter(pgh_obj_id=person.pk).count() == 1


def _catalogue() -> list[tuple[str, str]]:
    """Every index and foreign key of the copied tables and their event tables, by definition."""
    tables = [m._meta.db_table for m in COPIED_MODELS]
    tables += [m.pgh_event_model._meta.db_table for m in COPIED_MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
            WHERE indrelid = ANY(%s::regclass[])
            UNION ALL
            SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])
            ORDER BY 1
            """,
            [tables, tables],
        )
        return cursor.fetchall()


def test_the_load_puts_back_every_index_and_foreign_key(db):
    before = _catalogue()
    assert len(before) > 4 * len(COPIED_MODELS)
    call_command("seed_demo", people=10, seed=3, stdout=io.StringIO())
    assert _catalogue() == before
