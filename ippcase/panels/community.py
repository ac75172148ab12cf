"""Time in the community, recalls per person and tariff (issue 6): how long people stay out
before a recall, how often they go round the "merry-go-round", and how long their tariffs were.

Three aggregate queries whatever the number of people or recalls; docs/dashboards.md defines
every figure.
"""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Count,
    DateField,
    DurationField,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import Expression
from django.db.models.functions import Cast

from ippcase import cohort
from ippcase.charts import bar_chart
from ippcase.dashboard import Panel, PanelData, Scope, Table
from ippcase.models import Person, Recall, Sentence

# The buckets and their labels are the cohort report's (ippcase.cohort), so the two agree.
# Time in the community: whole months from the release to the recall (PostgreSQL age()), each
# bucket [lower, upper) in months.
TIME_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("lt_3m", 0, 3),
    ("3m_12m", 3, 12),
    ("12m_2y", 12, 24),
    ("2y_5y", 24, 60),
    ("5y_plus", 60, None),
)
# Recalls per person, for people with at least one recall: exactly 1, 2, 3, 4, then 5 or more.
RECALL_COUNTS: tuple[tuple[str, int, int | None], ...] = (
    ("1", 1, 2),
    ("2", 2, 3),
    ("3", 3, 4),
    ("4", 4, 5),
    ("5_plus", 5, None),
)
# Tariff bands: less than 2 years; 2 to 4 years inclusive; over 4 to 6 years inclusive; over 6
# to 10 years inclusive; over 10 years (see tariff_bands).
TARIFF_BANDS: tuple[tuple[str, str], ...] = tuple(cohort.TARIFF_BANDS.items())


class _Age(Func):
    """PostgreSQL's ``age(later, earlier)``: the interval in years, months and days."""

    function = "AGE"
    output_field = DurationField()


class _ExtractFromInterval(Func):
    template = "EXTRACT(%(part)s FROM %(expressions)s)"
    output_field = IntegerField()


def months_between(later: str, earlier: str) -> Expression:
    """Whole months from the date column ``earlier`` to ``later`` by PostgreSQL's ``age()``:
    31 January to 30 April is 2 months (and 30 days), 1 February to 1 May is 3 months."""
    age = _Age(F(later), F(earlier))
    return Cast(
        _ExtractFromInterval(age, part="YEAR") * Value(12)
        + _ExtractFromInterval(age, part="MONTH"),
        IntegerField(),
    )


class _MakeInterval(Func):
    function = "MAKE_INTERVAL"  # (years, months, weeks, days)
    output_field = DurationField()


class _DatePlusInterval(Func):
    """``date + interval`` as a date (PostgreSQL adds the years and months, then the days)."""

    arg_joiner = " + "
    template = "(%(expressions)s)::date"
    output_field = DateField()


def plus_years_months_days(date: str, years: Any, months: Any = 0, days: Any = 0) -> Expression:
    """The date column ``date`` plus a period: the calendar arithmetic of
    ``ippcase.models.tariff_expiry`` (months first, then days; 31 January + 1 month is the end
    of February), so a tariff compares exactly with a whole number of years."""
    parts = [
        value if hasattr(value, "resolve_expression") else Value(value, IntegerField())
        for value in (years, months, 0, days)
    ]
    return _DatePlusInterval(F(date), _MakeInterval(*parts))


def _bucket_counts(
    field: str, buckets: tuple[tuple[str, int, int | None], ...]
) -> dict[str, Count]:
    counts = {}
    for key, lower, upper in buckets:
        q = Q(**{f"{field}__gte": lower})
        if upper is not None:
            q &= Q(**{f"{field}__lt": upper})
        counts[key] = Count("pk", filter=q)
    return counts


def time_in_community(people: QuerySet[Person], scope: Scope) -> dict[str, int]:
    """Recalls in the date range by time in the community before them (one query)."""
    recalls = Recall.objects.filter(
        release__person__in=people,
        recall_date__gte=scope.date_from,
        recall_date__lte=scope.date_to,
    ).annotate(months=months_between("recall_date", "release__date"))
    return recalls.aggregate(**_bucket_counts("months", TIME_BUCKETS))


