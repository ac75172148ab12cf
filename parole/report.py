"""The parole report (issue 5): Parole Board decisions by financial year, licence termination
outcomes, time in custody before re-release by route (RARR, paper, oral) and deferrals the prisoner
was or was not told about. docs/reports.md defines every figure.

A selector: reads only, every figure aggregated by PostgreSQL. :func:`parole_report` runs the same
four queries whatever the size of the data (no Python loop over rows), so a page built on it keeps
a fixed query count.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Aggregate,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import ExtractYear

from ippcase.core import trends
from ippcase.models import Person, Recall
from parole import vocab
from parole.models import Adjournment, ParoleReview, RiskAssessedRecallReview, TerminationReferral

# The report's keys for each outcome, in the order the Parole Board's tables show them.
PAPER_OUTCOMES = {
    "negative": vocab.ReviewOutcome.NO_RELEASE,
    "oral": vocab.ReviewOutcome.ORAL_HEARING,
    "open": vocab.ReviewOutcome.OPEN_CONDITIONS,
    "release": vocab.ReviewOutcome.RELEASE,
}
ORAL_OUTCOMES = {
    "negative": vocab.ReviewOutcome.NO_RELEASE,
    "open": vocab.ReviewOutcome.OPEN_CONDITIONS,
    "release": vocab.ReviewOutcome.RELEASE,
}
TERMINATION_OUTCOMES = [str(value) for value in vocab.TerminationOutcome.values]
ROUTES = [str(value) for value in vocab.ReReleaseRoute.values]  # rarr, paper, oral
# An open end of the report's period, for cutting it into months.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


class Median(Aggregate):
    """PostgreSQL's continuous median, ``percentile_cont(0.5)``: the middle value, or the mean
    of the two middle values of an even count; NULLs are ignored; NULL when there are none."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    allow_distinct = False


