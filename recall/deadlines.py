"""Working-day arithmetic for England and Wales, and the 15-working-day recall report deadline.

PURE PYTHON. Nothing here (or anything it imports) may import Django: the web app, the Celery
reminder scan, the command line and the tests all run the same functions without a database.

Contract (the rules, with worked examples, are in ``docs/deadlines.md``):

* A *working day* is Monday to Friday, except an England and Wales bank holiday. Bank holidays
  come from the ``holidays`` package (``GB``, subdivision ``ENG``; England and Wales share their
  bank holidays) for the years it knows (``FIRST_KNOWN_YEAR`` to ``LAST_KNOWN_YEAR``). The caller
  adds one-off holidays and cancels listed ones by building a ``Calendar``. Any question that needs
  the bank holidays of a year outside the known years raises ``OutsideKnownYearsError``.
* ``Calendar.add_working_days(start, n)`` returns the *n*-th working day after ``start``.
  ``start`` is day 0, whatever day of the week it is, so ``n == 0`` returns ``start`` itself.
* ``Calendar.working_days_between(a, b)`` counts the working days *d* with ``a < d <= b`` when
  ``a <= b``, and is minus the count of the working days with ``b < d <= a`` when ``a > b``.
  So ``working_days_between(d, add_working_days(d, n)) == n`` for every ``n >= 0``.
* ``report_due_date(rtc, calendar)`` is the 15th working day after the return-to-custody date.
* ``deadline_status`` gives the badge, label and working days left that every page shows;
  ``reminder_milestone`` and ``due_milestones`` tell the reminder scan what to send.
* ``is_out_of_hours(moment, calendar, office_hours)`` says whether an aware datetime falls
  outside office hours (``OfficeHours``, ``Europe/London`` wall-clock times) or on a day that is
  not a working day: when a duty manager from another PDU may countersign (issue 12).
* Nothing here reads the clock: the caller passes ``today`` (a ``Europe/London`` date) or the
  ``moment``.
* ``python -m recall.deadlines YYYY-MM-DD [--working-days N] [--extra-holiday DATE]...
  [--cancelled-holiday DATE]...`` prints the ISO date of the N-th working day after the date
  (default 15) and nothing else. Invalid input prints an error on stderr and exits 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import re
import sys
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, get_args

if TYPE_CHECKING:  # imported on first use (_holidays_package): see _known_years
    from types import ModuleType

# ---------------------------------------------------------------------------------------------
# Vocabularies and thresholds.

Badge = Literal["on_track", "due_soon", "due_today", "overdue", "submitted"]
Milestone = Literal["5_days", "2_days", "due_today", "overdue"]

BADGES: Final[tuple[Badge, ...]] = get_args(Badge)
MILESTONES: Final[tuple[Milestone, ...]] = get_args(Milestone)

# Inspection section 6.1: the report goes to PPCS and the prisoner "within 15 working days of
# recall to custody" (the Recall, Review and Re-release of Recalled Prisoners Policy Framework).
RECALL_REPORT_WORKING_DAYS: Final = 15

# "Due soon" starts the day the first reminder (5 working days left) goes out, so the badge and
# the email never disagree.
DUE_SOON_WORKING_DAYS: Final = 5

# Reminder milestones before the due date, from the earliest to the latest.
_COUNTDOWN_MILESTONES: Final[tuple[tuple[int, Milestone], ...]] = ((5, "5_days"), (2, "2_days"))

# England and Wales share their bank holidays; the package's ENG and WLS lists are identical (a
# test holds them equal), ENG is simply the one we ask for.
_COUNTRY: Final = "GB"
_SUBDIVISION: Final = "ENG"


def _holidays_package() -> ModuleType:
    """The ``holidays`` package, imported on the first question that needs a bank holiday, not
    with this module: importing it registers every country it knows (about a second of start-up
    for every command and worker that imports this module, issue 17)."""
    import holidays

    return holidays


@functools.cache
def _known_years() -> tuple[int, int]:
    """``(FIRST_KNOWN_YEAR, LAST_KNOWN_YEAR)``: the years the package has England's bank
    holidays for."""
    calendar = _holidays_package().country_holidays(_COUNTRY, subdiv=_SUBDIVISION)
    return calendar.start_year, calendar.end_year


def __getattr__(name: str) -> int:
    """``FIRST_KNOWN_YEAR`` and ``LAST_KNOWN_YEAR``, worked out (and the package imported) when
    first asked for."""
    if name == "FIRST_KNOWN_YEAR":
        return _known_years()[0]
    if name == "LAST_KNOWN_YEAR":
        return _known_years()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


class OutsideKnownYearsError(ValueError):
    """The answer needs the bank holidays of a year the ``holidays`` package does not cover."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"bank holidays are known for {_known_years()[0]} to {_known_years()[1]} only, "
            f"not for {year}"
        )


