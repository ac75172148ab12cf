from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The service navigation items for the signed-in user (by role, from the permissions)."""
    user = request.user
    if not user.is_authenticated:
        return {"service_nav": []}
    items = [("Caseload", "caseload")]
    return {"service_nav": items}
