"""Back up and restore the ippcase database with pg_dump / pg_restore (custom format).

    python scripts/backup.py backup [--output FILE]       # make backup [FILE=...]
    python scripts/backup.py restore FILE [--replace]     # make restore FILE=... [REPLACE=1]

The database is ``DATABASE_URL``, or when it is unset the embedded PostgreSQL under
``IPPCASE_DATA_DIR`` (``.data``), started if it is not running. The PostgreSQL client programs
are pgserver's (PostgreSQL 16, shipped in the virtualenv) or, for a newer server, the newest
``pg_dump`` found on the machine.

A backup is a consistent snapshot taken while the app runs (pg_dump reads in one transaction).
A restore goes in one transaction: all or nothing. It refuses a database that already has
tables unless ``--replace`` is given, which drops them first. The audit tables are append-only
(triggers refuse UPDATE and DELETE); pg_restore loads every table's rows before it creates any
trigger, so the audit rows come back exactly as they were and nothing new is audited.
See docs/operations.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
UNREACHABLE = 2


class BackupError(Exception):
    """A problem to report in one line, without a traceback."""


def database_url() -> str:
    """DATABASE_URL, or the embedded server's (started or joined)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    sys.path.insert(0, str(BASE_DIR))
    from ippcase.platform import embedded

    # As embedded.ensure_services does: pgserver wants a runtime directory of its own.
    runtime = embedded.DATA_DIR / "run"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    try:
        return embedded.start_postgres()
    except Exception as exc:
        raise BackupError(
            f"DATABASE_URL is unset and the embedded PostgreSQL under {embedded.DATA_DIR} "
            f"could not be started: {type(exc).__name__}: {exc}"
        ) from exc


def describe(url: str) -> str:
    """host:port/database without the password, for messages."""
    parts = urlsplit(url)
    host = unquote(parts.hostname or "") or "(local socket)"
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port}{parts.path}"


def libpq_url(url: str) -> str:
    """dj-database-url accepts postgres:// and friends; libpq wants postgresql://."""
    return re.sub(r"^(postgres|pgsql|postgis)://", "postgresql://", url)


def server_major(url: str) -> int:
    """The server's major version; a BackupError with a clear message if it cannot be reached."""
    import psycopg

    try:
        with psycopg.connect(libpq_url(url), connect_timeout=5) as conn:
            return int(conn.info.server_version) // 10000
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BackupError(
            f"Cannot reach the database at {describe(url)}: {reason}\n"
            "Is PostgreSQL running, and is DATABASE_URL right? (Unset, the embedded server "
            "under IPPCASE_DATA_DIR is used.)"
        ) from exc


def client_program(name: str, major: int) -> str:
    """pgserver's copy of ``name`` if it is new enough for the server, else the newest one on
    the machine that is."""
    candidates: list[Path] = []
    try:
        import pgserver._commands as pgcommands

        candidates.append(Path(pgcommands.POSTGRES_BIN_PATH) / name)
    except ImportError:
        pass
    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    for program in candidates:
        if not program.exists():
            continue
        version = subprocess.run(  # noqa: S603 (a PostgreSQL program found above)
            [str(program), "--version"], capture_output=True, text=True, check=False
        ).stdout
        found = re.search(r"(\d+)(?:\.\d+)?", version)
        if found and int(found.group(1)) >= major:
            return str(program)
    raise BackupError(f"No {name} for PostgreSQL {major} or newer was found.")


def run(command: list[str]) -> None:
    # Our own argument list: a PostgreSQL program and its options, no shell.
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} failed (exit {result.returncode}):\n{result.stderr.strip()}"
        )


def backup(output: Path | None) -> Path:
    url = database_url()
    major = server_major(url)
    if output is None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        output = BASE_DIR / "backups" / f"ippcase-{stamp}.dump"
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    run(
        [
            client_program("pg_dump", major),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={partial}",
            f"--dbname={libpq_url(url)}",
        ]
    )
    partial.replace(output)  # a file named .dump is always a complete one
    return output


def table_count(url: str) -> int:
    import psycopg

    with psycopg.connect(libpq_url(url), connect_timeout=5) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', "
            "'information_schema')"
        ).fetchone()
    return int(row[0]) if row else 0


def restore(dump: Path, *, replace: bool) -> None:
    if not dump.is_file():
        raise BackupError(f"No backup file at {dump}.")
    url = database_url()
    major = server_major(url)
    if not replace and table_count(url):
        raise BackupError(
            f"The database at {describe(url)} already has tables. Restore into an empty "
            "database, or pass --replace (make restore REPLACE=1) to drop them first."
        )
    command = [
        client_program("pg_restore", major),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={libpq_url(url)}",
    ]
    if replace:
        command += ["--clean", "--if-exists"]
    run([*command, str(dump)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="dump the database to a file (custom format)")
    make.add_argument("--output", type=Path, help="default: backups/ippcase-<UTC time>.dump")
    back = commands.add_parser("restore", help="load a backup into the database")
    back.add_argument("file", type=Path)
    back.add_argument("--replace", action="store_true", help="drop existing tables first")
    args = parser.parse_args(argv)
    try:
        if args.command == "backup":
            path = backup(args.output)
            print(f"Backed up to {path} ({path.stat().st_size:,} bytes).")
        else:
            restore(args.file, replace=args.replace)
            print(f"Restored {args.file}.")
    except BackupError as error:
        print(f"error: {error}", file=sys.stderr)
        return UNREACHABLE if "Cannot reach" in str(error) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
