"""The person position read model (issue 17): kept by the database in the same transaction as
every write, equal to a rebuild from scratch after any sequence of writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ippcase.caseload import position
from ippcase.demo.workflow import STAGES, _advance
from ippcase.models import Allocation, Person, PersonPosition, Release
from parole.models import TerminationReferral
from recall import corrections, entries, services
from recall.selectors import entry_version
from tests import factories


def _snapshot() -> dict[int, tuple[Any, ...]]:
    return {row[0]: row for row in PersonPosition.objects.values_list(*position.COLUMNS)}


def _computed() -> dict[int, tuple[Any, ...]]:
    """Every row worked out now by the SELECT itself (not through the triggers)."""
    with connection.cursor() as cursor:
        everyone = position._select_sql().replace("unnest(ids)", "id FROM ippcase_person")
        cursor.execute(everyone)
        return {row[0]: tuple(row) for row in cursor.fetchall()}


# --- one write of each kind, applied to one of the people -------------------------------------


def _concern(person: Person, users: dict[str, Any], days: int) -> None:
    entries.concern_add(
        person=person,
        actor=users["com"],
        occurred_on=timezone.localdate() - dt.timedelta(days=days),
        description="Missed appointment",
        source="other",
        behaviours=[],
    )


def _action(person: Person, users: dict[str, Any], days: int) -> None:
    entries.action_add(
        person=person,
        actor=users["com"],
        kind="warning_letter",
        taken_on=timezone.localdate() - dt.timedelta(days=days),
        details="Warned",
    )


def _strike(person: Person, users: dict[str, Any], days: int) -> None:
    concern = person.concerns.filter(struck_out_at__isnull=True).order_by("-id").first()
    if concern is not None:
        corrections.concern_strike_out(
            concern_id=concern.pk,
            actor=users["com"],
            expected_version=entry_version(concern),
            reason="Entered on the wrong case",
        )


def _stage(stage: str):
    def write(person: Person, users: dict[str, Any], days: int) -> None:
        fresh = (
            Person.objects.select_related("sentence")
            .prefetch_related("releases__recall", "termination_referrals")
            .get(pk=person.pk)
        )
        _advance(
            fresh,
            stage,
            users["com"],
            users["spo"],
            users["aco"],
            users["ppcs"],
            timezone.localdate(),
        )

    return write


def _re_release(person: Person, users: dict[str, Any], days: int) -> None:
    """The ORM, not a service: whatever writes the tables, the row follows."""
    latest = person.releases.order_by("-date").first()
    recall = getattr(latest, "recall", None) if latest else None
    if recall is None or recall.returned_to_custody is None:
        return
    day = max(recall.returned_to_custody + dt.timedelta(days=1), timezone.localdate())
    recall.re_released_on = day
    recall.save(update_fields=["re_released_on"])
    Release.objects.create(person=person, date=day, prison="HMP Leeds")


def _allocate(person: Person, users: dict[str, Any], days: int) -> None:
    today = timezone.localdate()
    Allocation.objects.filter(person=person, end_date__isnull=True).update(end_date=today)
    practitioner = users["com"] if days % 2 else users["other_com"]
    Allocation.objects.create(person=person, practitioner=practitioner, start_date=today)


def _terminate(person: Person, users: dict[str, Any], days: int) -> None:
    if not person.termination_referrals.exists():
        TerminationReferral.objects.create(
            person=person,
            referred_on=timezone.localdate() - dt.timedelta(days=days + 1),
            decided_on=timezone.localdate() - dt.timedelta(days=days),
            outcome="terminated",
        )


def _raw_sql_return(person: Person, users: dict[str, Any], days: int) -> None:
    """Raw SQL, bypassing Django altogether."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ippcase_recall SET returned_to_custody = recall_date "
            "WHERE returned_to_custody IS NULL AND release_id IN "
            "(SELECT id FROM ippcase_release WHERE person_id = %s)",
            [person.pk],
        )


WRITES = {
    "concern": _concern,
    "action": _action,
    "strike": _strike,
    "re_release": _re_release,
    "allocate": _allocate,
    "terminate": _terminate,
    "raw_return": _raw_sql_return,
    **{f"stage_{stage}": _stage(stage) for stage in STAGES},
}


@pytest.fixture
def world(team, practitioner, manager, senior_manager, ppcs):
    other = factories.UserFactory(username="other.com", roles=["practitioner"], team=team)
    people = [factories.make_case(team, recalled=n % 2 == 0) for n in range(4)]
    for person in people:
        Allocation.objects.create(
            person=person, practitioner=practitioner, start_date=dt.date(2020, 1, 1)
        )
    users = {
        "com": practitioner,
        "other_com": other,
        "spo": manager,
        "aco": senior_manager,
        "ppcs": ppcs,
    }
    return people, users


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    writes=st.lists(
        st.tuples(st.sampled_from(sorted(WRITES)), st.integers(0, 3), st.integers(0, 400)),
        min_size=1,
        max_size=12,
    )
)
def test_incremental_equals_rebuild_after_any_writes(world, writes):
    people, users = world
    for name, index, days in writes:
        try:
            with transaction.atomic():
                WRITES[name](people[index], users, days)
        except services.RecallError:
            pass  # refused (e.g. a stage the person cannot reach now): it changed nothing
    incremental = _snapshot()
    assert incremental == _computed()
    assert position.rebuild() == Person.objects.count()
    assert _snapshot() == incremental


def test_every_write_path_moves_the_row(world):
    people, users = world
    person = people[1]  # never recalled: on licence
    assert PersonPosition.objects.get(person=person).live_status == ""
    _stage("draft")(person, users, 0)
    row = PersonPosition.objects.get(person=person)
    latest_concern = person.concerns.order_by("-occurred_on").first()
    assert row.live_status == "draft" and row.latest_concern_on == latest_concern.occurred_on
    assert row.live_recommendation_id == person.recommendations.get().pk


def test_a_new_person_gets_a_row_and_a_deleted_one_loses_it(team):
    person = factories.PersonFactory(team=team)
    assert PersonPosition.objects.filter(person=person, latest_release__isnull=True).exists()
    factories.ReleaseFactory(person=person)
    assert PersonPosition.objects.get(person=person).latest_release_id is not None
    person.delete()
    assert not PersonPosition.objects.filter(person_id=person.pk).exists()


def test_paused_triggers_leave_the_row_until_the_rebuild(team):
    person = factories.PersonFactory(team=team)
    with transaction.atomic(), position.paused():
        factories.ReleaseFactory(person=person)
        assert PersonPosition.objects.get(person=person).latest_release_id is None
    position.rebuild()
    assert PersonPosition.objects.get(person=person).latest_release_id is not None


def test_every_table_the_refresh_reads_has_the_triggers(db):
    select = position._select_sql()
    read = position.read_tables(select)
    assert {"ippcase_release", "ippcase_recall", "recall_concern"} <= read
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'ippcase_position_%%'"
        )
        triggered = {name for (name,) in cursor.fetchall()}
    assert read <= triggered


def test_rebuild_command_finds_and_mends_a_drifted_row(team, capsys):
    person = factories.make_case(team, recalled=False)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ippcase_personposition SET recall_count = 7 WHERE person_id = %s", [person.pk]
        )
    with pytest.raises(CommandError, match="1 positions and 0 trend counts differed"):
        call_command("rebuild_positions", "--check")
    assert PersonPosition.objects.get(person=person).recall_count == 0
    call_command("rebuild_positions", "--check")
    assert "No row differed." in capsys.readouterr().out
