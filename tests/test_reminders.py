"""The recall report deadline from the database and the morning reminder scan (issue 4).

Dates follow the worked example of docs/deadlines.md: a return to custody on Friday 20 December
2024 makes the report due on Wednesday 15 January 2025 (Christmas, Boxing Day and New Year's Day
in between).
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ippcase import vocab as case_vocab
from ippcase.models import Notification, Recall
from recall import reminders
from recall.models import HolidayOverride, RecallRecommendation, ReportReminder
from recall.tasks import send_report_reminders as reminder_task
from recall.vocab import HolidayOverrideKind, RecommendationStatus
from tests import factories
from tests.conftest import client_for
from tests.test_celery import celery_worker_process  # noqa: F401 - a fixture used below

RTC = dt.date(2024, 12, 20)  # Friday
DUE = dt.date(2025, 1, 15)  # Wednesday, the 15th working day after it


def d(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def tracked_recall(
    team,
    practitioner,
    *,
    rtc: dt.date | None = RTC,
    allocated: bool = True,
    recommender=None,
    status: str = RecommendationStatus.AUTHORISED,
) -> Recall:
    """A recall made through the service: a person with a release, a recall returned to custody
    on ``rtc``, the current COM ``practitioner`` and the authorised recommendation linked to it."""
    person = factories.PersonFactory(team=team)
    release = factories.ReleaseFactory(person=person, date=dt.date(2024, 3, 1))
    recall = factories.RecallFactory(
        release=release, recall_date=dt.date(2024, 12, 18), returned_to_custody=rtc
    )
    if allocated:
        factories.AllocationFactory(person=person, practitioner=practitioner)
    RecallRecommendation.objects.create(
        person=person, created_by=recommender or practitioner, status=status, recall=recall
    )
    return recall


@pytest.fixture
def recall(team, practitioner):
    return tracked_recall(team, practitioner)


def scan(day: str) -> reminders.ScanResult:
    return reminders.send_report_reminders(today=d(day))


def sent(recall: Recall) -> list[tuple[str, dt.date]]:
    return list(
        ReportReminder.objects.filter(recall=recall)
        .order_by("id")
        .values_list("milestone", "key_date")
    )


# --- the calendar and one recall's deadline --------------------------------------------------


def test_the_calendar_reads_extra_and_cancelled_holidays_from_the_table(admin_user):
    assert reminders.calendar().is_working_day(d("2024-12-27"))
    HolidayOverride.objects.create(
        date=d("2024-12-27"), kind=HolidayOverrideKind.EXTRA, description="x", created_by=admin_user
    )
    HolidayOverride.objects.create(
        date=d("2024-12-26"),
        kind=HolidayOverrideKind.CANCELLED,
        description="y",
        created_by=admin_user,
    )
    cal = reminders.calendar()
    assert not cal.is_working_day(d("2024-12-27"))
    assert cal.is_working_day(d("2024-12-26"))


def test_recall_deadline_gives_the_due_date_badge_and_days_left(recall):
    status = reminders.recall_deadline(recall, today=d("2025-01-08"), calendar=reminders.calendar())
    assert status is not None
    assert (status.due, status.badge, status.working_days_left) == (DUE, "due_soon", 5)
    recall.report_submitted_on = d("2025-01-16")
    status = reminders.recall_deadline(recall, today=d("2025-01-20"))
    assert status is not None
    assert (status.badge, status.label) == ("submitted", "Submitted 1 working day late")


def test_recalls_imported_from_history_rescinded_or_not_yet_in_custody_are_not_tracked(
    team, practitioner
):
    imported = factories.make_case(team).releases.get(recall__isnull=False).recall
    assert imported.returned_to_custody is not None
    at_large = tracked_recall(team, practitioner, rtc=None)
    rescinded = tracked_recall(team, practitioner, status=RecommendationStatus.RESCINDED)
    for untracked in (imported, at_large, rescinded):
        fresh = Recall.objects.get(pk=untracked.pk)
        assert reminders.recall_deadline(fresh, today=d("2025-01-08")) is None
    assert list(reminders.tracked().filter(returned_to_custody__isnull=False)) == []


def test_a_list_annotated_with_tracking_needs_no_query_per_recall(
    team, practitioner, django_assert_num_queries
):
    for _ in range(3):
        tracked_recall(team, practitioner)
    factories.make_case(team)  # an imported recall, in the same list
    cal = reminders.calendar()
    recalls = list(reminders.with_tracking(Recall.objects.all()))
    with django_assert_num_queries(0):
        statuses = [
            reminders.recall_deadline(r, today=d("2025-01-08"), calendar=cal) for r in recalls
        ]
    assert [s.due for s in statuses if s is not None] == [DUE] * 3
    assert statuses.count(None) == 1


def test_an_extra_holiday_added_later_moves_the_due_date(recall, admin_user):
    before = reminders.recall_deadline(recall, today=d("2025-01-08"))
    HolidayOverride.objects.create(
        date=d("2024-12-27"),
        kind=HolidayOverrideKind.EXTRA,
        description="One-off",
        created_by=admin_user,
    )
    after = reminders.recall_deadline(recall, today=d("2025-01-08"))
    assert before is not None and after is not None
    assert (before.due, after.due) == (DUE, d("2025-01-16"))


# --- the scan --------------------------------------------------------------------------------


def test_each_milestone_is_sent_on_its_day_and_only_then(recall, practitioner, manager):
    new_by_day = {}
    day = d("2024-12-20")
    while day <= d("2025-01-21"):
        result = reminders.send_report_reminders(today=day)
        if result.reminders:
            new_by_day[day] = result.reminders
        day += dt.timedelta(days=1)
    assert new_by_day == {
        d("2025-01-08"): {"5_days": 1},  # 5 working days left
        d("2025-01-13"): {"2_days": 1},
        d("2025-01-15"): {"due_today": 1},
        d("2025-01-16"): {"overdue": 1},  # and every working day after it
        d("2025-01-17"): {"overdue": 1},
        d("2025-01-20"): {"overdue": 1},
        d("2025-01-21"): {"overdue": 1},
    }
    subjects = list(
        Notification.objects.filter(recipient=practitioner).values_list("subject", flat=True)
    )
    crn = recall.release.person.crn
    # The email names no one and gives no CRN; the in-app text does, behind sign-in.
    assert subjects == [
        "A recall report is due in 5 working days",
        "A recall report is due in 2 working days",
        "A recall report is due today",
        "A recall report is overdue by 1 working day",
        "A recall report is overdue by 2 working days",
        "A recall report is overdue by 3 working days",
        "A recall report is overdue by 4 working days",
    ]
    for note in Notification.objects.all():
        assert crn not in note.subject + note.body
        assert recall.release.person.last_name not in note.subject + note.body + note.text
    assert all(crn in n.text for n in Notification.objects.filter(recipient=practitioner))
    # The SPO hears once it is overdue, every working day until it is submitted.
    assert Notification.objects.filter(recipient=manager).count() == 4
    body = Notification.objects.filter(recipient=practitioner).first().text
    assert "Wednesday 15 January 2025" in body and "Friday 20 December 2024" in body


def test_nothing_runs_on_a_weekend_or_a_bank_holiday(recall):
    for day in ("2025-01-18", "2025-01-19", "2025-05-05"):  # Sat, Sun, early May bank holiday
        result = scan(day)
        assert not result.ran and result.reminders == {}
    assert ReportReminder.objects.count() == 0


def test_nothing_for_submitted_untracked_or_not_yet_returned_recalls(team, practitioner):
    submitted = tracked_recall(team, practitioner)
    Recall.objects.filter(pk=submitted.pk).update(report_submitted_on=d("2025-01-10"))
    tracked_recall(team, practitioner, rtc=None)
    tracked_recall(team, practitioner, status=RecommendationStatus.RESCINDED)
    factories.make_case(team)  # imported from history: returned to custody, no recommendation
    for day in ("2025-01-08", "2025-01-15", "2025-01-16", "2026-06-01"):
        assert scan(day).reminders == {}
    assert ReportReminder.objects.count() == 0
    assert Notification.objects.count() == 0


def test_running_twice_in_a_row_sends_nothing_the_second_time(recall, practitioner, manager):
    first = scan("2025-01-16")
    assert first.reminders == {"overdue": 1}
    assert first.recipients == {practitioner.pk, manager.pk}
    notes = Notification.objects.count()
    assert notes == first.notifications == 2
    second = scan("2025-01-16")
    assert second.ran and second.candidates == 1
    assert (second.reminders, second.recipients, second.notifications) == ({}, frozenset(), 0)
    assert Notification.objects.count() == notes
    assert ReportReminder.objects.count() == 1


def test_after_two_days_down_only_what_is_still_relevant_is_sent_and_nothing_twice(recall, manager):
    # 5 working days left on Wed 8 January; the worker is down on Thursday and Friday.
    assert scan("2025-01-07").reminders == {}
    assert scan("2025-01-08").reminders == {"5_days": 1}
    # Down on Thu 9 and Fri 10 January. Monday 13th: 2 left, the 5-day reminder is superseded.
    assert scan("2025-01-13").reminders == {"2_days": 1}
    # Down on Tue 14 and Wed 15 (the due date): Thursday sends the overdue reminder only.
    assert scan("2025-01-16").reminders == {"overdue": 1}
    # Down on Fri 17 and Mon 20: Tuesday sends today's overdue reminder, not the missed ones.
    assert scan("2025-01-21").reminders == {"overdue": 1}
    assert sent(recall) == [
        ("5_days", DUE),
        ("2_days", DUE),
        ("overdue", d("2025-01-16")),
        ("overdue", d("2025-01-21")),
    ]
    assert Notification.objects.count() == 2 + 2 * 2  # practitioner; then practitioner and SPO


def test_a_late_first_scan_sends_the_countdown_reminder_once(recall, practitioner):
    assert scan("2025-01-10").reminders == {"5_days": 1}  # 3 left: still relevant, said as is
    assert scan("2025-01-10").reminders == {}
    assert Notification.objects.get(recipient=practitioner).subject.startswith(
        "A recall report is due in 3 working days"
    )


def test_an_extra_holiday_added_later_moves_the_next_reminder(recall, admin_user, practitioner):
    assert scan("2025-01-08").reminders == {"5_days": 1}
    assert scan("2025-01-09").reminders == {}
    HolidayOverride.objects.create(
        date=d("2025-01-10"),
        kind=HolidayOverrideKind.EXTRA,
        description="One-off",
        created_by=admin_user,
    )
    # Due Thursday 16 January now: the countdown is keyed on the new due date and sent again.
    assert scan("2025-01-13").reminders == {"5_days": 1}
    assert sent(recall) == [("5_days", DUE), ("5_days", d("2025-01-16"))]
    latest = Notification.objects.filter(recipient=practitioner).last()
    assert "Thursday 16 January 2025" in latest.text
    assert scan("2025-01-16").reminders == {"due_today": 1}
    assert scan("2025-01-10").ran is False  # the extra holiday itself


def test_the_current_com_is_reminded_or_else_the_recommender(team, practitioner):
    recommender = factories.UserFactory(team=team, username="recommender")
    allocated = tracked_recall(team, practitioner, recommender=recommender)
    unallocated = tracked_recall(team, practitioner, allocated=False, recommender=recommender)
    scan("2025-01-08")
    told = dict(Notification.objects.values_list("link", "recipient_id"))
    assert told == {
        reverse("recall:person_recall", args=[allocated.release.person.crn]): practitioner.pk,
        reverse("recall:person_recall", args=[unallocated.release.person.crn]): recommender.pk,
    }


def test_once_overdue_every_active_manager_of_the_pdu_gets_a_daily_list_and_no_one_else(
    recall, practitioner, manager, other_team_same_pdu, outsider
):
    spo_next_door = factories.UserFactory(
        username="spo2", team=other_team_same_pdu, roles=[case_vocab.Role.MANAGER]
    )
    factories.UserFactory(
        username="gone", team=other_team_same_pdu, roles=[case_vocab.Role.MANAGER], is_active=False
    )
    factories.UserFactory(username="aco", team=recall.release.person.team, roles=["senior_manager"])
    # A practitioner who is also a manager is told once, as the practitioner.
    practitioner.roles = [case_vocab.Role.PRACTITIONER, case_vocab.Role.MANAGER]
    practitioner.save()
    assert scan("2025-01-15").recipients == {practitioner.pk}  # due today: not the SPOs yet
    result = scan("2025-01-16")
    assert result.recipients == {practitioner.pk, manager.pk, spo_next_door.pk}
    assert outsider.pk not in result.recipients
    assert Notification.objects.filter(recipient=practitioner).count() == 2  # not the list
    spo_note = Notification.objects.get(recipient=manager)
    assert spo_note.subject == "Overdue recall reports in Leeds: 1"
    crn = recall.release.person.crn
    assert f"- {crn}: due Wednesday 15 January 2025, overdue by 1 working day" in spo_note.text
    assert crn not in spo_note.body


def test_the_scan_query_count_does_not_grow_with_the_number_of_recalls(team, practitioner, manager):
    # One recall at each stage on Thursday 16 January 2025: 5 days left, due today, overdue.
    stages = [d("2024-12-30"), d("2024-12-23"), RTC]

    def queries_for(count: int) -> tuple[int, reminders.ScanResult]:
        Notification.objects.all().delete()
        ReportReminder.objects.all().delete()
        Recall.objects.filter(recommendation__isnull=False).update(report_submitted_on=RTC)
        for i in range(count):
            tracked_recall(team, practitioner, rtc=stages[i % 3])
        with CaptureQueriesContext(connection) as ctx:
            result = scan("2025-01-16")
        return len(ctx.captured_queries), result

    few, few_result = queries_for(3)
    many, many_result = queries_for(60)
    assert few_result.reminders == {"5_days": 1, "due_today": 1, "overdue": 1}
    assert many_result.reminders == {"5_days": 20, "due_today": 20, "overdue": 20}
    # One per reminder to the practitioner, and one list of the 20 overdue for the SPO.
    assert many_result.notifications == 61
    assert Notification.objects.get(recipient=manager).text.count("\n- ") == 20
    assert few == many


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_the_same_moment_send_each_reminder_once(team, practitioner, manager):
    for _ in range(5):
        tracked_recall(team, practitioner)
    barrier = threading.Barrier(2)
    results: list[reminders.ScanResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(scan("2025-01-16"))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(r.reminders.get("overdue", 0) for r in results) == [0, 5]
    assert ReportReminder.objects.count() == 5
    assert Notification.objects.count() == 5 + 1  # the practitioner's five, the SPO's list


# --- Celery ----------------------------------------------------------------------------------


def test_beat_runs_the_scan_each_weekday_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["recall-report-reminders"]
    assert entry["task"] == reminder_task.name == "recall.send_report_reminders"
    schedule = entry["schedule"]
    assert schedule.hour == {7} and schedule.minute == {0}
    assert schedule.day_of_week == {1, 2, 3, 4, 5}


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_runs_the_scan_against_the_database(
    celery_worker_process,  # noqa: F811 - the fixture imported above
    team,
    practitioner,
    manager,
):
    recall = tracked_recall(team, practitioner)
    result = reminder_task.delay("2025-01-16").get(timeout=60)
    assert celery_worker_process.poll() is None, "the worker died"
    assert result == {
        "today": "2025-01-16",
        "ran": True,
        "candidates": 1,
        "reminders": {"overdue": 1},
        "recipients": 2,
        "notifications": 2,
    }
    assert sent(recall) == [("overdue", d("2025-01-16"))]
    again = reminder_task.delay("2025-01-16").get(timeout=60)
    assert again["reminders"] == {} and again["notifications"] == 0
    assert Notification.objects.count() == 2


# --- the admin -------------------------------------------------------------------------------


def test_an_administrator_adds_an_extra_holiday_in_the_admin(admin_user, outsider):
    admin_user.is_staff = True
    admin_user.save()
    url = reverse("admin:recall_holidayoverride_add")
    client = client_for(admin_user)
    response = client.post(
        url, {"date": "2025-01-10", "kind": "extra", "description": "One-off bank holiday"}
    )
    assert response.status_code == 302, response.content
    row = HolidayOverride.objects.get()
    assert (row.date, row.kind, row.created_by) == (d("2025-01-10"), "extra", admin_user)
    # An override that changes nothing is refused.
    response = client.post(url, {"date": "2025-01-11", "kind": "extra", "description": "Sat"})
    assert response.status_code == 200 and b"Saturday or Sunday" in response.content
    response = client.post(url, {"date": "2025-01-14", "kind": "cancelled", "description": "?"})
    assert b"not a bank holiday" in response.content
    # Staff without the administrator role may not edit the calendar.
    outsider.is_staff = True
    outsider.save()
    assert client_for(outsider).get(url).status_code == 403
