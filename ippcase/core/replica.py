"""Reporting reads (issue 17): dashboards, reports and their CSVs may read from a PostgreSQL
streaming replica; everything else reads and writes the primary.

:func:`reporting_reads` is the scope, as a context manager or a decorator. Inside it:

- reads go to the ``replica`` database alias when ``DATABASE_REPLICA_URL`` configured one
  (``ippcase.platform.db_router.ReportingReplicaRouter`` asks :func:`reporting_alias`), else to
  ``default``; writes always go to ``default``;
- the statements run with ``work_mem`` = ``settings.REPORTING_WORK_MEM`` (set on the reporting
  connection when the scope opens, reset when it closes).

Outside the scope, or with no replica configured, every query goes to ``default``. Put the scope
*inside* ``role_required``: sign-in, the session and the permission checks read the primary, so
a user who has just been given a role is never refused by a replica that lags. Nothing that
writes may run inside the scope (a write would still go to the primary, but reads after it would
not see it).

This module is in ``ippcase.core`` (not in ``ippcase.platform`` with the router) so that parole,
a layer below the platform, can use the scope for its report (docs/architecture.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"

logger = logging.getLogger(__name__)

# The alias reads go to while a reporting scope is open; None outside any scope.
_alias: ContextVar[str | None] = ContextVar("ippcase_reporting_alias", default=None)


def reporting_alias() -> str | None:
    """The alias the open reporting scope reads from, or None outside any scope."""
    return _alias.get()


def _database(settings_dict: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(settings_dict.get(key) for key in ("HOST", "PORT", "NAME"))


def choose_alias(default: Mapping[str, Any], replica: Mapping[str, Any] | None) -> str:
    """``replica`` when one is configured and is another database than ``default``; else
    ``default``. A replica that is the primary itself (the test suite's ``TEST: MIRROR``, or
    ``DATABASE_REPLICA_URL`` equal to ``DATABASE_URL``) reads through the primary's connection,
    so that it sees the same transaction."""
    if replica is None or _database(replica) == _database(default):
        return DEFAULT_DB_ALIAS
    return REPLICA


def _configured_alias() -> str:
    replica = connections[REPLICA].settings_dict if REPLICA in connections.settings else None
    return choose_alias(connections[DEFAULT_DB_ALIAS].settings_dict, replica)


def _set_work_mem(alias: str) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, false)", [settings.REPORTING_WORK_MEM])


def _reset_work_mem(alias: str) -> None:
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("RESET work_mem")
    except DatabaseError:
        # A broken transaction is rolled back by whoever opened it, which undoes the SET too;
        # outside one, drop the connection so that its next user starts with the defaults.
        if not connection.in_atomic_block:
            connection.close()


@contextmanager
def reporting_reads() -> Iterator[str]:
    """Read from the reporting replica (when configured) with the reporting ``work_mem`` until
    the block ends; yields the alias read from. A scope opened inside another is the same scope.
    A replica that cannot be reached is logged and the primary is read instead: a report is
    slower, never refused."""
    current = _alias.get()
    if current is not None:
        yield current
        return
    alias = _configured_alias()
    try:
        _set_work_mem(alias)
    except DatabaseError:
        if alias == DEFAULT_DB_ALIAS:
            raise
        logger.warning("reporting replica unavailable; reading the primary", exc_info=True)
        connections[alias].close()
        alias = DEFAULT_DB_ALIAS
        _set_work_mem(alias)
    token = _alias.set(alias)
    try:
        yield alias
    finally:
        _alias.reset(token)
        _reset_work_mem(alias)
