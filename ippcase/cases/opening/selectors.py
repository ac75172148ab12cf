"""Reads for opening a case: the teams a user may open a case in, the COMs of a team, and an
existing case with the same CRN or NOMIS number. Each is one query."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ippcase.models import Person, Team, User
from ippcase.vocab import Role


def teams_for_new_case(user: User) -> QuerySet[Team]:
    """The teams ``user`` may open a case in: a practitioner's own team; a manager's or senior
    manager's, the teams of their PDU; an administrator's, any team. A user with several roles
    gets the union."""
    teams = Team.objects.select_related("pdu").order_by("pdu__name", "name")
    roles = set(user.roles or ())
    if Role.ADMIN in roles:
        return teams
    scope = Q(pk__in=[])
    if user.team is not None:
        if Role.PRACTITIONER in roles:
            scope |= Q(pk=user.team.pk)
        if roles & {Role.MANAGER, Role.SENIOR_MANAGER}:
            scope |= Q(pdu_id=user.team.pdu_id)
    return teams.filter(scope)


def coms_for_team(team_id: int) -> QuerySet[User]:
    """The COMs a case in the team may be allocated to: its active practitioners, by name."""
    return User.objects.filter(
        team_id=team_id, is_active=True, roles__contains=[Role.PRACTITIONER]
    ).order_by("last_name", "first_name", "username")


def existing_case(crn: str, nomis_number: str) -> Person | None:
    """A case already holding this CRN or (when given) NOMIS number, with its team and PDU."""
    match = Q(crn=crn)
    if nomis_number:
        match |= Q(nomis_number=nomis_number)
    return (
        Person.objects.select_related("team__pdu", "awaiting_pdu").filter(match).order_by("pk")
    ).first()
