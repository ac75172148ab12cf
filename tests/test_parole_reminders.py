"""The morning scan of parole work (issue 5): oral hearing, untold adjournment and termination
eligibility reminders, modelled on the recall report scan (tests/test_reminders.py).

Dates: the scan runs on Monday 3 March 2025 unless a test says otherwise. An oral hearing on
Monday 31 March 2025 is 28 days ahead then, and 7 days ahead on Monday 24 March.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ippcase import vocab as case_vocab
from ippcase.models import Notification, Recall
from parole import reminders
from parole.models import Adjournment, ParoleReminder, ParoleReview, TerminationReferral
from parole.tasks import send_parole_reminders as reminder_task
from parole.vocab import DelayKind, ReminderKind, ReviewKind
from tests import factories
from tests.test_celery import celery_worker_process  # noqa: F401 - a fixture used below

TODAY = "2025-03-03"  # Monday
HEARING = dt.date(2025, 3, 31)  # Monday, 28 days later


def d(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def scan(day: str = TODAY) -> reminders.ScanResult:
    return reminders.send_parole_reminders(today=d(day))


def person_on(team, com, *, first_release: dt.date, sentence_type: str = "IPP", **names):
    person = factories.PersonFactory(team=team, **names)
    factories.SentenceFactory(person=person, sentence_type=sentence_type)
    factories.ReleaseFactory(person=person, date=first_release)
    if com is not None:
        factories.AllocationFactory(person=person, practitioner=com)
    return person


def recalled(team, com, **names) -> Recall:
    """A person released in June 2024 (not eligible for a termination referral until 2027),
    recalled and in custody, with ``com`` as the current COM."""
    person = person_on(team, com, first_release=d("2024-06-03"), **names)
    return factories.RecallFactory(
        release=person.releases.get(), recall_date=d("2024-09-02"), re_released_on=None
    )


def oral(recall: Recall, hearing: dt.date | None = HEARING, **kwargs) -> ParoleReview:
    return ParoleReview.objects.create(
        recall=recall,
        kind=ReviewKind.ORAL,
        referred_on=d("2024-10-01"),
        hearing_date=hearing,
        **kwargs,
    )


def adjourned(review: ParoleReview, day: str, told: str | None = None) -> Adjournment:
    return Adjournment.objects.create(
        review=review,
        date=d(day),
        reason="Report not ready",
        prisoner_informed_on=d(told) if told else None,
    )


def rows() -> list[tuple[str, int, dt.date]]:
    return list(
        ParoleReminder.objects.order_by("kind", "subject_id", "key_date").values_list(
            "kind", "subject_id", "key_date"
        )
    )


@pytest.fixture
def com(practitioner):
    return practitioner


@pytest.fixture
def ppcs_team(ppcs):
    """Two active PPCS caseworkers and one who has left."""
    second = factories.UserFactory(username="ppcs2", team=None, roles=[case_vocab.Role.PPCS])
    factories.UserFactory(username="ppcs-gone", team=None, roles=["ppcs"], is_active=False)
    return [ppcs, second]


# --- known data, exact reminders ---------------------------------------------------------------


def test_known_data_gives_exact_reminders_and_recipients(team, com, ppcs_team, manager):
    hearing = oral(recalled(team, com))
    oral(recalled(team, com), hearing=d("2025-04-01"))  # 29 days ahead: not yet
    oral(recalled(team, com), decided_on=d("2025-02-20"), outcome="release")  # decided
    rereleased = recalled(team, com)
    Recall.objects.filter(pk=rereleased.pk).update(re_released_on=d("2025-02-01"))
    oral(rereleased)  # the recall was re-released: parole work closed
    paper = ParoleReview.objects.create(
        recall=recalled(team, com), kind=ReviewKind.PAPER, referred_on=d("2024-10-01")
    )
    untold = adjourned(paper, "2025-02-17")  # 10 working days ago, not told
    adjourned(oral(recalled(team, com), hearing=None), "2025-02-17", told="2025-02-18")
    adjourned(oral(recalled(team, com), hearing=None), "2025-02-25")  # 4 working days ago: not yet
    ipp = person_on(team, com, first_release=d("2022-02-08"))  # qualifying 8 February 2025
    person_on(team, com, first_release=d("2022-01-31"))  # qualified 31 January: not newly
    dpp = person_on(team, None, first_release=d("2023-03-03"), sentence_type="DPP")  # today
    person_on(team, com, first_release=d("2023-03-04"), sentence_type="DPP")  # tomorrow
    referred = person_on(team, com, first_release=d("2015-01-05"))
    TerminationReferral.objects.create(person=referred, referred_on=d("2018-01-10"))
    person_on(team, com, first_release=d("2010-01-05"), sentence_type="LIFE")  # not preventive

    result = scan()

    assert result.ran
    assert result.reminders == {"hearing": 1, "untold_delay": 1, "termination_eligible": 2}
    assert rows() == [
        ("hearing", hearing.pk, d("2025-03-03")),  # hearing date minus 28 days
        ("termination_eligible", ipp.pk, d("2025-02-08")),
        ("termination_eligible", dpp.pk, d("2025-03-03")),
        ("untold_delay", untold.pk, d("2025-02-17")),
    ]
    # The COM hears of each of their cases (the DPP person has no COM); each active PPCS
    # caseworker gets one list; no manager, no one who has left.
    assert result.recipients == {com.pk, *(u.pk for u in ppcs_team)}
    assert result.notifications == 3 + 2
    crn = {
        "hearing": hearing.recall.release.person.crn,
        "untold": paper.recall.release.person.crn,
    }
    assert sorted(Notification.objects.filter(recipient=com).values_list("subject", flat=True)) == [
        "A Parole Board oral hearing is in 28 days",
        "A case is eligible for a licence termination referral",
        "A prisoner has not been told of a parole review adjournment",
    ]
    # The emails name no one and give no CRN; the in-app text does, behind sign-in.
    for note in Notification.objects.all():
        for crn_ in (*crn.values(), ipp.crn, dpp.crn):
            assert crn_ not in note.subject + note.body
    assert {n.link for n in Notification.objects.filter(recipient=com)} == {
        reverse("parole:person_parole", args=[c]) for c in (*crn.values(), ipp.crn)
    }
    hearing_body = Notification.objects.get(recipient=com, subject__contains="hearing").text
    assert "Monday 31 March 2025 (in 28 days)" in hearing_body
    untold_body = Notification.objects.get(recipient=com, subject__contains="not been told").text
    assert "adjourned on Monday 17 February 2025" in untold_body
    assert "10 working days on" in untold_body
    assert "record the date they were told on the parole tab" in untold_body
    eligible_body = Notification.objects.get(recipient=com, subject__contains="eligible").text
    assert "IPP, 3 years from the first release on Tuesday 8 February 2022" in eligible_body
    assert "qualifying date Saturday 8 February 2025" in eligible_body
    digest = Notification.objects.get(recipient=ppcs_team[0])
    assert digest.subject == "Parole reminders on Monday 3 March 2025: 4"
    for crn_ in (*crn.values(), ipp.crn, dpp.crn):
        assert f"- {crn_}: " in digest.text
    assert Notification.objects.get(recipient=ppcs_team[1]).text == digest.text


def test_running_twice_sends_nothing_the_second_time(team, com, ppcs):
    oral(recalled(team, com))
    adjourned(oral(recalled(team, com), hearing=None), "2025-02-17")
    person_on(team, com, first_release=d("2022-02-08"))
    first = scan()
    assert first.reminders == {"hearing": 1, "untold_delay": 1, "termination_eligible": 1}
    notes = Notification.objects.count()
    assert notes == first.notifications == 3 + 1
    second = scan()
    assert second.ran
    assert second.candidates == {"hearing": 1, "untold_delay": 1, "termination_eligible": 1}
    assert (second.reminders, second.recipients, second.notifications) == ({}, frozenset(), 0)
    assert Notification.objects.count() == notes
    assert ParoleReminder.objects.count() == 3


# --- hearings ----------------------------------------------------------------------------------


def test_hearing_reminders_go_28_and_7_days_before_and_only_then(team, com, ppcs):
    review = oral(recalled(team, com))
    new_by_day = {}
    day = d("2025-02-24")
    while day <= d("2025-04-02"):
        result = reminders.send_parole_reminders(today=day)
        if result.reminders:
            new_by_day[day] = result.reminders
        day += dt.timedelta(days=1)
    assert new_by_day == {d("2025-03-03"): {"hearing": 1}, d("2025-03-24"): {"hearing": 1}}
    assert rows() == [
        ("hearing", review.pk, d("2025-03-03")),
        ("hearing", review.pk, d("2025-03-24")),
    ]
    assert list(
        Notification.objects.filter(recipient=com).order_by("id").values_list("subject", flat=True)
    ) == [
        "A Parole Board oral hearing is in 28 days",
        "A Parole Board oral hearing is in 7 days",
    ]


def test_after_two_days_down_the_hearing_reminder_is_sent_late_and_once(team, com, ppcs):
    review = oral(recalled(team, com))
    assert scan("2025-02-28").reminders == {}  # 31 days ahead
    # Down on Monday 3 and Tuesday 4 March: Wednesday sends the 28-day reminder, keyed on the 3rd.
    assert scan("2025-03-05").reminders == {"hearing": 1}
    assert scan("2025-03-06").reminders == {}
    assert rows() == [("hearing", review.pk, d("2025-03-03"))]
    assert "(in 26 days)" in Notification.objects.get(recipient=com).text


def test_a_first_run_inside_7_days_sends_only_the_7_day_reminder(team, com, ppcs):
    review = oral(recalled(team, com))
    assert scan("2025-03-26").reminders == {"hearing": 1}  # 5 days ahead
    assert rows() == [("hearing", review.pk, d("2025-03-24"))]
    assert scan("2025-03-31").reminders == {}  # the day of the hearing: nothing more


def test_a_moved_hearing_gets_new_reminders(team, com, ppcs):
    review = oral(recalled(team, com))
    assert scan("2025-03-03").reminders == {"hearing": 1}
    # Adjourned to Monday 28 April: new reminders 28 days (31 March) and 7 days (21 April) before.
    ParoleReview.objects.filter(pk=review.pk).update(hearing_date=d("2025-04-28"))
    assert scan("2025-03-24").reminders == {}
    assert scan("2025-03-31").reminders == {"hearing": 1}
    assert scan("2025-04-22").reminders == {"hearing": 1}  # the 21st is Easter Monday
    assert rows() == [
        ("hearing", review.pk, d("2025-03-03")),
        ("hearing", review.pk, d("2025-03-31")),
        ("hearing", review.pk, d("2025-04-21")),
    ]
    latest = Notification.objects.filter(recipient=com).order_by("id").last()
    assert "Monday 28 April 2025 (in 6 days)" in latest.text


# --- untold adjournments -----------------------------------------------------------------------


def test_an_untold_adjournment_is_reminded_once_and_a_told_one_never(team, com, ppcs):
    review = oral(recalled(team, com), hearing=None)
    untold = adjourned(review, "2025-02-17")
    Adjournment.objects.create(
        review=review,
        kind=DelayKind.DEFERRAL,
        date=d("2025-02-18"),
        reason="x",
        prisoner_informed_on=d("2025-02-19"),
    )
    # 5 working days after Monday 17 February is Monday 24th: the warning starts on the 25th.
    assert scan("2025-02-24").reminders == {}
    assert scan("2025-02-25").reminders == {"untold_delay": 1}
    for later in ("2025-02-26", "2025-03-04", "2025-03-11"):  # not repeated
        assert scan(later).reminders == {}
    assert rows() == [("untold_delay", untold.pk, d("2025-02-17"))]
    # Told late: still nothing more, and a new untold deferral gets its own reminder.
    Adjournment.objects.filter(pk=untold.pk).update(prisoner_informed_on=d("2025-03-05"))
    deferral = Adjournment.objects.create(
        review=review, kind=DelayKind.DEFERRAL, date=d("2025-03-03"), reason="x"
    )
    assert scan("2025-03-11").reminders == {"untold_delay": 1}
    assert Notification.objects.filter(recipient=com).order_by("id").last().subject == (
        "A prisoner has not been told of a parole review deferral"
    )
    assert ("untold_delay", deferral.pk, d("2025-03-03")) in rows()


# --- termination eligibility --------------------------------------------------------------------


def test_eligibility_from_29_february_follows_law_years_after(team, com, ppcs):
    # An IPP period beginning on 29 February 2024 ends on 28 February 2027: qualifying 1 March.
    leap = person_on(team, com, first_release=d("2024-02-29"))
    # First release counts, not the latest: a recall does not restart the period.
    recalled_once = person_on(team, com, first_release=d("2024-02-28"))
    factories.RecallFactory(release=recalled_once.releases.get(), recall_date=d("2024-06-03"))
    factories.ReleaseFactory(person=recalled_once, date=d("2025-01-06"))
    assert scan("2027-02-26").reminders == {}  # Friday
    assert scan("2027-03-01").reminders == {"termination_eligible": 2}  # Monday
    assert rows() == [
        ("termination_eligible", leap.pk, d("2027-03-01")),
        ("termination_eligible", recalled_once.pk, d("2027-02-28")),
    ]


def test_a_referral_or_terminated_licence_means_no_eligibility_reminder(team, com, ppcs):
    refused = person_on(team, com, first_release=d("2020-01-06"))
    TerminationReferral.objects.create(
        person=refused, referred_on=d("2023-01-09"), decided_on=d("2023-06-01"), outcome="refused"
    )
    ended = person_on(team, com, first_release=d("2020-01-06"))
    TerminationReferral.objects.create(
        person=ended,
        referred_on=d("2023-01-09"),
        decided_on=d("2023-06-01"),
        outcome="terminated",
    )
    assert scan().reminders == {}
    assert scan().candidates["termination_eligible"] == 0


def test_the_qualifying_period_comes_from_the_parole_periods_setting(team, com, ppcs, settings):
    person = person_on(team, com, first_release=d("2023-03-01"))  # IPP, 3 years by default
    assert scan().reminders == {}
    settings.PAROLE_PERIODS = {"qualifying_years_ipp": 2}  # e.g. the Sentencing Act 2026 s.42
    assert scan().reminders == {"termination_eligible": 1}
    assert rows() == [("termination_eligible", person.pk, d("2025-03-01"))]


# --- working days, query count, privacy ------------------------------------------------------


def test_nothing_runs_on_a_weekend_or_a_bank_holiday(team, com, ppcs):
    oral(recalled(team, com))
    adjourned(oral(recalled(team, com), hearing=None), "2025-02-17")
    person_on(team, com, first_release=d("2022-02-08"))
    for day in ("2025-03-01", "2025-03-02", "2025-04-18"):  # Saturday, Sunday, Good Friday
        result = scan(day)
        assert not result.ran and result.reminders == {}
    assert ParoleReminder.objects.count() == 0
    assert Notification.objects.count() == 0


def test_the_scan_query_count_does_not_grow_with_the_data(team, com, ppcs_team):
    def queries_for(count: int) -> tuple[int, reminders.ScanResult]:
        Notification.objects.all().delete()
        ParoleReminder.objects.all().delete()
        for _ in range(count):
            oral(recalled(team, com))
            adjourned(oral(recalled(team, com), hearing=None), "2025-02-17")
            person_on(team, com, first_release=d("2022-02-08"))
            person_on(team, None, first_release=d("2023-02-10"), sentence_type="DPP")
        with CaptureQueriesContext(connection) as ctx:
            result = scan()
        return len(ctx.captured_queries), result

    few, few_result = queries_for(1)
    many, many_result = queries_for(20)
    assert few_result.reminders == {"hearing": 1, "untold_delay": 1, "termination_eligible": 2}
    assert many_result.reminders == {"hearing": 21, "untold_delay": 21, "termination_eligible": 42}
    assert many_result.notifications == 21 * 3 + 2  # the COM's (DPP people: no COM), 2 lists
    assert few == many


def test_no_name_goes_into_an_email_or_the_log(team, com, ppcs, caplog):
    names = {"first_name": "Bartholomew", "last_name": "Quigglesworth"}
    recall = recalled(team, com, **names)
    adjourned(oral(recall), "2025-02-17")
    person_on(team, com, first_release=d("2022-02-08"), first_name="Eustace", last_name="Pinkerley")
    with caplog.at_level(logging.DEBUG):
        result = scan()
    assert result.reminders == {"hearing": 1, "untold_delay": 1, "termination_eligible": 1}
    texts = [caplog.text] + [
        f"{s}\n{b}" for s, b in Notification.objects.values_list("subject", "body")
    ]
    assert "parole reminders" in caplog.text
    for text in texts:
        for name in ("Bartholomew", "Quigglesworth", "Eustace", "Pinkerley"):
            assert name not in text


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_the_same_moment_send_each_reminder_once(team, com, ppcs):
    for _ in range(3):
        oral(recalled(team, com))
    barrier = threading.Barrier(2)
    results: list[reminders.ScanResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(scan())
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
    assert sorted(r.reminders.get("hearing", 0) for r in results) == [0, 3]
    assert ParoleReminder.objects.count() == 3
    assert Notification.objects.count() == 3 + 1


# --- Celery ------------------------------------------------------------------------------------


def test_beat_runs_the_scan_each_weekday_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["parole-reminders"]
    assert entry["task"] == reminder_task.name == "parole.send_parole_reminders"
    schedule = entry["schedule"]
    assert schedule.hour == {7} and schedule.minute == {10}
    assert schedule.day_of_week == {1, 2, 3, 4, 5}


def test_the_celery_app_discovers_the_parole_task():
    from ippcase.celery import app

    app.loader.import_default_modules()
    assert "parole.send_parole_reminders" in app.tasks


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_runs_the_scan_against_the_database(
    celery_worker_process,  # noqa: F811 - the fixture imported above
    team,
    com,
    ppcs,
):
    review = oral(recalled(team, com))
    result = reminder_task.delay(TODAY).get(timeout=60)
    assert celery_worker_process.poll() is None, "the worker died"
    assert result == {
        "today": TODAY,
        "ran": True,
        "candidates": {"hearing": 1, "untold_delay": 0, "termination_eligible": 0},
        "reminders": {"hearing": 1},
        "recipients": 2,
        "notifications": 2,
    }
    assert rows() == [(ReminderKind.HEARING, review.pk, d("2025-03-03"))]
    again = reminder_task.delay(TODAY).get(timeout=60)
    assert again["reminders"] == {} and again["notifications"] == 0
    assert Notification.objects.count() == 2
