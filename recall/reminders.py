"""The recall report deadline from the database, and the morning reminder scan.

``recall.deadlines`` does the working-day arithmetic without Django; this module feeds it the
administrator's holiday overrides and the recalls in the database, and records and sends the
reminders. The rules are in ``docs/deadlines.md`` ("Reminders").

* Which recalls are *tracked*: a recall that this service made (a recall recommendation is
  linked to it through ``RecallRecommendation.recall``), that was not rescinded, and whose
  return to custody is recorded. Recalls imported from history (no recommendation) are not
  tracked: their reports were written, or not, long before this service, and reminding anyone
  of them would be noise.
* The due date is never stored: it is worked out from the return-to-custody date with today's
  calendar, so an extra holiday added later moves it everywhere at once.
* The scan is derived from database state (``ReportReminder`` is unique per recall, milestone
  and key date), so it can run late, twice, or in two workers at once: it sends what is still
  relevant and nothing twice. The skeleton of the scan (working days only, one transaction,
  record once, notify, count) is ``ippcase.core.reminders``; this module keeps the rules: which
  reminders are due, who is told and the wording.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, TypeAlias

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from ippcase import vocab as case_vocab
from ippcase.core import reminders as core_reminders
from ippcase.core.notifications import Message
from ippcase.core.reminders import open_allocation
from ippcase.models import Recall, User
from recall import deadlines
from recall import vocab as recall_vocab
from recall.deadlines import Calendar, DeadlineStatus, Milestone, weekday_date
from recall.models import HolidayOverride, ReportReminder

log = logging.getLogger(__name__)

# The earliest reminder (5 working days left, the day the badge turns "due soon") falls on the
# 10th working day after the return to custody: never less than 12 calendar days after it (RTC
# on a Sunday, day 10 on the Friday of the following week; cancelling a holiday never makes a
# weekend a working day). A recall returned to custody more recently has nothing to send yet,
# so the scan's query leaves it out.
_FIRST_REMINDER_DAY: Final = deadlines.RECALL_REPORT_WORKING_DAYS - deadlines.DUE_SOON_WORKING_DAYS
_EARLIEST_REMINDER_DAYS: Final = _FIRST_REMINDER_DAY + 2 * ((_FIRST_REMINDER_DAY - 1) // 5)


# ---------------------------------------------------------------------------------------------
# The calendar.


def calendar() -> Calendar:
    """The England and Wales working-day calendar with the administrator's overrides.

    Read from ``HolidayOverride`` on every call (one query on a table of a handful of rows),
    not cached: an override takes effect at once in every process without a cache to
    invalidate, and a page that shows a deadline keeps working while Redis is down. Build it
    once per request or scan and pass it to :func:`recall_deadline` for every recall shown.
    """
    extra: set[dt.date] = set()
    cancelled: set[dt.date] = set()
    for day, kind in HolidayOverride.objects.values_list("date", "kind"):
        (extra if kind == recall_vocab.HolidayOverrideKind.EXTRA else cancelled).add(day)
    return Calendar(extra_holidays=frozenset(extra), cancelled_holidays=frozenset(cancelled))


_calendar_from_db = calendar  # for the functions whose ``calendar`` argument hides the name


def office_hours() -> deadlines.OfficeHours:
    """``settings.OFFICE_HOURS`` (``OFFICE_HOURS`` in the environment, "09:00-17:00" by default)."""
    try:
        return deadlines.OfficeHours.parse(settings.OFFICE_HOURS)
    except (TypeError, ValueError) as error:
        raise ImproperlyConfigured(f"OFFICE_HOURS: {error}") from error


def out_of_hours(now: dt.datetime | None = None) -> bool:
    """Whether ``now`` (default: the clock) is outside office hours on the working-day calendar
    with the administrator's overrides: when a duty manager from another PDU may countersign."""
    moment = timezone.now() if now is None else now
    return deadlines.is_out_of_hours(moment, calendar(), office_hours())


# ---------------------------------------------------------------------------------------------
# One recall's deadline, for the pages.