class DaysBetween(Func):
    """``later - earlier`` for two date columns: PostgreSQL's date subtraction, whole days."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()


def financial_year(date: dt.date) -> str:
    """The financial year holding ``date``: 1 April 2022 to 31 March 2023 is "2022/2023"."""
    start = date.year if date.month >= 4 else date.year - 1
    return f"{start}/{start + 1}"


def _fy_start(field: str) -> Case:
    """The first calendar year of the financial year of the date column ``field``, in SQL."""
    return Case(
        When(**{f"{field}__month__gte": 4}, then=ExtractYear(field)),
        default=ExtractYear(field) - 1,
        output_field=IntegerField(),
    )


def _in_range(field: str, date_from: dt.date | None, date_to: dt.date | None) -> Q:
    """``field`` within [date_from, date_to], either end open when None; never NULL."""
    q = Q(**{f"{field}__isnull": False})
    if date_from is not None:
        q &= Q(**{f"{field}__gte": date_from})
    if date_to is not None:
        q &= Q(**{f"{field}__lte": date_to})
    return q


def percentage(part: int, whole: int) -> float:
    """``part`` as a percentage of ``whole``, to one decimal place rounding halves up; 0.0 when
    ``whole`` is 0."""
    if not whole:
        return 0.0
    exact = Decimal(part) * 100 / Decimal(whole)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _median(value: float | None) -> float | None:
    # percentile_cont of whole days is whole or a half: exact as a float, and JSON-friendly.
    return None if value is None else float(value)


def decision_measure(kind: str, outcome: str) -> str:
    """The key of the monthly count of Parole Board decisions of a kind with an outcome
    (``ippcase.models.TrendCount``; kept by ippcase/caseload/trends.py)."""
    return f"parole_decision:{kind}:{outcome}"


def decision_measures() -> dict[str, Q]:
    """Every decision count kept a month, with the reviews it counts (decision date: the
    month; docs/performance.md, "Trends")."""
    return {
        decision_measure(kind, outcome): Q(kind=kind, outcome=outcome)
        for kind in vocab.ReviewKind.values
        for outcome in [*vocab.ReviewOutcome.values, ""]  # "": dated but no outcome recorded
    }


def _decisions(
    people: QuerySet[Person] | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    unit: trends.Unit | None = None,
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """Paper and oral decisions per financial year of the decision date. When ``unit`` says the
    people are a whole organisation unit, the whole months come from the per-team monthly
    counts (one query) and only the part-months at the ends from the reviews (one more);
    otherwise one query over the reviews."""
    counted: dict[tuple[str, int], dict[str, int]] = {}  # (kind, first year) -> outcome counts

    def add(kind: str, year: int, outcome: str, n: int) -> None:
        row = counted.setdefault((kind, year), dict.fromkeys(PAPER_OUTCOMES, 0))
        for key, value in PAPER_OUTCOMES.items():
            if value == outcome:
                row[key] += n

    reviews = ParoleReview.objects.filter(_in_range("decided_on", date_from, date_to))
    read_reviews = True
    if people is not None:
        reviews = reviews.filter(recall__release__person__in=people)
    elif unit is None:
        unit = trends.Unit("national")  # everyone
    if unit is not None:
        cut = trends.split(date_from or EARLIEST, date_to or LATEST)
        if cut.first_month is not None and cut.last_month is not None:
            cells = trends.counts(unit, decision_measures(), cut.first_month, cut.last_month)
            for (month, measure), n in cells.items():
                _, kind, outcome = measure.split(":")
                add(kind, month.year if month.month >= 4 else month.year - 1, outcome, n)
        edges = Q(pk__in=[])
        for start, end in cut.edges:
            edges |= Q(decided_on__range=(start, end))
        reviews = reviews.filter(edges)
        read_reviews = bool(cut.edges)
    if read_reviews:
        counts = {
            key: Count("pk", filter=Q(outcome=outcome)) for key, outcome in PAPER_OUTCOMES.items()
        }
        rows: Any = (
            reviews.annotate(fy=_fy_start("decided_on")).values("kind", "fy").annotate(**counts)
        )
        for row in rows:  # one row per kind and year: a handful, not one per review
            for key, outcome in PAPER_OUTCOMES.items():
                add(row["kind"], row["fy"], str(outcome), row[key])
    paper: dict[str, dict[str, int]] = {}
    oral: dict[str, dict[str, int]] = {}
    for (kind, year), row in sorted(counted.items(), key=lambda item: (item[0][1], item[0][0])):
        label = f"{year}/{year + 1}"
        if kind == vocab.ReviewKind.PAPER:
            paper[label] = {key: row[key] for key in PAPER_OUTCOMES}
        else:
            oral[label] = {key: row[key] for key in ORAL_OUTCOMES}
    return paper, oral


def licence_termination(
    people: QuerySet[Person] | None, date_from: dt.date | None, date_to: dt.date | None
) -> dict[str, Any]:
    referrals = TerminationReferral.objects.all()
    if people is not None:
        referrals = referrals.filter(person__in=people)
    decided = _in_range("decided_on", date_from, date_to)
    totals = referrals.aggregate(
        referred=Count("pk", filter=_in_range("referred_on", date_from, date_to)),
        decided=Count("pk", filter=decided),
        **{o: Count("pk", filter=decided & Q(outcome=o)) for o in TERMINATION_OUTCOMES},
    )
    outcomes = {o: totals[o] for o in TERMINATION_OUTCOMES}
    return {
        "referred": totals["referred"],
        "decided": totals["decided"],
        "outcomes": outcomes,
        "outcome_percentages": {o: percentage(n, totals["decided"]) for o, n in outcomes.items()},
    }


def re_release_figures(
    people: QuerySet[Person] | None, date_from: dt.date | None, date_to: dt.date | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Time in custody before re-release, overall and by route (one query)."""
    recalls = Recall.objects.filter(_in_range("re_released_on", date_from, date_to))
    if people is not None:
        recalls = recalls.filter(release__person__in=people)
    rarr_release = Exists(
        RiskAssessedRecallReview.objects.filter(
            recall=OuterRef("pk"), outcome=vocab.RarrOutcome.RELEASE
        )
    )
    board_release = ParoleReview.objects.filter(
        recall=OuterRef("pk"), outcome=vocab.ReviewOutcome.RELEASE
    ).order_by("-decided_on", "-pk")
    recalls = recalls.annotate(
        route=Case(
            When(rarr_release, then=Value(vocab.ReReleaseRoute.RARR.value)),
            default=Subquery(board_release.values("kind")[:1]),
        ),
        days=DaysBetween("re_released_on", "returned_to_custody"),
    )
    # DISTINCT changes nothing (the primary key is among the columns) but makes Django aggregate
    # over a subquery that PostgreSQL does not flatten: the route's lookups run once a recall,
    # not once for each FILTER below that reads it (docs/performance.md).
    figures = (
        recalls.values("pk", "route", "days")
        .distinct()
        .aggregate(
            rarr_count=Count("pk", filter=Q(route=vocab.ReReleaseRoute.RARR)),
            overall=Median(F("days")),
            **{route: Median(F("days"), filter=Q(route=route)) for route in ROUTES},
        )
    )
    rarr = {
        "re_released": figures["rarr_count"],
        "median_days_in_custody": _median(figures[vocab.ReReleaseRoute.RARR]),
    }
    re_release = {
        "median_days_in_custody": _median(figures["overall"]),
        "by_route": {route: _median(figures[route]) for route in ROUTES},
    }
    return rarr, re_release


