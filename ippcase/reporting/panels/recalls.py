"""Recalls over time: recalls by month of the recall date in the date range, with the reasons
and the criteria recorded on them. For a whole organisation unit the whole months are read from
the per-team monthly counts (``ippcase.core.trends``) and the part-months at the ends from the
recalls; for a practitioner's people, one query over their recalls (the months grouped by
PostgreSQL, one filtered count per reason and per criterion, ``reasons @> ARRAY[...]``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from ippcase.core import charts, trends
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


def _month_key(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def recalls_by_month(
    people: QuerySet[Person], scope: Scope, measures: dict[str, Q]
) -> dict[dt.date, dict[str, int]]:
    """Each month's count of every measure (``ippcase.core.trends.recall_measures`` keys) for
    the recalls of ``people`` dated in the scope's range. When the people are a whole unit, the
    whole months come from the per-team monthly counts and only the part-months at the ends
    from the recalls (two queries at most); otherwise one query over the recalls."""
    names = {f"m{i}": key for i, key in enumerate(measures)}
    by_month: dict[dt.date, dict[str, int]] = {}

    def add(month: dt.date, key: str, n: int) -> None:
        row = by_month.setdefault(month, dict.fromkeys(measures, 0))
        row[key] += n

    ranges: tuple[tuple[dt.date, dt.date], ...] = ((scope.date_from, scope.date_to),)
    if scope.unit is not None:
        cut = trends.split(scope.date_from, scope.date_to)
        ranges = cut.edges
        if cut.first_month is not None and cut.last_month is not None:
            cells = trends.counts(scope.unit, measures, cut.first_month, cut.last_month)
            for (month, key), n in cells.items():
                add(month, key, n)
    if ranges:
        dated = Q()
        for start, end in ranges:
            dated |= Q(recall_date__range=(start, end))
        grouped: list[Any] = list(
            Recall.objects.filter(dated, release__person__in=people)
            .annotate(month=TruncMonth("recall_date"))
            .order_by()
            .values("month")
            .annotate(**{name: Count("pk", filter=measures[key]) for name, key in names.items()})
        )
        for row in grouped:
            for name, key in names.items():
                add(_month_key(row["month"]), key, row[name])
    return by_month


def _recalls_over_time(people: QuerySet[Person], scope: Scope) -> PanelData:
    reasons = list(RecallReason.choices)
    criteria = list(RecallCriterion.choices)
    measures = trends.recall_measures()
    by_month = recalls_by_month(people, scope, measures)
    empty = dict.fromkeys(measures, 0)
    month_rows: list[tuple[str, dict[str, Any]]] = [
        (f"{m:%b %Y}", by_month.get(m, empty)) for m in months(scope.date_from, scope.date_to)
    ]

    def table(caption: str, prefix: str, choices: list[tuple[str, str]]) -> Table:
        keys = ["recall", *(f"{prefix}:{code}" for code, _ in choices)]
        return Table(
            caption,
            ("Month", "Recalls", *(label for _, label in choices)),
            [
                *((label, *(row[k] for k in keys)) for label, row in month_rows),
                ("Total", *(sum(row[k] for _, row in month_rows) for k in keys)),
            ],
        )

    reason_table = table("Recalls by month, with their reasons", "recall_reason", reasons)
    criteria_table = table(
        "Recalls by month, with the recall criteria given", "recall_criterion", criteria
    )
    reason_chart = charts.bar_chart(
        [
            (label, [row[f"recall_reason:{code}"] for code, _ in reasons])
            for label, row in month_rows
        ],
        series=[label for _, label in reasons],
        stacked=True,
        title="Recall reasons by month: bar chart",
        description="For each month, the reasons given for the recalls made that month, one "
        "segment per reason. A recall may have more than one reason. The table below gives the "
        "same numbers.",
        chart_id="recalls-reasons-chart",
    )
    criteria_chart = charts.bar_chart(
        [
            (label, [row[f"recall_criterion:{code}"] for code, _ in criteria])
            for label, row in month_rows
        ],
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
