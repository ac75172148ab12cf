"""Multi-agency management (issue 19; docs/dashboards.md): by team, the people on licence in the
community with no IPP progression panel or MAPPA level 2 or 3 meeting in the last 12 months, the
panels and meetings held each month of the date range, and the meeting actions overdue.

HMIP 2023 recommendation 3 asks that everyone at risk of recall be considered at a progression
panel or MAPPA meeting; the inspection found that done in only 7 of 26 cases (section 5.1).

Three aggregate queries whatever the number of people, meetings or actions: people by team (the
stored position and one EXISTS over the meetings, evaluated by PostgreSQL), meetings by team,
month and type, and overdue actions by team. Python only adds up the grouped rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.http import urlencode

from ippcase.cases.selectors import CaseStatus, stored_status
from ippcase.core import charts
from ippcase.models import Person
from ippcase.reporting.cohort import percentage
from ippcase.reporting.dashboard import Cell, Link, Panel, PanelData, Scope, Table
from ippcase.reporting.panels.recalls import months
from recall.meeting_models import MeetingAction, MultiAgencyMeeting
from recall.vocab import FORUM_KINDS, MeetingKind

PANEL_MONTHS = 12  # "no panel in the last 12 months" (issue 19)
NO_TEAM = "No team (awaiting allocation)"
NO_TEAM_CODE = "(none)"  # ?team=(none) on the people list: no team yet (never a slug)


def months_before(day: dt.date, count: int) -> dt.date:
    """The same day ``count`` calendar months before ``day`` (the last day of a shorter month:
    31 May less 3 months is 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 - count
    year, month = divmod(index, 12)
    month += 1
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = (following - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def panel_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The days a panel counts in: from 12 months before today to today, inclusive."""
    return months_before(today, PANEL_MONTHS), today


def forums_held(since: dt.date, until: dt.date) -> Q:
    """A meeting that is a multi-agency forum of recommendation 3 (progression panel, MAPPA level
    2 or 3), not struck out, held in ``since`` .. ``until``."""
    return Q(
        kind__in=FORUM_KINDS,
        struck_out_at__isnull=True,
        held_on__gte=since,
        held_on__lte=until,
    )


@dataclass
class TeamRow:
    code: str | None
    name: str
    in_community: int = 0
    no_panel: int = 0
    forums: int = 0
    meetings: int = 0
    overdue: int = 0
    oldest_due: dt.date | None = None


@dataclass
class Figures:
    teams: dict[str | None, TeamRow] = field(default_factory=dict)
    by_month: dict[dt.date, dict[str, int]] = field(default_factory=dict)

    def team(self, code: str | None, name: str | None) -> TeamRow:
        return self.teams.setdefault(code, TeamRow(code, name or NO_TEAM))


def _with_recent_panel(people: QuerySet[Person], today: dt.date) -> QuerySet[Person]:
    since, until = panel_window(today)
    recent = MultiAgencyMeeting.objects.filter(forums_held(since, until), person=OuterRef("pk"))
    return people.annotate(status=stored_status(today), panel=Exists(recent)).filter(
        status=CaseStatus.ON_LICENCE
    )


def no_panel_people(people: QuerySet[Person], today: dt.date) -> QuerySet[Person]:
    """The people the "with no panel" count counts, by team and name (``dashboard_no_panel``)."""
    return (
        _with_recent_panel(people, today)
        .filter(Q(panel=False))
        .order_by("team__name", "last_name", "first_name", "crn")
    )


def community_without_panel(people: QuerySet[Person], today: dt.date) -> list[Any]:
    """By team: the people on licence in the community today (the dashboard's "On licence":
    released, not recalled since, licence not ended) and those of them with no progression panel
    or MAPPA level 2/3 meeting (not struck out) in the last 12 months. One query."""
    return list(
        _with_recent_panel(people, today)
        .order_by()
        .values("team__code", "team__name")
        .annotate(in_community=Count("pk"), no_panel=Count("pk", filter=Q(panel=False)))
    )


def meetings_by_month(people: QuerySet[Person], scope: Scope) -> list[Any]:
    """Meetings (not struck out) of ``people`` held in the date range, by the person's team,
    month and type. One query."""
    return list(
        MultiAgencyMeeting.objects.filter(
            person__in=people,
            struck_out_at__isnull=True,
            held_on__gte=scope.date_from,
            held_on__lte=scope.date_to,
        )
        .annotate(month=TruncMonth("held_on"))
        .order_by()
        .values("person__team__code", "person__team__name", "month", "kind")
        .annotate(n=Count("pk"))
    )


def overdue_actions(people: QuerySet[Person], today: dt.date) -> list[Any]:
    """Actions of meetings (not struck out) about ``people`` not done and due before today, by
    the person's team, with the earliest due date. One query."""
    return list(
        MeetingAction.objects.filter(
            meeting__person__in=people,
            meeting__struck_out_at__isnull=True,
            done_on__isnull=True,
            due_on__lt=today,
        )
        .order_by()
        .values("meeting__person__team__code", "meeting__person__team__name")
        .annotate(n=Count("pk"), oldest=Min("due_on"))
    )


def figures(people: QuerySet[Person], scope: Scope) -> Figures:
    out = Figures()
    for row in community_without_panel(people, scope.today):
        team = out.team(row["team__code"], row["team__name"])
        team.in_community, team.no_panel = row["in_community"], row["no_panel"]
    for row in meetings_by_month(people, scope):
        team = out.team(row["person__team__code"], row["person__team__name"])
        team.meetings += row["n"]
        if row["kind"] in FORUM_KINDS:
            team.forums += row["n"]
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        kinds = out.by_month.setdefault(month, dict.fromkeys(MeetingKind.values, 0))
        kinds[row["kind"]] += row["n"]
    for row in overdue_actions(people, scope.today):
        team = out.team(row["meeting__person__team__code"], row["meeting__person__team__name"])
        team.overdue, team.oldest_due = row["n"], row["oldest"]
    return out


def _share(part: int, whole: int) -> str:
    return f"{percentage(part, whole):.1f}%" if whole else "Nobody on licence"


def _days(days: int | None) -> str:
    return "None overdue" if days is None else f"{days} day{'s' if days != 1 else ''}"


def _no_panel_link(n: int, team: str | None = "") -> Link:
    """The count, linking to the people behind it; ``team`` "" for every team in scope."""
    url = reverse("dashboard_no_panel")
    if team != "":
        url += f"?{urlencode({'team': team or NO_TEAM_CODE})}"
    return Link(str(n), url, numeric=True, keep_query=True)


def _team_table(rows: list[TeamRow], today: dt.date) -> Table:
    body: list[list[Cell]] = []
    for row in rows:
        late = (today - row.oldest_due).days if row.oldest_due else None
        body.append(
            [
                row.name,
                row.in_community,
                _no_panel_link(row.no_panel, row.code),
                _share(row.no_panel, row.in_community),
                row.forums,
                row.meetings,
                row.overdue,
                _days(late),
            ]
        )
    community = sum(r.in_community for r in rows)
    no_panel = sum(r.no_panel for r in rows)
    overdue_days = [(today - r.oldest_due).days for r in rows if r.oldest_due]
    body.append(
        [
            "Total",
            community,
            _no_panel_link(no_panel),
            _share(no_panel, community),
            sum(r.forums for r in rows),
            sum(r.meetings for r in rows),
            sum(r.overdue for r in rows),
            _days(max(overdue_days) if overdue_days else None),
        ]
    )
    return Table(
        "Multi-agency management by team",
        (
            "Team",
            "People on licence in the community",
            f"With no panel or MAPPA level 2 or 3 meeting in the last {PANEL_MONTHS} months",
            "Share with no panel",
            "Panels and MAPPA level 2 or 3 meetings held in the period",
            "All meetings held in the period",
            "Meeting actions overdue",
            "Longest overdue",
        ),
        body,
    )


def _month_table(month_rows: list[tuple[str, dict[str, int]]]) -> Table:
    kinds = list(MeetingKind.choices)
    body: list[list[Cell]] = [
        [label, *(row[code] for code, _ in kinds), sum(row.values())] for label, row in month_rows
    ]
    body.append(
        [
            "Total",
            *(sum(row[code] for _, row in month_rows) for code, _ in kinds),
            sum(sum(row.values()) for _, row in month_rows),
        ]
    )
    return Table(
        "Panels and meetings held by month, by type",
        ("Month", *(label for _, label in kinds), "All meetings"),
        body,
    )


def compute(people: QuerySet[Person], scope: Scope) -> PanelData:
    data = figures(people, scope)
    rows = sorted(data.teams.values(), key=lambda r: (r.name == NO_TEAM, r.name.casefold(), r.name))
    empty = dict.fromkeys(MeetingKind.values, 0)
    month_rows = [
        (f"{m:%b %Y}", data.by_month.get(m, empty)) for m in months(scope.date_from, scope.date_to)
    ]
    since, _ = panel_window(scope.today)
    no_panel_chart = charts.bar_chart(
        [(row.name, [row.in_community - row.no_panel, row.no_panel]) for row in rows],
        series=[
            f"Panel or MAPPA level 2 or 3 meeting in the last {PANEL_MONTHS} months",
            "No panel or meeting",
        ],
        stacked=True,
        title="People on licence in the community, with and without a recent panel, by team: "
        "bar chart",
        description="For each team, the people on licence in the community: those considered "
        f"at a progression panel or MAPPA level 2 or 3 meeting in the last {PANEL_MONTHS} "
        "months, and those with none. The table below gives the same numbers.",
        chart_id="multi-agency-no-panel-chart",
    )
    kinds = list(MeetingKind.choices)
    month_chart = charts.bar_chart(
        [(label, [row[code] for code, _ in kinds]) for label, row in month_rows],
        series=[label for _, label in kinds],
        stacked=True,
        title="Panels and meetings held by month: bar chart",
        description="For each month of the period, the panels and meetings held, one segment "
        "per type of meeting. The table below gives the same numbers.",
        chart_id="multi-agency-meetings-chart",
    )
    return PanelData(
        tables=(_team_table(rows, scope.today), _month_table(month_rows)),
        charts=(no_panel_chart, month_chart),
        notes=(
            "On licence in the community: released, not recalled since the latest release, and "
            "the licence not ended by today (the same people as 'On licence' in Caseload now).",
            "No panel: no IPP progression panel or MAPPA level 2 or 3 meeting recorded on the "
            f"case (struck-out records do not count) held from {since:%-d %B %Y} to "
            f"{scope.today:%-d %B %Y}, whatever the date range chosen. HMIP found a panel or "
            "MAPPA meeting considered in only 7 of 26 cases at risk of recall (HMIP 2023, "
            "section 5.1, recommendation 3).",
            "Meetings held: every panel and meeting of the people in scope dated in the period, "
            "by the team the person is on now; struck-out records are left out.",
            "Each count of people with no panel links to the list of them, with their team and "
            "community offender manager.",
            "Actions overdue: actions agreed at a meeting (not struck out), not marked done, "
            "whose due date is before today, by the team of the person the meeting was about. "
            "Longest overdue: days since the earliest missed due date.",
        ),
    )


MULTI_AGENCY = Panel("multi-agency", "Multi-agency management", compute)
