"""The email outbox page for administrators (issue 12): notifications that could not be sent
(retrying, or given up after ``NOTIFICATION_MAX_ATTEMPTS``), and "try again". Everyone else,
whatever their role, is refused (403) before anything is looked up."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ippcase.core import notifications
from ippcase.core.http import AppRequest, role_required
from ippcase.models import Notification

PERM = "ippcase.manage_notifications"


@require_GET
@role_required(PERM)
def notification_outbox(request: AppRequest) -> HttpResponse:
    total, rows = notifications.undelivered()
    return render(
        request,
        "ippcase/notification_outbox.html",
        {"total": total, "rows": rows, "max_attempts": settings.NOTIFICATION_MAX_ATTEMPTS},
    )


@require_POST
@role_required(PERM)
def notification_retry(request: AppRequest, pk: int) -> HttpResponse:
    try:
        note = notifications.notification_retry(
            notification_id=pk,
            actor=request.user,
        )
    except Notification.DoesNotExist:
        raise Http404 from None
    messages.success(request, f"Notification {note.pk} will be sent again now.")
    return redirect("notification_outbox")
