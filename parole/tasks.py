"""Celery tasks of the parole app. Thin: they call a service and return ids and counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task
from django.db import DatabaseError

from parole.reminders import send_parole_reminders as scan


@shared_task(
    name="parole.send_parole_reminders",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_parole_reminders(today: str | None = None) -> dict[str, Any]:
    """The morning scan of parole work (beat: every weekday morning; the scan itself skips bank
    holidays). ``today`` (ISO date) runs it as of another day, for a catch-up by hand. Safe to
    run twice or to retry: a reminder already recorded is never sent again."""
    day = dt.date.fromisoformat(today) if today else None
    return scan(today=day).as_dict()
