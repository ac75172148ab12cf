"""/healthz and ``manage.py healthcheck``: database, Redis and the worker heartbeat with its age
(ok / stale / never), no data; docker-compose uses them (docs/operations.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from ippcase.platform import health
from ippcase.tasks import HEARTBEAT_KEY

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


@pytest.fixture
def heartbeat_at():
    def stamp(age: dt.timedelta | None) -> None:
        if age is None:
            cache.delete(HEARTBEAT_KEY)
        else:
            cache.set(HEARTBEAT_KEY, (timezone.now() - age).isoformat(), timeout=None)

    yield stamp
    cache.delete(HEARTBEAT_KEY)


@pytest.mark.parametrize(
    ("age", "state"),
    [
        (None, "never"),
        (dt.timedelta(seconds=30), "ok"),
        (health.HEARTBEAT_STALE_AFTER - dt.timedelta(seconds=5), "ok"),
        (health.HEARTBEAT_STALE_AFTER + dt.timedelta(seconds=5), "stale"),
        (dt.timedelta(hours=5), "stale"),
    ],
)
def test_healthz_reports_the_heartbeat_and_its_age(client, db, heartbeat_at, age, state):
    heartbeat_at(age)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["redis"] == "ok"
    assert body["worker_heartbeat"] == state
    if age is None:
        assert body["worker_heartbeat_age_seconds"] is None
    else:  # whole seconds, at least the age it was given
        assert body["worker_heartbeat_age_seconds"] >= int(age.total_seconds())
    assert response["Cache-Control"] == "no-store"


def test_healthz_reveals_nothing_but_the_states(client, person):
    response = client.get(reverse("healthz"))
    assert set(response.json()) == {
        "database",
        "redis",
        "worker_heartbeat",
        "worker_heartbeat_age_seconds",
    }
    text = response.content.decode()
    for value in (person.first_name, person.last_name, person.crn, "postgres", "redis://"):
        assert value not in text


def test_with_redis_down_healthz_still_answers_and_says_so(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    response = client.get(reverse("healthz"))
    assert response.status_code == 200  # pages and decisions work without Redis
    assert response.json() == {
        "database": "ok",
        "redis": "error",
        "worker_heartbeat": "unknown",
        "worker_heartbeat_age_seconds": None,
    }


class _DeadConnection:
    def cursor(self) -> object:
        raise OperationalError("connection refused")


def test_with_the_database_down_healthz_answers_503(client, monkeypatch):
    monkeypatch.setattr(health, "connection", _DeadConnection())
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "error"
    assert "refused" not in response.content.decode()


def test_the_healthcheck_command_fails_on_a_stale_heartbeat_only_when_asked(db, heartbeat_at):
    heartbeat_at(health.HEARTBEAT_STALE_AFTER + dt.timedelta(minutes=1))
    call_command("healthcheck")  # the database answers
    with pytest.raises(CommandError, match="heartbeat is stale"):
        call_command("healthcheck", "--require-heartbeat")
    heartbeat_at(dt.timedelta(seconds=10))
    call_command("healthcheck", "--require-heartbeat")


def test_compose_healthchecks_use_healthz_the_worker_ping_and_the_heartbeat():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert "/healthz" in str(services["web"]["healthcheck"]["test"])
    assert "inspect ping" in str(services["worker"]["healthcheck"]["test"])
    assert "--require-heartbeat" in str(services["beat"]["healthcheck"]["test"])
    # No access log of paths: they hold CRNs (the app logs the route pattern instead).
    assert "access-log" not in " ".join(services["web"]["command"])
