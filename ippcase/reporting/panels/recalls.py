"""Recalls over time: recalls by month of the recall date in the date range, with the reasons
and the criteria recorded on them. One query: the months grouped by PostgreSQL, one filtered
count per reason and per criterion (``reasons @> ARRAY[...]``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from ippcase.core import charts
from ippcase.models import Person, Recall
from ippcase.reporting.dashboard import Panel, PanelData, Scope, Table
from ippcase.vocab import RecallCriterion, RecallReason


def months(date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    """The first day of every month from ``date_from``'s to ``date_to``'s."""
    out, day = [], date_from.replace(day=1)
    while day <= date_to:
        out.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def _recalls_over_time(people: QuerySet[Person], scope: Scope) -> PanelData:
    reasons = list(RecallReason.choices)
    criteria = list(RecallCriterion.choices)
    counts = {
        "total": Count("pk"),
        **{f"r_{code}": Count("pk", filter=Q(reasons__contains=[code])) for code, _ in reasons},
        **{f"c_{code}": Count("pk", filter=Q(criteria__contains=[code])) for code, _ in criteria},
    }
    grouped: list[Any] = list(
        Recall.objects.filter(
            release__person__in=people, recall_date__range=(scope.date_from, scope.date_to)
        )
        .annotate(month=TruncMonth("recall_date"))
        .order_by()
        .values("month")
        .annotate(**counts)
    )
    by_month: dict[dt.date, dict[str, Any]] = {
        row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]: row
        for row in grouped
    }
    empty: dict[str, Any] = dict.fromkeys(counts, 0)
    month_rows = [
        (f"{m:%b %Y}", by_month.get(m, empty)) for m in months(scope.date_from, scope.date_to)
    ]

    def totals(key: str) -> int:
        return sum(row[key] for _, row in month_rows)

    reason_table = Table(
        "Recalls by month, with their reasons",
        ("Month", "Recalls", *(label for _, label in reasons)),
        [
            *(
                (label, row["total"], *(row[f"r_{code}"] for code, _ in reasons))
                for label, row in month_rows
            ),
            ("Total", totals("total"), *(totals(f"r_{code}") for code, _ in reasons)),
        ],
    )
    criteria_table = Table(
        "Recalls by month, with the recall criteria given",
        ("Month", "Recalls", *(label for _, label in criteria)),
        [
            *(
                (label, row["total"], *(row[f"c_{code}"] for code, _ in criteria))
                for label, row in month_rows
            ),
            ("Total", totals("total"), *(totals(f"c_{code}") for code, _ in criteria)),
        ],
    )
    reason_chart = charts.bar_chart(
        [(label, [row[f"r_{code}"] for code, _ in reasons]) for label, row in month_rows],
        series=[label for _, label in reasons],
        stacked=True,
        title="Recall reasons by month: bar chart",
        description="For each month, the reasons given for the recalls made that month, one "
        "segment per reason. A recall may have more than one reason. The table below gives the "
        "same numbers.",
        chart_id="recalls-reasons-chart",
    )
    criteria_chart = charts.bar_chart(
        [(label, [row[f"c_{code}"] for code, _ in criteria]) for label, row in month_rows],
        series=[f"Criterion ({code})" for code, _ in criteria],
        stacked=True,
        title="Recall criteria by month: bar chart",
        description="For each month, the recall criteria given for the recalls made that month, "
        "one segment per criterion (i) to (iv). A recall may meet more than one. The table below "
        "gives the same numbers.",
        chart_id="recalls-criteria-chart",
    )
    return PanelData(
        tables=(reason_table, criteria_table),
        charts=(reason_chart, criteria_chart),
        notes=(
            "Every recall of the people in scope whose recall date falls in the date range, "
            "imported history included, by month of the recall date.",
            "A recall may have several reasons and meet several criteria, so the reason and "
            "criteria columns may add up to more than the number of recalls.",
        ),
    )


RECALLS_OVER_TIME = Panel("recalls-over-time", "Recalls over time", _recalls_over_time)
