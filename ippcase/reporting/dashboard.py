"""Manager dashboards (issue 6): the scope a manager looks at, and the contract every panel keeps.

A panel is a read (a selector): ``compute(people, scope) -> PanelData``. ``people`` is the
queryset of the people in scope, already limited to what the user may see; every figure is
aggregated by PostgreSQL in a fixed number of queries whatever the number of people (no Python
loop over people or rows). The view renders each panel as a chart (``ippcase.core.charts``,
server-rendered SVG) with the same numbers in GOV.UK tables beside it, updates it in place with
HTMX, and serves the tables as CSV.

Panels live in ``ippcase/reporting/panels/`` (one module a topic) and are listed, in page order, in
``ippcase.reporting.panels.PANELS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.safestring import SafeString

from ippcase.core.trends import Unit
from ippcase.models import Person

SCOPE_LEVELS = ("national", "region", "pdu", "team", "practitioner")


@dataclass(frozen=True)
class Scope:
    """What the dashboard looks at: one level of the organisation (``code`` names the region,
    PDU or team by its code, or the practitioner by username; ``""`` for national) and the
    date range of the figures that happen over time (recalls, deadlines, decisions)."""

    level: str
    code: str
    date_from: dt.date
    date_to: dt.date
    today: dt.date
    # Set when the people are every person of an organisation unit that the trend counts count
    # (recalls and Board decisions: people with a recall are visible to every role that may
    # choose the unit): a trend then reads the per-team monthly counts (ippcase.core.trends).
    unit: Unit | None = None

    def recall_people(self, people: QuerySet[Person]) -> QuerySet[Person] | None:
        """The people to filter recall and parole events by: None (no filter) when the scope is
        the whole country, where every person with a recall or licence termination work is in
        scope whatever the role (PPCS see exactly those; a manager cannot choose national), so
        the filter would only cost a pass over every person in the country."""
        if self.unit is not None and self.unit.level == "national":
            return None
        return people


@dataclass(frozen=True)
class Link:
    """A cell that links somewhere (a person's case, a practitioner's caseload, the people behind
    a count); CSV keeps the text only. ``numeric``: a count, aligned as a number; ``keep_query``:
    the view appends the dashboard's query string (scope and dates), which a panel does not see."""

    text: str
    url: str
    numeric: bool = False
    keep_query: bool = False

    def __str__(self) -> str:
        return self.text


Cell = str | int | float | Link | None


@dataclass(frozen=True)
class Table:
    """A GOV.UK table: a caption, the column headers and the rows (first cell: the row header)."""

    caption: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]


@dataclass(frozen=True)
class PanelData:
    """What one panel shows: one chart or more (the same figures as the tables) and the tables."""

    tables: Sequence[Table]
    charts: Sequence[SafeString] = field(default_factory=tuple)
    notes: Sequence[str] = field(default_factory=tuple)  # short definitions under the panel


@dataclass(frozen=True)
class Panel:
    slug: str  # unique, used in URLs (``?panel=<slug>``, ``<slug>.csv``) and element ids
    title: str
    compute: Callable[[QuerySet[Person], Scope], PanelData]