def _deferrals(
    people: QuerySet[Person] | None, date_from: dt.date | None, date_to: dt.date | None
) -> dict[str, int]:
    delays = Adjournment.objects.filter(_in_range("date", date_from, date_to))
    if people is not None:
        delays = delays.filter(review__recall__release__person__in=people)
    totals = delays.aggregate(
        total=Count("pk"),
        prisoner_informed=Count("pk", filter=Q(prisoner_informed_on__isnull=False)),
    )
    return {
        "total": totals["total"],
        "prisoner_informed": totals["prisoner_informed"],
        "not_informed": totals["total"] - totals["prisoner_informed"],
    }


def parole_report(
    *,
    people: QuerySet[Person] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    unit: trends.Unit | None = None,
) -> dict[str, Any]:
    """The parole report's figures as a JSON-friendly dict (keys in docs/reports.md).

    Each figure is filtered by its own event date (decision, referral, re-release or
    adjournment date) within ``date_from``..``date_to`` inclusive, either end unbounded when
    None. ``people`` scopes every figure to those people (None: everyone); ``unit``, when the
    people are every person of an organisation unit (everyone: the national unit), lets the
    decisions read the per-team monthly counts. Medians are floats
    (or None when there is nothing to take the median of); percentages are floats to one decimal
    place. Four queries, whatever the size of the data.
    """
    paper, oral = _decisions(people, date_from, date_to, unit)
    rarr, re_release = re_release_figures(people, date_from, date_to)
    return {
        "period": {
            "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None,
        },
        "paper_decisions": paper,
        "oral_decisions": oral,
        "licence_termination": licence_termination(people, date_from, date_to),
        "rarr": rarr,
        "re_release": re_release,
        "deferrals": _deferrals(people, date_from, date_to),
    }


# ---------------------------------------------------------------------------------------------
# Presentation helpers shared by the page, the CSV download and the management command

SECTION_TITLES = {
    "paper_decisions": "Paper decisions by financial year",
    "oral_decisions": "Oral hearing decisions by financial year",
    "licence_termination": "Licence termination referrals",
    "rarr": "Risk-assessed recall review (RARR)",
    "re_release": "Time in custody before re-release",
    "deferrals": "Adjournments and deferrals",
}
DECISION_LABELS = {
    "negative": "No release",
    "oral": "Directed to an oral hearing",
    "open": "Open conditions",
    "release": "Release",
}
TERMINATION_LABELS = {str(k): str(v) for k, v in vocab.TerminationOutcome.choices}
ROUTE_LABELS = {str(k): str(v) for k, v in vocab.ReReleaseRoute.choices}


def report_rows(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The report flattened to ``(section, key, value)`` rows for a CSV: nested keys joined with
    dots (``2022/2023.negative``, ``outcomes.terminated``); None is an empty value."""
    rows: list[tuple[str, str, str]] = []

    def walk(section: str, prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(section, f"{prefix}.{key}" if prefix else str(key), item)
        else:
            rows.append((section, prefix, "" if value is None else str(value)))

    for section, value in report.items():
        walk(section, "", value)
    return rows


def format_days(value: float | None) -> str:
    """A median number of days for people: "45", "45.5", or "No data"."""
    if value is None:
        return "No data"
    return str(int(value)) if value == int(value) else f"{value:.1f}"
