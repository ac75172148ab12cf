"""Celery tasks of the recall app. Thin: they call a service and return ids and counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task
from django.db import DatabaseError

# The dossier tasks live beside their service; importing them here registers them with the
# worker (Celery discovers tasks.py modules only).
from recall.dossiers import build_dossier, build_pending_dossiers  # noqa: F401
from recall.reminders import send_report_reminders as scan


@shared_task(
    name="recall.send_report_reminders",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_report_reminders(today: str | None = None) -> dict[str, Any]:
    """The morning scan of recall report deadlines (beat: every weekday morning; the scan itself
    skips bank holidays). ``today`` (ISO date) runs it as of another day, for a catch-up by
    hand. Safe to run twice or to retry: a reminder already recorded is never sent again."""
    day = dt.date.fromisoformat(today) if today else None
    return scan(today=day).as_dict()
