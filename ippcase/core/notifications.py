"""Email notifications through an outbox table.

``notify()`` writes Notification rows inside the caller's transaction and, once it commits,
asks a worker to send them. Beat also runs the sender every minute, so rows written while Redis
or the worker was down go out when they are back. Sending locks each row (SKIP LOCKED) and marks
it sent in the same transaction, one message per transaction, so two workers never send the same
email and one failing message never holds up the others: it is tried again later (backing off)
and, after ``NOTIFICATION_MAX_ATTEMPTS``, given up and shown to administrators
(docs/operations.md, "Email notifications").
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pghistory
from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ippcase.models import Notification, User

log = logging.getLogger(__name__)


def waiting_body(subject: str) -> str:
    """The body of every notification email: that something is waiting, and where. Never a
    name or a CRN (GOV.UK Notify practice: an email can be forwarded, read over a shoulder or
    kept in a personal inbox); the details are behind sign-in, in the recipient's list."""
    return (
        f"{subject}.\n\nSign in to IPP case to see it in your notifications:\n"
        f"{settings.SITE_URL}{reverse('inbox')}"
    )


def notify(
    *,
    recipients: Iterable[User],
    subject: str,
    text: str = "",
    link: str = "",
    body: str = "",
) -> list[Notification]:
    """Tell each recipient (once) by email and, when ``text`` is given, in the app.

    ``subject`` is the email's subject and the entry's heading: it names no one. ``text`` and
    ``link`` (a path in this site) are what the recipient's list shows behind sign-in. The email
    body is :func:`waiting_body` unless ``body`` is given (an email-only message with no
    ``text``: an account invitation)."""
    email = body or waiting_body(subject)
    rows = Notification.objects.bulk_create(
        [
            Notification(recipient=r, subject=subject, body=email, text=text, link=link)
            for r in {u.pk: u for u in recipients}.values()
        ]
    )
    if rows:
        transaction.on_commit(_enqueue_send)
    return rows


@dataclass(frozen=True, slots=True)
class Message:
    """One notification for :func:`notify_many`: a recipient (by id), the email's subject (no
    name or CRN), and the in-app text and link (as :func:`notify`)."""

    recipient_id: int
    subject: str
    text: str = ""
    link: str = ""


def notify_many(messages: Iterable[Message]) -> list[Notification]:
    """Write many different notifications with ONE insert, in the caller's transaction, and ask
    a worker to send them once it commits (as :func:`notify` does). The same message to the
    same recipient twice is written once."""
    unique = dict.fromkeys(messages)
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=m.recipient_id,
                subject=m.subject,
                body=waiting_body(m.subject),
                text=m.text,
                link=m.link,
            )
            for m in unique
        ]
    )
    if rows:
        transaction.on_commit(_enqueue_send)
    return rows


# The Celery task that sends the outbox (ippcase/tasks.py, which imports this module).
SEND_TASK = "ippcase.send_notifications"


def _enqueue_send() -> None:
    try:
        current_app.tasks[SEND_TASK].delay()
    except Exception:  # broker down: the beat-scheduled sweep sends them later
        log.warning("notifications queued in the outbox; broker unavailable", exc_info=True)


