"""The recall report deadlines panel: the 15-working-day report and the dossier served.

The due date depends on the holiday calendar (recall.reminders.calendar), so it cannot be
computed in SQL. Instead PostgreSQL groups the tracked recalls by their return-to-custody date
(and, for submitted reports, by the submission date too) and counts them; Python works out one
due date per distinct date and adds the counts. The Python work grows with the number of
distinct dates (at most one a day), never with the number of recalls, and the query count is
fixed: the calendar, the open reports grouped by date, the submitted reports grouped by dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from ippcase.core import charts
from ippcase.models import Person, Recall
from ippcase.reporting.dashboard import Panel, PanelData, Scope, Table
from recall import deadlines, reminders


def weighted_median(pairs: Iterable[tuple[int, int]]) -> float | None:
    """The median of values given as ``(value, how many)`` pairs; None when there are none."""
    items = sorted((v, n) for v, n in pairs if n > 0)
    total = sum(n for _, n in items)
    if not total:
        return None

    def nth(k: int) -> int:  # the k-th value (0-based) in sorted order
        seen = 0
        for value, n in items:
            seen += n
            if k < seen:
                return value
        raise IndexError(k)  # pragma: no cover

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def _fmt(value: float | None) -> str:
    if value is None:
        return "None"
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def _report_deadlines(people: QuerySet[Person], scope: Scope) -> PanelData:
    calendar = reminders.calendar()
    recalls = Recall.objects.filter(returned_to_custody__isnull=False)
    counted = scope.recall_people(people)
    if counted is not None:
        recalls = recalls.filter(release__person__in=counted)
    tracked = reminders.tracked(recalls)
    week_end = scope.today + dt.timedelta(days=6 - scope.today.weekday())  # this Sunday

    def due(rtc: dt.date) -> dt.date | None:
        try:
            return deadlines.report_due_date(rtc, calendar)
        except deadlines.OutsideKnownYearsError:
            return None

    # Open reports and unserved dossiers, grouped by return-to-custody date.
    due_this_week = overdue = not_served = 0
    overdue_late: list[tuple[int, int]] = []
    open_rows: list[Any] = list(
        tracked.order_by()
        .values("returned_to_custody")
        .annotate(
            open=Count("pk", filter=Q(report_submitted_on__isnull=True)),
            unserved=Count("pk", filter=Q(dossier_served_on__isnull=True)),
        )
    )
    for row in open_rows:
        not_served += row["unserved"]
        day = due(row["returned_to_custody"])
        if day is None or not row["open"]:
            continue
        if scope.today <= day <= week_end:
            due_this_week += row["open"]
        elif day < scope.today:
            overdue += row["open"]
            late = -deadlines.working_days_left(day, scope.today, calendar)
            overdue_late.append((late, row["open"]))

    # Reports submitted in the date range, grouped by (return to custody, submitted) dates.
    submitted = late_submitted = 0
    submitted_late: list[tuple[int, int]] = []
    submitted_rows: list[Any] = list(
        tracked.filter(report_submitted_on__range=(scope.date_from, scope.date_to))
        .order_by()
        .values("returned_to_custody", "report_submitted_on")
        .annotate(n=Count("pk"))
    )
    for row in submitted_rows:
        submitted += row["n"]
        day = due(row["returned_to_custody"])
        if day is None or row["report_submitted_on"] <= day:
            continue
        late_submitted += row["n"]
        late = calendar.working_days_between(day, row["report_submitted_on"])
        submitted_late.append((max(late, 1), row["n"]))

    median_late = weighted_median(submitted_late)
    median_overdue = weighted_median(overdue_late)
    counts = [
        ("Reports due this week, not yet submitted", due_this_week),
        ("Reports overdue today", overdue),
        ("Reports submitted in the period", submitted),
        ("Reports submitted late in the period", late_submitted),
        ("Dossiers not yet served on the prisoner", not_served),
    ]
    medians = [
        ("Reports submitted late in the period", _fmt(median_late)),
        ("Reports overdue today", _fmt(median_overdue)),
    ]
    chart = charts.bar_chart(
        [(label, [n]) for label, n in counts],
        series=["Recalls"],
        title="Recall report deadlines: bar chart",
        description="Number of recall reports due this week, overdue, submitted and submitted "
        "late in the period, and of recall dossiers not yet served. The table below gives the "
        "same numbers.",
        chart_id="report-deadlines-chart",
    )
    return PanelData(
        tables=(
            Table("Recall reports and dossiers", ("Measure", "Recalls"), counts),
            Table("Median working days late", ("Reports", "Median working days late"), medians),
        ),
        charts=(chart,),
        notes=(
            "Tracked recalls only: made through a recall recommendation in this service, not "
            "rescinded, and returned to custody. The report is due 15 working days after the "
            "return to custody (England and Wales bank holidays, with the administrator's "
            "changes).",
            "Due this week: due from today to Sunday. Overdue: past the due date and not "
            "submitted, as of today. Dossiers not served: returned to custody and no date the "
            "dossier was served, whenever the recall was.",
            "Median working days late: for reports submitted late within the date range, "
            "working days from the due date to the submission; for overdue reports, working "
            "days from the due date to today.",
        ),
    )


REPORT_DEADLINES = Panel("report-deadlines", "Recall report deadlines", _report_deadlines)
