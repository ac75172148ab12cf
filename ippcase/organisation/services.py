"""Writes of the administration area: one function per action, keyword-only arguments, one
transaction, the row locked, a typed error (:class:`AdminError`) whose message the user reads,
and the reason in the audit context (``pghistory.context``). Every refusal changes nothing."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

import pghistory
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ippcase.core import once
from ippcase.core.notifications import notify
from ippcase.models import PANEL_PERIOD_MAX, PANEL_PERIOD_MIN, Allocation, Pdu, Region, Team, User
from ippcase.organisation import selectors
from ippcase.vocab import Role

log = logging.getLogger(__name__)


class AdminError(ValueError):
    """A refused administration action; ``str(error)`` is a message for the person who tried."""


class NotAllowed(AdminError):
    pass


class StaleForm(AdminError):
    def __init__(self) -> None:
        super().__init__(
            "Someone else changed this record while you were working on it. Nothing was "
            "saved: reload the page to see the latest version."
        )


class Duplicate(AdminError):
    pass


def _require(actor: User, perm: str, obj: Model | None = None, message: str = "") -> None:
    allowed = actor.has_perm(perm, obj) if obj is not None else actor.has_perm(perm)
    if not allowed:
        raise NotAllowed(message or "You cannot do this.")


def _check(expected: str, actual: str) -> None:
    if expected != actual:
        raise StaleForm


# ---------------------------------------------------------------------------------------------
# Regions, PDUs and teams


def _clean_code(code: str) -> str:
    code = code.strip().lower()
    if code == "new":
        raise AdminError("Code cannot be new: choose another code")
    return code


@once.keyed(Region, AdminError)  # issue 18: a replay gets the first
@transaction.atomic
def region_create(
    *, actor: User, code: str, name: str, submission_key: uuid.UUID | None = None
) -> Region:
    _require(actor, "ippcase.administer_regions", message="Only an administrator adds regions.")
    code = _clean_code(code)
    if Region.objects.filter(code=code).exists():
        raise Duplicate(f"There is already a region with the code {code}")
    with pghistory.context(user=actor.pk, reason="Region added"):
        return Region.objects.create(code=code, name=name.strip())


@transaction.atomic
def region_rename(*, actor: User, region_id: int, name: str, expected: str) -> Region:
    _require(actor, "ippcase.administer_regions", message="Only an administrator renames regions.")
    region = Region.objects.select_for_update().get(pk=region_id)
    _check(expected, selectors.marker(region.name))
    with pghistory.context(user=actor.pk, reason="Region renamed"):
        region.name = name.strip()
        region.save(update_fields=["name"])
    return region


@once.keyed(Pdu, AdminError)
@transaction.atomic
def pdu_create(
    *, actor: User, region: Region, code: str, name: str, submission_key: uuid.UUID | None = None
) -> Pdu:
    _require(actor, "ippcase.administer_regions", message="Only an administrator adds PDUs.")
    code = _clean_code(code)
    if Pdu.objects.filter(code=code).exists():
        raise Duplicate(f"There is already a PDU with the code {code}")
    with pghistory.context(user=actor.pk, reason="PDU added"):
        return Pdu.objects.create(region=region, code=code, name=name.strip())


@transaction.atomic
def pdu_rename(*, actor: User, pdu_id: int, name: str, expected: str) -> Pdu:
    _require(actor, "ippcase.administer_regions", message="Only an administrator renames PDUs.")
    pdu = Pdu.objects.select_for_update().get(pk=pdu_id)
    _check(expected, selectors.marker(pdu.name))
    with pghistory.context(user=actor.pk, reason="PDU renamed"):
        pdu.name = name.strip()
        pdu.save(update_fields=["name"])
    return pdu


@once.keyed(Team, AdminError)
@transaction.atomic
def team_create(
    *, actor: User, pdu: Pdu, code: str, name: str, submission_key: uuid.UUID | None = None
) -> Team:
    _require(actor, "ippcase.administer_pdu", pdu, "You cannot add teams to this PDU.")
    code = _clean_code(code)
    if Team.objects.filter(code=code).exists():
        raise Duplicate(f"There is already a team with the code {code}")
    with pghistory.context(user=actor.pk, reason="Team added"):
        return Team.objects.create(pdu=pdu, code=code, name=name.strip())


@transaction.atomic
def team_rename(*, actor: User, team_id: int, name: str, expected: str) -> Team:
    team = Team.objects.select_for_update().select_related("pdu").get(pk=team_id)
    _require(actor, "ippcase.administer_pdu", team.pdu, "You cannot rename this team.")
    _check(expected, selectors.marker(team.name))
    with pghistory.context(user=actor.pk, reason="Team renamed"):
        team.name = name.strip()
        team.save(update_fields=["name"])
    return team


PANEL_PERIOD_RANGE = range(PANEL_PERIOD_MIN, PANEL_PERIOD_MAX + 1)


@transaction.atomic
def team_set_panel_period(*, actor: User, team_id: int, months: int, expected: str) -> Team:
    """Set how many months a multi-agency panel or meeting counts for a recommendation of the
    team's people (issue 19; docs/administration.md)."""
    team = Team.objects.select_for_update().select_related("pdu").get(pk=team_id)
    _require(actor, "ippcase.administer_pdu", team.pdu, "You cannot change this team.")
    _check(expected, selectors.marker(team.panel_period_months))
    if isinstance(months, bool) or not isinstance(months, int) or months not in PANEL_PERIOD_RANGE:
        raise AdminError(
            "Months a panel or meeting counts for must be a whole number from "
            f"{PANEL_PERIOD_MIN} to {PANEL_PERIOD_MAX}, like 6"
        )
    with pghistory.context(user=actor.pk, reason="Panel period changed"):
        team.panel_period_months = months
        team.save(update_fields=["panel_period_months"])
    return team


