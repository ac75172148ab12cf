"""Shared fixtures: role personas on two teams in two PDUs, and a logged-in client per role."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from ippcase import vocab
from tests import factories

# No autovacuum on the test database's tables. Every test's rows are rolled back, so a vacuum
# between tests finds the tables empty and records "0 rows in N pages"; the planner then takes a
# table for one row, and the position and trend triggers (ippcase/caseload) choose nested loops
# over whole tables, seconds an insert once a test writes a few hundred rows. A CI run stopped at
# 13% that way (6 December 2026, an INSERT into ippcase_recall running for minutes); a table
# never vacuumed is planned from its real size instead. Production tables hold their rows, and
# their statistics are right.
NO_AUTOVACUUM = """
DO $$
DECLARE t regclass;
BEGIN
  FOR t IN SELECT c.oid::regclass FROM pg_class c
           WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
  LOOP
    EXECUTE format('ALTER TABLE %s SET (autovacuum_enabled = false)', t);
  END LOOP;
END
$$;
"""


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(NO_AUTOVACUUM)


@pytest.fixture
def team(db):
    return factories.TeamFactory(
        code="leeds-a", name="Leeds A", pdu__code="leeds", pdu__name="Leeds"
    )


@pytest.fixture
def other_team_same_pdu(team):
    return factories.TeamFactory(code="leeds-b", name="Leeds B", pdu=team.pdu)


@pytest.fixture
def other_pdu_team(db):
    return factories.TeamFactory(
        code="wakefield-a", name="Wakefield A", pdu__code="wakefield", pdu__name="Wakefield"
    )


def _persona(username: str, roles: list[str], team) -> object:
    return factories.UserFactory(username=username, roles=roles, team=team)


@pytest.fixture
def practitioner(team):
    return _persona("practitioner", [vocab.Role.PRACTITIONER], team)


@pytest.fixture
def manager(team):
    return _persona("manager", [vocab.Role.MANAGER], team)


@pytest.fixture
def senior_manager(team):
    return _persona("senior", [vocab.Role.SENIOR_MANAGER], team)


@pytest.fixture
def ppcs(db):
    return _persona("ppcs", [vocab.Role.PPCS], None)


@pytest.fixture
def admin_user(db):
    return _persona("administrator", [vocab.Role.ADMIN], None)


@pytest.fixture
def outsider(other_pdu_team):
    """A practitioner from another PDU: must never see the team's cases."""
    return _persona("outsider", [vocab.Role.PRACTITIONER, vocab.Role.MANAGER], other_pdu_team)


@pytest.fixture
def no_role_user(team):
    return _persona("norole", [], team)


@pytest.fixture
def person(team):
    return factories.make_case(team, first_name="Samuel", last_name="Doe")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def practitioner_client(practitioner):
    return client_for(practitioner)


@pytest.fixture
def dead_broker():
    """Celery's broker pointed at a port where nothing listens (Redis down), with the app's own
    connection and retry settings, for this test only."""
    from ippcase.celery import app

    def reset_pools() -> None:
        # Drop the app's cached pools (as celery does after a fork) so the next publish connects
        # with the current settings. Not closed: kombu's registry hands the same pool back.
        app._pool = None
        app.amqp._producer_pool = None

    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url = saved
        reset_pools()


# ---------------------------------------------------------------------------------------------
# Names from Faker, seeded by the test's id. A test sees the same names on every run and machine,
# so a failure that hangs on a name (an apostrophe the page escapes: "O&#x27;Sullivan", two CI
# runs in December 2026) fails every time it runs, not one run in twenty.


@pytest.fixture(autouse=True)
def _seeded_names(request: pytest.FixtureRequest) -> None:
    import factory.random

    factory.random.reseed_random(request.node.nodeid)


# ---------------------------------------------------------------------------------------------
# The clock for duty managers (issue 12): a manager from another PDU may countersign only out of
# office hours, which the clock decides. So that every other test (the URL access table, the
# outsider's 404s) means the same at any hour of any day, tests see office hours unless they set
# the clock with ``london_clock``.

LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def in_office_hours(monkeypatch) -> Callable[..., bool]:
    """Pin "out of hours" to no; returns the real function for ``london_clock``."""
    from recall import reminders

    real: Callable[..., bool] = reminders.out_of_hours
    monkeypatch.setattr(reminders, "out_of_hours", lambda now=None: False)
    return real


class LondonClock:
    """``django.utils.timezone.now`` frozen at a Europe/London wall-clock time."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def at(self, *args: Any) -> dt.datetime:
        """``clock.at(2025, 12, 4, 19, 0)``: now is 7pm on 4 December 2025, London time."""
        self.now = dt.datetime(*args, tzinfo=LONDON)
        return self.now


@pytest.fixture
def london_clock(in_office_hours, monkeypatch) -> Iterator[LondonClock]:
    """The real out-of-hours rule, on a clock the test sets (the approach of test_signin's
    ``clock``: ``timezone.now`` patched)."""
    from recall import reminders

    monkeypatch.setattr(reminders, "out_of_hours", in_office_hours)
    clock = LondonClock()
    with mock.patch("django.utils.timezone.now", lambda: clock.now):
        yield clock
