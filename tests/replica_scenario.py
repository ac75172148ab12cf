"""The scenario of ``tests/test_replica.py::test_dashboard_reads_from_a_real_streaming_replica``,
run in a fresh Django (``python -m tests.replica_scenario``) whose ``DATABASE_URL`` is the
primary and ``DATABASE_REPLICA_URL`` the hot standby the test started. It prints what it saw as
one JSON object on the last line of its output; the test makes the assertions."""

from __future__ import annotations

import json
import os
import socket
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ippcase.settings.test")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from ippcase import vocab  # noqa: E402
from ippcase.core.replica import reporting_reads  # noqa: E402
from tests import factories  # noqa: E402

PANEL = "/dashboard/panels/caseload-now/"


def _one(alias: str, sql: str, params: list[Any] | None = None) -> Any:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _wait(alias: str, sql: str, params: list[Any] | None = None, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not _one(alias, sql, params):
        if time.monotonic() > deadline:
            raise TimeoutError(sql)
        time.sleep(0.02)


def wait_replayed() -> None:
    """Until the replica has replayed everything the primary has written so far."""
    target = _one("default", "SELECT pg_current_wal_lsn()::text")
    _wait("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def in_scope(client: Client) -> int:
    response = client.get(PANEL, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.status_code
    rows = response.context["panel"]["tables"][0]["rows"]
    return next(int(r[1]["text"]) for r in rows if r[0]["text"] == "People in scope")


def main() -> dict[str, Any]:
    setup_test_environment()
    seen: dict[str, Any] = {}
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    seen["migrate_seconds"] = round(time.monotonic() - started, 1)
    seen["replica_in_recovery"] = _one("replica", "SELECT pg_is_in_recovery()")
    with reporting_reads() as alias:
        seen["scope_alias"] = alias
    team = factories.TeamFactory(code="leeds-a", name="Leeds A", pdu__code="leeds")
    manager = factories.UserFactory(username="manager", roles=[vocab.Role.MANAGER], team=team)
    for _ in range(3):
        factories.make_case(team)
    client = Client()
    client.force_login(manager)

    wait_replayed()
    seen["replayed"] = in_scope(client)

    # Replay paused: the primary moves on, the replica stays where it was.
    _one("replica", "SELECT pg_wal_replay_pause()")
    _wait("replica", "SELECT pg_get_wal_replay_pause_state() = 'paused'")
    for name in ("Quentin", "Rosalind"):
        factories.make_case(team, last_name=f"{name}replica")
    # Someone given the role after the pause signs in: access is decided on the primary.
    late = factories.UserFactory(username="late", roles=[vocab.Role.MANAGER], team=team)
    late_client = Client()
    late_client.force_login(late)
    seen["paused"] = in_scope(client)
    seen["paused_late_manager"] = in_scope(late_client)
    caseload = client.get("/cases/").content.decode()
    seen["paused_caseload_shows_new"] = all(
        f"{name}replica" in caseload for name in ("Quentin", "Rosalind")
    )
    seen["primary_people"] = _one("default", "SELECT count(*) FROM ippcase_person")
    seen["replica_people"] = _one("replica", "SELECT count(*) FROM ippcase_person")

    _one("replica", "SELECT pg_wal_replay_resume()")
    wait_replayed()
    seen["resumed"] = in_scope(client)

    # The replica unreachable (a port nobody listens on): the report reads the primary.
    factories.make_case(team)
    replica = connections["replica"]
    replica.close()
    replica.settings_dict["PORT"] = str(closed_port())
    seen["replica_down"] = in_scope(client)
    seen["seconds"] = round(time.monotonic() - started, 1)
    return seen


if __name__ == "__main__":
    result = main()
    for alias in connections:
        connections[alias].close()
    print(json.dumps(result))