# ---------------------------------------------------------------------------------------------
# Staff


def _locked_member(actor: User, member_id: int, expected: str | None) -> User:
    member = User.objects.select_for_update(of=("self",)).select_related("team").get(pk=member_id)
    _require(actor, "ippcase.administer_user", member, "You cannot change this account.")
    if not selectors.is_admin(actor) and member.has_role(Role.ADMIN, Role.PPCS):
        raise NotAllowed("Only an administrator can change an administrator's or PPCS account.")
    if expected is not None:
        _check(expected, selectors.user_marker(member))
    return member


def _allowed_team(actor: User, team: Team | None) -> None:
    if team is None:
        if not selectors.is_admin(actor):
            raise NotAllowed("Choose a team of your PDU.")
        return
    _require(actor, "ippcase.administer_pdu", team.pdu, "Choose a team of your PDU.")


def _check_roles_need_team(roles: Iterable[str], team: Team | None) -> None:
    needing = [Role(r).label for r in roles if r in selectors.TEAM_ROLES]
    if needing and team is None:
        raise AdminError(
            f"Give them a team first: {needing[0].split(' (')[0].lower()} is a role within a team"
        )


def _check_roles_grantable(actor: User, old: set[str], new: set[str]) -> None:
    if selectors.is_admin(actor):
        return
    if (old ^ new) - set(selectors.LOCAL_ADMIN_ROLES):
        raise NotAllowed(
            "A local administrator cannot give or take away the administrator or PPCS role."
        )


def invitation_link(member: User, site_url: str) -> str:
    """The set-password link of an invitation: Django's password reset token, valid for
    PASSWORD_RESET_TIMEOUT (3 days by default) and spent once the password is set."""
    path = reverse(
        "set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(member.pk)),
            "token": default_token_generator.make_token(member),
        },
    )
    return site_url.rstrip("/") + path


def _invitation_body(member: User, site_url: str) -> str:
    if settings.OIDC_ENABLED:
        how = (
            f"Sign in with your {settings.OIDC_PROVIDER_NAME} account at "
            f"{site_url.rstrip('/')}{reverse('login')}"
        )
    else:
        days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
        how = (
            "Choose your password with this link (it works once, for "
            f"{days} day{'s' if days != 1 else ''}):\n{invitation_link(member, site_url)}"
        )
    return (
        f"Hello {member.display_name},\n\nAn account has been set up for you on IPP case, "
        f"with the username {member.username}.\n\n{how}\n"
    )


