"""What every view needs from HTTP: the typed request, and ``role_required`` (sign-in and a role).

``role_required`` only checks access; it has no other effect. The read audit (who viewed a
case) is written by ``ippcase.cases.audit.ReadAuditMiddleware`` for pages that call
:func:`mark_case_viewed`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

if TYPE_CHECKING:  # the types only: django-htmx's details and the user model
    from django_htmx.middleware import HtmxDetails

    from ippcase.models import Person, User


class AppRequest(HttpRequest):
    """A request as a view behind :func:`role_required` sees it: signed in (``user`` is a
    :class:`~ippcase.models.User`, never anonymous) and with django-htmx's ``htmx`` details."""

    user: User
    htmx: HtmxDetails
    case_viewed: Person


View = Callable[..., HttpResponse]


AWAITING_ACCESS_TEMPLATE = "registration/awaiting_access.html"


def awaiting_access(request: HttpRequest) -> HttpResponse:
    """The answer to a signed-in account with no role (a first single sign-on, or every role
    taken away), on every page: it waits for an administrator. 403: it grants nothing."""
    return render(request, AWAITING_ACCESS_TEMPLATE, status=403)


def role_required(perm: str = "ippcase.use_app") -> Callable[[View], View]:
    """Sign-in AND a role: a signed-in account with no role sees nothing (the page "waiting for
    an administrator to give you access", 403)."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not getattr(request.user, "roles", None):
                return awaiting_access(request)
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def mark_case_viewed(request: AppRequest, person: Person) -> None:
    """Note that this request shows ``person``'s case, for the read audit: it is written once the
    page is served (a GET answered 200, not an HTMX partial) by
    ``ippcase.cases.audit.ReadAuditMiddleware``."""
    request.case_viewed = person