# ---------------------------------------------------------------------------------------------
# Bank holidays from the package, one year at a time.


@functools.cache
def _package_bank_holidays(year: int) -> frozenset[dt.date]:
    """Every England and Wales bank holiday in ``year`` (substitute days included, weekends too)."""
    first, last = _known_years()
    if not first <= year <= last:
        raise OutsideKnownYearsError(year)
    package = _holidays_package()
    return frozenset(package.country_holidays(_COUNTRY, subdiv=_SUBDIVISION, years=year).keys())


@functools.cache
def _package_weekday_holidays(year: int) -> tuple[dt.date, ...]:
    return tuple(sorted(d for d in _package_bank_holidays(year) if d.weekday() < 5))


def _require_date(value: object, name: str) -> dt.date:
    # datetime is a subclass of date; letting one in would compare unequal to every holiday.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"{name} must be a datetime.date, not {type(value).__name__}")
    return value


def _weekdays_up_to(ordinal: int) -> int:
    """How many Mondays to Fridays have an ordinal in ``1..ordinal`` (ordinal 1 is a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


def _ordinal_of_weekday_number(number: int) -> int:
    """The ordinal of the ``number``-th Monday-to-Friday from ordinal 1 (``number >= 1``)."""
    weeks, rest = divmod(number, 5)
    return 7 * weeks + rest if rest else 7 * (weeks - 1) + 5


@functools.cache
def _last_known_ordinal() -> int:
    return dt.date(_known_years()[1], 12, 31).toordinal()


# ---------------------------------------------------------------------------------------------
# The calendar.


@dataclass(frozen=True, slots=True)
class Calendar:
    """England and Wales working days, with the administrator's overrides.

    ``extra_holidays`` are days off that the ``holidays`` package does not list (a one-off bank
    holiday announced after the release); ``cancelled_holidays`` are listed days that are not
    holidays after all (a holiday that was moved: cancel the old date, add the new one). A date
    may not be in both. An extra holiday on a Saturday or Sunday changes nothing, and cancelling
    a holiday never makes a weekend a working day.
    """

    extra_holidays: frozenset[dt.date] = frozenset()
    cancelled_holidays: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        for name in ("extra_holidays", "cancelled_holidays"):
            raw: Iterable[object] = getattr(self, name)
            values = frozenset(_require_date(value, name) for value in raw)
            # Accept any iterable (a queryset's values_list, a set) but store a frozenset.
            object.__setattr__(self, name, values)
        both = self.extra_holidays & self.cancelled_holidays
        if both:
            listed = ", ".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"a date cannot be both an extra and a cancelled holiday: {listed}")

    def is_bank_holiday(self, day: dt.date) -> bool:
        """Whether ``day`` is a bank holiday (any day of the week) after the overrides."""
        _require_date(day, "day")
        if day in self.cancelled_holidays:
            return False
        return day in self.extra_holidays or day in _package_bank_holidays(day.year)

    def is_working_day(self, day: dt.date) -> bool:
        """Monday to Friday and not a bank holiday."""
        return day.weekday() < 5 and not self.is_bank_holiday(day)

    def bank_holidays(self, year: int) -> tuple[dt.date, ...]:
        """The year's bank holidays after the overrides, in date order (weekend ones included)."""
        listed = _package_bank_holidays(year) - self.cancelled_holidays
        extra = {d for d in self.extra_holidays if d.year == year}
        return tuple(sorted(listed | extra))

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start``.

        ``start`` is day 0 whatever day of the week it is, so ``n == 0`` returns ``start``
        unchanged (even on a weekend), and for ``n >= 1`` the result is always a working day.
        Raises ``ValueError`` if ``n`` is negative and ``OutsideKnownYearsError`` if the answer
        lies beyond ``LAST_KNOWN_YEAR``.
        """
        _require_date(start, "start")
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be an int, not {type(n).__name__}")
        if n < 0:
            raise ValueError(f"n must be 0 or more, not {n}")
        first, last = _known_years()
        if start.year < first or start.year > last:
            raise OutsideKnownYearsError(start.year)
        current, remaining = start, n
        # Jump to the date `remaining` weekdays ahead, then go on by as many weekdays as there
        # were holidays on the way; a few rounds at most, whatever n is.
        while remaining:
            target = _weekdays_up_to(current.toordinal()) + remaining
            ordinal = _ordinal_of_weekday_number(target)
            if ordinal > _last_known_ordinal():
                raise OutsideKnownYearsError(last + 1)
            candidate = dt.date.fromordinal(ordinal)
            remaining = self._weekday_holidays_after(current, candidate)
            current = candidate
        return current

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """The signed number of working days from ``a`` to ``b``.

        For ``a <= b``: how many working days ``d`` have ``a < d <= b`` (``a`` itself is not
        counted, ``b`` is). For ``a > b``: minus ``working_days_between(b, a)``. So it is 0 when
        ``a == b``, ``working_days_between(a, b) == -working_days_between(b, a)``, and
        ``working_days_between(d, add_working_days(d, n)) == n`` for every ``n >= 0``.
        """
        _require_date(a, "a")
        _require_date(b, "b")
        if a == b:
            return 0
        if a > b:
            return -self.working_days_between(b, a)
        weekdays = _weekdays_up_to(b.toordinal()) - _weekdays_up_to(a.toordinal())
        return weekdays - self._weekday_holidays_after(a, b)

    def _weekday_holidays_after(self, a: dt.date, b: dt.date) -> int:
        """How many Monday-to-Friday bank holidays ``d`` have ``a < d <= b`` (``a < b``)."""
        first_year = (a + dt.timedelta(days=1)).year
        count = 0
        for year in range(first_year, b.year + 1):
            for day in _package_weekday_holidays(year):
                if a < day <= b and day not in self.cancelled_holidays:
                    count += 1
        for day in self.extra_holidays:
            if a < day <= b and day.weekday() < 5 and day not in _package_bank_holidays(day.year):
                count += 1
        return count


DEFAULT_CALENDAR: Final = Calendar()
"""The package's bank holidays with no overrides. The app builds its own from the admin table."""


