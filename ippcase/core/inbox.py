"""The in-app notifications (issue 16): each user's list of what the app told them, newest first,
with the unread count the header shows. Reads and writes of the recipient's own rows only: every
function takes the user and filters by them, so another user's notification is "not found".

Opening is a POST (``inbox_open``): it marks the row read and the view redirects to its link.
A GET never marks anything read (docs/notifications.md says why).
"""

from __future__ import annotations

import pghistory
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ippcase.models import Notification, User

PAGE_SIZE = 20


def _mine(user: User) -> QuerySet[Notification]:
    """The user's in-app notifications (email-only messages have no text and are not listed)."""
    return Notification.objects.filter(recipient=user).exclude(text="")


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread (one query)."""
    return _mine(user).filter(read_at__isnull=True).count()


def inbox_page(user: User, number: int | str | None) -> Page[Notification]:
    """A page of the user's notifications, newest first (two queries: the count and the page).
    An out-of-range or malformed page number gives the nearest page."""
    rows = _mine(user).only("pk", "subject", "text", "link", "created_at", "read_at")
    paginator = Paginator(rows.order_by("-created_at", "-id"), PAGE_SIZE)
    return paginator.get_page(number)


@transaction.atomic
def notification_open(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (once: the first opening is kept) and return
    it. ``Notification.DoesNotExist`` for an id that is not the user's."""
    note = _mine(user).select_for_update().get(pk=notification_id)
    if note.read_at is None:
        note.read_at = timezone.now()
        with pghistory.context(user=user.pk):
            note.save(update_fields=["read_at"])
    return note


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read (one UPDATE); returns how many."""
    with pghistory.context(user=user.pk):
        return _mine(user).filter(read_at__isnull=True).update(read_at=timezone.now())
