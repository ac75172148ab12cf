"""Caseload panels: where the people in scope are now, and who is at risk of recall with no
action short of recall recorded (docs/dashboards.md gives the definitions)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse

from ippcase.cases.selectors import CaseStatus, current_com_name, stored_status
from ippcase.core import charts
from ippcase.models import Person
from ippcase.reporting.dashboard import Link, Panel, PanelData, Scope, Table
from recall.models import Concern
from recall.vocab import RecommendationStatus as RS

CONCERN_DAYS = 30  # "concerns in the last 30 days"
AT_RISK_DAYS = 90  # the at-risk window: concerns in the last 90 days
AT_RISK_LIMIT = 50


@dataclass(frozen=True)
class Position:
    """One row of "Caseload now": a position a person can be in today. Its count links to the
    people in it (``dashboard_position_people``)."""

    slug: str
    label: str
    condition: Q


POSITIONS: tuple[Position, ...] = (
    Position("in-scope", "People in scope", Q()),
    Position("on-licence", "On licence", Q(status=CaseStatus.ON_LICENCE)),
    Position(
        "licence-ended",
        "Licence ended (by law or the Parole Board)",
        Q(status=CaseStatus.LICENCE_ENDED),
    ),
    Position(
        "recent-concern",
        f"Concerns recorded in the last {CONCERN_DAYS} days",
        Q(recent_concern=True),
    ),
    Position("draft", "Recall being considered (draft recommendation)", Q(live_status=RS.DRAFT)),
    Position(
        "countersignature",
        "Awaiting countersignature (SPO or ACO)",
        Q(live_status__in=[RS.AWAITING_SPO, RS.AWAITING_ACO]),
    ),
    Position("ready", "Countersigned, not yet sent to PPCS", Q(live_status=RS.READY)),
    Position(
        "awaiting-ppcs", "Awaiting PPCS", Q(live_status__in=[RS.SUBMITTED, RS.INFO_REQUESTED])
    ),
    Position("at-large", "Recalled, not yet in custody", Q(status=CaseStatus.RECALLED_AT_LARGE)),
    Position(
        "awaiting-review",
        "In custody on recall, awaiting re-release review",
        Q(status=CaseStatus.IN_CUSTODY_ON_RECALL, awaiting_review=True),
    ),
)
POSITIONS_BY_SLUG = {position.slug: position for position in POSITIONS}


def with_positions(people: QuerySet[Person], today: dt.date) -> QuerySet[Person]:
    """``people`` annotated with what every ``Position.condition`` reads, from each person's
    stored position (``PersonPosition``: one join, no subquery a person)."""
    since = today - dt.timedelta(days=CONCERN_DAYS)
    return people.annotate(
        live_status=F("position__live_status"),
        recent_concern=ExpressionWrapper(
            Q(position__latest_concern_on__gte=since), output_field=BooleanField()
        ),
        awaiting_review=ExpressionWrapper(
            Q(
                position__returned_to_custody_on__isnull=False,
                position__re_released_on__isnull=True,
            ),
            output_field=BooleanField(),
        ),
        status=stored_status(today),
    )


def position_people(
    people: QuerySet[Person], position: Position, today: dt.date
) -> QuerySet[Person]:
    """The people in ``position`` today, by name: the people its count counts."""
    return (
        with_positions(people, today)
        .filter(position.condition)
        .order_by("last_name", "first_name", "crn")
    )


def _caseload_now(people: QuerySet[Person], scope: Scope) -> PanelData:
    counts = (
        with_positions(people, scope.today)
        .order_by()
        .aggregate(**{p.slug: Count("pk", filter=p.condition) for p in POSITIONS})
    )
    values = [(p.label, int(counts[p.slug] or 0)) for p in POSITIONS]
    # Each count opens the people behind it, in the same scope (the view adds the query string).
    rows = [
        (
            p.label,
            Link(
                str(n),
                reverse("dashboard_position_people", args=[p.slug]),
                numeric=True,
                keep_query=True,
            ),
        )
        for p, (_, n) in zip(POSITIONS, values, strict=True)
    ]
    chart = charts.bar_chart(
        [(label, [n]) for label, n in values[1:]],
        series=["People"],
        title="Caseload now: bar chart",
        description="Number of people in each position on the caseload today. "
        "The table below gives the same numbers.",
        chart_id="caseload-now-chart",
    )
    return PanelData(
        tables=(Table("Caseload now", ("Position", "People"), rows),),
        charts=(chart,),
        notes=(
            "Counted today, whatever the date range. A person may be in more than one row "
            "(for example on licence with a recent concern).",
            "Awaiting countersignature: the recommendation waits for the SPO or the ACO. "
            "A countersigned recommendation the practitioner has not yet sent is its own row.",
            "Awaiting PPCS: submitted, or PPCS has asked for more information.",
            "In custody awaiting review: returned to custody on the latest recall and not "
            "re-released.",
            "Licence ended: an IPP or DPP licence that ended automatically (two continuous years "
            "after the qualifying period, Crime (Sentences) Act 1997 s.31A) or was terminated by "
            "the Parole Board.",
        ),
    )


CASELOAD_NOW = Panel("caseload-now", "Caseload now", _caseload_now)


def _at_risk_people(people: QuerySet[Person], scope: Scope) -> QuerySet[Any]:
    """People on licence now with concerns in the window, no action short of recall since the
    earliest of them, and no active recommendation. Someone already recalled (at large or in
    custody) or not yet released is not at risk of recall: equality with ``ON_LICENCE``, so a
    status added to the expression later stays out unless it is "on licence".

    Read from the stored position: a concern in the window is "the latest concern is in it"
    (no concern is dated in the future: recall.services refuses one), and "no action on or after
    the earliest concern in the window" is "no concern in the window on or before the latest
    action", i.e. the latest concern on or before that action is older than the window.
    ``concern_count`` is counted only for the people this leaves."""

    since = scope.today - dt.timedelta(days=AT_RISK_DAYS)
    window = Concern.objects.filter(
        person=OuterRef("pk"),
        occurred_on__gte=since,
        occurred_on__lte=scope.today,
        struck_out_at__isnull=True,
    )
    return (
        people.filter(position__latest_concern_on__gte=since, position__live_status="")
        .filter(
            Q(position__concern_before_action_on__isnull=True)
            | Q(position__concern_before_action_on__lt=since)
        )
        .annotate(case_status=stored_status(scope.today))
        .filter(case_status=CaseStatus.ON_LICENCE)
        .annotate(
            latest_concern=F("position__latest_concern_on"),
            concern_count=Subquery(
                window.order_by().values("person").annotate(n=Count("pk")).values("n")[:1]
            ),
        )
    )


def _at_risk(people: QuerySet[Person], scope: Scope) -> PanelData:
    at_risk = _at_risk_people(people, scope)
    by_team = list(
        at_risk.order_by().values("team__name").annotate(n=Count("pk")).order_by("-n", "team__name")
    )
    total = sum(row["n"] for row in by_team)
    listed = (
        at_risk.annotate(com_name=Coalesce(current_com_name(), Value("")))
        .select_related("team")
        .order_by("-concern_count", "-latest_concern", "last_name", "crn")[:AT_RISK_LIMIT]
    )
    rows = [
        (
            Link(f"{p.first_name} {p.last_name}", reverse("person_overview", args=[p.crn])),
            p.crn,
            p.team_name,
            p.com_name or "Unallocated",
            p.concern_count,
            f"{p.latest_concern:%-d %b %Y}",
        )
        for p in listed
    ]
    # An unallocated person (no team) counts under "Awaiting allocation", as Person.team_name says.
    team_rows = [(row["team__name"] or "Awaiting allocation", row["n"]) for row in by_team]
    tables = [
        Table(
            f"People at risk of recall ({total} in all"
            + (
                f", the {AT_RISK_LIMIT} with most concerns shown)" if total > AT_RISK_LIMIT else ")"
            ),
            ("Name", "CRN", "Team", "Community offender manager", "Concerns", "Latest concern"),
            rows,
        ),
        Table("People at risk of recall by team", ("Team", "People"), [*team_rows]),
    ]
    chart_list = []
    if team_rows:
        chart_list.append(
            charts.bar_chart(
                [(name, [n]) for name, n in team_rows],
                series=["People"],
                title="People at risk of recall by team: bar chart",
                description="Number of people at risk of recall in each team. "
                "The table below gives the same numbers.",
                chart_id="at-risk-chart",
            )
        )
    return PanelData(
        tables=tables,
        charts=chart_list,
        notes=(
            f"{total} {'person' if total == 1 else 'people'} with a concern recorded in the last "
            f"{AT_RISK_DAYS} days, no action short of recall taken on or after the earliest of "
            "those concerns, and no recall recommendation under way (draft to awaiting PPCS).",
            "Counted today, whatever the date range.",
        ),
    )


AT_RISK = Panel(
    "at-risk", "People at risk of recall: open concerns and no action short of recall", _at_risk
)
