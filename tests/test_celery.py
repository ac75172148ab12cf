"""Celery end to end: a real worker process consuming from the real Redis broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import connection, transaction
from django.urls import reverse

from ippcase.core.notifications import notify, send_pending
from ippcase.models import Notification
from ippcase.tasks import HEARTBEAT_KEY, heartbeat


@pytest.fixture(scope="module")
def celery_worker_process(django_db_setup):
    """A real `celery worker` subprocess on the test settings: the same broker and Redis, and
    the test database (the one pytest-django created), so tasks see committed test rows."""
    url = urlsplit(os.environ["DATABASE_URL"])
    test_db = connection.settings_dict["NAME"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ippcase.settings.test",
        "DATABASE_URL": urlunsplit(url._replace(path=f"/{test_db}")),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ippcase",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "-n",
            "pytest@%h",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_a_real_worker_runs_the_heartbeat_and_healthz_reports_it(celery_worker_process, client, db):
    cache.delete(HEARTBEAT_KEY)
    assert client.get(reverse("healthz")).json()["worker_heartbeat"] == "never"
    result = heartbeat.delay()
    stamp = result.get(timeout=60)
    assert celery_worker_process.poll() is None, "the worker died"
    assert cache.get(HEARTBEAT_KEY) == stamp
    body = client.get(reverse("healthz")).json()
    assert body["database"] == "ok" and body["redis"] == "ok"
    assert body["worker_heartbeat"] == "ok"
    assert isinstance(body["worker_heartbeat_age_seconds"], int)


def test_healthz_is_public_and_reveals_no_personal_data(client, person):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert person.last_name not in response.content.decode()
    assert set(response.json()) == {
        "database",
        "redis",
        "worker_heartbeat",
        "worker_heartbeat_age_seconds",
    }


@pytest.mark.django_db(transaction=True)
def test_a_committed_notification_is_sent_once_by_the_real_worker(celery_worker_process, manager):
    """notify() writes the outbox row in the caller's transaction; on commit a task is queued
    and the worker process sends it and marks it sent; a second sweep sends nothing."""
    with transaction.atomic():
        (note,) = notify(recipients=[manager], subject="Countersign X000001", body="Please review.")
    deadline = time.monotonic() + 60
    while not Notification.objects.filter(pk=note.pk, sent_at__isnull=False).exists():
        assert time.monotonic() < deadline, "the worker did not send the notification"
        assert celery_worker_process.poll() is None, "the worker died"
        time.sleep(0.2)
    assert send_pending() == 0
    assert mail.outbox == []  # sent by the worker process, not by this one


def test_sending_marks_each_notification_sent_and_never_sends_twice(db, manager, practitioner):
    notify(recipients=[manager, practitioner, manager], subject="Subject", body="Body")
    assert send_pending() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([manager.email, practitioner.email])
    assert send_pending() == 0
    assert len(mail.outbox) == 2


def test_the_worker_replaces_its_pool_process_after_a_bounded_number_of_tasks():
    """PDF rendering grows a worker's memory a little each time (docs/performance.md): the pool
    process is recycled, so the Celery app must read the setting under its own name."""
    from ippcase.celery import app

    assert app.conf.worker_max_tasks_per_child == settings.CELERY_WORKER_MAX_TASKS_PER_CHILD == 200
