"""The reporting replica (issue 17): the router and the reporting scope, ``work_mem`` inside the
scope, and the dashboard read from a real PostgreSQL streaming replica (hot standby)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pgserver
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import CaptureQueriesContext

from ippcase.core.replica import REPLICA, choose_alias, reporting_alias, reporting_reads
from ippcase.models import Person
from ippcase.platform.db_router import ReportingReplicaRouter
from tests.conftest import client_for

BASE_DIR = Path(__file__).resolve().parent.parent
PG_BIN = Path(pgserver.__file__).parent / "pginstall" / "bin"

PRIMARY = {"HOST": "db.internal", "PORT": "5432", "NAME": "ippcase"}


# ---------------------------------------------------------------------------------------------
# The choice of alias and the router


def test_a_configured_replica_is_chosen():
    assert choose_alias(PRIMARY, {**PRIMARY, "HOST": "replica.internal"}) == REPLICA


def test_no_replica_configured_reads_the_primary():
    assert choose_alias(PRIMARY, None) == DEFAULT_DB_ALIAS


def test_a_replica_that_is_the_primary_reads_through_the_primary():
    """The test suite's mirror (TEST MIRROR=default), or the same URL twice: one connection, so
    that the reads see the same transaction."""
    assert choose_alias(PRIMARY, dict(PRIMARY)) == DEFAULT_DB_ALIAS


def test_router_reads_the_scope_alias_only_inside_the_scope(monkeypatch):
    router = ReportingReplicaRouter()
    person = Person()
    assert router.db_for_read(Person) == DEFAULT_DB_ALIAS
    monkeypatch.setattr("ippcase.platform.db_router.reporting_alias", lambda: REPLICA)
    assert router.db_for_read(Person) == REPLICA
    assert router.db_for_read(Person, instance=person) == REPLICA
    # Writes, and migrations, always go to the primary.
    assert router.db_for_write(Person) == DEFAULT_DB_ALIAS
    assert router.db_for_write(Person, instance=person) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "ippcase") is True
    assert router.allow_migrate(REPLICA, "ippcase") is False


def test_router_outside_the_scope_reads_the_primary_even_for_a_replica_object():
    person = Person()
    person._state.db = REPLICA
    assert ReportingReplicaRouter().db_for_read(Person, instance=person) == DEFAULT_DB_ALIAS


@pytest.mark.django_db
def test_the_scope_without_a_replica_reads_the_primary():
    """The suite has no replica of its own (or a mirror of default): the scope reads default."""
    assert reporting_alias() is None
    with reporting_reads() as alias:
        assert alias == DEFAULT_DB_ALIAS == reporting_alias()
        assert ReportingReplicaRouter().db_for_read(Person) == DEFAULT_DB_ALIAS
        with reporting_reads() as inner:  # nested: the same scope
            assert inner == alias
        assert reporting_alias() == alias
    assert reporting_alias() is None


def test_settings_install_the_router():
    assert settings.DATABASE_ROUTERS == ["ippcase.platform.db_router.ReportingReplicaRouter"]


def test_replica_url_adds_the_alias_with_the_primary_options_and_its_own():
    """Read in a fresh interpreter: the settings are built from the environment at import."""
    code = (
        "import json; from ippcase.settings import base; "
        "print(json.dumps({a: base.DATABASES[a] for a in base.DATABASES}, default=str))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql://app@primary.internal:5432/ippcase",
        "DATABASE_REPLICA_URL": "postgresql://app@replica.internal:5432/ippcase?connect_timeout=3",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    databases = json.loads(done.stdout)
    default, replica = databases["default"], databases["replica"]
    assert replica["HOST"] == "replica.internal"
    assert replica["OPTIONS"] == {**default["OPTIONS"], "connect_timeout": 3}
    assert "jit=off" in replica["OPTIONS"]["options"]
    assert replica["TEST"] == {"MIRROR": "default"}
    env.pop("DATABASE_REPLICA_URL")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert set(json.loads(done.stdout)) == {"default"}


# ---------------------------------------------------------------------------------------------
# work_mem


def _work_mem(alias: str = DEFAULT_DB_ALIAS) -> str:
    with connections[alias].cursor() as cursor:
        cursor.execute("SHOW work_mem")
        return str(cursor.fetchone()[0])


@pytest.mark.django_db
def test_reporting_statements_run_with_the_reporting_work_mem():
    before = _work_mem()
    assert before != settings.REPORTING_WORK_MEM  # the server's own (4MB by default)
    with reporting_reads() as alias:
        assert _work_mem(alias) == settings.REPORTING_WORK_MEM
    assert _work_mem() == before


@pytest.mark.django_db
def test_the_scope_resets_work_mem_when_the_block_raises():
    before = _work_mem()
    with pytest.raises(ZeroDivisionError), reporting_reads():
        1 / 0  # noqa: B018
    assert _work_mem() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/",
        "/dashboard/panels/caseload-now/",
        "/dashboard/panels/caseload-now.csv",
        "/dashboard/figures.zip",
        "/dashboard/positions/in-scope/",
        "/parole/report/",
        "/parole/report/?format=csv",
    ],
)
def test_reporting_pages_read_inside_the_scope(manager, ppcs, url):
    """Every query of the view runs between the scope's SET and RESET of work_mem; sign-in and
    the permission check (role_required) run before it, on the primary."""
    user = ppcs if url.startswith("/parole/") else manager
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    opened = next(i for i, s in enumerate(sql) if "set_config('work_mem'" in s)
    # (pghistory's middleware may put its context in front of the statement that closes it)
    closed = next(i for i, s in enumerate(sql) if s.endswith("RESET work_mem"))
    assert any("django_session" in s for s in sql[:opened])  # the session: before the scope
    assert opened < closed
    assert closed - opened > 1  # the view's own reads are inside
    writes = ("INSERT", "UPDATE", "DELETE")
    assert not any(s.lstrip().upper().startswith(writes) for s in sql[opened:closed])


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["cohort_report", "parole_report"])
def test_report_commands_read_inside_the_scope(command):
    with CaptureQueriesContext(connection) as queries:
        call_command(command, "--json", stdout=io.StringIO())
    sql = [q["sql"] for q in queries.captured_queries]
    assert "set_config('work_mem'" in sql[0] and sql[-1].endswith("RESET work_mem")
    assert len(sql) > 2  # the report's own reads are between


@pytest.mark.django_db
def test_other_pages_do_not_open_the_scope(manager):
    with CaptureQueriesContext(connection) as queries:
        assert client_for(manager).get("/cases/").status_code == 200
    assert not any("work_mem" in q["sql"] for q in queries.captured_queries)


# ---------------------------------------------------------------------------------------------
# A real streaming replica


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Clusters:
    """A primary and a hot standby of its own, in a temporary folder, with the embedded
    server's binaries. As root, the servers run as pgserver's system user (PostgreSQL refuses
    to run as root)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.user: str | None = None
        if os.geteuid() == 0:
            from pgserver.utils import ensure_user_exists

            self.user = "pgserver"
            ensure_user_exists(self.user)
            shutil.chown(root, self.user, self.user)
        self.primary, self.replica = root / "primary", root / "replica"
        self.primary_port, self.replica_port = _free_port(), _free_port()
        self.started: list[Path] = []

    def run(self, *args: str, as_server: bool = True) -> None:
        done = subprocess.run(
            [str(PG_BIN / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=60,
            user=self.user if as_server else None,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr[-2000:]}")

    def start(self, pgdata: Path) -> None:
        self.run("pg_ctl", "-D", str(pgdata), "-l", str(pgdata.with_suffix(".log")), "-w", "start")
        self.started.append(pgdata)

    def copy_schema(self, source: dict[str, Any]) -> None:
        """The schema of the suite's migrated test database (and its list of applied
        migrations), so that the scenario's ``migrate`` has nothing left to do: migrating an empty
        database takes most of a minute on a busy machine, copying its result a second or two."""
        dump = self.root / "schema.sql"
        env = {**os.environ, "PGPASSWORD": str(source.get("PASSWORD") or "")}
        server = [
            f"--host={source['HOST'] or 'localhost'}",
            f"--port={source['PORT'] or 5432}",
            f"--username={source['USER'] or 'postgres'}",
            f"--dbname={source['NAME']}",
        ]
        sql = "".join(
            subprocess.run(
                [str(PG_BIN / "pg_dump"), *server, "--no-owner", "--no-privileges", *only.split()],
                check=True, capture_output=True, text=True, timeout=60, env=env,
            ).stdout
            for only in ("--schema-only", "--data-only --table=django_migrations")
        )  # fmt: skip
        # Without columns' attribute options: the app sets none, and a server may carry options
        # of its own that another server refuses (this machine's PostgreSQL has "pg_attver").
        dump.write_text(re.sub(r"(?m)^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(.*\);$", "", sql))
        self.run(
            "psql", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres", "-q",
            "-v", "ON_ERROR_STOP=1", "-d", "ippcase", "-f", str(dump), as_server=False,
        )  # fmt: skip

    def start_both(self, schema_from: dict[str, Any] | None) -> None:
        self.run("initdb", "-D", str(self.primary), "-U", "postgres", "--auth=trust", "-E", "utf8")
        settings_lines = [
            f"port = {self.primary_port}",
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "wal_level = replica",
            "max_wal_senders = 4",
            "hot_standby = on",
            "fsync = off",
        ]
        with (self.primary / "postgresql.conf").open("a") as conf:
            conf.write("\n".join(settings_lines) + "\n")
        with (self.primary / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        self.start(self.primary)
        host = ["-h", "127.0.0.1", "-U", "postgres"]
        self.run("createdb", *host, "-p", str(self.primary_port), "ippcase", as_server=False)
        if schema_from is not None:
            self.copy_schema(schema_from)
        # -R: standby.signal and primary_conninfo, so the copy starts as a streaming standby.
        self.run(
            "pg_basebackup", *host, "-p", str(self.primary_port), "-D", str(self.replica),
            "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        with (self.replica / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {self.replica_port}\n")
        self.start(self.replica)

    def stop(self) -> None:
        for pgdata in reversed(self.started):
            self.run("pg_ctl", "-D", str(pgdata), "-m", "immediate", "-w", "stop")


@pytest.fixture
def clusters(django_db_setup: None) -> Iterator[_Clusters]:
    root = Path(tempfile.mkdtemp(prefix="ippcase-replica-"))
    pair = _Clusters(root)
    try:
        pair.start_both(schema_from=connection.settings_dict)
        yield pair
    finally:
        try:
            pair.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)


# django_db: so that pytest-django creates (migrates) the suite's test database, whose schema the
# clusters copy, even when this test runs alone.
@pytest.mark.django_db
def test_dashboard_reads_from_a_real_streaming_replica(clusters):
    """Migrate the primary and add a manager and three people; once the replica has replayed,
    the caseload-now panel counts them. With replay paused on the replica, two more people on
    the primary: the panel still counts three (it reads the replica), while the caseload (not a
    report) lists the new people and a manager given the role after the pause is let in
    (access is decided on the primary). Replay resumed: the panel counts five. A sixth person,
    and the replica unreachable: the panel reads the primary and counts six."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ippcase.settings.test",
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{clusters.primary_port}/ippcase",
        "DATABASE_REPLICA_URL": f"postgresql://postgres@127.0.0.1:{clusters.replica_port}/ippcase",
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.replica_scenario"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(seen)  # the timings, shown with -s
    assert seen["replica_in_recovery"] is True
    assert seen["scope_alias"] == REPLICA
    assert seen["replayed"] == 3
    assert seen["primary_people"] == 5 and seen["replica_people"] == 3
    assert seen["paused"] == 3
    assert seen["paused_late_manager"] == 3
    assert seen["paused_caseload_shows_new"] is True
    assert seen["resumed"] == 5
    assert seen["replica_down"] == 6
