"""Refuses a request body that no form of the app could read, before any view sees it, with a
GOV.UK error page that says precisely what is wrong (docs/testing.md, "Hostile input"):

- larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413): Django would answer a bare "Bad Request";
  a multipart upload to the evidence route may be ``EVIDENCE_MAX_BYTES`` larger (the file);
- too many fields (``DATA_UPLOAD_MAX_NUMBER_FIELDS``) or a malformed multipart body (400);
- a body that is not a form at all, e.g. JSON (415): every POST endpoint of the app reads a form,
  so JSON would otherwise be read as an empty form and answered with "Enter …" messages that do
  not say what went wrong.

Nothing is written on any of these: the request never reaches a view.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import Resolver404, resolve

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
BODY_METHODS = ("POST", "PUT", "PATCH")
# The routes that take a file: a multipart body up to EVIDENCE_MAX_BYTES more than the limit.
UPLOAD_URL_NAMES = frozenset({"recall:evidence_add"})


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _is_upload(request: HttpRequest) -> bool:
    """A multipart form posted to one of ``UPLOAD_URL_NAMES`` (the evidence upload): only these
    routes take a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""
    if request.content_type != "multipart/form-data":
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in UPLOAD_URL_NAMES


def _refuse(request: HttpRequest, status: int, message: str) -> HttpResponse:
    return render(request, "ippcase/input_refused.html", {"message": message}, status=status)


class FormInputMiddleware:
    """See the module docstring. Placed after the authentication middleware (the page shows
    the header for a signed-in user) and before any view reads ``request.POST``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in BODY_METHODS:
            refused = self.check(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def check(self, request: HttpRequest) -> HttpResponse | None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and _is_upload(request):
            # A file upload: the file may be up to EVIDENCE_MAX_BYTES, on top of the form's own
            # limit (Django counts only the non-file fields against DATA_UPLOAD_MAX_MEMORY_SIZE).
            most = limit + settings.EVIDENCE_MAX_BYTES
            if length > most:
                return _refuse(
                    request,
                    413,
                    f"The file is too large to send: the form is {_size(length)} and a file "
                    f"may be at most {_size(settings.EVIDENCE_MAX_BYTES)}. Nothing was saved.",
                )
        elif limit is not None and length > limit:
            return _refuse(
                request,
                413,
                f"The form is too large to send: it is {_size(length)} and the most a form "
                f"may be is {_size(limit)}. Shorten the text you entered and try again.",
            )
        if length == 0:
            return None
        content_type = request.content_type or ""
        if content_type not in FORM_CONTENT_TYPES:
            return _refuse(
                request,
                415,
                f"This page takes a form sent from your browser "
                f"(application/x-www-form-urlencoded or multipart/form-data), not "
                f"{content_type or 'a body with no content type'}. Nothing was saved.",
            )
        try:
            len(request.POST)  # parsed now, so that a refusal is a page, not a bare 400
        except TooManyFieldsSent:
            return _refuse(
                request,
                400,
                f"The form has too many fields: at most "
                f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} can be sent. Nothing was saved.",
            )
        except TooManyFilesSent:
            return _refuse(request, 400, "The form has too many files. Nothing was saved.")
        except RequestDataTooBig:
            return _refuse(
                request,
                413,
                f"The form is too large to send: the most a form may be is {_size(limit or 0)}. "
                "Shorten the text you entered and try again.",
            )
        except MultiPartParserError:
            return _refuse(
                request, 400, "The form could not be read: it is malformed. Nothing was saved."
            )
        return None
