"""Who may see and do what: the one place where access is decided.

This module holds the roles, the scoping of people (:func:`visible_people`) and the case
permissions; recall/permissions.py and parole/permissions.py hold those of their apps, built on
these predicates. Object checks are ``rules`` predicates
(``user.has_perm("ippcase.view_person", person)``);
list pages use :func:`visible_people`, which applies the same scoping as a queryset filter.
Keep the two side by side so they cannot drift apart; docs/permissions.md describes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rules
from django.db.models import Exists, OuterRef, Q, QuerySet

from ippcase.models import Person, Release
from ippcase.vocab import Role


def _roles(user: Any) -> list[str]:
    return list(getattr(user, "roles", None) or []) if user.is_authenticated else []


@rules.predicate
def is_practitioner(user: Any) -> bool:
    return Role.PRACTITIONER in _roles(user)


@rules.predicate
def is_manager(user: Any) -> bool:
    return Role.MANAGER in _roles(user)


@rules.predicate
def is_senior_manager(user: Any) -> bool:
    return Role.SENIOR_MANAGER in _roles(user)


@rules.predicate
def is_ppcs(user: Any) -> bool:
    return Role.PPCS in _roles(user)


@rules.predicate
def is_admin(user: Any) -> bool:
    return Role.ADMIN in _roles(user)


@rules.predicate
def is_local_admin(user: Any) -> bool:
    return Role.LOCAL_ADMIN in _roles(user)


@rules.predicate
def is_qa_lead(user: Any) -> bool:
    """Quality assurance (issue 19): the role uses the app (its home is the samples) but sees
    no caseload; its access is granted by ippcase/quality/permissions.py."""
    return Role.QA_LEAD in _roles(user)


has_any_role = (
    is_practitioner
    | is_manager
    | is_senior_manager
    | is_ppcs
    | is_admin
    | is_local_admin
    | is_qa_lead
)


@rules.predicate
def person_in_own_team(user: Any, person: Any) -> bool:
    return user.team_id is not None and person.team_id == user.team_id


@rules.predicate
def person_in_own_pdu(user: Any, person: Any) -> bool:
    """The person's case belongs to the user's PDU: held by one of its teams, or on its
    unallocated list (Person.pdu_id)."""
    return user.team_id is not None and person.pdu_id == user.team.pdu_id


# ---------------------------------------------------------------------------------------------
# PPCS's work. PPCS see a person only when there is work for them on the case: a recall in the
# person's history (this layer's own data), or what the recall and parole apps register from
# their AppConfig.ready() (a recommendation submitted to PPCS; licence termination work). This
# module imports neither app (docs/architecture.md).

PpcsWork = Callable[[], Q]
_ppcs_work_sources: list[PpcsWork] = []
_ppcs_work_today: list[PpcsWork] = []


def register_ppcs_work(source: PpcsWork, *, changes_with_time: bool = False) -> None:
    """Add a filter on Person that makes a person PPCS work (called from AppConfig.ready()).

    A source that reads only the person's records (``changes_with_time=False``) is computed into
    the stored ``PersonPosition.ppcs_work`` by the database; one that depends on today's date
    (a qualifying period that has run out by now) is evaluated when the people are read, and
    must use the position's stored columns (``position__...``) rather than subqueries."""
    sources = _ppcs_work_today if changes_with_time else _ppcs_work_sources
    if source not in sources:
        sources.append(source)


def ppcs_work_condition() -> Q:
    """The stored part of "PPCS work": a recall in the person's history, or a registered source
    that does not change with time. Evaluated per person by the position's refresh
    (ippcase/caseload/position.py); everything else reads ``position__ppcs_work``."""
    work = Q(Exists(Release.objects.filter(person=OuterRef("pk"), recall__isnull=False)))
    for source in _ppcs_work_sources:
        work |= source()
    return work


def ppcs_visible() -> Q:
    """The people PPCS may see, read from the stored position and the sources that change with
    time (a join on the position, no subquery a person)."""
    work = Q(position__ppcs_work=True)
    for source in _ppcs_work_today:
        work |= source()
    return work


@rules.predicate
def person_is_ppcs_work(user: Any, person: Any) -> bool:
    return bool(type(person).objects.filter(ppcs_visible(), pk=person.pk).exists())


