"""Continuity and risk management (issue 6): people who have had three or more community
offender managers since their latest release, and people managed at MAPPA level 1 although
assessed as high or very high risk of serious harm (both findings of the inspection).

Four queries whatever the number of people: for each measure a count and a list of up to
:data:`LIST_LIMIT` people; docs/dashboards.md defines every figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, cast

from django.db.models import F, QuerySet
from django.urls import reverse

from ippcase import vocab
from ippcase.core.charts import bar_chart
from ippcase.models import Person
from ippcase.reporting.dashboard import Link, Panel, PanelData, Scope, Table


class _ComsSinceRelease(TypedDict):
    coms_since_release: int


if TYPE_CHECKING:  # django-stubs' type of a model with annotations (a development dependency)
    from django_stubs_ext import WithAnnotations

    PersonWithComs: TypeAlias = WithAnnotations[Person, _ComsSinceRelease]

LIST_LIMIT = 50
COM_THRESHOLD = 3  # as the overview warning and the COM_DISCONTINUITY rule
HIGH_ROSH = (vocab.RoshLevel.HIGH, vocab.RoshLevel.VERY_HIGH)


def person_link(person: Person) -> Link:
    """The person's name linking to their case overview (the CSV takes the text)."""
    return Link(text=person.full_name, url=reverse("person_overview", args=[person.crn]))


def with_coms_since_release(people: QuerySet[Person]) -> QuerySet[Any]:
    """``people`` annotated with ``coms_since_release``, the stored twin of
    ``ippcase.cases.selectors.coms_since_latest_release`` (``PersonPosition``)."""
    return people.annotate(coms_since_release=F("position__coms_since_release"))


def com_changes(people: QuerySet[Person]) -> tuple[int, list[PersonWithComs]]:
    """How many people have had three or more COMs since release, and up to
    :data:`LIST_LIMIT` of them, most COMs first (two queries: the count and the list), from
    the stored position."""
    qs = with_coms_since_release(people).filter(coms_since_release__gte=COM_THRESHOLD)
    count = qs.count()
    rows = list(
        qs.select_related("team").order_by("-coms_since_release", "last_name", "first_name", "crn")[
            :LIST_LIMIT
        ]
    )
    return count, cast("list[PersonWithComs]", rows)


def mappa_1_high_rosh(people: QuerySet[Person]) -> tuple[int, list[Person]]:
    """How many people are at MAPPA level 1 with high or very high RoSH, and up to
    :data:`LIST_LIMIT` of them, very high first (two queries)."""
    qs = Person.objects.filter(
        pk__in=people.values("pk"), mappa_level=vocab.MappaLevel.ONE, rosh_level__in=HIGH_ROSH
    )
    count = qs.count()
    rows = list(
        qs.select_related("team").order_by("-rosh_level", "last_name", "first_name", "crn")[
            :LIST_LIMIT
        ]
    )
    return count, rows


def _listed(count: int) -> str:
    return f" (first {LIST_LIMIT} of {count})" if count > LIST_LIMIT else ""


def compute(people: QuerySet[Person], scope: Scope) -> PanelData:
    """Four queries: two counts and two lists."""
    coms_count, coms_rows = com_changes(people)
    mappa_count, mappa_rows = mappa_1_high_rosh(people)
    com_label = "Three or more COMs since release"
    mappa_label = "MAPPA level 1 with high or very high RoSH"
    summary = Table(
        caption="Continuity and risk management: people",
        columns=["Measure", "People"],
        rows=[[com_label, coms_count], [mappa_label, mappa_count]],
    )
    chart = bar_chart(
        [(com_label, [coms_count]), (mappa_label, [mappa_count])],
        series=["People"],
        title="Continuity and risk management: bar chart",
        description="Number of people who have had three or more community offender managers "
        "since their latest release, and number of people at MAPPA level 1 assessed as high or "
        "very high risk of serious harm. The table gives the same numbers.",
        chart_id="continuity-chart",
    )
    rows_coms: list[list[Any]] = [
        [person_link(p), p.crn, p.team_name, p.coms_since_release] for p in coms_rows
    ]
    rows_mappa: list[list[Any]] = [
        [
            person_link(p),
            p.crn,
            p.team_name,
            p.get_mappa_level_display(),
            p.get_rosh_level_display(),
        ]
        for p in mappa_rows
    ]
    return PanelData(
        tables=[
            summary,
            Table(
                caption=f"People with three or more COMs since release{_listed(coms_count)}",
                columns=["Name", "CRN", "Team", "COMs since release"],
                rows=rows_coms,
            ),
            Table(
                caption="People at MAPPA level 1 with high or very high RoSH"
                + _listed(mappa_count),
                columns=["Name", "CRN", "Team", "MAPPA level", "RoSH"],
                rows=rows_mappa,
            ),
        ],
        charts=[chart],
        notes=[
            "COMs since release: the number of different community offender managers whose "
            "allocation was current on or after the person's latest release (all allocations "
            "if never released), as in the warning on the case overview; three or more counts.",
            "MAPPA level 1 with high or very high RoSH: people managed at MAPPA level 1 whose "
            "risk of serious harm is assessed as high or very high today; the inspection found "
            "such cases got little added value from MAPPA.",
            f"Lists show up to {LIST_LIMIT} people each: most COMs (or very high RoSH) first, "
            "then by name. Figures are for today, whatever the date range.",
        ],
    )


CONTINUITY = Panel(slug="continuity", title="Continuity and risk management", compute=compute)