@once.keyed(User, AdminError)
@transaction.atomic
def staff_create(
    *,
    actor: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    team: Team | None,
    roles: Iterable[str],
    site_url: str,
    submission_key: uuid.UUID | None = None,
) -> User:
    """Create an account with an unusable password and send the invitation through the email
    outbox: a set-password link, or (single sign-on on) how to sign in."""
    _require(actor, "ippcase.administer", message="You cannot add staff.")
    roles = sorted(set(roles))
    username = username.strip()
    email = email.strip()
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise AdminError(
            "Username must only include letters, numbers and the characters @ . + - _"
        ) from None
    if not roles:
        raise AdminError("Select at least one role")
    _allowed_team(actor, team)
    _check_roles_grantable(actor, set(), set(roles))
    _check_roles_need_team(roles, team)
    if User.objects.filter(username__iexact=username).exists():
        raise Duplicate(f"There is already an account with the username {username}")
    if User.objects.filter(email__iexact=email).exists():
        raise Duplicate(f"There is already an account with the email address {email}")
    with pghistory.context(user=actor.pk, reason="Account created by an administrator"):
        member = User(
            username=username,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email,
            team=team,
            roles=roles,
        )
        member.set_unusable_password()
        member.save()
    notify(
        recipients=[member],
        subject="Your IPP case account",
        body=_invitation_body(member, site_url),
    )
    return member


@transaction.atomic
def staff_set_roles(*, actor: User, member_id: int, roles: Iterable[str], expected: str) -> User:
    if member_id == actor.pk:
        raise NotAllowed("You cannot change your own roles: ask another administrator.")
    # Lock the active administrators first (always in the same order), so two administrators
    # taking the role from each other at once cannot leave none.
    list(
        User.objects.select_for_update()
        .filter(is_active=True, roles__contains=[Role.ADMIN])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    member = _locked_member(actor, member_id, expected)
    new = sorted(set(roles))
    old = set(member.roles)
    _check_roles_grantable(actor, old, set(new))
    if Role.ADMIN in old and Role.ADMIN not in new and selectors.last_active_admin(member):
        raise NotAllowed(
            "You cannot take the administrator role from the last active administrator."
        )
    _check_roles_need_team(new, member.team)
    with pghistory.context(user=actor.pk, reason="Roles changed"):
        member.roles = new
        member.save(update_fields=["roles"])
    return member


@transaction.atomic
def staff_set_team(*, actor: User, member_id: int, team: Team | None, expected: str) -> User:
    member = _locked_member(actor, member_id, expected)
    _allowed_team(actor, team)
    _check_roles_need_team(member.roles, team)
    if (
        team != member.team
        and Allocation.objects.filter(practitioner=member, end_date__isnull=True).exists()
    ):
        raise AdminError(
            "They hold open cases: transfer them to another practitioner before moving team."
        )
    with pghistory.context(user=actor.pk, reason="Team changed"):
        member.team = team
        member.save(update_fields=["team"])
    return member


@transaction.atomic
def staff_unlock(*, actor: User, member_id: int) -> int:
    """Clear the member's sign-in lockout (django-axes' failed attempts for their username, from
    every address); returns how many records were cleared."""
    member = _locked_member(actor, member_id, None)
    cleared = axes_reset(username=member.username)
    log.info("sign-in lockout cleared for user %s by user %s", member.pk, actor.pk)
    return cleared


@transaction.atomic
def staff_deactivate(*, actor: User, member_id: int, expected: str) -> User:
    if member_id == actor.pk:
        raise NotAllowed("You cannot deactivate your own account.")
    list(
        User.objects.select_for_update()
        .filter(is_active=True, roles__contains=[Role.ADMIN])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    member = _locked_member(actor, member_id, expected)
    if not member.is_active:
        raise AdminError("This account is already deactivated.")
    if selectors.last_active_admin(member):
        raise NotAllowed("You cannot deactivate the last active administrator.")
    held = Allocation.objects.filter(practitioner=member, end_date__isnull=True).count()
    if held:
        raise AdminError(
            f"They hold {held} open case{'s' if held != 1 else ''}: transfer "
            f"{'them' if held != 1 else 'it'} to another practitioner first."
        )
    with pghistory.context(user=actor.pk, reason="Account deactivated"):
        member.is_active = False
        member.save(update_fields=["is_active"])
    return member


@transaction.atomic
def staff_reactivate(*, actor: User, member_id: int, expected: str) -> User:
    member = _locked_member(actor, member_id, expected)
    if member.is_active:
        raise AdminError("This account is already active.")
    with pghistory.context(user=actor.pk, reason="Account reactivated"):
        member.is_active = True
        member.save(update_fields=["is_active"])
    return member