def recalls_per_person(people: QuerySet[Person]) -> dict[str, int]:
    """People with at least one recall (ever) by how many recalls they have had (one query:
    the per-person counts are a subquery)."""
    per_person = (
        Person.objects.filter(pk__in=people.values("pk"))
        .annotate(recalls=Count("releases__recall"))
        .filter(recalls__gte=1)
    )
    return per_person.aggregate(**_bucket_counts("recalls", RECALL_COUNTS))


def tariff_bands(people: QuerySet[Person]) -> dict[str, int]:
    """People's sentences by tariff band (one query), the tariff end compared on the calendar
    with the sentence date plus 2, 4, 6 and 10 years."""
    sentences = Sentence.objects.filter(person__in=people).annotate(
        tariff_end=plus_years_months_days(
            "sentence_date", F("tariff_years"), F("tariff_months"), F("tariff_days")
        ),
        **{f"y{n}": plus_years_months_days("sentence_date", n) for n in (2, 4, 6, 10)},
    )
    return sentences.aggregate(
        lt_2y=Count("pk", filter=Q(tariff_end__lt=F("y2"))),
        **{"2y_4y": Count("pk", filter=Q(tariff_end__gte=F("y2"), tariff_end__lte=F("y4")))},
        **{"4y_6y": Count("pk", filter=Q(tariff_end__gt=F("y4"), tariff_end__lte=F("y6")))},
        **{"6y_10y": Count("pk", filter=Q(tariff_end__gt=F("y6"), tariff_end__lte=F("y10")))},
        gt_10y=Count("pk", filter=Q(tariff_end__gt=F("y10"))),
    )


def _section(
    *,
    slug: str,
    title: str,
    what: str,
    header: str,
    labels: list[tuple[str, str]],
    counts: dict[str, int],
    series: str,
    description: str,
) -> tuple[Table, Any]:
    rows: list[list[Any]] = [[label, counts[key]] for key, label in labels]
    rows.append(["Total", sum(counts.values())])
    chart = bar_chart(
        [(label, [counts[key]]) for key, label in labels],
        series=[series],
        title=f"{title}: bar chart",
        description=f"{description} The table gives the same numbers.",
        chart_id=f"community-{slug}-chart",
    )
    return Table(caption=title, columns=[header, what], rows=rows), chart


def compute(people: QuerySet[Person], scope: Scope) -> PanelData:
    """Three queries: recalls by time in the community, people by recalls, people by tariff."""
    sections = [
        _section(
            slug="time",
            title="Time in the community before recall",
            what="Recalls",
            header="Time from release to recall",
            labels=list(cohort.TIME_IN_COMMUNITY.items()),
            counts=time_in_community(people, scope),
            series="Recalls",
            description="Number of recalls in the period by the time from the release to the "
            "recall.",
        ),
        _section(
            slug="per-person",
            title="Recalls per person",
            what="People",
            header="Recalls since sentence",
            labels=list(cohort.RECALL_COUNTS.items()),
            counts=recalls_per_person(people),
            series="People",
            description="Number of people who have been recalled, by how many times.",
        ),
        _section(
            slug="tariff",
            title="Tariff length",
            what="People",
            header="Tariff",
            labels=list(TARIFF_BANDS),
            counts=tariff_bands(people),
            series="People",
            description="Number of people by the length of the tariff (minimum term) set by "
            "the court.",
        ),
    ]
    return PanelData(
        tables=[table for table, _ in sections],
        charts=[chart for _, chart in sections],
        notes=[
            "Time in the community: recalls with a recall date in the period, by the whole "
            "months from the release they ended to the recall date (PostgreSQL age()).",
            "Recalls per person: people with at least one recall on record, whatever its date, "
            "by how many recalls they have had.",
            "Tariff: the minimum term set by the court, counted on the calendar from the "
            "sentence date; exactly 2 or exactly 4 years is in '2 to 4 years', exactly 6 years "
            "in the 4 to 6 band and exactly 10 years in the 6 to 10 band.",
        ],
    )


COMMUNITY = Panel(
    slug="community",
    title="Time in the community, recalls per person and tariff",
    compute=compute,
)
