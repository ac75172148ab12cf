"""Parole (issue 6): who is in custody on recall awaiting re-release and for how long,
adjournments and deferrals the prisoner has not been told about, licence termination outcomes
and re-releases after a risk-assessed recall review (RARR).

Built on the parole report's re-release and licence termination figures (``parole.report``)
and the parole selectors shared with the case pages and reminders (``awaiting_parole``,
``untold_delays``): five queries (six nationally) whatever the number of people;
docs/dashboards.md defines every figure.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, DateField, F, QuerySet, Value, Window
from django.urls import reverse

from ippcase.core.charts import bar_chart
from ippcase.models import Person
from ippcase.reporting.dashboard import Link, Panel, PanelData, Scope, Table
from parole.report import (
    ROUTE_LABELS,
    ROUTES,
    TERMINATION_LABELS,
    TERMINATION_OUTCOMES,
    DaysBetween,
    Median,
    format_days,
    licence_termination,
    re_release_figures,
)
from parole.selectors import awaiting_parole, untold_delays

LIST_LIMIT = 50


def awaiting(people: QuerySet[Person] | None, scope: Scope) -> dict[str, Any]:
    """Recalls in custody awaiting re-release today, and the median days since their return
    to custody (one query)."""
    figures = (
        awaiting_parole(people)
        .annotate(days=DaysBetween(Value(scope.today, DateField()), F("returned_to_custody")))
        .aggregate(count=Count("pk"), median=Median(F("days")))
    )
    median = figures["median"]
    return {"count": figures["count"], "median_days": None if median is None else float(median)}


def untold(people: QuerySet[Person] | None, scope: Scope) -> tuple[int, list[Any]]:
    """The untold warning list as of ``scope.today``: its size and up to :data:`LIST_LIMIT`
    entries, oldest first. For some people (a PDU, a team): two queries, the working-day
    calendar, then the list with the size of the whole list counted alongside
    (``COUNT(*) OVER ()``), so the rows are found once. For everyone (``people`` None, the
    national scope): three, the size and then the list, because alongside the list PostgreSQL
    joins every entry's person before cutting it (250,000 people: 1 s against 0.35 s; for the
    demo's largest PDU the other way round, 0.6 s against 2 s: docs/performance.md)."""
    delays = untold_delays(people=people, today=scope.today)
    listed = delays.select_related("review__recall__release__person").order_by("date", "pk")
    if people is None:
        return delays.count(), list(listed[:LIST_LIMIT])
    rows = list(listed.annotate(listed_of=Window(Count("pk")))[:LIST_LIMIT])
    return (rows[0].listed_of if rows else 0), rows


def _days(value: float | None) -> str:
    return format_days(value)


def compute(people: QuerySet[Person], scope: Scope) -> PanelData:
    """Five queries (six nationally): awaiting (1), untold (2 or 3), re-release and
    termination figures (2)."""
    counted = scope.recall_people(people)  # every figure here is of recalls or referrals
    waiting = awaiting(counted, scope)
    untold_count, untold_rows = untold(counted, scope)
    # The parts of the parole report this panel shows (its decisions by year and deferrals
    # are the report page's): two of the report's four queries.
    rarr, re_release = re_release_figures(counted, scope.date_from, scope.date_to)
    termination = licence_termination(counted, scope.date_from, scope.date_to)

    summary = Table(
        caption="Parole: people in custody on recall and re-releases",
        columns=["Measure", "Number"],
        rows=[
            ["In custody on recall, awaiting re-release (today)", waiting["count"]],
            ["Adjournments and deferrals not told to the prisoner (today)", untold_count],
            ["Re-released after a RARR in the period", rarr["re_released"]],
            ["Licence termination referrals made in the period", termination["referred"]],
            ["Licence termination decisions in the period", termination["decided"]],
        ],
    )
    median_rows: list[tuple[str, float | None]] = [
        ("Awaiting re-release: days in custody so far", waiting["median_days"]),
        ("Re-released in the period: all routes", re_release["median_days_in_custody"]),
        *(
            (f"Re-released in the period: {ROUTE_LABELS[route]}", re_release["by_route"][route])
            for route in ROUTES
        ),
    ]
    medians = Table(
        caption="Median days in custody on recall",
        columns=["Group", "Median days"],
        rows=[[label, _days(value)] for label, value in median_rows],
    )
    median_chart = bar_chart(
        [(label, [value]) for label, value in median_rows],
        series=["Median days in custody"],
        title="Median days in custody on recall: bar chart",
        description="Median number of days in custody on recall: so far for people awaiting "
        "re-release today, and from return to custody to re-release for those re-released in "
        "the period, overall and by route. The table gives the same numbers.",
        chart_id="parole-medians-chart",
        unit="days",
    )
    outcome_rows = [
        (TERMINATION_LABELS[o], termination["outcomes"][o], termination["outcome_percentages"][o])
        for o in TERMINATION_OUTCOMES
    ]
    outcomes = Table(
        caption="Licence termination decisions in the period by outcome",
        columns=["Outcome", "Decisions", "Percentage of decisions"],
        rows=[[label, n, f"{pct:.1f}%"] for label, n, pct in outcome_rows]
        + [["Total", termination["decided"], "100.0%" if termination["decided"] else "0.0%"]],
    )
    outcome_chart = bar_chart(
        [(label, [n]) for label, n, _ in outcome_rows],
        series=["Decisions"],
        title="Licence termination decisions by outcome: bar chart",
        description="Number of licence termination decisions in the period with each outcome. "
        "The table gives the same numbers.",
        chart_id="parole-termination-chart",
    )
    untold_table = Table(
        caption="Adjournments and deferrals not told to the prisoner"
        + (f" (first {LIST_LIMIT} of {untold_count})" if untold_count > LIST_LIMIT else ""),
        columns=["CRN", "Name", "Kind", "Date", "Days since"],
        rows=[
            [
                Link(
                    text=d.review.recall.release.person.crn,
                    url=reverse("person_overview", args=[d.review.recall.release.person.crn]),
                ),
                d.review.recall.release.person.full_name,
                d.get_kind_display(),
                d.date.strftime("%-d %b %Y"),
                (scope.today - d.date).days,
            ]
            for d in untold_rows
        ],
    )
    return PanelData(
        tables=[summary, medians, outcomes, untold_table],
        charts=[median_chart, outcome_chart],
        notes=[
            "Awaiting re-release: recalls returned to custody and not re-released, today; "
            "days so far are counted from the return to custody to today.",
            "Re-released in the period: recalls re-released in the date range, days from the "
            "return to custody to the re-release, by the route that released them (as in the "
            "parole report). RARR: re-released after a risk-assessed recall review.",
            "Not told: adjournments and deferrals on open recalls that the prisoner has not "
            "been told about more than the set number of working days after they happened "
            "(the warning on the case pages), oldest first, up to 50 listed.",
            "Licence termination: Parole Board decisions on termination referrals dated in the "
            "period, by outcome; referrals counted by their referral date.",
            "Medians: the middle value (the mean of the two middle values of an even count); "
            "'No data' when there is none.",
        ],
    )


PAROLE = Panel(slug="parole", title="Parole", compute=compute)
