"""Backup and restore (scripts/backup.py, make backup / make restore) against the real server:
a backup restored into a fresh database holds every person and every audit row."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from pghistory.models import Event
from psycopg import sql

from ippcase.models import Person
from recall import entries
from tests import factories

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "backup.py"


def _url_for(database: str) -> str:
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{database}"))


def _script(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Every table of the public schema: (row count, md5 of all its rows in a fixed order)."""
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        result: dict[str, tuple[int, str]] = {}
        for table in tables:
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                "FROM {} AS t"
            ).format(sql.Identifier(table))
            row = conn.execute(query).fetchone()
            assert row is not None
            result[table] = (int(row[0]), str(row[1]))
    return result


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """An empty database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"
    admin_url = _url_for("postgres")

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    drop()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _url_for(name)
    finally:
        drop()


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_a_fresh_database_has_every_person_and_audit_row(
    tmp_path, fresh_database, team, practitioner
):
    people = [factories.make_case(team) for _ in range(5)]
    # More audit rows: changes to people and to recall work, each an append-only event.
    for person in people[:3]:
        person.rosh_level = "very_high"
        person.save()
    entries.concern_add(
        person=people[0],
        actor=practitioner,
        occurred_on=people[0].releases.first().date,
        description="Missed two appointments.",
        source="ap_staff",
        behaviours=[],
        conditions=[],
    )
    source_url = _url_for(connection.settings_dict["NAME"])
    events = [m for m in apps.get_models() if issubclass(m, Event) and not m._meta.abstract]
    audit_rows = {m._meta.db_table: m.objects.count() for m in events}
    assert sum(audit_rows.values()) >= 5 * 5 + 3 + 1  # people, sentences, … and the changes
    before = _fingerprint(source_url)

    dump = tmp_path / "ippcase.dump"
    made = _script("backup", "--output", str(dump), url=source_url)
    assert made.returncode == 0, made.stderr
    assert dump.stat().st_size > 0 and "Backed up to" in made.stdout
    restored = _script("restore", str(dump), url=fresh_database)
    assert restored.returncode == 0, restored.stderr

    after = _fingerprint(fresh_database)
    assert after == before  # every table, every row, byte for byte
    assert after[Person._meta.db_table][0] == len(people)
    for table, count in audit_rows.items():
        assert after[table][0] == count, table
    with psycopg.connect(fresh_database) as conn:
        crns = {r[0] for r in conn.execute("SELECT crn FROM ippcase_person")}
    assert crns == {p.crn for p in people}


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_with_tables_unless_told_to_replace_them(
    tmp_path, fresh_database, team
):
    """Replacing drops the append-only audit tables and loads them again: the triggers that
    refuse UPDATE and DELETE do not stop a restore."""
    factories.make_case(team)
    source_url = _url_for(connection.settings_dict["NAME"])
    dump = tmp_path / "ippcase.dump"
    assert _script("backup", "--output", str(dump), url=source_url).returncode == 0
    assert _script("restore", str(dump), url=fresh_database).returncode == 0
    expected = _fingerprint(fresh_database)

    again = _script("restore", str(dump), url=fresh_database)
    assert again.returncode == 1 and "already has tables" in again.stderr
    replaced = _script("restore", str(dump), "--replace", url=fresh_database)
    assert replaced.returncode == 0, replaced.stderr
    assert _fingerprint(fresh_database) == expected


def test_an_unreachable_database_gets_a_clear_message_not_a_traceback(tmp_path):
    dead = "postgresql://postgres@127.0.0.1:1/ippcase"
    result = _script("backup", "--output", str(tmp_path / "x.dump"), url=dead)
    assert result.returncode == 2
    assert "Cannot reach the database at 127.0.0.1:1/ippcase" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.dump").exists()
