"""Celery tasks of the case domain. Tasks are thin: they take ids and call a service."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from ippcase.core import notifications

HEARTBEAT_KEY = "ippcase:worker-heartbeat"


@shared_task(name="ippcase.heartbeat", ignore_result=False)
def heartbeat() -> str:
    """Record that a worker is alive and consuming (beat schedules it every minute; /healthz
    reports its age, so a stopped worker or beat shows up without anyone looking at logs)."""
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, stamp, timeout=None)
    return stamp


@shared_task(name=notifications.SEND_TASK)
def send_notifications() -> int:
    return notifications.send_pending()
