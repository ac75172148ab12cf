"""Working days and the recall report deadline: known dates across the bank holidays, the
administrator's overrides, the badges and reminder milestones, properties, and the CLI.

Needs no database: ``pytest -p no:django --noconftest tests/test_deadlines.py`` runs it without
Django settings.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recall import deadlines
from recall.deadlines import (
    DEFAULT_CALENDAR,
    Calendar,
    OutsideKnownYearsError,
    deadline_status,
    due_milestones,
    reminder_key_date,
    reminder_milestone,
    report_due_date,
)

ROOT = Path(__file__).resolve().parent.parent
D = dt.date


def cal(extra: tuple[D, ...] = (), cancelled: tuple[D, ...] = ()) -> Calendar:
    return Calendar(frozenset(extra), frozenset(cancelled))


# ---------------------------------------------------------------------------------------------
# The holidays the package gives us.


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2024, 12, 25), "Christmas Day"),
        (D(2024, 12, 26), "Boxing Day"),
        (D(2025, 1, 1), "New Year's Day"),
        (D(2022, 12, 27), "Christmas Day substitute (25th was a Sunday)"),
        (D(2023, 1, 2), "New Year's Day substitute (1st was a Sunday)"),
        (D(2024, 3, 29), "Good Friday"),
        (D(2024, 4, 1), "Easter Monday"),
        (D(2025, 5, 5), "early May bank holiday"),
        (D(2025, 5, 26), "spring bank holiday"),
        (D(2025, 8, 25), "summer bank holiday"),
        (D(2020, 5, 8), "early May bank holiday moved to VE Day"),
        (D(2022, 6, 2), "spring bank holiday moved for the Platinum Jubilee"),
        (D(2022, 6, 3), "Platinum Jubilee bank holiday"),
        (D(2022, 9, 19), "State funeral of Queen Elizabeth II"),
        (D(2023, 5, 8), "Coronation of King Charles III"),
    ],
)
def test_package_bank_holidays_are_not_working_days(day, name):
    assert DEFAULT_CALENDAR.is_bank_holiday(day), name
    assert not DEFAULT_CALENDAR.is_working_day(day), name


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (D(2020, 5, 4), "the first Monday of May 2020 was not a holiday (moved to 8 May)"),
        (D(2022, 5, 30), "the last Monday of May 2022 was not a holiday (moved to 2 June)"),
        (D(2024, 12, 24), "Christmas Eve is a working day"),
        (D(2024, 12, 31), "New Year's Eve is a working day"),
        (D(2025, 3, 17), "St Patrick's Day is a holiday in Northern Ireland only"),
        (D(2025, 1, 2), "2 January is a holiday in Scotland only"),
        (D(2025, 8, 4), "the first Monday of August is a holiday in Scotland only"),
    ],
)
def test_ordinary_weekdays_are_working_days(day, why):
    assert DEFAULT_CALENDAR.is_working_day(day), why


def test_weekends_are_never_working_days():
    assert not DEFAULT_CALENDAR.is_working_day(D(2025, 1, 4))  # Saturday
    assert not DEFAULT_CALENDAR.is_working_day(D(2025, 1, 5))  # Sunday


def test_england_and_wales_have_the_same_bank_holidays_in_the_package():
    years = range(deadlines.FIRST_KNOWN_YEAR, deadlines.LAST_KNOWN_YEAR + 1)
    england = holidays.country_holidays("GB", subdiv="ENG", years=years)
    wales = holidays.country_holidays("GB", subdiv="WLS", years=years)
    assert set(england) == set(wales)


def test_bank_holidays_lists_the_year_after_overrides():
    listed = DEFAULT_CALENDAR.bank_holidays(2022)
    assert D(2022, 6, 3) in listed
    assert D(2022, 9, 19) in listed
    assert list(listed) == sorted(listed)
    moved = cal(extra=(D(2022, 12, 30),), cancelled=(D(2022, 9, 19),)).bank_holidays(2022)
    assert D(2022, 12, 30) in moved
    assert D(2022, 9, 19) not in moved


def test_years_the_package_does_not_know_raise_rather_than_guess():
    with pytest.raises(OutsideKnownYearsError):
        DEFAULT_CALENDAR.is_working_day(D(2101, 1, 3))
    with pytest.raises(OutsideKnownYearsError):
        DEFAULT_CALENDAR.add_working_days(D(2100, 12, 20), 15)
    with pytest.raises(OutsideKnownYearsError):
        DEFAULT_CALENDAR.working_days_between(D(2100, 12, 1), D(2101, 1, 10))
    assert DEFAULT_CALENDAR.add_working_days(D(2100, 12, 1), 15) == D(2100, 12, 22)


# ---------------------------------------------------------------------------------------------
# The recall report due date: known dates.


@pytest.mark.parametrize(
    ("rtc", "due", "why"),
    [
        (D(2024, 12, 20), D(2025, 1, 15), "Christmas, Boxing Day and New Year's Day 2024-25"),
        (D(2024, 12, 23), D(2025, 1, 16), "Christmas 2024, RTC the Monday before"),
        (D(2022, 12, 23), D(2023, 1, 18), "Christmas 2022 with substitute days on 27 Dec, 2 Jan"),
        (D(2024, 3, 28), D(2024, 4, 22), "Good Friday and Easter Monday 2024"),
        (D(2025, 5, 2), D(2025, 5, 27), "early May and spring bank holidays 2025"),
        (D(2022, 5, 27), D(2022, 6, 21), "spring bank holiday and Platinum Jubilee 2022"),
        (D(2022, 9, 16), D(2022, 10, 10), "the Queen's funeral, 19 September 2022"),
        (D(2023, 4, 28), D(2023, 5, 23), "early May and the coronation, 2023"),
        (D(2025, 1, 6), D(2025, 1, 27), "three ordinary weeks"),
    ],
)
def test_report_is_due_on_the_15th_working_day_after_return_to_custody(rtc, due, why):
    assert report_due_date(rtc, DEFAULT_CALENDAR) == due, why
    assert DEFAULT_CALENDAR.working_days_between(rtc, due) == 15


@pytest.mark.parametrize(
    ("rtc", "due"),
    [
        (D(2025, 1, 3), D(2025, 1, 24)),  # Friday
        (D(2025, 1, 4), D(2025, 1, 24)),  # Saturday: day 0, so Monday is day 1
        (D(2025, 1, 5), D(2025, 1, 24)),  # Sunday
        (D(2025, 4, 18), D(2025, 5, 13)),  # Good Friday, then Easter Monday and early May
        (D(2024, 12, 25), D(2025, 1, 17)),  # Christmas Day
    ],
)
def test_the_return_to_custody_date_is_day_0_whatever_day_it_is(rtc, due):
    assert report_due_date(rtc, DEFAULT_CALENDAR) == due


def test_the_first_working_day_after_easter_thursday_is_the_tuesday():
    assert DEFAULT_CALENDAR.add_working_days(D(2024, 3, 28), 1) == D(2024, 4, 2)


def test_zero_working_days_after_a_date_is_the_date_itself():
    for day in (D(2025, 1, 6), D(2025, 1, 4), D(2024, 12, 25)):
        assert DEFAULT_CALENDAR.add_working_days(day, 0) == day


def test_negative_working_days_are_rejected():
    with pytest.raises(ValueError, match="0 or more"):
        DEFAULT_CALENDAR.add_working_days(D(2025, 1, 6), -1)


def test_an_extra_holiday_moves_the_due_date_later():
    rtc = D(2024, 12, 20)
    assert report_due_date(rtc, cal(extra=(D(2024, 12, 27),))) == D(2025, 1, 16)
    # On the old due date itself: the report is due the next working day.
    assert report_due_date(rtc, cal(extra=(D(2025, 1, 15),))) == D(2025, 1, 16)


def test_an_extra_holiday_at_the_weekend_or_outside_the_window_changes_nothing():
    rtc = D(2024, 12, 20)
    assert report_due_date(rtc, cal(extra=(D(2024, 12, 28),))) == D(2025, 1, 15)
    assert report_due_date(rtc, cal(extra=(D(2025, 2, 3), D(2024, 12, 20)))) == D(2025, 1, 15)


def test_a_cancelled_holiday_moves_the_due_date_back():
    rtc = D(2024, 12, 20)
    assert report_due_date(rtc, cal(cancelled=(D(2024, 12, 26),))) == D(2025, 1, 14)
    assert cal(cancelled=(D(2024, 12, 26),)).is_working_day(D(2024, 12, 26))


def test_a_moved_holiday_is_a_cancel_plus_an_extra():
    # As if the package had not known that May Day 2020 moved to Friday 8 May.
    moved = cal(extra=(D(2020, 5, 4),), cancelled=(D(2020, 5, 8),))
    assert not moved.is_working_day(D(2020, 5, 4))
    assert moved.is_working_day(D(2020, 5, 8))


def test_cancelling_a_weekend_holiday_does_not_make_the_weekend_a_working_day():
    assert not cal(cancelled=(D(2022, 12, 25),)).is_working_day(D(2022, 12, 25))


def test_working_days_between_is_signed_and_excludes_the_start():
    c = DEFAULT_CALENDAR
    assert c.working_days_between(D(2025, 1, 6), D(2025, 1, 6)) == 0
    assert c.working_days_between(D(2025, 1, 6), D(2025, 1, 7)) == 1
    assert c.working_days_between(D(2025, 1, 7), D(2025, 1, 6)) == -1
    assert c.working_days_between(D(2025, 1, 3), D(2025, 1, 5)) == 0  # Friday to Sunday
    assert c.working_days_between(D(2025, 1, 4), D(2025, 1, 6)) == 1  # Saturday to Monday
    assert c.working_days_between(D(2024, 12, 24), D(2024, 12, 27)) == 1
    assert c.working_days_between(D(2024, 1, 1), D(2025, 1, 1)) == 254


def test_calendar_validates_its_overrides():
    with pytest.raises(ValueError, match="both an extra and a cancelled"):
        cal(extra=(D(2025, 1, 6),), cancelled=(D(2025, 1, 6),))
    with pytest.raises(TypeError):
        Calendar(frozenset({dt.datetime(2025, 1, 6, 9, 0)}))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        DEFAULT_CALENDAR.add_working_days(dt.datetime(2025, 1, 6, 9, 0), 1)


def test_calendar_accepts_any_iterable_and_stays_hashable():
    c = Calendar({D(2025, 1, 6)}, [])  # type: ignore[arg-type]
    assert c.extra_holidays == frozenset({D(2025, 1, 6)})
    assert c == cal(extra=(D(2025, 1, 6),))
    assert hash(c) == hash(cal(extra=(D(2025, 1, 6),)))


# ---------------------------------------------------------------------------------------------
# Badges.

DUE = D(2025, 1, 15)  # a Wednesday


@pytest.mark.parametrize(
    ("today", "badge", "left", "label"),
    [
        (D(2024, 12, 20), "on_track", 15, "Due in 15 working days"),
        (D(2025, 1, 7), "on_track", 6, "Due in 6 working days"),
        (D(2025, 1, 8), "due_soon", 5, "Due in 5 working days"),
        (D(2025, 1, 11), "due_soon", 3, "Due in 3 working days"),  # Saturday
        (D(2025, 1, 14), "due_soon", 1, "Due in 1 working day"),
        (DUE, "due_today", 0, "Due today"),
        (D(2025, 1, 16), "overdue", -1, "Overdue by 1 working day"),
        (D(2025, 1, 20), "overdue", -3, "Overdue by 3 working days"),
    ],
)
def test_deadline_status_badges(today, badge, left, label):
    status = deadline_status(DUE, today, None, DEFAULT_CALENDAR)
    assert (status.badge, status.working_days_left, status.label) == (badge, left, label)
    assert status.is_overdue == (badge == "overdue")


@pytest.mark.parametrize(
    ("today", "left"),
    [(D(2025, 1, 18), -1), (D(2025, 1, 19), -1), (D(2025, 1, 20), -1), (D(2025, 1, 21), -2)],
)
def test_the_weekend_straight_after_the_due_date_is_already_overdue(today, left):
    status = deadline_status(D(2025, 1, 17), today, None, DEFAULT_CALENDAR)
    assert (status.badge, status.working_days_left) == ("overdue", left)


@pytest.mark.parametrize(
    ("submitted", "left", "label"),
    [
        (D(2025, 1, 10), 3, "Submitted on time"),
        (DUE, 0, "Submitted on time"),
        (D(2025, 1, 16), -1, "Submitted 1 working day late"),
        (D(2025, 1, 17), -2, "Submitted 2 working days late"),
    ],
)
def test_a_submitted_report_shows_submitted_whatever_today_is(submitted, left, label):
    status = deadline_status(DUE, D(2025, 3, 1), submitted, DEFAULT_CALENDAR)
    assert (status.badge, status.working_days_left, status.label) == ("submitted", left, label)


def test_a_due_date_that_is_not_a_working_day_is_due_soon_before_it():
    # Only possible when a holiday was added after the due date was stored.
    status = deadline_status(D(2025, 1, 18), D(2025, 1, 17), None, DEFAULT_CALENDAR)
    assert (status.badge, status.working_days_left) == ("due_soon", 0)
    assert status.label == "Due on Saturday 18 January 2025"


def test_deadline_status_uses_the_calendar_it_is_given():
    extra = cal(extra=(D(2025, 1, 9), D(2025, 1, 10)))
    assert deadline_status(DUE, D(2025, 1, 7), None, DEFAULT_CALENDAR).badge == "on_track"
    assert deadline_status(DUE, D(2025, 1, 7), None, extra).working_days_left == 4


# ---------------------------------------------------------------------------------------------
# Reminder milestones.


@pytest.mark.parametrize(
    ("today", "fires", "due_now"),
    [
        (D(2025, 1, 7), None, []),
        (D(2025, 1, 8), "5_days", ["5_days"]),
        (D(2025, 1, 9), None, ["5_days"]),
        (D(2025, 1, 10), None, ["5_days"]),
        (D(2025, 1, 11), None, ["5_days"]),  # Saturday: nothing fires, state unchanged
        (D(2025, 1, 13), "2_days", ["2_days"]),
        (D(2025, 1, 14), None, ["2_days"]),
        (DUE, "due_today", ["due_today"]),
        (D(2025, 1, 16), "overdue", ["overdue"]),
        (D(2025, 1, 18), None, ["overdue"]),
        (D(2025, 1, 20), "overdue", ["overdue"]),
    ],
)
def test_reminder_milestones(today, fires, due_now):
    assert reminder_milestone(DUE, today, DEFAULT_CALENDAR) == fires
    assert due_milestones(DUE, today, DEFAULT_CALENDAR) == due_now


def test_no_milestone_fires_on_a_bank_holiday():
    # Due Wednesday 8 Jan 2025: 5 working days left on 31 Dec and still on 1 Jan (a holiday).
    due = D(2025, 1, 8)
    assert DEFAULT_CALENDAR.working_days_between(D(2024, 12, 31), due) == 5
    assert reminder_milestone(due, D(2024, 12, 31), DEFAULT_CALENDAR) == "5_days"
    assert reminder_milestone(due, D(2025, 1, 1), DEFAULT_CALENDAR) is None
    assert due_milestones(due, D(2025, 1, 1), DEFAULT_CALENDAR) == ["5_days"]


def test_reminder_key_date_repeats_only_overdue():
    today = D(2025, 1, 20)
    assert reminder_key_date("overdue", DUE, today) == today
    for milestone in ("5_days", "2_days", "due_today"):
        assert reminder_key_date(milestone, DUE, today) == DUE


def _scan(due: D, run_days: list[D], calendar: Calendar) -> list[tuple[D, str]]:
    """The reminder job as the app will run it: state-derived, recorded under a unique key."""
    recorded: set[tuple[str, D]] = set()
    sent: list[tuple[D, str]] = []
    for today in run_days:
        if not calendar.is_working_day(today):
            continue
        for milestone in due_milestones(due, today, calendar):
            key = (milestone, reminder_key_date(milestone, due, today))
            if key not in recorded:
                recorded.add(key)
                sent.append((today, milestone))
    return sent


def _days(first: D, last: D) -> list[D]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def test_a_scan_that_ran_late_sends_what_is_still_relevant_and_nothing_twice():
    every_day = _days(D(2024, 12, 20), D(2025, 1, 21))
    down = {D(2025, 1, 8), D(2025, 1, 9)}  # the worker was down when 5_days fell due
    runs = [d for d in every_day if d not in down]
    runs = [d for d in runs for _ in range(2)]  # and every run happens twice
    assert _scan(DUE, runs, DEFAULT_CALENDAR) == [
        (D(2025, 1, 10), "5_days"),
        (D(2025, 1, 13), "2_days"),
        (DUE, "due_today"),
        (D(2025, 1, 16), "overdue"),
        (D(2025, 1, 17), "overdue"),
        (D(2025, 1, 20), "overdue"),
        (D(2025, 1, 21), "overdue"),
    ]


def test_a_scan_down_past_both_countdown_milestones_sends_only_the_latest():
    runs = [D(2025, 1, 7), D(2025, 1, 14), D(2025, 1, 14)]
    assert _scan(DUE, runs, DEFAULT_CALENDAR) == [(D(2025, 1, 14), "2_days")]


# ---------------------------------------------------------------------------------------------
# Properties. Days span the years the app will meet; the calendars have random overrides.

days = st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31))
# The day a test starts from; the calendar's overrides cluster around it so that they matter.
anchors = st.shared(days, key="anchor")
counts = st.integers(min_value=0, max_value=400)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    anchor = draw(anchors)
    near = st.dates(
        min_value=anchor - dt.timedelta(days=40), max_value=anchor + dt.timedelta(days=700)
    )
    listed = [
        day
        for year in range(anchor.year - 1, min(anchor.year + 2, 2092) + 1)
        for day in DEFAULT_CALENDAR.bank_holidays(year)
    ]
    extra = draw(st.frozensets(near, max_size=8))
    # Cancel real holidays, not only days that never were holidays.
    cancelled = draw(st.frozensets(near, max_size=4) | st.frozensets(st.sampled_from(listed)))
    return Calendar(extra, cancelled - extra)


def _naive_add(calendar: Calendar, start: D, n: int) -> D:
    day = start
    while n:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day):
            n -= 1
    return day


def _naive_between(calendar: Calendar, a: D, b: D) -> int:
    if a > b:
        return -_naive_between(calendar, b, a)
    return sum(calendar.is_working_day(d) for d in _days(a + dt.timedelta(days=1), b))


@settings(deadline=None)
@given(calendars(), anchors, st.integers(min_value=-40, max_value=700))
def test_is_working_day_matches_the_definition(calendar, anchor, offset):
    day = anchor + dt.timedelta(days=offset)
    listed = day in holidays.country_holidays("GB", subdiv="ENG", years=day.year)
    holiday = (listed or day in calendar.extra_holidays) and day not in calendar.cancelled_holidays
    assert calendar.is_working_day(day) == (day.weekday() < 5 and not holiday)


@settings(deadline=None)
@given(calendars(), anchors, counts)
def test_add_working_days_matches_counting_one_day_at_a_time(calendar, start, n):
    assert calendar.add_working_days(start, n) == _naive_add(calendar, start, n)


@settings(deadline=None)
@given(calendars(), anchors, st.integers(min_value=1, max_value=400))
def test_the_nth_working_day_after_is_a_working_day(calendar, start, n):
    assert calendar.is_working_day(calendar.add_working_days(start, n))


@settings(deadline=None)
@given(calendars(), anchors, counts)
def test_add_working_days_is_strictly_increasing_in_n(calendar, start, n):
    assert calendar.add_working_days(start, n) < calendar.add_working_days(start, n + 1)


@settings(deadline=None)
@given(calendars(), anchors, counts, counts)
def test_adding_n_then_m_is_adding_n_plus_m(calendar, start, n, m):
    then = calendar.add_working_days(calendar.add_working_days(start, n), m)
    assert then == calendar.add_working_days(start, n + m)


@settings(deadline=None)
@given(calendars(), anchors, counts)
def test_working_days_between_inverts_add_working_days(calendar, start, n):
    assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n


@settings(deadline=None)
@given(calendars(), anchors, st.integers(min_value=-600, max_value=600))
def test_working_days_between_matches_counting_and_is_antisymmetric(calendar, a, offset):
    b = a + dt.timedelta(days=offset)
    assert calendar.working_days_between(a, b) == _naive_between(calendar, a, b)
    assert calendar.working_days_between(a, b) == -calendar.working_days_between(b, a)


@settings(deadline=None)
@given(calendars(), anchors, st.integers(min_value=1, max_value=30))
def test_each_countdown_milestone_fires_on_exactly_one_day(calendar, rtc, n):
    due = calendar.add_working_days(rtc, n)
    window = _days(rtc, due + dt.timedelta(days=20))
    fired = [(d, reminder_milestone(due, d, calendar)) for d in window]
    for milestone, days_left in (("5_days", 5), ("2_days", 2), ("due_today", 0)):
        on = [d for d, m in fired if m == milestone]
        # The mark is a working day in the window unless it is the RTC date and a day off.
        reachable = n > days_left or (n == days_left and calendar.is_working_day(rtc))
        assert len(on) == (1 if reachable else 0), milestone
    overdue = [d for d, m in fired if m == "overdue"]
    assert overdue == [d for d in window if d > due and calendar.is_working_day(d)]
    for day, milestone in fired:
        if milestone is not None:
            assert due_milestones(due, day, calendar) == [milestone]


@settings(deadline=None)
@given(calendars(), anchors, st.integers(min_value=1, max_value=30), st.data())
def test_a_scan_on_any_days_never_sends_a_reminder_twice(calendar, rtc, n, data):
    due = calendar.add_working_days(rtc, n)
    window = _days(rtc, due + dt.timedelta(days=20))
    runs = sorted(data.draw(st.lists(st.sampled_from(window), max_size=40)))
    sent = _scan(due, runs, calendar)
    once = [m for _, m in sent if m != "overdue"]
    assert len(once) == len(set(once))
    overdue_days = [d for d, m in sent if m == "overdue"]
    assert len(overdue_days) == len(set(overdue_days))


@settings(deadline=None)
@given(calendars(), anchors, st.integers(min_value=-40, max_value=40))
def test_badge_agrees_with_working_days_left(calendar, due, offset):
    today = due + dt.timedelta(days=offset)
    status = deadline_status(due, today, None, calendar)
    left = status.working_days_left
    assert status.badge in deadlines.BADGES
    if today > due:
        assert status.badge == "overdue" and left <= -1
    elif today == due:
        assert status.badge == "due_today" and left == 0
    elif left > deadlines.DUE_SOON_WORKING_DAYS:
        assert status.badge == "on_track"
    else:
        assert status.badge == "due_soon" and left >= 0


# ---------------------------------------------------------------------------------------------
# Purity and the command line.


def test_the_module_imports_no_django():
    code = (
        "import sys, recall.deadlines; "
        "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')]; "
        "assert not bad, bad"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "recall.deadlines", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI in-process (a subprocess costs a second, mostly importing ``holidays``)."""
    try:
        status = deadlines.main(list(args))
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("args", "printed"),
    [
        (["2024-12-20"], "2025-01-15"),
        (["2024-12-20", "--extra-holiday", "2024-12-27"], "2025-01-16"),
    ],
)
def test_cli_in_a_subprocess_prints_only_the_iso_date(args, printed):
    result = run_cli(*args)
    assert (result.returncode, result.stdout, result.stderr) == (0, printed + "\n", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2021-02-31"], "2021-02-31 is not a valid date (YYYY-MM-DD)"),
        (["2024-12-20", "--working-days", "-1"], "-1 is not a whole number of 0 or more"),
    ],
)
def test_cli_in_a_subprocess_rejects_bad_input_with_status_2(args, message):
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr


@pytest.mark.parametrize(
    ("args", "printed"),
    [
        (["2024-12-20"], "2025-01-15"),
        (["2024-12-20", "--working-days", "0"], "2024-12-20"),
        (["2024-12-20", "--working-days", "15"], "2025-01-15"),
        (["2025-01-04", "--working-days", "1"], "2025-01-06"),
        (["2024-12-20", "--extra-holiday", "2024-12-27"], "2025-01-16"),
        (
            ["2024-12-20", "--extra-holiday", "2024-12-27", "--extra-holiday", "2024-12-30"],
            "2025-01-17",
        ),
        (["2024-12-20", "--cancelled-holiday", "2024-12-26"], "2025-01-14"),
    ],
)
def test_cli_prints_only_the_iso_date(capsys, args, printed):
    assert run_main(capsys, *args) == (0, printed + "\n", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2021-02-31"], "2021-02-31 is not a valid date (YYYY-MM-DD)"),
        (["20241220"], "20241220 is not a valid date (YYYY-MM-DD)"),
        (["2024-W52-5"], "2024-W52-5 is not a valid date (YYYY-MM-DD)"),
        (["tomorrow"], "tomorrow is not a valid date (YYYY-MM-DD)"),
        (["2024-12-20", "--working-days", "-1"], "-1 is not a whole number of 0 or more"),
        (["2024-12-20", "--working-days", "1.5"], "1.5 is not a whole number of 0 or more"),
        (["2024-12-20", "--extra-holiday", "2024-13-01"], "2024-13-01 is not a valid date"),
        (["2024-12-20", "--cancelled-holiday", "x"], "x is not a valid date"),
        (
            ["2024-12-20", "--extra-holiday", "2024-12-27", "--cancelled-holiday", "2024-12-27"],
            "both an extra and a cancelled holiday",
        ),
        (["2100-12-20"], "bank holidays are known for 1872 to 2100 only"),
        ([], "the following arguments are required"),
    ],
)
def test_cli_rejects_bad_input_with_status_2(capsys, args, message):
    status, out, err = run_main(capsys, *args)
    assert (status, out) == (2, "")
    assert message in err