def tracked(queryset: QuerySet[Recall] | None = None) -> QuerySet[Recall]:
    """The recalls whose report deadline is tracked: made by this service (a recommendation is
    linked) and not rescinded. The return to custody may still be unrecorded (no deadline yet)."""
    qs = Recall.objects.all() if queryset is None else queryset
    return qs.filter(recommendation__isnull=False).exclude(
        recommendation__status=recall_vocab.RecommendationStatus.RESCINDED
    )


def with_tracking(queryset: QuerySet[Recall]) -> QuerySet[Recall]:
    """Annotate ``report_tracked`` on each recall (in the same query), so that
    :func:`recall_deadline` does not need to load the recommendation of every row of a list."""
    return queryset.annotate(
        report_tracked=Q(recommendation__isnull=False)
        & ~Q(recommendation__status=recall_vocab.RecommendationStatus.RESCINDED)
    )


def _is_tracked(recall: Recall) -> bool:
    annotated: bool | None = getattr(recall, "report_tracked", None)
    if annotated is not None:
        return annotated
    try:
        status = recall.recommendation.status
    except Recall.recommendation.RelatedObjectDoesNotExist:
        return False
    return bool(status != recall_vocab.RecommendationStatus.RESCINDED)


def recall_deadline(
    recall: Recall, *, today: dt.date | None = None, calendar: Calendar | None = None
) -> DeadlineStatus | None:
    """The recall report deadline of ``recall`` as every page shows it (due date, working days
    left, badge, label), or ``None`` when it is not tracked: no return to custody recorded yet,
    a recall imported from history (no recommendation), or a rescinded one.

    ``today`` defaults to today in ``Europe/London`` and ``calendar`` to :func:`calendar` (one
    query): a list must build the calendar once and pass it. Whether the recall is tracked comes
    from a ``report_tracked`` annotation (:func:`with_tracking`) when present, else from
    ``recall.recommendation`` (select it with ``select_related("recommendation")`` in a list).
    A due date beyond the years the ``holidays`` package knows gives ``None`` (and a warning).
    """
    if recall.returned_to_custody is None or not _is_tracked(recall):
        return None
    return deadline_from_rtc(
        recall.returned_to_custody,
        submitted=recall.report_submitted_on,
        today=today,
        calendar=calendar,
    )


def deadline_from_rtc(
    returned_to_custody: dt.date,
    *,
    submitted: dt.date | None = None,
    today: dt.date | None = None,
    calendar: Calendar | None = None,
) -> DeadlineStatus | None:
    """The report deadline for a tracked recall returned to custody on that date (None, with a
    warning, beyond the years the ``holidays`` package knows)."""
    day = timezone.localdate() if today is None else today
    cal = _calendar_from_db() if calendar is None else calendar
    try:
        due = deadlines.report_due_date(returned_to_custody, cal)
    except deadlines.OutsideKnownYearsError:
        log.warning("a report due date is outside the years the holidays package knows")
        return None
    return deadlines.deadline_status(due, day, submitted, cal)


# ---------------------------------------------------------------------------------------------
# The scan.


ScanResult: TypeAlias = core_reminders.ScanResult[int]
"""What one scan did (``ippcase.core.reminders.ScanResult``); ``candidates`` counts the open
tracked recalls looked at, ``reminders`` the new reminders per milestone."""


@dataclass(frozen=True, slots=True)
class _Candidate:
    recall_id: int
    returned_to_custody: dt.date
    crn: str
    pdu_id: int | None  # the case's PDU (its team's, or the unallocated list's); None: national
    practitioner_id: int


@dataclass(frozen=True, slots=True)
class _Due:
    candidate: _Candidate
    due: dt.date
    milestone: Milestone
    key_date: dt.date


