"""Time in the community, recalls per person and tariff (issue 6): how long people stay out
before a recall, how often they go round the "merry-go-round", and how long their tariffs were.

Three aggregate queries whatever the number of people or recalls; docs/dashboards.md defines
every figure.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, QuerySet, Value

from ippcase.core.charts import bar_chart
from ippcase.models import Person, PersonPosition, Recall, Sentence
from ippcase.reporting import cohort
from ippcase.reporting.cohort import Age, TariffEnd, WholeMonths, in_range
from ippcase.reporting.dashboard import Panel, PanelData, Scope, Table

# The buckets, their labels and the SQL that computes them are the cohort report's
# (ippcase.reporting.cohort), so the two agree. Each bucket is ``(key, lower, upper)``:
# [lower, upper).
# Time in the community: whole calendar months from the release to the recall (age()).
TIME_BUCKETS: tuple[tuple[str, int | None, int | None], ...] = tuple(
    (bucket, low, high)
    for low, high, bucket in cohort.RANGES["time_in_community_before_latest_recall"][1]
)
# Recalls per person, for people with at least one recall: exactly 1, 2, 3, 4, then 5 or more.
RECALL_COUNTS: tuple[tuple[str, int | None, int | None], ...] = tuple(
    (bucket, low, high) for low, high, bucket in cohort.RANGES["recalls_per_person"][1]
)
# Tariff bands: less than 2 years; 2 to 4 years inclusive; over 4 to 6 years inclusive; over 6
# to 10 years inclusive; over 10 years (cohort.tariff_band_filters).
TARIFF_BANDS: tuple[tuple[str, str], ...] = tuple(cohort.TARIFF_BANDS.items())


def _bucket_counts(
    field: str, buckets: tuple[tuple[str, int | None, int | None], ...]
) -> dict[str, Count]:
    return {key: Count("pk", filter=in_range(field, low, high)) for key, low, high in buckets}


def time_in_community(people: QuerySet[Person] | None, scope: Scope) -> dict[str, int]:
    """Recalls in the date range by time in the community before them (one query); ``people``
    None: everyone's."""
    recalls = Recall.objects.filter(
        recall_date__gte=scope.date_from, recall_date__lte=scope.date_to
    )
    if people is not None:
        recalls = recalls.filter(release__person__in=people)
    recalls = recalls.annotate(months=WholeMonths(Age(F("recall_date"), F("release__date"))))
    return recalls.aggregate(**_bucket_counts("months", TIME_BUCKETS))


def recalls_per_person(people: QuerySet[Person] | None) -> dict[str, int]:
    """People with at least one recall (ever) by how many recalls they have had (one query over
    the stored count of each person's position); ``people`` None: everyone."""
    positions = PersonPosition.objects.filter(recall_count__gte=1)
    if people is not None:
        positions = positions.filter(person__in=people)
    return positions.aggregate(**_bucket_counts("recall_count", RECALL_COUNTS))


def tariff_bands(people: QuerySet[Person]) -> dict[str, int]:
    """People's sentences by tariff band (one query), the tariff end compared on the calendar
    with the sentence date plus 2, 4, 6 and 10 years."""
    sentences = Sentence.objects.filter(person__in=people).annotate(
        tariff_end=TariffEnd(
            F("sentence_date"), F("tariff_years"), F("tariff_months"), F("tariff_days")
        ),
        **{
            f"anniversary_{n}": TariffEnd(F("sentence_date"), Value(n), Value(0), Value(0))
            for n in (2, 4, 6, 10)
        },
    )
    return sentences.aggregate(
        **{key: Count("pk", filter=q) for key, q in cohort.tariff_band_filters().items()}
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
            counts=time_in_community(scope.recall_people(people), scope),
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
            counts=recalls_per_person(scope.recall_people(people)),
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
