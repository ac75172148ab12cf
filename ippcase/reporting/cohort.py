"""The inspection cohort report (issue 6): the profile of the people recalled, in the shape of
the HM Inspectorate of Probation's IPP recall thematic (December 2023), chapter 2.2 and annexe 3 —
gender, ethnicity, age, principal index offence, tariff, recalls per person, the reasons and
criteria of the most recent recall, year of first release, year of the release before the most
recent recall and time in the community before it. docs/reports.md defines every figure.

A selector: reads only, every figure aggregated by PostgreSQL. :func:`cohort_report` runs the
same three queries whatever the size of the data (no Python loop over people): one aggregate for
the fixed buckets, one for the number of recalls a person and one ``GROUP BY`` for the two year
breakdowns.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Count,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import ExtractYear
from django.db.models.sql.compiler import SQLCompiler

from ippcase import vocab
from ippcase.models import Person, PersonPosition, Recall

# Bucket keys, in report order, with their labels (the inspection's wording where it has one).
GENDERS = [str(v) for v in vocab.Gender.values]
ETHNICITIES = [str(v) for v in vocab.Ethnicity.values]
OFFENCE_CATEGORIES = [str(v) for v in vocab.OffenceCategory.values]
REASONS = [str(v) for v in vocab.RecallReason.values]
CRITERIA = [str(v) for v in vocab.RecallCriterion.values]

AGE_BANDS = {
    "under_30": "Under 30",
    "30_39": "30 to 39",
    "40_49": "40 to 49",
    "50_59": "50 to 59",
    "60_plus": "60 or over",
}
TARIFF_BANDS = {
    "lt_2y": "Less than 2 years",
    "2y_4y": "2 years to 4 years inclusive",
    "4y_6y": "Over 4 years to 6 years inclusive",
    "6y_10y": "Over 6 years to 10 years inclusive",
    "gt_10y": "Over 10 years",
}
RECALL_COUNTS = {
    "1": "One recall",
    "2": "Two recalls",
    "3": "Three recalls",
    "4": "Four recalls",
    "5_plus": "Five or more recalls",
}
TIME_IN_COMMUNITY = {
    "lt_3m": "Less than 3 months",
    "3m_12m": "3 months to under 12 months",
    "12m_2y": "12 months to under 2 years",
    "2y_5y": "2 years to under 5 years",
    "5y_plus": "5 years or more",
}

# The report's keys, in the order the inspection's tables come.
SECTION_TITLES = {
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "age_band": "Age",
    "index_offence": "Principal index offence",
    "tariff_band": "Tariff",
    "recalls_per_person": "Number of recalls during the sentence",
    "latest_recall_reasons": "Reasons for the most recent recall",
    "latest_recall_criteria": "Recall criteria of the most recent recall",
    "first_release_year": "Year of first release",
    "release_before_latest_recall_year": "Year of the release before the most recent recall",
    "time_in_community_before_latest_recall": "Time in the community before the most recent recall",
}


def bucket_labels(key: str) -> dict[str, str]:
    """``{bucket: human label}`` for one of the report's keys with fixed buckets (the year keys
    have none: their buckets are the years themselves)."""
    vocabularies: dict[str, type[models.Choices]] = {
        "gender": vocab.Gender,
        "ethnicity": vocab.Ethnicity,
        "index_offence": vocab.OffenceCategory,
        "latest_recall_reasons": vocab.RecallReason,
        "latest_recall_criteria": vocab.RecallCriterion,
    }
    if key in vocabularies:
        return {str(value): str(label) for value, label in vocabularies[key].choices}
    fixed = {
        "age_band": AGE_BANDS,
        "tariff_band": TARIFF_BANDS,
        "recalls_per_person": RECALL_COUNTS,
        "time_in_community_before_latest_recall": TIME_IN_COMMUNITY,
    }
    return fixed[key]


class Age(Func):
    """PostgreSQL's ``age(later, earlier)``: an interval in years, months and days, counted in
    calendar units (10 January to 9 April is 2 months 30 days). Both ends are cast to
    ``timestamp`` so that no time zone enters the arithmetic."""

    template = "age((%(later)s)::timestamp, (%(earlier)s)::timestamp)"
    output_field = models.DurationField()

    def __init__(self, later: Any, earlier: Any) -> None:
        super().__init__(later, earlier)

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        later_sql, later_params = compiler.compile(self.source_expressions[0])
        earlier_sql, earlier_params = compiler.compile(self.source_expressions[1])
        sql = self.template % {"later": later_sql, "earlier": earlier_sql}
        return sql, (*later_params, *earlier_params)


class WholeYears(Func):
    """The whole years of an ``age()`` interval (the birthday rule: 30 on the 30th birthday)."""

    template = "(EXTRACT(YEAR FROM %(expressions)s))::integer"
    output_field = IntegerField()


class WholeMonths(Func):
    """The whole calendar months of an ``age()`` interval: years * 12 + months."""

    output_field = IntegerField()

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        # The interval appears twice in the SQL, so its parameters are passed twice.
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"(EXTRACT(YEAR FROM {sql}) * 12 + EXTRACT(MONTH FROM {sql}))::integer",
            (*params, *params),
        )


class TariffEnd(Func):
    """The sentence date plus a number of years, months and days, in SQL: PostgreSQL adds the
    years and months first (the 31st becomes the last day of a shorter month) and then the days,
    as ``dateutil.relativedelta`` does for ``Sentence.tariff_expiry_date``."""

    output_field = models.DateField()

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        parts = [compiler.compile(e) for e in self.source_expressions]
        (date_sql, date_p), (y_sql, y_p), (m_sql, m_p), (d_sql, d_p) = parts
        sql = (
            f"(({date_sql})::timestamp + make_interval(years => {y_sql}, months => {m_sql}, "
            f"days => {d_sql}))::date"
        )
        return sql, (*date_p, *y_p, *m_p, *d_p)


def percentage(part: int, whole: int) -> float:
    """``part`` as a percentage of ``whole``, one decimal place, halves rounded up; 0.0 when
    ``whole`` is 0."""
    if not whole:
        return 0.0
    exact = Decimal(part) * 100 / Decimal(whole)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _latest_recalls(
    people: QuerySet[Person] | None,
    recalled_from: dt.date | None,
    recalled_to: dt.date | None,
) -> QuerySet[Recall]:
    """One row per person in the cohort: their most recent recall (latest recall date, then the
    highest id) when it is in the range, for the people of ``people`` (everyone when None).

    The most recent recall is stored on each person's position (``last_recall``, kept by the
    database), so this is a semi-join on the positions, not a search for "no later recall"
    over every recall in the country."""
    positions = PersonPosition.objects.filter(last_recall__isnull=False)
    if people is not None:
        positions = positions.filter(person__in=people.values("pk"))
    latest = Recall.objects.filter(pk__in=positions.values("last_recall_id"))
    if recalled_from is not None:
        latest = latest.filter(recall_date__gte=recalled_from)
    if recalled_to is not None:
        latest = latest.filter(recall_date__lte=recalled_to)
    return latest.order_by()


def _cohort(latest: QuerySet[Recall]) -> QuerySet[Recall]:
    """The most recent recalls annotated with the person's facts the fixed buckets need: the
    person, sentence and principal offence are joins, no subquery (the number of recalls a
    person has its own query, ``_recalls_per_person``)."""
    person = "release__person__"
    return latest.annotate(
        principal=FilteredRelation(
            f"{person}sentence__offences",
            condition=Q(**{f"{person}sentence__offences__is_principal": True}),
        ),
        gender=F(f"{person}gender"),
        ethnicity=F(f"{person}ethnicity"),
        date_of_birth=F(f"{person}date_of_birth"),
        principal_category=F("principal__category"),
        latest_reasons=F("reasons"),
        latest_criteria=F("criteria"),
        months_out=WholeMonths(Age(F("recall_date"), F("release__date"))),
    )


# Half-open ranges [low, high) of a whole number (None: unbounded) for each banded key.
RANGES: dict[str, tuple[str, list[tuple[int | None, int | None, str]]]] = {
    "age_band": (
        "age_years",
        [
            (None, 30, "under_30"),
            (30, 40, "30_39"),
            (40, 50, "40_49"),
            (50, 60, "50_59"),
            (60, None, "60_plus"),
        ],
    ),
    "recalls_per_person": (
        "recall_count",
        [(1, 2, "1"), (2, 3, "2"), (3, 4, "3"), (4, 5, "4"), (5, None, "5_plus")],
    ),
    "time_in_community_before_latest_recall": (
        "months_out",
        [
            (None, 3, "lt_3m"),
            (3, 12, "3m_12m"),
            (12, 24, "12m_2y"),
            (24, 60, "2y_5y"),
            (60, None, "5y_plus"),
        ],
    ),
}


def in_range(field: str, low: int | None, high: int | None) -> Q:
    q = Q(**{f"{field}__isnull": False})
    if low is not None:
        q &= Q(**{f"{field}__gte": low})
    if high is not None:
        q &= Q(**{f"{field}__lt": high})
    return q


def tariff_band_filters() -> dict[str, Q]:
    """The tariff compared with whole years exactly: its end is before, on or after the Nth
    anniversary of the sentence date. A NULL end (no sentence) is in no band."""
    end = "tariff_end"
    return {
        "lt_2y": Q(**{f"{end}__lt": F("anniversary_2")}),
        "2y_4y": Q(**{f"{end}__gte": F("anniversary_2"), f"{end}__lte": F("anniversary_4")}),
        "4y_6y": Q(**{f"{end}__gt": F("anniversary_4"), f"{end}__lte": F("anniversary_6")}),
        "6y_10y": Q(**{f"{end}__gt": F("anniversary_6"), f"{end}__lte": F("anniversary_10")}),
        "gt_10y": Q(**{f"{end}__gt": F("anniversary_10")}),
    }


def _buckets(cohort: QuerySet[Recall], as_of: dt.date) -> dict[str, Any]:
    """Every fixed bucket, in one aggregate query. The counts filter on the per-person
    annotations only, so Django aggregates over a subquery that computes each annotation once
    per person (``SELECT COUNT(*) FILTER (WHERE ...) FROM (SELECT ... ) subquery``)."""
    sentence = "release__person__sentence__"
    annotated = cohort.annotate(
        age_years=WholeYears(
            Age(Value(as_of, output_field=models.DateField()), F("date_of_birth"))
        ),
        tariff_end=TariffEnd(
            F(f"{sentence}sentence_date"),
            F(f"{sentence}tariff_years"),
            F(f"{sentence}tariff_months"),
            F(f"{sentence}tariff_days"),
        ),
        **{
            f"anniversary_{n}": TariffEnd(
                F(f"{sentence}sentence_date"), Value(n), Value(0), Value(0)
            )
            for n in (2, 4, 6, 10)
        },
    )
    counts: dict[str, Count] = {"people": Count("pk")}
    filters: dict[str, dict[str, Q]] = {
        "gender": {v: Q(gender=v) for v in GENDERS},
        "ethnicity": {v: Q(ethnicity=v) for v in ETHNICITIES},
        "index_offence": {v: Q(principal_category=v) for v in OFFENCE_CATEGORIES},
        "tariff_band": tariff_band_filters(),
        "latest_recall_reasons": {v: Q(latest_reasons__contains=[v]) for v in REASONS},
        "latest_recall_criteria": {v: Q(latest_criteria__contains=[v]) for v in CRITERIA},
    }
    for key, (field, ranges) in RANGES.items():
        if key != "recalls_per_person":  # counted by _recalls_per_person
            filters[key] = {bucket: in_range(field, low, high) for low, high, bucket in ranges}
    for key, buckets in filters.items():
        for i, q in enumerate(buckets.values()):
            counts[f"{key}__{i}"] = Count("pk", filter=q)
    # DISTINCT changes nothing (one row a person, the recall's key among the columns) but stops
    # PostgreSQL from flattening the subquery into the aggregate, which would compute each
    # person's age, months out and tariff dates again for every bucket that reads them.
    columns = ["pk", "gender", "ethnicity", "principal_category", "latest_reasons"]
    columns += ["latest_criteria", "age_years", "months_out", "tariff_end"]
    columns += [f"anniversary_{n}" for n in (2, 4, 6, 10)]
    totals = annotated.values(*columns).distinct().aggregate(**counts)
    report: dict[str, Any] = {"people": totals["people"]}
    for key, buckets in filters.items():
        report[key] = {b: totals[f"{key}__{i}"] for i, b in enumerate(buckets)}
    return report


def _recalls_per_person(latest: QuerySet[Recall]) -> dict[str, int]:
    """The cohort's people by their number of recalls (one query over their stored positions'
    ``recall_count``)."""
    _, ranges = RANGES["recalls_per_person"]
    totals = PersonPosition.objects.filter(last_recall__in=latest.values("pk")).aggregate(
        **{
            bucket: Count("pk", filter=in_range("recall_count", low, high))
            for low, high, bucket in ranges
        }
    )
    return {bucket: totals[bucket] for _, _, bucket in ranges}


def _years(latest: QuerySet[Recall]) -> tuple[dict[str, int], dict[str, int]]:
    """People per calendar year of their first release, and per year of the release before
    their most recent recall, years in ascending order (years with nobody left out). One
    ``GROUP BY`` over the pairs of the two years (the first release date is stored on the
    person's position): its rows are pairs of years (a few hundred at most), summed here."""
    rows: Any = (
        PersonPosition.objects.filter(last_recall__in=latest.values("pk"))
        .annotate(
            first_year=ExtractYear("first_release_on"),
            release_year=ExtractYear("last_recall__release__date"),
        )
        .values("first_year", "release_year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    first: Counter[int] = Counter()
    before: Counter[int] = Counter()
    for row in rows:
        first[row["first_year"]] += row["n"]
        before[row["release_year"]] += row["n"]
    return (
        {str(year): first[year] for year in sorted(first)},
        {str(year): before[year] for year in sorted(before)},
    )


def cohort_report(
    *,
    people: QuerySet[Person] | None = None,
    as_of: dt.date,
    recalled_from: dt.date | None = None,
    recalled_to: dt.date | None = None,
) -> dict[str, Any]:
    """The profile of the people recalled (docs/reports.md, "Cohort report"): the people with
    at least one recall whose most recent recall date is within [recalled_from, recalled_to]
    (either end open when None), limited to ``people`` when given. Ages are on ``as_of``.

    Three queries whatever the size of the data."""
    latest = _latest_recalls(people, recalled_from, recalled_to)
    parts = _buckets(_cohort(latest), as_of)
    parts["recalls_per_person"] = _recalls_per_person(latest)
    parts["first_release_year"], parts["release_before_latest_recall_year"] = _years(latest)
    report: dict[str, Any] = {"people": parts["people"]}
    report |= {key: parts[key] for key in SECTION_TITLES}
    report["as_of"] = as_of.isoformat()
    report["recalled_from"] = recalled_from.isoformat() if recalled_from else None
    report["recalled_to"] = recalled_to.isoformat() if recalled_to else None
    return report
