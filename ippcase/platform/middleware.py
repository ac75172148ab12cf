"""Request context for the logs: a request id and the signed-in user's id (never a name)."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse

from ippcase.platform.logs import request_id_var, request_var, route_of

log = logging.getLogger("ippcase.requests")

# A caller's id is kept only if it is plainly an id: letters, digits and - _ . : (e.g. a UUID or
# a proxy's trace id), at most 64 characters; anything else is replaced by a new one.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
HEADER = "X-Request-ID"


class RequestContextMiddleware:
    """Sets the request id (from a valid ``X-Request-ID`` header, else a new UUID) for every
    log record written while the request is handled, echoes it in the response's
    ``X-Request-ID`` header and logs one line per request: method, route pattern (never the
    path, which holds a CRN), status and duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request_id = given if VALID_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # for code holding the request; Django declares no such attribute
        id_token = request_id_var.set(request_id)
        request_token = request_var.set(request)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "route": route_of(request),
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_var.reset(request_token)
            request_id_var.reset(id_token)


# C0 and C1 control characters and DEL: no URL of the app holds one, and PostgreSQL refuses NUL
# in a text value (a lookup of a CRN with a NUL in it would fail with a server error).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class ControlCharacterPathMiddleware:
    """Answers 404 for a path with a control character (``/cases/%00/``), before any view or
    query sees it, whatever the route and its parameters (issue 18; docs/security.md)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if CONTROL_CHARACTERS.search(request.path_info):
            raise Http404("No such page.")
        return self.get_response(request)