# ---------------------------------------------------------------------------------------------
# Out of hours (issue 12): when a duty manager from another PDU may countersign.

LONDON = deadlines.LONDON
NINE_TO_FIVE = deadlines.OfficeHours.parse(deadlines.DEFAULT_OFFICE_HOURS)


def _london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("moment", "out"),
    [
        (_london(2025, 12, 4, 14, 0), False),  # Thursday afternoon
        (_london(2025, 12, 4, 9, 0), False),  # opening time is in hours
        (_london(2025, 12, 4, 16, 59, 59), False),
        (_london(2025, 12, 4, 17, 0), True),  # closing time is out of hours
        (_london(2025, 12, 4, 8, 59, 59), True),
        (_london(2025, 12, 4, 19, 0), True),
        (_london(2025, 12, 4, 2, 30), True),
        (_london(2025, 12, 6, 11, 0), True),  # Saturday
        (_london(2025, 12, 7, 11, 0), True),  # Sunday
        (_london(2025, 12, 25, 11, 0), True),  # Christmas Day, a Thursday
        (_london(2025, 5, 26, 11, 0), True),  # spring bank holiday, a Monday
        (_london(2025, 5, 27, 11, 0), False),  # the Tuesday after it
        # British Summer Time: 08:30 UTC is 09:30 in London (in hours), 16:30 UTC is 17:30.
        (dt.datetime(2025, 7, 1, 8, 30, tzinfo=dt.UTC), False),
        (dt.datetime(2025, 7, 1, 16, 30, tzinfo=dt.UTC), True),
        # GMT in winter: 16:30 UTC is 16:30 in London.
        (dt.datetime(2025, 12, 4, 16, 30, tzinfo=dt.UTC), False),
    ],
)
def test_out_of_hours_follows_the_working_day_calendar_and_office_hours(moment, out):
    assert deadlines.is_out_of_hours(moment, DEFAULT_CALENDAR, NINE_TO_FIVE) is out


