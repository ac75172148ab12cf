from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from ippcase.core import inbox


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The service navigation items for the signed-in user (by role, from the permissions), each
    marked active when the page is the item's page or below it."""
    user = request.user
    if not user.is_authenticated or not user.has_perm("ippcase.use_app"):
        return {"service_nav": []}
    items = [("Caseload", reverse("caseload"))]
    if user.has_perm("recall.decide"):
        items.append(("PPCS queue", reverse("recall:ppcs_queue")))
    if user.has_perm("ippcase.view_dashboard"):
        items.append(("Dashboard", reverse("dashboard")))
    if user.has_perm("parole.view_report"):
        items.append(("Parole report", reverse("parole:report")))
    if user.has_perm("quality.draw_sample"):
        items.append(("Quality assurance", reverse("quality:samples")))
    if user.has_perm("ippcase.manage_notifications"):
        items.append(("Email notifications", reverse("notification_outbox")))
    if user.has_perm("ippcase.administer"):
        items.append(("Administration", reverse("administration")))
    return {
        "service_nav": [
            {
                "label": label,
                "url": url,
                "active": request.path.startswith(url),
                "current": request.path == url,
            }
            for label, url in items
        ]
    }


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """The header's unread count: one query per page that shows the header to a user with a
    role, none for anyone else nor for a fragment that does not show it (the template calls it
    once, lazily). Counted afresh on every page, never cached, so it is never stale."""
    user = request.user
    if not user.is_authenticated or not getattr(user, "roles", None):
        return {}
    return {"unread_notifications": functools.cache(lambda: inbox.unread_count(user))}
