"""``make run``: the whole application on one machine, for development and demonstration.

Starts the embedded PostgreSQL and Redis (unless ``DATABASE_URL`` / ``REDIS_URL`` are set),
migrates, loads the demo data (once: ``load_demo`` is idempotent), then runs three children —
the web server, a Celery worker and Celery beat — and supervises them:

- Ctrl-C (SIGINT) or SIGTERM stops the three children (terminate, wait, kill after a timeout),
  then the embedded servers, and exits 0;
- if any child dies, everything else is stopped the same way and the exit status is non-zero.

This process holds the embedded servers' handles; the children reach the same servers through the
``DATABASE_URL`` / ``REDIS_URL`` that :func:`ippcase.platform.embedded.ensure_services` exports.
The data
lives under ``.data/`` (or ``$IPPCASE_DATA_DIR``), so a second run reuses it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from ippcase.platform import embedded

SETTINGS = "ippcase.settings.dev"
STOP_TIMEOUT = 10.0  # seconds a child gets to stop after SIGTERM before it is killed
READY_TIMEOUT = 60.0  # seconds the web server gets to answer /healthz


class Stop(Exception):
    """Raised in the main thread by the SIGTERM/SIGINT handler."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class ChildFailed(Exception):
    """A supervised child exited, or never became ready."""


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


def _say(message: str) -> None:
    # A closed terminal or pipe must never stop the shutdown from running.
    with contextlib.suppress(OSError):
        print(f"[devrun] {message}", flush=True)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise Stop(signum)


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _manage(*args: str, capture: bool = False) -> str:
    """Run a manage.py command to completion; raise if it fails."""
    command = [sys.executable, str(embedded.BASE_DIR / "manage.py"), *args]
    _say("$ manage.py " + " ".join(args))
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        command,
        env=_child_env(),
        cwd=embedded.BASE_DIR,
        check=False,
        stdout=subprocess.PIPE if capture else None,
        text=True,
    )
    if capture and result.stdout:
        print(result.stdout, end="", flush=True)
    if result.returncode != 0:
        raise ChildFailed(f"manage.py {' '.join(args)} exited with status {result.returncode}")
    return result.stdout or ""


def _start(name: str, argv: Sequence[str]) -> Child:
    # A session of its own: the terminal's Ctrl-C reaches only this supervisor, which then stops
    # the children in order instead of all of them racing each other.
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        list(argv),
        env=_child_env(),
        cwd=embedded.BASE_DIR,
        start_new_session=True,
    )
    _say(f"started {name} (pid {process.pid})")
    return Child(name, process)


def _stop(children: list[Child]) -> None:
    """Terminate every child still running, wait, then kill whatever is left (and its group)."""
    running = [c for c in children if c.process.poll() is None]
    for child in running:
        _say(f"stopping {child.name}")
        child.process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in running:
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _say(f"{child.name} did not stop in {STOP_TIMEOUT:.0f}s: killing it")
            child.process.kill()
            child.process.wait()
    # Pool processes (the Celery worker's) share their parent's process group.
    for child in children:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.process.pid, signal.SIGKILL)


def _wait_until_ready(url: str, children: list[Child]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        _check_alive(children)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own URL
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise ChildFailed(f"the web server did not answer {url} within {READY_TIMEOUT:.0f}s")


def _wait_for_worker(celery: list[str], children: list[Child]) -> None:
    """Wait until the worker answers a ping, so the banner is not lost in its start-up log."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        _check_alive(children)
        ping = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [*celery, "inspect", "ping", "--timeout=2"],
            env=_child_env(),
            cwd=embedded.BASE_DIR,
            check=False,
            capture_output=True,
        )
        if ping.returncode == 0:
            return
    raise ChildFailed(f"the Celery worker did not answer a ping within {READY_TIMEOUT:.0f}s")


def _check_alive(children: list[Child]) -> None:
    for child in children:
        code = child.process.poll()
        if code is not None:
            raise ChildFailed(f"{child.name} exited with status {code}")


def _banner(url: str, demo_output: str) -> None:
    lines = [
        "",
        "=" * 72,
        f"  IPP recall decision support is running at {url}",
        "",
    ]
    if demo_output.strip():
        lines += ["  " + line for line in demo_output.strip().splitlines()]
        lines.append("")
    lines += ["  Ctrl-C stops the web server, the Celery worker, beat and the databases.", "=" * 72]
    with contextlib.suppress(OSError):
        print("\n".join(lines), flush=True)


def web_command(manage: list[str], port: str) -> list[str]:
    """runserver, with --insecure: it serves the static files although DEBUG is off
    (ippcase/settings/dev.py), so a mistyped address shows the GOV.UK 404 page."""
    return [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"]


def main() -> int:
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    # One readable line a record on a developer's console (production logs JSON); the fields,
    # and what is never logged, are the same (docs/operations.md).
    os.environ.setdefault("LOG_FORMAT", "plain")
    port = os.environ.get("PORT", "8000")
    url = f"http://127.0.0.1:{port}/"
    data_dir = Path(embedded.DATA_DIR)
    children: list[Child] = []
    status = 0
    try:
        started_embedded = not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"))
        if started_embedded:
            _say(f"starting embedded PostgreSQL and Redis under {data_dir}")
        embedded.ensure_services()
        _manage("migrate", "--noinput")
        demo_output = _manage("load_demo", capture=True)

        manage = [sys.executable, str(embedded.BASE_DIR / "manage.py")]
        celery = [sys.executable, "-m", "celery", "-A", "ippcase"]
        data_dir.mkdir(parents=True, exist_ok=True)
        children.append(_start("web", web_command(manage, port)))
        children.append(_start("worker", [*celery, "worker", "--loglevel=INFO", "--concurrency=1"]))
        children.append(
            _start(
                "beat",
                [
                    *celery,
                    "beat",
                    "--loglevel=INFO",
                    f"--schedule={data_dir / 'celerybeat-schedule'}",
                    f"--pidfile={data_dir / 'celerybeat.pid'}",
                ],
            )
        )
        _wait_until_ready(url + "healthz", children)
        _wait_for_worker(celery, children)
        _banner(url, demo_output)
        while True:
            _check_alive(children)
            time.sleep(0.5)
    except Stop as stop:
        _say(f"{stop} received: shutting down")
    except ChildFailed as failure:
        _say(f"{failure}: shutting everything down")
        status = 1
    finally:
        # No second signal may interrupt the orderly stop; the timeouts bound it instead.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _stop(children)
        _say("stopping the embedded servers")
        embedded.stop_services()
        _say("stopped")
    return status


if __name__ == "__main__":
    sys.exit(main())
