"""The audit trail: every change records who and what; the event tables are append-only."""

from __future__ import annotations

import pghistory
import pghistory.models
import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from ippcase.models import Person
from tests import factories


def _person_events(person):
    return Person.pgh_event_model.objects.filter(pgh_obj_id=person.pk).order_by("pgh_id")


def test_a_change_records_the_acting_user_and_the_diff(person, practitioner):
    with pghistory.context(user=practitioner.pk):
        person.rosh_level = "very_high"
        person.save()
    event = pghistory.models.Events.objects.tracks(person).order_by("pgh_created_at").last()
    assert event.pgh_label == "update"
    assert event.pgh_diff == {"rosh_level": ["high", "very_high"]}
    assert event.pgh_context["user"] == practitioner.pk


@pytest.mark.parametrize(
    "statement", ["UPDATE {table} SET first_name = 'X'", "DELETE FROM {table}"]
)
def test_the_history_table_refuses_update_and_delete(person, statement):
    table = Person.pgh_event_model._meta.db_table
    before = list(_person_events(person).values_list("pgh_id", "first_name"))
    assert before, "creating the person must have written an insert event"
    with (
        pytest.raises(ProgrammingError, match="Cannot update or delete rows"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement.format(table=table))
    assert list(_person_events(person).values_list("pgh_id", "first_name")) == before


def test_every_domain_model_is_tracked():
    from django.apps import apps

    # PersonPosition and TrendCount are derived (recomputed from the audited tables by the
    # database), so auditing them would only repeat their history.
    # SubmissionKey is a form's one-time key (issue 18), not a record of the case.
    derived = {"PersonPosition", "TrendCount", "SubmissionKey"}
    untracked = [
        model.__name__
        for model in apps.get_app_config("ippcase").get_models()
        if not model.__name__.endswith("Event")
        and not hasattr(model, "pgh_event_model")
        and model.__name__ not in derived
    ]
    assert untracked == []
    assert factories  # the factories module imports cleanly alongside the models
