"""The reminder scan skeleton (ippcase.core.reminders) on its own, with a toy engine: the rules
of the two real engines are tested in tests/test_reminders.py and tests/test_parole_reminders.py.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from ippcase.core import reminders
from ippcase.core.notifications import Message
from ippcase.models import Notification
from recall.deadlines import DEFAULT_CALENDAR, Calendar
from recall.models import ReportReminder
from tests.test_reminders import tracked_recall

FRIDAY = dt.date(2025, 1, 10)
SATURDAY = dt.date(2025, 1, 11)


def toy_engine(recall_ids: list[int], recipient_id: int) -> reminders.Engine:
    """One ``overdue`` reminder per recall, keyed on the day, told to one user."""

    def find(today: dt.date, cal: Calendar) -> tuple[int, list[tuple[int, dt.date]]]:
        return len(recall_ids), [(pk, today) for pk in recall_ids]

    def messages(new: list[tuple[int, dt.date]], today: dt.date, cal: Calendar) -> list[Message]:
        return [Message(recipient_id, f"recall {pk}", f"on {today}") for pk, _ in new]

    return reminders.Engine(
        name="toy reminders",
        log=logging.getLogger("tests.toy"),
        ledger=reminders.Ledger(
            ReportReminder, ("recall", "milestone", "key_date"), lambda r: (r[0], "overdue", r[1])
        ),
        find=find,
        messages=messages,
        counted_as=lambda r: "overdue",
        idle=0,
    )


@pytest.fixture
def engine(team, practitioner):
    ids = [tracked_recall(team, practitioner).pk for _ in range(2)]
    return toy_engine(ids, practitioner.pk)


def test_a_day_that_is_not_a_working_day_does_nothing(engine, django_assert_num_queries):
    with django_assert_num_queries(0):
        result = engine.run(today=SATURDAY, calendar=DEFAULT_CALENDAR)
    assert not result.ran and result.candidates == 0 and result.reminders == {}
    assert not ReportReminder.objects.exists()


def test_each_reminder_is_recorded_and_sent_once(engine, practitioner, caplog):
    with caplog.at_level(logging.INFO, logger="tests.toy"):
        first = engine.run(today=FRIDAY, calendar=DEFAULT_CALENDAR)
    again = engine.run(today=FRIDAY, calendar=DEFAULT_CALENDAR)
    assert first.as_dict() == {
        "today": "2025-01-10",
        "ran": True,
        "candidates": 2,
        "reminders": {"overdue": 2},
        "recipients": 1,
        "notifications": 2,
    }
    assert "toy reminders: " in caplog.text
    assert again.ran and again.candidates == 2 and again.reminders == {}
    assert again.notifications == 0
    assert ReportReminder.objects.count() == 2
    assert Notification.objects.filter(recipient=practitioner).count() == 2


@pytest.fixture
def recall(team, practitioner):
    return tracked_recall(team, practitioner)


def test_record_new_answers_which_keys_are_new(recall):
    key = (recall.pk, "overdue", FRIDAY)
    fields = ("recall", "milestone", "key_date")
    assert reminders.record_new(ReportReminder, fields, []) == set()
    assert reminders.record_new(ReportReminder, fields, [key]) == {key}
    assert reminders.record_new(ReportReminder, fields, [key]) == set()


def test_scan_results_by_kind_copy_their_counts():
    counts = {"hearing": 1}
    result = reminders.ScanResult(today=FRIDAY, ran=True, candidates=counts)
    as_dict = result.as_dict()
    assert as_dict["candidates"] == counts and as_dict["candidates"] is not counts
