"""The team's panel period (issue 19): how many months a multi-agency panel or meeting counts
for a recommendation, set by an administrator or a local administrator of the team's PDU on the
team's page; 1 to 24, a GOV.UK error and nothing changed otherwise, audited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from ippcase.models import Team, TeamEvent
from ippcase.organisation import selectors, services
from ippcase.vocab import Role
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_admin(team):
    return factories.UserFactory(username="localadmin", roles=[Role.LOCAL_ADMIN], team=team)


@pytest.fixture
def other_local_admin(other_pdu_team):
    return factories.UserFactory(
        username="otherlocal", roles=[Role.LOCAL_ADMIN], team=other_pdu_team
    )


def _post(user: Any, team: Team, months: object, expected: str | None = None) -> Any:
    client = user if hasattr(user, "post") else client_for(user)
    return client.post(
        reverse("admin_team_panel_period", kwargs={"code": team.code}),
        {
            "panel_period_months": months,
            "expected": expected
            if expected is not None
            else selectors.marker(team.panel_period_months),
        },
    )


def _summary(response: Any) -> str:
    html = response.content.decode()
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    return match.group(0) if match else ""


def _months(team: Team) -> int:
    team.refresh_from_db()
    return team.panel_period_months


def test_the_team_page_shows_the_period_and_its_form(team, admin_user):
    assert team.panel_period_months == 6  # the default
    html = client_for(admin_user).get(reverse("admin_team", kwargs={"code": team.code}))
    page = html.content.decode()
    assert '<dd class="govuk-summary-list__value" id="panel-period">6 months</dd>' in page
    assert f'action="{reverse("admin_team_panel_period", kwargs={"code": team.code})}"' in page
    assert 'name="panel_period_months"' in page and 'value="6"' in page


def test_an_administrator_sets_the_period_and_it_is_audited(team, admin_user):
    client = client_for(admin_user)
    response = _post(client, team, "12")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin_team", kwargs={"code": team.code})
    assert _months(team) == 12
    event = TeamEvent.objects.filter(pgh_obj=team).order_by("-pgh_id").first()
    assert event.panel_period_months == 12
    assert event.pgh_context.metadata["reason"] == "Panel period changed"
    assert event.pgh_context.metadata["user"] == admin_user.pk
    page = client.get(response["Location"]).content.decode()
    assert "A panel or meeting now counts for 12 months." in page
    assert 'id="panel-period">12 months</dd>' in page


def test_a_local_administrator_sets_their_own_pdus_team_only(
    team, other_pdu_team, local_admin, other_local_admin
):
    assert _post(local_admin, team, "3").status_code == 302
    assert _months(team) == 3
    # Another PDU's local administrator: the team is not found, and nothing changes.
    assert _post(other_local_admin, team, "9").status_code == 404
    assert _months(team) == 3


@pytest.mark.parametrize("persona", ["practitioner", "manager", "senior_manager", "ppcs"])
def test_other_roles_are_refused(request, team, persona):
    assert _post(request.getfixturevalue(persona), team, "9").status_code == 403
    assert _months(team) == 6


def test_a_get_is_not_allowed(team, admin_user):
    url = reverse("admin_team_panel_period", kwargs={"code": team.code})
    assert client_for(admin_user).get(url).status_code == 405


@pytest.mark.parametrize(
    "months", ["0", "25", "-1", "six", "6.5", "1_2", "٣", "", "   ", "100000000000000000000"]
)
def test_bad_input_is_refused_with_a_govuk_error_and_nothing_changes(team, admin_user, months):
    before = TeamEvent.objects.count()
    response = _post(admin_user, team, months)
    assert response.status_code == 200
    summary = _summary(response)
    assert 'href="#id_panel_period_months"' in summary
    assert "from 1 to 24" in summary
    page = response.content.decode()
    assert "<title>Error: Team: Leeds A" in page
    assert 'class="govuk-input govuk-input--width-2 govuk-input--error"' in page
    assert _months(team) == 6
    assert TeamEvent.objects.count() == before


@pytest.mark.parametrize("months", ["1", "24", " 7 "])
def test_the_bounds_are_accepted(team, admin_user, months):
    assert _post(admin_user, team, months).status_code == 302
    assert _months(team) == int(months)


def test_a_stale_page_is_refused(team, admin_user):
    shown = selectors.marker(team.panel_period_months)
    assert _post(admin_user, team, "8", expected=shown).status_code == 302
    stale = _post(admin_user, team, "10", expected=shown)
    assert stale.status_code == 200
    assert "Someone else changed this record" in _summary(stale)
    assert _months(team) == 8


def test_the_service_refuses_out_of_range_values_itself(team, admin_user, local_admin):
    expected = selectors.marker(team.panel_period_months)
    for months in (0, 25, True):
        with pytest.raises(services.AdminError, match="from 1 to 24"):
            services.team_set_panel_period(
                actor=admin_user, team_id=team.pk, months=months, expected=expected
            )
    assert _months(team) == 6
