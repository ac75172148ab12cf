"""The health of the running system, for ``/healthz`` and the container healthchecks.

Reveals no data: only "ok"/"error" per dependency and the age of the worker heartbeat.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from ippcase.tasks import HEARTBEAT_KEY

# Beat asks a worker to stamp the heartbeat every 60 seconds; three missed beats mean the worker
# (or beat) has stopped.
HEARTBEAT_STALE_AFTER = dt.timedelta(minutes=3)


def heartbeat_state(stamp: str | None, *, now: dt.datetime | None = None) -> tuple[str, int | None]:
    """("never" | "ok" | "stale", age in whole seconds or None) for a heartbeat stamp."""
    if not stamp:
        return "never", None
    try:
        at = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return "never", None
    age = max(0, int(((now or timezone.now()) - at).total_seconds()))
    return ("ok" if age <= HEARTBEAT_STALE_AFTER.total_seconds() else "stale"), age


def check() -> dict[str, Any]:
    """``database`` and ``redis``: "ok" or "error"; ``worker_heartbeat``: "ok", "stale",
    "never" (no worker has run it since Redis started) or "unknown" (Redis is down);
    ``worker_heartbeat_age_seconds``: its age, or None."""
    body: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["database"] = "ok"
    except Exception:  # any failure means unhealthy; the reason is in the server's own logs
        body["database"] = "error"
    try:
        stamp = cache.get(HEARTBEAT_KEY)
    except Exception:
        body["redis"] = "error"
        body["worker_heartbeat"] = "unknown"
        body["worker_heartbeat_age_seconds"] = None
    else:
        body["redis"] = "ok"
        state, age = heartbeat_state(stamp)
        body["worker_heartbeat"] = state
        body["worker_heartbeat_age_seconds"] = age
    return body


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Health for load balancers and docker-compose (see :func:`check`). Public, so it
    reveals no data. 503 when the database does not answer; Redis and the worker heartbeat
    (ok / stale / never, with its age) are reported, not required, since pages and decisions
    keep working while Redis is down (docs/operations.md)."""
    body = check()
    response = JsonResponse(body, status=200 if body["database"] == "ok" else 503)
    response["Cache-Control"] = "no-store"
    return response
