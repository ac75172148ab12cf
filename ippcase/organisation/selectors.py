"""Reads of the administration area, each with a bounded number of queries: the organisation
the user administers, staff lists with their sign-in lockout, and what a member of staff holds."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from ippcase.models import Allocation, Pdu, Region, Team, User, labels
from ippcase.vocab import Role

STAFF_PAGE_SIZE = 50
# The roles a local administrator may give and take away (never administrator or PPCS).
LOCAL_ADMIN_ROLES = (Role.PRACTITIONER, Role.MANAGER, Role.SENIOR_MANAGER, Role.LOCAL_ADMIN)
# Roles that need a team: the scope of each is the team, its PDU or (QA lead) its region.
TEAM_ROLES = (*LOCAL_ADMIN_ROLES, Role.QA_LEAD)


def with_role_names(users: list[User]) -> list[User]:
    """Set ``role_names`` (the roles in words) on each user."""
    for user in users:
        setattr(user, "role_names", labels(Role, list(user.roles)))  # noqa: B010
    return users


def is_admin(user: User) -> bool:
    """An administrator (or a Django superuser, who holds every permission)."""
    return user.is_superuser or Role.ADMIN in (user.roles or [])


def administered_pdu_id(user: User) -> int | None:
    """The PDU a local administrator administers (their own team's); None without a team."""
    return user.team.pdu_id if user.team_id is not None and user.team else None


def pdus_for(user: User) -> QuerySet[Pdu]:
    """The PDUs the user administers."""
    qs = Pdu.objects.select_related("region").order_by("region__name", "name")
    if is_admin(user):
        return qs
    pdu_id = administered_pdu_id(user)
    return qs.filter(pk=pdu_id) if pdu_id is not None else qs.none()


def teams_for(user: User) -> QuerySet[Team]:
    """The teams the user administers."""
    qs = Team.objects.select_related("pdu").order_by("pdu__name", "name")
    if is_admin(user):
        return qs
    pdu_id = administered_pdu_id(user)
    return qs.filter(pdu_id=pdu_id) if pdu_id else qs.none()


def staff_for(user: User) -> QuerySet[User]:
    """The staff the user administers (every status): all accounts for an administrator, the
    staff of the PDU's teams for a local administrator (the twin of ``ippcase.administer_user``)."""
    qs = User.objects.select_related("team", "team__pdu")
    if is_admin(user):
        return qs
    pdu_id = administered_pdu_id(user)
    return qs.filter(team__pdu_id=pdu_id) if pdu_id else qs.none()


def waiting_accounts(user: User) -> list[User]:
    """Active accounts with no role (a first single sign-on, or every role taken away) that the
    user administers: they see nothing until given a role (and a team)."""
    return list(staff_for(user).filter(is_active=True, roles=[]).order_by("date_joined")[:100])


def organisation_tree(user: User) -> list[Region]:
    """Regions -> PDUs -> teams the user administers, each team with ``staff_count`` (active
    staff): three queries whatever the size."""
    teams = Team.objects.annotate(
        staff_count=Count("members", filter=Q(members__is_active=True))
    ).order_by("name")
    pdus = pdus_for(user).prefetch_related(Prefetch("teams", queryset=teams))
    regions = Region.objects.order_by("name").prefetch_related(
        Prefetch("pdus", queryset=pdus, to_attr="administered_pdus")
    )
    return [r for r in regions if r.administered_pdus or is_admin(user)]


def organisation_team_counts(pdu: Pdu) -> QuerySet[Team]:
    """The PDU's teams, each with ``staff_count`` (active staff): one query."""
    return pdu.teams.annotate(
        staff_count=Count("members", filter=Q(members__is_active=True))
    ).order_by("name")


def locked_out_usernames(usernames: list[str]) -> set[str]:
    """Which of these usernames are locked out of password sign-in now (django-axes: as many
    failures as AXES_FAILURE_LIMIT from one address within the cool-off), in one query."""
    if not usernames:
        return set()
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(
            username__in=usernames,
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=since,
        ).values_list("username", flat=True)
    )


def staff_page(
    user: User, *, team_code: str = "", query: str = "", page_number: Any = 1
) -> Page[User]:
    """A page of the staff the user administers, filtered by team and by a name or username
    search; each row with ``locked_out``. Four queries whatever the size."""
    qs = staff_for(user)
    if team_code:
        qs = qs.filter(team__code=team_code)
    for word in query.split()[:5]:
        qs = qs.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
        )
    qs = qs.order_by("last_name", "first_name", "username")
    page = Paginator(qs, STAFF_PAGE_SIZE).get_page(page_number)
    rows = with_role_names(list(page.object_list))
    locked = locked_out_usernames([u.username for u in rows])
    for row in rows:
        setattr(row, "locked_out", row.username in locked)  # noqa: B010
    page.object_list = rows
    return page


def open_allocations(member: User) -> list[Allocation]:
    """The cases the member holds now (current allocations), with the person."""
    return list(
        Allocation.objects.filter(practitioner=member, end_date__isnull=True)
        .select_related("person")
        .order_by("person__last_name", "person__crn")
    )


def team_members(team: Team) -> list[User]:
    return with_role_names(list(team.members.order_by("last_name", "first_name", "username")))


def last_active_admin(member: User) -> bool:
    """Whether the member is the only active administrator."""
    return (
        member.is_active
        and Role.ADMIN in member.roles
        and not User.objects.filter(is_active=True, roles__contains=[Role.ADMIN])
        .exclude(pk=member.pk)
        .exists()
    )


def marker(*parts: object) -> str:
    """A short fingerprint of what a form was shown, carried in a hidden field: a save against
    a record that has changed since is refused as stale."""
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def user_marker(member: User) -> str:
    return marker(
        sorted(str(role) for role in member.roles),
        member.team_id,
        member.is_active,
        member.first_name,
        member.last_name,
        member.email,
    )


@dataclass(frozen=True)
class MemberSummary:
    member: User
    locked_out: bool
    open_cases: int
    last_active_admin: bool


def member_summary(member: User) -> MemberSummary:
    return MemberSummary(
        member=member,
        locked_out=bool(locked_out_usernames([member.username])),
        open_cases=Allocation.objects.filter(practitioner=member, end_date__isnull=True).count(),
        last_active_admin=last_active_admin(member),
    )
