"""The dashboard's headline figures (issue 16): a few numbers a manager reads first, each with its
change since the previous period and a link to the people behind it.

Each figure counts *people* in scope (never events), so the number is exactly the length of the
list its link opens. The period is the last four weeks (28 days ending today) and the change
compares it with the four weeks before (days 29 to 56 before today); neither depends on the
dashboard's date range (docs/dashboards.md, "Headline figures"). Each figure, both periods, is
one aggregate query over its events in the eight weeks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

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


@dataclass(frozen=True)
class Events:
    """What a figure counts people by: rows of a model (live ones only), the path from a row
    to its person and the row's date."""

    rows: Callable[[], QuerySet[Any]]
    person: str
    date: str

    def of(self, people: QuerySet[Person], start: dt.date, end: dt.date) -> QuerySet[Any]:
        return self.rows().filter(
            **{f"{self.person}__in": people, f"{self.date}__range": (start, end)}
        )


@dataclass(frozen=True)
class Figure:
    slug: str  # used in the people list's URL
    title: str  # "People recalled"
    definition: str  # one sentence under the number
    events: Events

    def condition(self, start: dt.date, end: dt.date) -> Q:
        """The people with such an event from ``start`` to ``end``."""
        rows = self.events.rows().filter(**{f"{self.events.date}__range": (start, end)})
        return Q(pk__in=rows.values(self.events.person))


FIGURES: tuple[Figure, ...] = (
    Figure(
        "recalled",
        "People recalled",
        "People with a recall dated in the period (imported history included).",
        Events(Recall.objects.all, "release__person", "recall_date"),
    ),
    Figure(
        "concerns",
        "People with a new concern",
        "People with a concern that happened in the period (struck-out entries do not count).",
        Events(lambda: Concern.objects.filter(struck_out_at__isnull=True), "person", "occurred_on"),
    ),
    Figure(
        "actions",
        "People given an action short of recall",
        "People with an action short of recall taken in the period (struck-out entries do "
        "not count).",
        Events(
            lambda: ActionShortOfRecall.objects.filter(struck_out_at__isnull=True),
            "person",
            "taken_on",
        ),
    ),
    Figure(
        "released",
        "People released",
        "People released from custody in the period (first releases and re-releases).",
        Events(Release.objects.all, "person", "date"),
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
    """Every headline figure for both periods: one query a figure, from the events of the
    eight weeks (driven by the events in the window, not by every person in scope, which at
    national scale is most of the country: docs/performance.md)."""
    current, previous = period_dates(today, "current"), period_dates(today, "previous")
    out = []
    for figure in FIGURES:
        events, date = figure.events, figure.events.date
        counts = events.of(people, previous[0], current[1]).aggregate(
            current=Count(events.person, distinct=True, filter=Q(**{f"{date}__range": current})),
            previous=Count(events.person, distinct=True, filter=Q(**{f"{date}__range": previous})),
        )
        out.append(Headline(figure, counts["current"], counts["previous"]))
    return out


def figure_people(
    people: QuerySet[Person], figure: Figure, today: dt.date, period: str
) -> QuerySet[Person]:
    """The people behind ``figure`` in ``period``, by name."""
    return people.filter(figure.condition(*period_dates(today, period))).order_by(
        "last_name", "first_name", "crn"
    )
