"""Shared fixtures: role personas on two teams in two PDUs, and a logged-in client per role."""

from __future__ import annotations

import pytest
from django.test import Client

from ippcase import vocab
from tests import factories


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