def report_due_date(
    return_to_custody: dt.date,
    calendar: Calendar,
    working_days: int = RECALL_REPORT_WORKING_DAYS,
) -> dt.date:
    """The recall report due date: the 15th working day after the return-to-custody date."""
    return calendar.add_working_days(return_to_custody, working_days)


# ---------------------------------------------------------------------------------------------
# Office hours: when a duty manager from another PDU may countersign (issue 12).

LONDON: Final = zoneinfo.ZoneInfo("Europe/London")
DEFAULT_OFFICE_HOURS: Final = ("09:00", "17:00")
_HH_MM: Final = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """Opening and closing time on a working day, ``Europe/London`` wall-clock time. The office
    is open from ``opens`` (included) to ``closes`` (excluded)."""

    opens: dt.time
    closes: dt.time

    def __post_init__(self) -> None:
        for name in ("opens", "closes"):
            if not isinstance(getattr(self, name), dt.time):
                raise TypeError(f"{name} must be a datetime.time")
        if not self.opens < self.closes:
            raise ValueError(
                f"office hours must open before they close, not {self.opens:%H:%M} to "
                f"{self.closes:%H:%M}"
            )

    @classmethod
    def parse(cls, hours: Sequence[str]) -> OfficeHours:
        """From two ``"HH:MM"`` strings, e.g. ``("09:00", "17:00")``; ValueError otherwise."""
        if isinstance(hours, str) or len(hours) != 2:
            raise ValueError('office hours are two times, e.g. ("09:00", "17:00")')
        times = []
        for text in hours:
            match = _HH_MM.fullmatch(str(text).strip())
            if match is None:
                raise ValueError(f"office hours must be HH:MM (24-hour clock), not {text!r}")
            times.append(dt.time(int(match[1]), int(match[2])))
        return cls(times[0], times[1])

    def __str__(self) -> str:
        return f"{self.opens:%H:%M} to {self.closes:%H:%M}"


