"""Dashboard panel: the profile of the people recalled (the inspection cohort report,
ippcase.reporting.cohort; definitions in docs/reports.md). One table per figure, charts for age,
tariff,
recalls per person and time in the community."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ippcase.core.charts import bar_chart
from ippcase.models import Person
from ippcase.reporting.cohort import SECTION_TITLES, bucket_labels, cohort_report, percentage
from ippcase.reporting.dashboard import Cell, Panel, PanelData, Scope, Table

YEAR_KEYS = ("first_release_year", "release_before_latest_recall_year")
CHARTED = (
    "age_band",
    "tariff_band",
    "time_in_community_before_latest_recall",
    "recalls_per_person",
)
# The first column's header of each table (the caption is SECTION_TITLES).
ROW_HEADERS = {
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "age_band": "Age",
    "index_offence": "Offence category",
    "tariff_band": "Tariff",
    "recalls_per_person": "Recalls",
    "latest_recall_reasons": "Reason",
    "latest_recall_criteria": "Criterion",
    "first_release_year": "Year",
    "release_before_latest_recall_year": "Year",
    "time_in_community_before_latest_recall": "Time in the community",
}
NOTES = (
    "People whose most recent recall falls in the period, whenever any earlier recall was.",
    "Ages are on today's date. Tariff and index offence come from the sentence and its "
    "principal offence; people without one are not counted in those tables.",
    "A recall may give several reasons and criteria, so those tables can add up to more than "
    "the number of people.",
)


def _rows(report: dict[str, Any], key: str) -> list[tuple[str, int]]:
    if key in YEAR_KEYS:
        return list(report[key].items())
    labels = bucket_labels(key)
    return [(labels[bucket], n) for bucket, n in report[key].items()]


def _table(report: dict[str, Any], key: str) -> Table:
    people = report["people"]
    rows: list[list[Cell]] = [[label, n, percentage(n, people)] for label, n in _rows(report, key)]
    return Table(caption=SECTION_TITLES[key], columns=[ROW_HEADERS[key], "People", "%"], rows=rows)


def _chart(report: dict[str, Any], key: str) -> Any:
    rows = _rows(report, key)
    title = SECTION_TITLES[key]
    return bar_chart(
        [(label, [n]) for label, n in rows],
        series=["People"],
        title=title,
        description=(
            f"{title} of the {report['people']} people recalled: "
            + "; ".join(f"{label} {n}" for label, n in rows)
            + "."
        ),
        chart_id=f"cohort-{key.replace('_', '-')}",
    )


def compute(people: QuerySet[Person], scope: Scope) -> PanelData:
    report = cohort_report(
        people=people,
        as_of=scope.today,
        recalled_from=scope.date_from,
        recalled_to=scope.date_to,
    )
    tables = [
        Table(
            caption="People recalled", columns=["", "People"], rows=[["People", report["people"]]]
        )
    ]
    tables += [_table(report, key) for key in SECTION_TITLES]
    return PanelData(
        tables=tables,
        charts=[_chart(report, key) for key in CHARTED],
        notes=NOTES,
    )


COHORT = Panel(slug="cohort", title="Profile of the people recalled", compute=compute)