def send_pending(limit: int = 200) -> int:
    """Send due notifications, soonest due first, each in its own transaction; returns how many
    were sent (at most ``limit`` messages are tried per call).

    Each row is locked with SKIP LOCKED, sent, and marked sent before the next, so two workers
    never send the same email and one that fails does not roll back the marks of those already
    sent. A failure counts an attempt, records the error (:func:`describe_error`) and puts the
    next attempt off (:func:`retry_delay`); after ``settings.NOTIFICATION_MAX_ATTEMPTS`` the row
    is given up (``failed_at``) and left for an administrator. A crash between the send and the
    commit can send a message twice: at least once, never lost.
    """
    sent = failed = 0
    for _ in range(limit):
        with transaction.atomic():
            now = timezone.now()
            note = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(sent_at__isnull=True, failed_at__isnull=True, next_attempt_at__lte=now)
                .select_related("recipient")
                .order_by("next_attempt_at", "id")
                .first()
            )
            if note is None:
                break
            try:
                if note.recipient.email:
                    send_mail(
                        note.subject, note.body, settings.DEFAULT_FROM_EMAIL, [note.recipient.email]
                    )
            except Exception as exc:  # any backend's failure: record it, try the next one
                _record_failure(note, exc, now)
                failed += 1
            else:
                note.sent_at = timezone.now()
                note.attempts += 1
                note.last_attempt_at = now
                note.save(update_fields=["sent_at", "attempts", "last_attempt_at"])
                sent += 1
    if sent:
        log.info("sent %d notifications", sent)
    if failed:
        log.warning("%d notifications could not be sent; they will be tried again", failed)
    return sent


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 1, 2, 4… times the base delay,
    at most ``settings.NOTIFICATION_RETRY_MAX_DELAY``."""
    base: dt.timedelta = settings.NOTIFICATION_RETRY_BASE_DELAY
    cap: dt.timedelta = settings.NOTIFICATION_RETRY_MAX_DELAY
    return min(base * 2 ** min(max(attempts - 1, 0), 30), cap)


_EMAIL = re.compile(r"[^\s<>()\[\]'\",;:]+@[^\s<>()\[\]'\",;:]+")
ERROR_LENGTH = 200


def describe_error(exc: BaseException, note: Notification) -> str:
    """The exception's class and a short message, for the record and the administrators' page.

    Never the address, the subject or the body: an SMTP error quotes the refused address, a
    template error may quote the text. Those are replaced, any other address is masked, the
    message is cut to one line of at most 200 characters.
    """
    message = " ".join(str(exc).split())
    for secret in (note.recipient.email, note.subject, note.body):
        secret = " ".join(str(secret or "").split())
        if secret:
            message = message.replace(secret, "…")
    message = _EMAIL.sub("[address]", message)
    if len(message) > ERROR_LENGTH:
        message = message[: ERROR_LENGTH - 1] + "…"
    name = type(exc).__name__
    return f"{name}: {message}" if message else name


def _record_failure(note: Notification, exc: BaseException, now: dt.datetime) -> None:
    note.attempts += 1
    note.last_attempt_at = now
    note.last_error = describe_error(exc, note)
    fields = ["attempts", "last_attempt_at", "last_error"]
    if note.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        note.failed_at = now
        fields.append("failed_at")
        log.warning(
            "notification %d given up after %d attempts (%s)",
            note.pk,
            note.attempts,
            type(exc).__name__,
        )
    else:
        note.next_attempt_at = now + retry_delay(note.attempts)
        fields.append("next_attempt_at")
        log.warning(
            "notification %d not sent, attempt %d of %d (%s)",
            note.pk,
            note.attempts,
            settings.NOTIFICATION_MAX_ATTEMPTS,
            type(exc).__name__,
        )
    note.save(update_fields=fields)


@transaction.atomic
def notification_retry(*, notification_id: int, actor: User) -> Notification:
    """An administrator tries a failed or retrying notification again now: its attempts and
    error are cleared and it is due at once (sent by a worker when this commits, or the sweep).

    Raises ``Notification.DoesNotExist`` for an unknown id, or one already sent, and
    ``PermissionDenied`` for anyone but an administrator.
    """
    if not actor.has_perm("ippcase.manage_notifications"):
        raise PermissionDenied
    note = Notification.objects.select_for_update().get(pk=notification_id, sent_at__isnull=True)
    note.attempts = 0
    note.last_error = ""
    note.failed_at = None
    note.next_attempt_at = timezone.now()
    with pghistory.context(user=actor.pk):
        note.save(update_fields=["attempts", "last_error", "failed_at", "next_attempt_at"])
    transaction.on_commit(_enqueue_send)
    return note


def undelivered(*, limit: int = 200) -> tuple[int, list[Notification]]:
    """Notifications not sent after at least one attempt (retrying, or given up), newest
    first, with their recipients: the total and at most ``limit`` rows (two queries)."""
    rows = Notification.objects.filter(sent_at__isnull=True, attempts__gt=0)
    listed = list(rows.select_related("recipient").order_by("-created_at", "-id")[:limit])
    return rows.count(), listed