def test_out_of_hours_follows_the_administrators_overrides():
    moved = Calendar(
        extra_holidays=frozenset({dt.date(2025, 12, 4)}),
        cancelled_holidays=frozenset({dt.date(2025, 5, 26)}),
    )
    assert deadlines.is_out_of_hours(_london(2025, 12, 4, 14, 0), moved, NINE_TO_FIVE)
    assert not deadlines.is_out_of_hours(_london(2025, 5, 26, 11, 0), moved, NINE_TO_FIVE)


def test_out_of_hours_follows_the_configured_office_hours():
    late = deadlines.OfficeHours.parse(("08:00", "18:30"))
    assert not deadlines.is_out_of_hours(_london(2025, 12, 4, 18, 0), DEFAULT_CALENDAR, late)
    assert deadlines.is_out_of_hours(_london(2025, 12, 4, 18, 30), DEFAULT_CALENDAR, late)
    assert str(late) == "08:00 to 18:30"


def test_out_of_hours_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="timezone-aware"):
        deadlines.is_out_of_hours(dt.datetime(2025, 12, 4, 14), DEFAULT_CALENDAR, NINE_TO_FIVE)


@pytest.mark.parametrize(
    "hours",
    [("17:00", "09:00"), ("09:00", "09:00"), ("9am", "5pm"), ("24:00", "23:00"), ("09:00",)],
)
def test_office_hours_must_be_two_times_opening_before_closing(hours):
    with pytest.raises(ValueError):
        deadlines.OfficeHours.parse(hours)


@pytest.mark.parametrize(("value", "errors"), [(("09:00", "17:00"), 0), (("17:00", "09:00"), 1)])
def test_a_bad_office_hours_setting_fails_the_system_checks(settings, value, errors):
    from recall.apps import check_office_hours

    settings.OFFICE_HOURS = value
    assert len(check_office_hours()) == errors


def test_the_one_date_formatter_writes_gov_uk_dates_without_a_leading_zero():
    assert deadlines.long_date(dt.date(2025, 3, 3)) == "3 March 2025"
    assert deadlines.weekday_date(dt.date(2025, 1, 10)) == "Friday 10 January 2025"
    assert deadlines.long_date(dt.date(2024, 2, 29)) == "29 February 2024"
