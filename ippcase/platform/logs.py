"""Structured (JSON) logs that carry a request id, a user id and a task id, and no personal data.

Every record written by the configured handler is one JSON object: ``time``, ``level``,
``logger``, ``message``, then ``request_id`` / ``user_id`` (web requests, set by
:class:`ippcase.platform.middleware.RequestContextMiddleware`) and ``task_id`` (Celery tasks),
plus the
few extra fields the app logs on purpose (``method``, ``route``, ``status``, ``duration_ms``).
Anything else attached to a record is dropped, because it could hold personal data.

Personal data: the URLs carry a person's CRN (``/cases/<crn>/``) and searches carry names in
the query string, so no path is ever logged — the messages of ``django.request``,
``django.security.*`` and ``django.server`` are rebuilt from the status and the route pattern
(``cases/<str:crn>/``), never by searching for the path in them. Exception messages can
quote values (a database error's ``DETAIL: Key (crn)=(…)``), so tracebacks keep their frames
and the exception's type, never its message.
"""

from __future__ import annotations

import logging
import re
import traceback
from contextvars import ContextVar
from http import HTTPStatus
from types import TracebackType
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

request_var: ContextVar[Any] = ContextVar("ippcase_request", default=None)
request_id_var: ContextVar[str | None] = ContextVar("ippcase_request_id", default=None)
task_id_var: ContextVar[str | None] = ContextVar("ippcase_task_id", default=None)

# The only fields a record may carry besides the standard ones: anything else is dropped.
EXTRA_FIELDS = frozenset(
    {"request_id", "user_id", "task_id", "method", "route", "status", "status_code", "duration_ms"}
)
WITHHELD = "(message withheld: it may quote personal data)"


def current_user_id(request: Any = None) -> int | None:
    """The signed-in user's numeric id for ``request`` (default: the current one), if it has
    been loaded already.

    Reads the user Django's authentication middleware cached on the request: never loads it,
    so a log call can never run a query (or recurse through the database logger)."""
    if request is None:
        request = request_var.get()
    user = getattr(request, "_cached_user", None) if request is not None else None
    if user is not None and getattr(user, "is_authenticated", False):
        return int(user.pk)
    return None


class ContextFilter(logging.Filter):
    """Adds ``request_id``, ``user_id`` and ``task_id`` to every record (None outside a request
    or a task). Attach it to handlers, so that it sees the records of every logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a 4xx after the middleware has returned, with the request attached.
        request = getattr(record, "request", None)
        if not hasattr(request, "request_id"):
            request = None
        record.request_id = request.request_id if request else request_id_var.get()
        record.user_id = current_user_id(request)
        record.task_id = task_id_var.get()
        return True


def route_of(request: Any) -> str:
    """The URL pattern a request matched (``cases/<str:crn>/``), never its path."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return str(match.route)
    return "(unresolved)"


# Runserver's access line: '"GET /cases/X123/?q=… HTTP/1.1" 404 1234' (django.server).
RUNSERVER_ACCESS_FORMAT = '"%s" %s %s'
HTTP_METHOD = re.compile(r"[A-Z]{3,10}\Z")


def _status_phrase(record: logging.LogRecord) -> str:
    status = getattr(record, "status_code", None)
    try:
        return HTTPStatus(int(status)).phrase if status is not None else "Request"
    except ValueError:
        return f"Status {status}"