def _candidates(today: dt.date) -> list[_Candidate]:
    """Every open tracked recall that could have a reminder today, in ONE query: report not
    submitted, returned to custody at least 12 days ago, with the person's CRN and PDU and the
    practitioner to remind (the current COM, else whoever made the recommendation)."""
    rows = (
        tracked()
        .filter(
            returned_to_custody__isnull=False,
            returned_to_custody__lte=today - dt.timedelta(days=_EARLIEST_REMINDER_DAYS),
            report_submitted_on__isnull=True,
        )
        # At most one open allocation per person (a constraint), so the join adds no rows.
        .annotate(current_allocation=open_allocation("release__person"))
        .annotate(
            crn=F("release__person__crn"),
            # An unallocated case's overdue reports go to the managers of the PDU whose list
            # it is on (Person.pdu_id); on the national list, to no PDU's managers.
            pdu_id=Coalesce(
                F("release__person__team__pdu_id"), F("release__person__awaiting_pdu_id")
            ),
            practitioner_id=Coalesce(
                F("current_allocation__practitioner_id"), F("recommendation__created_by_id")
            ),
        )
        .order_by("pk")
        .values_list("pk", "returned_to_custody", "crn", "pdu_id", "practitioner_id")
    )
    return [
        _Candidate(recall_id, rtc, crn, pdu_id, practitioner_id)
        for recall_id, rtc, crn, pdu_id, practitioner_id in rows
        if rtc is not None  # filtered above; tells the type checker
    ]


def _reminders_due(candidates: Iterable[_Candidate], today: dt.date, cal: Calendar) -> list[_Due]:
    """The reminders relevant today, worked out in Python (memoised per RTC date: many recalls
    share one, and the arithmetic is the same for all of them)."""
    by_rtc: dict[dt.date, tuple[dt.date, list[Milestone]] | None] = {}
    result: list[_Due] = []
    for c in candidates:
        if c.returned_to_custody not in by_rtc:
            try:
                due = deadlines.report_due_date(c.returned_to_custody, cal)
            except deadlines.OutsideKnownYearsError:
                log.warning("recall %s: report due date outside the known years", c.recall_id)
                by_rtc[c.returned_to_custody] = None
                continue
            by_rtc[c.returned_to_custody] = (due, deadlines.due_milestones(due, today, cal))
        found = by_rtc[c.returned_to_custody]
        if found is None:
            continue
        due, milestones = found
        for milestone in milestones:
            key = deadlines.reminder_key_date(milestone, due, today)
            result.append(_Due(c, due, milestone, key))
    return result


def _key(r: _Due) -> tuple[int, Milestone, dt.date]:
    return (r.candidate.recall_id, r.milestone, r.key_date)


def _find(today: dt.date, cal: Calendar) -> tuple[int, list[_Due]]:
    """The open tracked recalls looked at, and the reminders due today."""
    candidates = _candidates(today)
    return len(candidates), _reminders_due(candidates, today, cal)


def _managers_by_pdu(pdu_ids: set[int]) -> dict[int, tuple[str, list[int]]]:
    """Each PDU's name and active managers (SPOs), in ONE query."""
    found: dict[int, tuple[str, list[int]]] = {}
    if not pdu_ids:
        return found
    rows = (
        User.objects.filter(
            is_active=True, roles__contains=[case_vocab.Role.MANAGER], team__pdu_id__in=pdu_ids
        )
        .order_by("pk")
        .values_list("pk", "team__pdu_id", "team__pdu__name")
    )
    for user_id, pdu_id, pdu_name in rows:
        found.setdefault(pdu_id, (pdu_name, []))[1].append(user_id)
    return found


_StatusOf = Callable[[dt.date], DeadlineStatus]


def _practitioner_message(r: _Due, status_of: _StatusOf) -> Message:
    """One reminder: the due date and the badge label as the pages show it, so a late reminder
    says what is true today. The email says only that a report is due (no CRN, no name); the
    in-app text gives the CRN and links to the case's recall tab."""
    status = status_of(r.due)
    crn = r.candidate.crn
    text = (
        f"The recall report for {crn} is due on {weekday_date(r.due)}: the "
        f"{deadlines.RECALL_REPORT_WORKING_DAYS}th working day after the return to custody on "
        f"{weekday_date(r.candidate.returned_to_custody)}. {status.label}.\n\n"
        "Send the report to PPCS and to the prisoner, then record the date it was submitted."
    )
    subject = f"A recall report is {status.label[0].lower()}{status.label[1:]}"
    link = reverse("recall:person_recall", args=[crn])
    return Message(r.candidate.practitioner_id, subject, text, link)


