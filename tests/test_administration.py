"""The administration area (issue 14): regions, PDUs, teams and staff, for administrators and
local administrators (the PDU of their own team). Every refusal changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ippcase.models import Notification, Team, User, UserEvent
from ippcase.organisation import selectors, services
from ippcase.vocab import Role
from tests import factories
from tests.conftest import client_for

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def local_admin(team):
    return factories.UserFactory(username="localadmin", roles=[Role.LOCAL_ADMIN], team=team)


@pytest.fixture
def other_local_admin(other_pdu_team):
    return factories.UserFactory(
        username="otherlocal", roles=[Role.LOCAL_ADMIN], team=other_pdu_team
    )


def _state(user: User) -> tuple[Any, ...]:
    user.refresh_from_db()
    return (
        sorted(user.roles),
        user.team_id,
        user.is_active,
        user.email,
        user.has_usable_password(),
    )


def _errors(response: Any) -> str:
    html = response.content.decode()
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    return match.group(0) if match else ""


# --- access -------------------------------------------------------------------------------------

PAGES = [
    ("administration", {}),
    ("admin_region_new", {}),
    ("admin_region", {"code": "region"}),
    ("admin_pdu_new", {}),
    ("admin_pdu", {"code": "pdu"}),
    ("admin_team_new", {}),
    ("admin_team", {"code": "team"}),
    ("admin_staff", {}),
    ("admin_staff_new", {}),
    ("admin_staff_member", {"pk": "member"}),
    ("admin_staff_deactivate", {"pk": "member"}),
]


def _url(name: str, kwargs: dict[str, str], team: Team, member: User) -> str:
    values = {
        "region": team.pdu.region.code,
        "pdu": team.pdu.code,
        "team": team.code,
        "member": member.pk,
    }
    return reverse(name, kwargs={k: values[v] for k, v in kwargs.items()})


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_each_page_admits_administrators_and_refuses_others(
    name, kwargs, team, practitioner, manager, admin_user, local_admin, other_local_admin
):
    url = _url(name, kwargs, team, practitioner)
    assert client_for(admin_user).get(url).status_code == 200
    assert client_for(practitioner).get(url).status_code == 403
    assert client_for(manager).get(url).status_code == 403
    regions_only = name in ("admin_region_new", "admin_region", "admin_pdu_new")
    # A local administrator: their own PDU's pages; never regions or new PDUs.
    assert client_for(local_admin).get(url).status_code == (403 if regions_only else 200)
    # A local administrator of another PDU: this PDU's team, staff and PDU are not found.
    expected_other = 403 if regions_only else (404 if kwargs else 200)
    assert client_for(other_local_admin).get(url).status_code == expected_other


def test_a_local_administrator_sees_only_their_pdus_staff(
    team, practitioner, outsider, local_admin, admin_user
):
    page = client_for(local_admin).get(reverse("admin_staff")).content.decode()
    assert "practitioner" in page
    assert "outsider" not in page
    everyone = client_for(admin_user).get(reverse("admin_staff")).content.decode()
    assert "outsider" in everyone and "practitioner" in everyone


def test_the_navigation_offers_administration_to_administrators_only(
    practitioner, admin_user, local_admin
):
    link = f'href="{reverse("administration")}"'
    assert link in client_for(admin_user).get(reverse("caseload")).content.decode()
    assert link in client_for(local_admin).get(reverse("caseload")).content.decode()
    assert link not in client_for(practitioner).get(reverse("caseload")).content.decode()


# --- regions, PDUs and teams --------------------------------------------------------------------


def test_an_administrator_adds_a_region_a_pdu_and_a_team(admin_user):
    client = client_for(admin_user)
    assert client.post(reverse("admin_region_new"), {"code": "north", "name": "North"})[
        "Location"
    ] == reverse("administration")
    region = factories.models.Region.objects.get(code="north")
    response = client.post(
        reverse("admin_pdu_new"), {"region": region.pk, "code": "york", "name": "York"}
    )
    assert response["Location"] == reverse("admin_pdu", kwargs={"code": "york"})
    pdu = factories.models.Pdu.objects.get(code="york")
    response = client.post(
        reverse("admin_team_new"), {"pdu": pdu.pk, "code": "york-a", "name": "York A"}
    )
    assert response["Location"] == reverse("admin_team", kwargs={"code": "york-a"})
    home = client.get(reverse("administration")).content.decode()
    assert "North" in home and "York" in home and "York A" in home


def test_a_local_administrator_adds_teams_to_their_own_pdu_only(team, other_pdu_team, local_admin):
    client = client_for(local_admin)
    teams = Team.objects.count()
    refused = client.post(
        reverse("admin_team_new"),
        {"pdu": other_pdu_team.pdu.pk, "code": "wake-b", "name": "Wakefield B"},
    )
    assert refused.status_code == 200
    assert "Choose a PDU" in _errors(refused)
    assert Team.objects.count() == teams
    added = client.post(
        reverse("admin_team_new"), {"pdu": team.pdu.pk, "code": "leeds-c", "name": "Leeds C"}
    )
    assert added.status_code == 302
    assert Team.objects.get(code="leeds-c").pdu == team.pdu


def test_a_duplicate_team_code_is_refused(team, admin_user):
    response = client_for(admin_user).post(
        reverse("admin_team_new"), {"pdu": team.pdu.pk, "code": team.code, "name": "Again"}
    )
    assert "There is already a team with the code leeds-a" in _errors(response)
    assert Team.objects.filter(code=team.code).count() == 1


def test_a_stale_rename_is_refused(team, admin_user):
    client = client_for(admin_user)
    url = reverse("admin_team", kwargs={"code": team.code})
    shown = selectors.marker(team.name)
    assert client.post(url, {"name": "Leeds North", "expected": shown}).status_code == 302
    stale = client.post(url, {"name": "Leeds South", "expected": shown})
    assert "Someone else changed this record" in _errors(stale)
    team.refresh_from_db()
    assert team.name == "Leeds North"


def test_a_local_administrator_cannot_rename_a_pdu(team, local_admin):
    url = reverse("admin_pdu", kwargs={"code": team.pdu.code})
    response = client_for(local_admin).post(
        url, {"name": "Renamed", "expected": selectors.marker(team.pdu.name)}
    )
    assert response.status_code == 403
    team.pdu.refresh_from_db()
    assert team.pdu.name == "Leeds"


# --- staff: roles ---------------------------------------------------------------------------------


def _roles(client: Client, member: User, roles: list[str], expected: str | None = None) -> Any:
    return client.post(
        reverse("admin_staff_roles", kwargs={"pk": member.pk}),
        {"roles": roles, "expected": expected or selectors.user_marker(member)},
    )


def test_an_administrator_gives_and_removes_roles(practitioner, admin_user):
    response = _roles(client_for(admin_user), practitioner, [Role.PRACTITIONER, Role.MANAGER])
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.roles == [Role.MANAGER, Role.PRACTITIONER]


def test_no_one_changes_their_own_roles(team, admin_user, local_admin):
    for user, roles in ((admin_user, [Role.ADMIN, Role.PPCS]), (local_admin, [Role.MANAGER])):
        before = _state(user)
        response = _roles(client_for(user), user, roles)
        assert "You cannot change your own roles" in _errors(response)
        assert _state(user) == before


def test_a_local_administrator_cannot_give_the_administrator_or_ppcs_role(
    practitioner, local_admin
):
    client = client_for(local_admin)
    for role in (Role.ADMIN, Role.PPCS):
        before = _state(practitioner)
        response = _roles(client, practitioner, [Role.PRACTITIONER, role])
        assert "cannot give or take away the administrator or PPCS role" in _errors(response)
        assert _state(practitioner) == before
    # The four roles of a PDU they may give.
    assert _roles(client, practitioner, [Role.PRACTITIONER, Role.LOCAL_ADMIN]).status_code == 302


def test_the_administrator_role_of_the_last_active_administrator_cannot_be_removed(
    team, admin_user
):
    # Only an account that is not itself an active administrator could try: a Django superuser.
    support = factories.UserFactory(
        username="support", roles=[Role.PRACTITIONER], team=team, is_superuser=True
    )
    before = _state(admin_user)
    response = _roles(client_for(support), admin_user, [Role.PPCS])
    assert "last active administrator" in _errors(response)
    assert _state(admin_user) == before
    with pytest.raises(services.NotAllowed):
        services.staff_set_roles(
            actor=support,
            member_id=admin_user.pk,
            roles=[],
            expected=selectors.user_marker(admin_user),
        )
    # With a second active administrator, it can.
    factories.UserFactory(username="admin2", roles=[Role.ADMIN], team=None)
    assert _roles(client_for(support), admin_user, [Role.PPCS]).status_code == 302


def test_a_stale_roles_form_is_refused(practitioner, admin_user):
    client = client_for(admin_user)
    shown = selectors.user_marker(practitioner)
    assert _roles(client, practitioner, [Role.MANAGER], shown).status_code == 302
    before = _state(practitioner)
    stale = _roles(client, practitioner, [Role.SENIOR_MANAGER], shown)
    assert "Someone else changed this record" in _errors(stale)
    assert _state(practitioner) == before


def test_a_role_within_a_team_needs_a_team(admin_user):
    waiting = factories.UserFactory(username="waiting", roles=[], team=None)
    response = _roles(client_for(admin_user), waiting, [Role.PRACTITIONER])
    assert "Give them a team first" in _errors(response)
    assert _state(waiting)[0] == []


# --- staff: new member and the invitation ---------------------------------------------------------


def _new_staff(client: Client, team: Team, **overrides: Any) -> Any:
    data = {
        "username": "new.starter",
        "first_name": "Nia",
        "last_name": "Starter",
        "email": "nia.starter@justice.example",
        "team": team.pk,
        "roles": [Role.PRACTITIONER],
        **overrides,
    }
    return client.post(reverse("admin_staff_new"), data)


def test_a_new_member_gets_an_invitation_with_a_working_set_password_link(team, admin_user):
    response = _new_staff(client_for(admin_user), team)
    member = User.objects.get(username="new.starter")
    assert response["Location"] == reverse("admin_staff_member", kwargs={"pk": member.pk})
    assert member.team == team and member.roles == [Role.PRACTITIONER]
    assert not member.has_usable_password()
    note = Notification.objects.get(recipient=member)
    assert "new.starter" in note.body
    link = re.search(r"http://testserver(/sign-in/set-password/\S+)", note.body)
    assert link is not None
    assert "3 days" in note.body

    browser = Client()
    landing = browser.get(link.group(1))
    assert landing.status_code == 302  # Django hides the token from the address bar
    form = browser.get(landing["Location"])
    assert "Choose your password" in form.content.decode()
    weak = browser.post(landing["Location"], {"new_password1": "short", "new_password2": "short"})
    assert "Error: Choose your password" in weak.content.decode()
    new_password = "a-long-and-unusual-passphrase"
    done = browser.post(
        landing["Location"], {"new_password1": new_password, "new_password2": new_password}
    )
    assert done["Location"] == reverse("login")
    signed_in = Client()
    signed_in.post(reverse("login"), {"username": "new.starter", "password": new_password})
    assert SESSION_KEY in signed_in.session
    # The link works once.
    again = Client().get(link.group(1), follow=True)
    assert "This link does not work" in again.content.decode()


def test_a_duplicate_username_or_email_is_refused(team, practitioner, admin_user):
    client = client_for(admin_user)
    users, notes = User.objects.count(), Notification.objects.count()
    by_name = _new_staff(client, team, username="PRACTITIONER")
    assert "There is already an account with the username PRACTITIONER" in _errors(by_name)
    by_email = _new_staff(client, team, email=practitioner.email.upper())
    assert "There is already an account with the email address" in _errors(by_email)
    assert (User.objects.count(), Notification.objects.count()) == (users, notes)


def test_a_local_administrator_creates_staff_in_their_pdu_only(team, other_pdu_team, local_admin):
    client = client_for(local_admin)
    users = User.objects.count()
    elsewhere = _new_staff(client, other_pdu_team)
    assert "Choose a team" in _errors(elsewhere)
    admin_role = _new_staff(client, team, roles=[Role.ADMIN])
    assert "cannot give or take away the administrator or PPCS role" in _errors(admin_role)
    assert User.objects.count() == users
    assert _new_staff(client, team).status_code == 302


def test_with_single_sign_on_the_invitation_says_to_sign_in_with_it(team, admin_user, settings):
    settings.OIDC_ENABLED = True
    client = client_for(admin_user)
    response = _new_staff(client, team)
    page = client.get(response["Location"]).content.decode()
    assert "They sign in with HMPPS Auth" in page
    body = Notification.objects.get(recipient__username="new.starter").body
    assert "Sign in with your HMPPS Auth account" in body
    assert "set-password" not in body


# --- staff: team, unlock, deactivate --------------------------------------------------------------


def test_moving_a_practitioner_who_holds_cases_is_refused(
    team, other_team_same_pdu, practitioner, person, admin_user
):
    factories.AllocationFactory(person=person, practitioner=practitioner)
    before = _state(practitioner)
    response = client_for(admin_user).post(
        reverse("admin_staff_team", kwargs={"pk": practitioner.pk}),
        {"team": other_team_same_pdu.pk, "expected": selectors.user_marker(practitioner)},
    )
    assert "They hold open cases" in _errors(response)
    assert _state(practitioner) == before


def test_unlocking_clears_a_real_lockout(practitioner, admin_user):
    for _ in range(5):
        Client().post(
            reverse("login"),
            {"username": "practitioner", "password": "wrong"},
            REMOTE_ADDR="10.1.1.1",
        )
    locked = Client()
    locked.post(
        reverse("login"), {"username": "practitioner", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1"
    )
    assert SESSION_KEY not in locked.session
    admin = client_for(admin_user)
    assert "Locked out" in admin.get(reverse("admin_staff")).content.decode()
    response = admin.post(reverse("admin_staff_unlock", kwargs={"pk": practitioner.pk}))
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="practitioner").exists()
    assert "Locked out" not in admin.get(reverse("admin_staff")).content.decode()
    again = Client()
    again.post(
        reverse("login"), {"username": "practitioner", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1"
    )
    assert SESSION_KEY in again.session


def _deactivate(client: Client, member: User) -> Any:
    return client.post(
        reverse("admin_staff_deactivate", kwargs={"pk": member.pk}),
        {"expected": selectors.user_marker(member)},
    )


def test_deactivating_a_com_who_holds_cases_is_refused_and_lists_them(
    practitioner, person, admin_user
):
    factories.AllocationFactory(person=person, practitioner=practitioner)
    client = client_for(admin_user)
    page = client.get(reverse("admin_staff_deactivate", kwargs={"pk": practitioner.pk}))
    html = page.content.decode()
    assert person.crn in html
    assert f'href="{reverse("transfer_case", args=[person.crn])}"' in html
    assert reverse("transfer_case", args=[person.crn]) == f"/cases/{person.crn}/allocation/"
    before = _state(practitioner)
    response = _deactivate(client, practitioner)
    assert "They hold 1 open case" in _errors(response)
    assert _state(practitioner) == before


def test_deactivating_yourself_or_the_last_administrator_is_refused(team, admin_user):
    before = _state(admin_user)
    assert "your own account" in _errors(_deactivate(client_for(admin_user), admin_user))
    support = factories.UserFactory(
        username="support", roles=[Role.PRACTITIONER], team=team, is_superuser=True
    )
    response = _deactivate(client_for(support), admin_user)
    assert "last active administrator" in _errors(response)
    assert _state(admin_user) == before


def test_a_deactivated_account_is_signed_out_and_can_be_reactivated(practitioner, admin_user):
    session = client_for(practitioner)
    assert session.get(reverse("caseload")).status_code == 200
    admin = client_for(admin_user)
    assert _deactivate(admin, practitioner).status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.is_active is False
    assert session.get(reverse("caseload"))["Location"].startswith(reverse("login"))
    assert "Deactivated" in admin.get(reverse("admin_staff")).content.decode()
    response = admin.post(
        reverse("admin_staff_reactivate", kwargs={"pk": practitioner.pk}),
        {"expected": selectors.user_marker(practitioner)},
    )
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.is_active is True


def test_a_local_administrator_cannot_change_an_administrators_account(team, local_admin):
    boss = factories.UserFactory(username="boss", roles=[Role.ADMIN], team=team)
    before = _state(boss)
    response = _deactivate(client_for(local_admin), boss)
    assert "Only an administrator can change an administrator" in _errors(response)
    assert _state(boss) == before


def test_the_audit_records_who_and_why(practitioner, admin_user):
    _roles(client_for(admin_user), practitioner, [Role.MANAGER])
    event = UserEvent.objects.filter(pgh_obj=practitioner).order_by("-pgh_id").first()
    assert event is not None and event.roles == [Role.MANAGER]
    assert event.pgh_context.metadata["reason"] == "Roles changed"
    assert event.pgh_context.metadata["user"] == admin_user.pk


def test_waiting_accounts_are_listed_on_the_home_page(admin_user):
    factories.UserFactory(
        username="first.sso", first_name="Fay", last_name="Waiting", roles=[], team=None
    )
    page = client_for(admin_user).get(reverse("administration")).content.decode()
    assert "Accounts waiting for access" in page
    assert "Fay Waiting" in page


# --- query counts ---------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(count: int) -> None:
    for _ in range(count):
        team = factories.TeamFactory()
        for _ in range(3):
            member = factories.UserFactory(team=team)
            AccessAttempt.objects.create(
                username=member.username,
                ip_address="10.0.0.9",
                user_agent="test",
                path_info="/sign-in/",
                failures_since_start=5,
                get_data="",
                post_data="",
                http_accept="",
            )
        factories.UserFactory(roles=[], team=None)


@pytest.mark.parametrize("page", ["administration", "admin_staff"])
def test_query_counts_do_not_grow_with_the_organisation(page, admin_user, local_admin):
    for user in (admin_user, local_admin):
        client = client_for(user)
        _grow(2)
        small = _queries(client, reverse(page))
        _grow(25)
        large = _queries(client, reverse(page))
        assert small == large, (user.username, small, large)


def _grow_pdu(team: Team, count: int) -> None:
    """More teams in the PDU, members in the team, and open cases held by its practitioner."""
    practitioner = User.objects.get(username="practitioner")
    for _ in range(count):
        factories.TeamFactory(pdu=team.pdu)
        factories.UserFactory(team=team)
        factories.AllocationFactory(person=factories.make_case(team), practitioner=practitioner)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("admin_region", {"code": "region"}),
        ("admin_pdu", {"code": "pdu"}),
        ("admin_team", {"code": "team"}),
        ("admin_staff_member", {"pk": "member"}),
        ("admin_staff_deactivate", {"pk": "member"}),
    ],
)
def test_query_counts_of_the_other_pages_do_not_grow(name, kwargs, team, practitioner, admin_user):
    client = client_for(admin_user)
    url = _url(name, kwargs, team, practitioner)
    _grow_pdu(team, 2)
    small = _queries(client, url)
    _grow_pdu(team, 12)
    assert _queries(client, url) == small


# --- sign-in lockouts (issue 18): the docs and the permission agree -----------------------------


def _lock_out(username: str) -> None:
    for _ in range(5):
        Client().post(
            reverse("login"), {"username": username, "password": "wrong"}, REMOTE_ADDR="10.1.1.2"
        )
    assert AccessAttempt.objects.filter(username=username).exists()


def test_an_administrator_who_is_not_a_superuser_unlocks_a_locked_out_member(
    practitioner, admin_user
):
    assert not admin_user.is_superuser and not admin_user.is_staff
    _lock_out(practitioner.username)
    admin = client_for(admin_user)
    assert (
        "Unlock their sign-in"
        in admin.get(reverse("admin_staff_member", kwargs={"pk": practitioner.pk})).content.decode()
    )
    response = admin.post(reverse("admin_staff_unlock", kwargs={"pk": practitioner.pk}))
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=practitioner.username).exists()


def test_a_local_administrator_unlocks_their_pdu_and_not_another(
    practitioner, local_admin, other_local_admin
):
    _lock_out(practitioner.username)
    url = reverse("admin_staff_unlock", kwargs={"pk": practitioner.pk})
    assert client_for(other_local_admin).post(url).status_code == 404
    assert AccessAttempt.objects.filter(username=practitioner.username).exists()
    assert client_for(local_admin).post(url).status_code == 302
    assert not AccessAttempt.objects.filter(username=practitioner.username).exists()


def test_the_security_page_sends_administrators_to_the_page_they_can_use():
    """docs/security.md said "an administrator can unlock early in the admin under Axes": the
    Django admin is for superusers only, so an administrator got 403 there."""
    text = (settings.BASE_DIR / "docs" / "security.md").read_text()
    sign_in = text.split("## Sign-in", 1)[1].split("\n## ", 1)[0]
    assert "Unlock their sign-in" in sign_in and "/administration/staff/" in sign_in
    assert "can unlock early there" not in sign_in