can_view_person = (
    is_admin
    | (is_practitioner & person_in_own_team)
    | ((is_manager | is_senior_manager) & person_in_own_pdu)
    | (is_ppcs & person_is_ppcs_work)
)

rules.add_perm("ippcase.use_app", has_any_role)
rules.add_perm("ippcase.view_person", can_view_person)
# The header search (issue 16): whoever has a caseload, i.e. a scope of people (not a local
# administrator alone); the results are visible_people(user).
rules.add_perm(
    "ippcase.search_people", is_admin | is_practitioner | is_manager | is_senior_manager | is_ppcs
)
rules.add_perm("ippcase.view_case_history", can_view_person)
# Read audit (issue 7): who viewed a case is for the senior managers of the person's PDU and
# administrators; everyone else who can see the case gets 403 (out of scope: 404).
rules.add_perm("ippcase.view_case_views", is_admin | (is_senior_manager & person_in_own_pdu))

# ---------------------------------------------------------------------------------------------
# Keeping the case record (issue 14). Opening a case: a practitioner (for their own team), a
# manager or senior manager (a team of their PDU), an administrator (any team); the view limits
# the teams offered with teams_for_new_case(). Changing a case: whoever holds it (the team's
# practitioners) and the managers of its PDU. Transferring it (or allocating an unallocated
# case): the managers of its PDU, and administrators.
rules.add_perm("ippcase.open_case", is_practitioner | is_manager | is_senior_manager | is_admin)
rules.add_perm(
    "ippcase.change_case",
    is_admin
    | (is_practitioner & person_in_own_team)
    | ((is_manager | is_senior_manager) & person_in_own_pdu),
)
rules.add_perm(
    "ippcase.transfer_case", is_admin | ((is_manager | is_senior_manager) & person_in_own_pdu)
)
# The unallocated list: administrators (all of it), and managers and local administrators for
# their own PDU's (the view scopes the rows with unallocated_people()).
rules.add_perm(
    "ippcase.view_unallocated", is_admin | is_manager | is_senior_manager | is_local_admin
)


# ---------------------------------------------------------------------------------------------
# Administering the organisation and staff (issue 14): administrators everywhere; a local
# administrator within the PDU of their own team (its teams and the staff in them). Roles a
# local administrator may give are in ippcase.organisation (never admin or PPCS).


@rules.predicate
def pdu_is_own(user: Any, pdu: Any) -> bool:
    return user.team_id is not None and pdu is not None and pdu.pk == user.team.pdu_id


@rules.predicate
def staff_in_own_pdu(user: Any, member: Any) -> bool:
    return (
        user.team_id is not None
        and member.team_id is not None
        and member.team.pdu_id == user.team.pdu_id
    )


rules.add_perm("ippcase.administer", is_admin | is_local_admin)
rules.add_perm("ippcase.administer_pdu", is_admin | (is_local_admin & pdu_is_own))
rules.add_perm("ippcase.administer_user", is_admin | (is_local_admin & staff_in_own_pdu))
rules.add_perm("ippcase.administer_regions", is_admin)

# The email outbox's failed and retrying notifications, and trying one again: administrators.
rules.add_perm("ippcase.manage_notifications", is_admin)


def visible_people(user: Any, qs: QuerySet[Any] | None = None) -> QuerySet[Any]:
    """The people ``user`` may see: the queryset twin of :data:`can_view_person`."""
    qs = Person.objects.all() if qs is None else qs
    roles = _roles(user)
    if Role.ADMIN in roles:
        return qs
    scope = Q(pk__in=[])
    if Role.PRACTITIONER in roles and user.team_id is not None:
        scope |= Q(team_id=user.team_id)
    if (Role.MANAGER in roles or Role.SENIOR_MANAGER in roles) and user.team_id is not None:
        scope |= Q(team__pdu_id=user.team.pdu_id) | Q(
            team__isnull=True, awaiting_pdu_id=user.team.pdu_id
        )
    if Role.PPCS in roles:
        scope |= ppcs_visible()
    return qs.filter(scope)


# ---------------------------------------------------------------------------------------------
# Dashboards (issue 6): managers and senior managers (their PDU), PPCS and administrators (any
# level). The figures are computed over visible_people(user) within the chosen scope.

rules.add_perm("ippcase.view_dashboard", is_manager | is_senior_manager | is_ppcs | is_admin)
