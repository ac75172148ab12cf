"""The skeleton of a morning reminder scan, shared by the recall report reminders
(``recall.reminders``) and the parole reminders (``parole.reminders``).

A scan, as of a day on the working-day calendar:

1. does nothing on a day that is not a working day (``ran=False``). The engines catch up by
   their own rules on the next working day (what is due is derived from the database, never
   from the days the scan ran);
2. in ONE transaction, with the foreign key checks immediate, finds what is due (the engine's
   rule), records each reminder once (:class:`Ledger`: one ``INSERT ... ON CONFLICT DO NOTHING
   RETURNING``, unique on the engine's key), so that a rerun, a retry or two workers at once
   never send one twice, and writes the notifications of the new ones (the engine's recipients
   and wording) with one insert;
3. logs and returns the counts (:class:`ScanResult`).

An engine (:class:`Engine`) keeps its own rules: what is due, who is told and the wording.
The calendar is passed in, so this module needs nothing from the apps above it: the recall app
builds it from its ``HolidayOverride`` table (``recall.reminders.calendar()``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast

from django.db import connection, transaction
from django.db.models import Field, FilteredRelation, Model, Q
from django.utils import timezone

from ippcase.core.notifications import Message, notify_many


class WorkingDays(Protocol):
    """What the skeleton needs of a calendar (``recall.deadlines.Calendar`` is one)."""

    def is_working_day(self, day: dt.date) -> bool: ...


D = TypeVar("D")  # one reminder due, as the engine describes it
C = TypeVar("C", int, dict[str, int])  # what the engine looked at: a count, or counts by kind
W = TypeVar("W", bound=WorkingDays)  # the engine's calendar


@dataclass(frozen=True)
class ScanResult(Generic[C]):
    """What one scan did. ``ran`` is False on a day that is not a working day (nothing done).

    ``candidates`` is what the engine looked at (a count, or counts per kind); ``reminders``
    counts the reminders recorded by this scan per milestone or kind (only new ones: a reminder
    already recorded is neither counted nor sent again); ``recipients`` is the set of user ids
    told; ``notifications`` the outbox rows written.
    """

    today: dt.date
    ran: bool
    candidates: C
    reminders: dict[str, int] = field(default_factory=dict)
    recipients: frozenset[int] = frozenset()
    notifications: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, for the Celery result and the logs (ids and counts only)."""
        return {
            "today": self.today.isoformat(),
            "ran": self.ran,
            "candidates": (
                dict(self.candidates) if isinstance(self.candidates, dict) else self.candidates
            ),
            "reminders": dict(self.reminders),
            "recipients": len(self.recipients),
            "notifications": self.notifications,
        }


def record_new(
    model: type[Model], fields: Sequence[str], keys: Sequence[tuple[Any, ...]]
) -> set[tuple[Any, ...]]:
    """Insert one row per key (the values of ``fields``, the columns of the model's unique
    constraint; ``created_at`` is now) in ONE statement and return the keys that were not
    recorded before.

    ``ON CONFLICT DO NOTHING RETURNING`` answers exactly which rows are new; a concurrent scan
    inserting the same row waits for this transaction and then skips it, so two workers never
    both send one reminder.
    """
    if not keys:
        return set()
    quote = connection.ops.quote_name
    # get_field() is typed as returning a field or a relation; these are the model's columns.
    model_fields = [cast("Field[Any, Any]", model._meta.get_field(name)) for name in fields]
    columns = ", ".join(quote(str(f.column)) for f in model_fields)
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in model_fields)
    # Identifiers and types come from the model's own metadata, never from input; values are
    # parameters.
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}, created_at) "  # noqa: S608
        f"SELECT *, %s FROM unnest({arrays}) "
        f"ON CONFLICT ({columns}) DO NOTHING RETURNING {columns}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), *(list(column) for column in zip(*keys, strict=True))])
        return {tuple(row) for row in cursor.fetchall()}


@dataclass(frozen=True)
class Ledger(Generic[D]):
    """Where an engine records the reminders it sent: the model, the columns of its unique
    constraint, and each reminder's values of them."""

    model: type[Model]
    fields: tuple[str, ...]
    key: Callable[[D], tuple[Any, ...]]

    def record(self, reminders: Sequence[D]) -> list[D]:
        """Record the reminders (:func:`record_new`: one statement, safe when two scans run at
        once) and return those not recorded before, in their order."""
        keys = [self.key(r) for r in reminders]
        inserted = record_new(self.model, self.fields, keys)
        return [r for r, key in zip(reminders, keys, strict=True) if key in inserted]


@dataclass(frozen=True)
class Engine(Generic[D, C, W]):
    """One kind of morning scan: the app's rules, run by :meth:`run`.

    ``find(today, calendar)`` gives what was looked at and the reminders due today (ONE query
    or a fixed few); ``messages(new, today, calendar)`` the notifications of the new ones (who
    is told, in what words); ``counted_as`` the milestone or kind a reminder is counted under;
    ``idle`` the ``candidates`` of a day the scan does not run; ``name`` starts the line the
    scan logs to ``log`` (the engine's module logger).
    """

    name: str
    log: logging.Logger
    ledger: Ledger[D]
    find: Callable[[dt.date, W], tuple[C, list[D]]]
    messages: Callable[[list[D], dt.date, W], list[Message]]
    counted_as: Callable[[D], str]
    idle: C

    def run(self, *, today: dt.date | None, calendar: W) -> ScanResult[C]:
        """Record and send the reminders due on ``today`` (default: today in London).

        Meant to run in its own transaction (the tasks do): it makes the foreign key checks of
        the transaction immediate, which would also apply to the rest of a caller's transaction.
        """
        day = timezone.localdate() if today is None else today
        if not calendar.is_working_day(day):
            return ScanResult(today=day, ran=False, candidates=self.idle)
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Foreign keys are DEFERRABLE INITIALLY DEFERRED (Django's default), and
                # PostgreSQL rescans the queue of deferred checks after every statement, the
                # audit trigger's insert per outbox row included (see ippcase.demo.bulk_mode and
                # docs/deadlines.md).
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            candidates, due = self.find(day, calendar)
            new = self.ledger.record(due)
            messages = self.messages(new, day, calendar)
            notify_many(messages)
        result = ScanResult(
            today=day,
            ran=True,
            candidates=candidates,
            reminders=dict(Counter(self.counted_as(r) for r in new)),
            recipients=frozenset(m.recipient_id for m in messages),
            notifications=len(messages),
        )
        self.log.info("%s: %s", self.name, result.as_dict())
        return result


# ---------------------------------------------------------------------------------------------
# Pieces both engines' rules use.


def open_allocation(person: str) -> FilteredRelation:
    """The open allocation (the current COM) of the person at the lookup path ``person``, for
    a join that adds no rows (a person has at most one open allocation: a constraint)."""
    return FilteredRelation(
        f"{person}__allocations", condition=Q(**{f"{person}__allocations__end_date__isnull": True})
    )
