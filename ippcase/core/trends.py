"""Reading the per-team monthly counts (issue 17; ``ippcase.models.TrendCount``, kept by the
database: ippcase/caseload/trends.py; docs/performance.md, "Trends").

A trend over a date range reads the whole months inside it from the counts (a few hundred rows
for five years of a country) and only the part-months at its two ends from the rows themselves:
:func:`split` cuts the range, :func:`counts` reads the cells. The counts are kept for a whole
organisation unit (national, a region, a PDU, a team): a caller may use them only when the
people it reports on are every person of that unit that the measure counts (:class:`Unit`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, Sum

from ippcase.models import TrendCount
from ippcase.vocab import RecallCriterion, RecallReason

LEVELS = ("national", "region", "pdu", "team")


@dataclass(frozen=True)
class Unit:
    """An organisation unit the counts are kept for: ``level`` one of :data:`LEVELS`, ``code``
    the region's, PDU's or team's code (``""`` nationally)."""

    level: str
    code: str = ""

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"No trend counts are kept for the level {self.level!r}")

    def cells(self) -> Q:
        return {
            "national": Q(),
            "region": Q(pdu__region__code=self.code),
            "pdu": Q(pdu__code=self.code),
            "team": Q(team__code=self.code),
        }[self.level]


@dataclass(frozen=True)
class Split:
    """A date range cut into the whole months inside it (first days of the first and last
    month; None when no whole month fits) and the part-months left at its ends."""

    first_month: dt.date | None
    last_month: dt.date | None
    edges: tuple[tuple[dt.date, dt.date], ...]


def _month_end(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def split(date_from: dt.date, date_to: dt.date) -> Split:
    """``date_from``..``date_to`` (inclusive) as whole months and up to two part-months."""
    first = date_from if date_from.day == 1 else _month_end(date_from) + dt.timedelta(days=1)
    last_end = (
        date_to if date_to == _month_end(date_to) else date_to.replace(day=1) - dt.timedelta(1)
    )
    if first > last_end:  # no whole month inside: the range is its own edge
        return Split(None, None, ((date_from, date_to),))
    edges = []
    if date_from < first:
        edges.append((date_from, first - dt.timedelta(days=1)))
    if last_end < date_to:
        edges.append((last_end + dt.timedelta(days=1), date_to))
    return Split(first, last_end.replace(day=1), tuple(edges))


def recall_measures() -> dict[str, Q]:
    """The recall counts kept a month (by recall date), with the recalls each counts."""
    return {
        "recall": Q(),
        **{f"recall_reason:{c}": Q(reasons__contains=[c]) for c in RecallReason.values},
        **{f"recall_criterion:{c}": Q(criteria__contains=[c]) for c in RecallCriterion.values},
    }


def counts(
    unit: Unit, measures: Iterable[str], first_month: dt.date, last_month: dt.date
) -> dict[tuple[dt.date, str], int]:
    """The counts of ``measures`` for each month from ``first_month`` to ``last_month`` in
    ``unit`` (one query); a month and measure with nothing counted is absent."""
    rows = (
        TrendCount.objects.filter(
            unit.cells(), measure__in=list(measures), month__range=(first_month, last_month)
        )
        .values("month", "measure")
        .annotate(total=Sum("n"))
        .order_by()
    )
    return {(row["month"], row["measure"]): int(row["total"]) for row in rows}
