"""The dashboard's headline figures (issue 16): a few numbers a manager reads first, each with its
change since the previous period and a link to the people behind it.

Each figure counts *people* in scope (never events), so the number is exactly the length of the
list its link opens. The period is the last four weeks (28 days ending today) and the change
compares it with the four weeks before (days 29 to 56 before today); neither depends on the
dashboard's date range (docs/dashboards.md, "Headline figures"). All figures, both periods, are
one aggregate query over the people in scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from ippcase.models import Person, Recall, Release
from recall.models import ActionShortOfRecall, Concern

PERIOD_DAYS = 28
PERIODS = ("current", "previous")


def period_dates(today: dt.date, period: str) -> tuple[dt.date, dt.date]:
    """The first and last day of ``period``: ``current`` is the 28 days ending ``today``,
    ``previous`` the 28 days before them."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}")
    end = today if period == "current" else today - dt.timedelta(days=PERIOD_DAYS)
    return end - dt.timedelta(days=PERIOD_DAYS - 1), end


def _recalled(start: dt.date, end: dt.date) -> Q:
    return Q(
        Exists(
            Recall.objects.filter(release__person=OuterRef("pk"), recall_date__range=(start, end))
        )
    )


def _released(start: dt.date, end: dt.date) -> Q:
    return Q(Exists(Release.objects.filter(person=OuterRef("pk"), date__range=(start, end))))


def _concern(start: dt.date, end: dt.date) -> Q:
    return Q(
        Exists(
            Concern.objects.filter(
                person=OuterRef("pk"),
                occurred_on__range=(start, end),
                struck_out_at__isnull=True,
            )
        )
    )


def _action(start: dt.date, end: dt.date) -> Q:
    return Q(
        Exists(
            ActionShortOfRecall.objects.filter(
                person=OuterRef("pk"), taken_on__range=(start, end), struck_out_at__isnull=True
            )
        )
    )


@dataclass(frozen=True)
class Figure:
    slug: str  # used in the people list's URL
    title: str  # "People recalled"
    definition: str  # one sentence under the number
    condition: Callable[[dt.date, dt.date], Q]


FIGURES: tuple[Figure, ...] = (
    Figure(
        "recalled",
        "People recalled",
        "People with a recall dated in the period (imported history included).",
        _recalled,
    ),
    Figure(
        "concerns",
        "People with a new concern",
        "People with a concern that happened in the period (struck-out entries do not count).",
        _concern,
    ),
    Figure(
        "actions",
        "People given an action short of recall",
        "People with an action short of recall taken in the period (struck-out entries do "
        "not count).",
        _action,
    ),
    Figure(
        "released",
        "People released",
        "People released from custody in the period (first releases and re-releases).",
        _released,
    ),
)
FIGURES_BY_SLUG = {figure.slug: figure for figure in FIGURES}


@dataclass(frozen=True)
class Headline:
    figure: Figure
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def change_text(self) -> str:
        """ "up 3", "down 2" or "no change", against the four weeks before."""
        if self.change > 0:
            return f"up {self.change}"
        if self.change < 0:
            return f"down {-self.change}"
        return "no change"


def headline_figures(people: QuerySet[Person], today: dt.date) -> list[Headline]:
    """Every headline figure for both periods: one query."""
    aggregates = {
        f"{figure.slug}_{period}": Count(
            "pk", filter=figure.condition(*period_dates(today, period))
        )
        for figure in FIGURES
        for period in PERIODS
    }
    counts = people.order_by().aggregate(**aggregates)
    return [
        Headline(figure, counts[f"{figure.slug}_current"], counts[f"{figure.slug}_previous"])
        for figure in FIGURES
    ]


def figure_people(
    people: QuerySet[Person], figure: Figure, today: dt.date, period: str
) -> QuerySet[Person]:
    """The people behind ``figure`` in ``period``, by name."""
    return people.filter(figure.condition(*period_dates(today, period))).order_by(
        "last_name", "first_name", "crn"
    )