class RedactPathFilter(logging.Filter):
    """Rewrites the records of Django's request loggers so that no path, query string or
    search term reaches a log line in any form (issue 18). Attach it to handlers, like
    :class:`ContextFilter`.

    Django quotes the path in these records: ``django.request`` and ``django.security.*``
    (``Not Found: /cases/X123/``, escaped with ``unicode_escape``, so a non-ASCII path no longer
    equals ``request.path``), and runserver's ``django.server`` (the request line, or the raw
    bytes of a malformed one). So the message is rebuilt from what is known to be safe rather
    than by finding the path in it: ``<status phrase>: <route pattern>`` for the first two,
    ``<method> (path withheld) <status>`` for runserver's access line, and nothing but the fact
    for runserver's other lines. The exception, if any, keeps its type and frames
    (:func:`format_exception_safely`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        if name == "django.server":
            self._runserver(record)
        elif name == "django.request" or name.startswith("django.security"):
            request = getattr(record, "request", None)
            record.msg = "%s: %s"
            record.args = (_status_phrase(record), route_of(request))
        return True

    @staticmethod
    def _runserver(record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        if record.msg == RUNSERVER_ACCESS_FORMAT and len(args) == 3:
            method = str(args[0]).split(" ", 1)[0]
            method = method if HTTP_METHOD.match(method) else "(method withheld)"
            status = str(args[1]) if str(args[1]).isdigit() else "?"
            record.msg, record.args = "%s (path withheld) %s", (method, status)
        elif args:
            record.msg, record.args = "(runserver message withheld)", ()


class CeleryTaskFilter(logging.Filter):
    """For ``celery.app.trace``: a failed or retried task's log line quotes the exception
    (``retry: ValueError('…')``); keep its type only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict) and "exc" in record.args:
            exc = record.args["exc"]  # the exception, or its repr: "ValueError('…')"
            if isinstance(exc, BaseException):
                name = type(exc).__name__
            else:
                match = re.match(r"[A-Za-z_][\w.]*", str(exc))
                name = match.group(0) if match else "exception"
            record.args = {**record.args, "exc": f"{name} {WITHHELD}"}
        return True


def format_exception_safely(
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    tb: TracebackType | None,
) -> str:
    """A traceback (every frame, chained exceptions too) with each exception's type but not
    its message."""
    if exc is None:
        return ""
    lines: list[str] = []
    seen: set[int] = set()
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    for position, item in enumerate(reversed(chain)):
        if position:
            lines.append("\nThe above exception led to the following one:\n\n")
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_tb(item.__traceback__))
        kind = type(item)
        lines.append(f"{kind.__module__}.{kind.__qualname__}: {WITHHELD}\n")
    return "".join(lines).rstrip("\n")


class JsonFormatter(_JsonFormatter):
    """python-json-logger's formatter with the field whitelist and the safe tracebacks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        super().__init__(*args, **kwargs)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        keep = {self._get_rename(f) for f in self._required_fields} | EXTRA_FIELDS
        keep |= {"exc_info", "stack_info"}
        for key in list(log_data):
            if key not in keep:
                del log_data[key]

    def formatException(self, ei: Any) -> str:
        return format_exception_safely(*ei)


class PlainFormatter(logging.Formatter):
    """A one-line text format for a developer's console (``LOG_FORMAT=plain``), with the same
    ids and the same safe tracebacks as the JSON one."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s user=%(user_id)s "
            "task=%(task_id)s] %(message)s",
            defaults={"request_id": None, "user_id": None, "task_id": None},
        )

    def formatException(self, ei: Any) -> str:
        return format_exception_safely(*ei)


# ---------------------------------------------------------------------------------------------
# Celery: the task id in every record logged while a task runs, and the request id of the web
# request that enqueued it.

REQUEST_ID_HEADER = "ippcase_request_id"


def _before_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id:
        headers[REQUEST_ID_HEADER] = request_id


def _task_prerun(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    task_id_var.set(task_id)
    request = getattr(task, "request", None)
    request_id_var.set(getattr(request, REQUEST_ID_HEADER, None) if request else None)


def _task_postrun(**_: Any) -> None:
    task_id_var.set(None)
    request_id_var.set(None)


def _keep_django_logging(**_: Any) -> None:
    """Connected to Celery's ``setup_logging``: Celery then leaves the logging Django configured
    from ``settings.LOGGING`` alone (JSON records on stderr) instead of installing its own."""


def connect_celery_signals() -> None:
    from celery import signals

    signals.setup_logging.connect(_keep_django_logging, weak=False)
    signals.before_task_publish.connect(_before_publish, weak=False)
    signals.task_prerun.connect(_task_prerun, weak=False)
    signals.task_postrun.connect(_task_postrun, weak=False)