def _manager_digest(
    manager_id: int, pdu_name: str, overdue: list[_Due], today: dt.date, status_of: _StatusOf
) -> Message:
    """The SPO's daily list of the PDU's overdue reports (one notification, not one per report;
    the CRNs are in the in-app text only)."""
    lines = [
        f"- {r.candidate.crn}: due {weekday_date(r.due)}, {status_of(r.due).label.lower()}"
        for r in sorted(overdue, key=lambda r: (r.due, r.candidate.crn))
    ]
    count = len(overdue)
    subject = f"Overdue recall reports in {pdu_name}: {count}"
    text = (
        f"{'This recall report is' if count == 1 else f'These {count} recall reports are'} "
        f"overdue in {pdu_name} on {weekday_date(today)}. Their practitioners are reminded every "
        "working day until each report is submitted.\n\n" + "\n".join(lines)
    )
    return Message(manager_id, subject, text, reverse("dashboard"))


def _messages(new: list[_Due], today: dt.date, cal: Calendar) -> list[Message]:
    """A message per new reminder to its practitioner, and once overdue one list per SPO of the
    PDU (without the reports of which the SPO is the practitioner: they are told once)."""

    @functools.cache
    def status_of(due: dt.date) -> DeadlineStatus:  # many reports share a due date
        return deadlines.deadline_status(due, today, None, cal)

    messages = [_practitioner_message(r, status_of) for r in new]
    overdue_by_pdu: dict[int, list[_Due]] = defaultdict(list)
    for r in new:
        if r.milestone == recall_vocab.ReminderMilestone.OVERDUE and r.candidate.pdu_id:
            overdue_by_pdu[r.candidate.pdu_id].append(r)
    managers = _managers_by_pdu(set(overdue_by_pdu))
    for pdu_id, (pdu_name, manager_ids) in managers.items():
        for manager_id in manager_ids:
            theirs = [
                r for r in overdue_by_pdu[pdu_id] if r.candidate.practitioner_id != manager_id
            ]
            if theirs:
                messages.append(_manager_digest(manager_id, pdu_name, theirs, today, status_of))
    return messages


_SCAN: Final = core_reminders.Engine(
    name="report reminders",
    log=log,
    ledger=core_reminders.Ledger(ReportReminder, ("recall", "milestone", "key_date"), _key),
    find=_find,
    messages=_messages,
    counted_as=lambda r: r.milestone,
    idle=0,
)


def send_report_reminders(*, today: dt.date | None = None) -> ScanResult:
    """Record and send the recall report reminders due on ``today`` (default: today in London).

    Does nothing on a day that is not a working day (the crontab fires Monday to Friday, bank
    holidays included). Otherwise, for every open tracked recall (report not submitted, return
    to custody recorded), works out the due date with the current calendar and the milestones
    reached (``deadlines.due_milestones``), records each as a ``ReportReminder`` unique on
    (recall, milestone, ``deadlines.reminder_key_date``), and for each one that was not recorded
    before writes an outbox notification to the practitioner (the current COM, else the
    recommender). Once overdue, each manager (SPO) of the person's PDU also gets one list a day
    of the PDU's overdue reports.

    One transaction; a fixed number of queries whatever the number of recalls (the calendar,
    the candidates, one insert of the reminders, the managers, one insert of the notifications).
    Safe to run late, twice, or concurrently: a reminder is sent at most once. Meant to run in
    its own transaction (the task does): it makes the foreign key checks of the transaction
    immediate, which would also apply to the rest of a caller's transaction.
    """
    return _SCAN.run(today=today, calendar=_calendar_from_db())
