"""Email notifications through an outbox table.

``notify()`` writes Notification rows inside the caller's transaction and, once it commits,
asks a worker to send them. Beat also runs the sender every minute, so rows written while Redis
or the worker was down go out when they are back. Sending locks each row (SKIP LOCKED) and marks
it sent in the same transaction, so two workers never send the same email.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Notification, User

log = logging.getLogger(__name__)


def notify(*, recipients: Iterable[User], subject: str, body: str) -> list[Notification]:
    rows = Notification.objects.bulk_create(
        [
            Notification(recipient=r, subject=subject, body=body)
            for r in {u.pk: u for u in recipients}.values()
        ]
    )
    if rows:
        transaction.on_commit(_enqueue_send)
    return rows


@dataclass(frozen=True, slots=True)
class Message:
    """One email for :func:`notify_many`: a recipient (by id) and what to tell them."""

    recipient_id: int
    subject: str
    body: str


def notify_many(messages: Iterable[Message]) -> list[Notification]:
    """Write many different notifications with ONE insert, in the caller's transaction, and ask
    a worker to send them once it commits (as :func:`notify` does). The same message to the
    same recipient twice is written once."""
    unique = dict.fromkeys(messages)
    rows = Notification.objects.bulk_create(
        [Notification(recipient_id=m.recipient_id, subject=m.subject, body=m.body) for m in unique]
    )
    if rows:
        transaction.on_commit(_enqueue_send)
    return rows


def _enqueue_send() -> None:
    from .tasks import send_notifications

    try:
        send_notifications.delay()
    except Exception:  # broker down: the beat-scheduled sweep sends them later
        log.warning("notifications queued in the outbox; broker unavailable", exc_info=True)


def send_pending(limit: int = 200) -> int:
    """Send unsent notifications, oldest first; returns how many were sent."""
    sent = 0
    with transaction.atomic():
        batch = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True)
            .select_related("recipient")
            .order_by("created_at", "id")[:limit]
        )
        for note in batch:
            if note.recipient.email:
                send_mail(
                    note.subject, note.body, settings.DEFAULT_FROM_EMAIL, [note.recipient.email]
                )
            note.sent_at = timezone.now()
            note.save(update_fields=["sent_at"])
            sent += 1
    if sent:
        log.info("sent %d notifications", sent)
    return sent
