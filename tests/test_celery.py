"""Celery end to end: a real worker process consuming from the real Redis broker."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from ippcase.tasks import HEARTBEAT_KEY, heartbeat


@pytest.fixture(scope="module")
def celery_worker_process():
    """A real `celery worker` subprocess on the test settings (same broker, same Redis)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ippcase.settings.test"}
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
    assert body == {"database": "ok", "redis": "ok", "worker_heartbeat": stamp}


def test_healthz_is_public_and_reveals_no_personal_data(client, person):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert person.last_name not in response.content.decode()
    assert set(response.json()) == {"database", "redis", "worker_heartbeat"}
