"""Reads of the allocation pages, each a fixed number of queries whatever the size of the
organisation or of the case's history."""

from __future__ import annotations

from dataclasses import dataclass

from ippcase.models import Allocation, Person, Team, User
from ippcase.vocab import Role


@dataclass(frozen=True)
class TeamGroup:
    """The teams of one PDU, for the receiving team's select (an optgroup)."""

    label: str  # "Yorkshire and the Humber: Leeds"
    teams: list[Team]


def allocation_history(person: Person) -> list[Allocation]:
    """The case's allocations, oldest first, each with its COM and the COM's team (one
    query). The team shown is the COM's team now: an allocation records no team of its own."""
    return list(
        Allocation.objects.filter(person=person)
        .select_related("practitioner__team")
        .order_by("start_date", "id")
    )


def current_allocation_for(person: Person) -> Allocation | None:
    """The open allocation of ``person`` (one query)."""
    return (
        Allocation.objects.filter(person=person, end_date__isnull=True)
        .select_related("practitioner")
        .first()
    )


def teams_by_pdu() -> list[TeamGroup]:
    """Every team in the country, grouped by region and PDU, by name (one query)."""
    groups: dict[int, TeamGroup] = {}
    teams = Team.objects.select_related("pdu__region").order_by(
        "pdu__region__name", "pdu__name", "name"
    )
    for team in teams:
        if team.pdu_id not in groups:
            groups[team.pdu_id] = TeamGroup(f"{team.pdu.region.name}: {team.pdu.name}", [])
        groups[team.pdu_id].teams.append(team)
    return list(groups.values())


def team_by_code(code: str) -> Team | None:
    return Team.objects.select_related("pdu__region").filter(code=code).first()


def active_practitioners(team: Team) -> list[User]:
    """The team's active probation practitioners, by name (one query): who may hold a case."""
    return list(
        User.objects.filter(
            team=team, is_active=True, roles__contains=[Role.PRACTITIONER]
        ).order_by("last_name", "first_name", "username")
    )


def receiving_managers(team: Team) -> list[User]:
    """Who is told of a case coming to ``team``: its active managers (SPOs); if it has none,
    those of its PDU (one or two queries)."""
    managers = User.objects.filter(is_active=True, roles__contains=[Role.MANAGER])
    in_team = list(managers.filter(team=team))
    return in_team or list(managers.filter(team__pdu_id=team.pdu_id))