def is_out_of_hours(moment: dt.datetime, calendar: Calendar, office_hours: OfficeHours) -> bool:
    """Whether ``moment`` falls outside working hours: on a day that is not a working day
    (weekend, bank holiday, administrator's extra holiday), or before ``office_hours.opens`` or
    from ``office_hours.closes`` on a working day, in ``Europe/London`` time (GMT or BST).

    ``moment`` must be timezone-aware (the instant is what counts, not a wall clock of unknown
    zone); a naive datetime raises ``ValueError``.
    """
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"moment must be a datetime.datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be timezone-aware")
    local = moment.astimezone(LONDON)
    if not calendar.is_working_day(local.date()):
        return True
    return not office_hours.opens <= local.time().replace(tzinfo=None) < office_hours.closes


# ---------------------------------------------------------------------------------------------
# Badges for the pages.


@dataclass(frozen=True, slots=True)
class DeadlineStatus:
    """What the caseload, the PPCS queue and the person page show for one report deadline.

    ``working_days_left`` is ``working_days_between(today, due)`` while the report is not late,
    0 on the due date, and negative once ``today`` is after ``due`` (at least 1 late, so a
    weekend straight after the due date already shows -1). For a submitted report it is counted
    at the submission date instead: 0 or more if it went in on time, negative if late.
    """

    due: dt.date
    today: dt.date
    submitted: dt.date | None
    working_days_left: int
    badge: Badge
    label: str

    @property
    def is_overdue(self) -> bool:
        return self.badge == "overdue"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def long_date(day: dt.date) -> str:
    """``3 March 2025``: a date in a message (GOV.UK style). The one formatter of the app."""
    return f"{day.day} {day:%B %Y}"


def weekday_date(day: dt.date) -> str:
    """``Monday 3 March 2025``: a deadline, or a date in a reminder."""
    return f"{day:%A} {long_date(day)}"


def working_days_left(due: dt.date, on: dt.date, calendar: Calendar) -> int:
    """Working days from ``on`` to ``due``; negative (at most -1) once ``on`` is after ``due``."""
    left = calendar.working_days_between(on, due)
    return min(left, -1) if on > due else left


def deadline_status(
    due: dt.date, today: dt.date, submitted: dt.date | None, calendar: Calendar
) -> DeadlineStatus:
    """The badge for a report due on ``due``, seen on ``today``.

    * ``submitted`` — the report has a submitted date (whatever today is).
    * ``overdue`` — ``today`` is after ``due``.
    * ``due_today`` — ``today`` is ``due``.
    * ``due_soon`` — 1 to 5 working days left (``DUE_SOON_WORKING_DAYS``). Also 0 left before
      the due date, which only happens when ``due`` is not itself a working day.
    * ``on_track`` — more than 5 working days left.
    """
    _require_date(due, "due")
    _require_date(today, "today")
    if submitted is not None:
        _require_date(submitted, "submitted")
        margin = working_days_left(due, submitted, calendar)
        label = (
            "Submitted on time"
            if margin >= 0
            else f"Submitted {_plural(-margin, 'working day')} late"
        )
        return DeadlineStatus(due, today, submitted, margin, "submitted", label)
    left = working_days_left(due, today, calendar)
    badge: Badge
    if today > due:
        badge, label = "overdue", f"Overdue by {_plural(-left, 'working day')}"
    elif today == due:
        badge, label = "due_today", "Due today"
    elif left > DUE_SOON_WORKING_DAYS:
        badge, label = "on_track", f"Due in {_plural(left, 'working day')}"
    elif left >= 1:
        badge, label = "due_soon", f"Due in {_plural(left, 'working day')}"
    else:
        badge, label = "due_soon", f"Due on {weekday_date(due)}"
    return DeadlineStatus(due, today, None, left, badge, label)


# ---------------------------------------------------------------------------------------------
# Reminder milestones for the scan.


