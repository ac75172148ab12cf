"""Each user's in-app notifications (issue 16): the list, opening one (POST: marks it read, then
goes to the thing) and "Mark all as read". A user sees and changes only their own: another
user's notification is 404. The writes and reads are in ``ippcase.core.inbox``."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from ippcase.core import inbox
from ippcase.core.http import AppRequest, role_required
from ippcase.models import Notification


@require_GET
@role_required()
def inbox_list(request: AppRequest) -> HttpResponse:
    page = inbox.inbox_page(request.user, request.GET.get("page"))
    return render(request, "ippcase/inbox.html", {"page": page})


@require_POST
@role_required()
def inbox_open(request: AppRequest, pk: int) -> HttpResponse:
    try:
        note = inbox.notification_open(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    # Only a path in this site: the link is written by the app, but is checked all the same.
    if note.link and url_has_allowed_host_and_scheme(
        note.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(note.link)
    return redirect("inbox")


@require_POST
@role_required()
def inbox_mark_all_read(request: AppRequest) -> HttpResponse:
    count = inbox.notifications_mark_all_read(user=request.user)
    if count:
        plural = "" if count == 1 else "s"
        messages.success(request, f"{count} notification{plural} marked as read.")
    return redirect("inbox")
