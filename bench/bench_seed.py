"""Time ``manage.py seed_demo --people 10000`` on a fresh database, several times.

    PYTHONPATH=. .venv/bin/python bench/bench_seed.py [--people 10000] [--repetitions 3]

Uses the PostgreSQL server of ``DATABASE_URL`` (or the embedded one under ``$IPPCASE_DATA_DIR``,
started here when unset) but never its database: it migrates a template database once, then
for each repetition creates ``ippcase_bench_seed`` from the template and runs the command in a
subprocess, as a user would. Reports wall-clock seconds per run (Django start-up included) and
the command's own timing, then drops both databases. Needs CREATEDB on a real server.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ippcase.platform import embedded  # noqa: E402 - after the path is set up

# BENCH_DB_PREFIX: the databases' names start with it (several people on one server).
PREFIX = os.environ.get("BENCH_DB_PREFIX", "ippcase_bench")
TEMPLATE = f"{PREFIX}_seed_template"
TARGET = f"{PREFIX}_seed"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate(admin_url: str, name: str, template: str | None = None) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(statement)


def drop(admin_url: str, *names: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def manage(database_url: str, *args: str) -> str:
    env = os.environ | {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "ippcase.settings.dev",
    }
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    embedded.ensure_services()
    base_url = os.environ["DATABASE_URL"]
    admin_url = with_database(base_url, "postgres")
    template_url = with_database(base_url, TEMPLATE)
    target_url = with_database(base_url, TARGET)

    print(f"seed_demo --people {args.people} --seed {args.seed}, {args.repetitions} runs")
    recreate(admin_url, TEMPLATE)
    try:
        manage(template_url, "migrate", "--noinput", "-v", "0")
        walls: list[float] = []
        inner: list[float] = []
        for run in range(1, args.repetitions + 1):
            recreate(admin_url, TARGET, template=TEMPLATE)
            started = time.perf_counter()
            output = manage(
                target_url, "seed_demo", "--people", str(args.people), "--seed", str(args.seed)
            )
            wall = time.perf_counter() - started
            match = re.search(r"in ([0-9.]+)s \(", output)
            command = float(match.group(1)) if match else float("nan")
            walls.append(wall)
            inner.append(command)
            detail = output.splitlines()[0] if output else ""
            print(f"  run {run}: {wall:6.1f}s wall, {command:6.1f}s in the command ({detail})")
    finally:
        drop(admin_url, TARGET, TEMPLATE)

    median = statistics.median(walls)
    print(
        f"wall clock: median {median:.1f}s, min {min(walls):.1f}s, max {max(walls):.1f}s; "
        f"{args.people / median:,.0f} people/s (median)"
    )
    command_median = statistics.median(inner)
    print(
        f"inside the command: median {command_median:.1f}s, min {min(inner):.1f}s, "
        f"max {max(inner):.1f}s; {args.people / command_median:,.0f} people/s (median)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