def reminder_milestone(due: dt.date, today: dt.date, calendar: Calendar) -> Milestone | None:
    """The milestone that falls on ``today``, if any (the scan that ran on time sends this).

    ``5_days`` and ``2_days`` when exactly that many working days are left, ``due_today`` on
    the due date, ``overdue`` on every working day after it; otherwise ``None``. ``None`` on a
    day that is not a working day, so each of the first three falls on exactly one day.
    """
    _require_date(due, "due")
    if not calendar.is_working_day(today):
        return None
    if today > due:
        return "overdue"
    if today == due:
        return "due_today"
    left = calendar.working_days_between(today, due)
    for days, milestone in _COUNTDOWN_MILESTONES:
        if left == days:
            return milestone
    return None


def due_milestones(due: dt.date, today: dt.date, calendar: Calendar) -> list[Milestone]:
    """Every milestone reached by ``today`` and not yet superseded by a later one.

    Derived from the dates alone, so a scan that missed days still sends what is relevant:
    more than 5 working days left gives ``[]``; 3 to 5 left ``["5_days"]``; 2 or fewer (but
    before the due date) ``["2_days"]``, which supersedes ``5_days``; on the due date
    ``["due_today"]``; after it ``["overdue"]``. Each milestone supersedes every earlier one, so
    the list has at most one item today; it is a list so that a milestone that supersedes
    nothing could be added without changing the callers. Unlike ``reminder_milestone`` it does
    not look at whether ``today`` is a working day: the scan itself should run on working days
    only (a Monday-to-Friday crontab still fires on bank holidays).
    """
    _require_date(due, "due")
    _require_date(today, "today")
    if today > due:
        return ["overdue"]
    if today == due:
        return ["due_today"]
    left = calendar.working_days_between(today, due)
    reached = [milestone for days, milestone in _COUNTDOWN_MILESTONES if left <= days]
    return reached[-1:]


def reminder_key_date(milestone: Milestone, due: dt.date, today: dt.date) -> dt.date:
    """The date to record a sent reminder under, so that it is sent once and only once.

    Record reminders unique on (recall, milestone, this date). ``overdue`` repeats on every
    working day, so its key is ``today``; the others are sent once per deadline, so their key
    is ``due`` — a late scan that sends ``5_days`` three days before the due date, and sees it
    again the next morning, finds it already recorded.
    """
    return today if milestone == "overdue" else due


# ---------------------------------------------------------------------------------------------
# Command line.


def _date_argument(value: str) -> dt.date:
    # fromisoformat alone would also take "20241220" and "2024-W52-5".
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value} is not a valid date (YYYY-MM-DD)") from None


def _working_days_argument(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value} is not a whole number of 0 or more")
    return number


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m recall.deadlines",
        description=(
            "Print the N-th England and Wales working day after DATE (DATE is day 0). "
            "With the default N=15 that is the recall report due date for a return to custody "
            "on DATE."
        ),
    )
    parser.add_argument("date", metavar="DATE", type=_date_argument, help="YYYY-MM-DD")
    parser.add_argument(
        "--working-days",
        metavar="N",
        type=_working_days_argument,
        default=RECALL_REPORT_WORKING_DAYS,
        help=f"how many working days after DATE (default {RECALL_REPORT_WORKING_DAYS})",
    )
    parser.add_argument(
        "--extra-holiday",
        metavar="YYYY-MM-DD",
        type=_date_argument,
        action="append",
        default=[],
        help="a day off the holidays package does not list (repeatable)",
    )
    parser.add_argument(
        "--cancelled-holiday",
        metavar="YYYY-MM-DD",
        type=_date_argument,
        action="append",
        default=[],
        help="a listed bank holiday that is a working day after all (repeatable)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Print the N-th working day after the date; argparse exits 2 on invalid input."""
    parser = _parser()
    args = parser.parse_args(argv)
    start: dt.date = args.date
    n: int = args.working_days
    extra: list[dt.date] = args.extra_holiday
    cancelled: list[dt.date] = args.cancelled_holiday
    try:
        calendar = Calendar(frozenset(extra), frozenset(cancelled))
        result = calendar.add_working_days(start, n)
    except ValueError as exc:
        parser.error(str(exc))
    print(result.isoformat())
    return 0


if __name__ == "__main__":
    sys.exit(main())
