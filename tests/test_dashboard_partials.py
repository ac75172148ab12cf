"""An HTMX panel request (issue 17): it never shows the scope dropdown nor the practitioners'
list, so it builds neither, yet still refuses a scope the user may not choose."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ippcase.reporting.views import default_scope, scope_allowed, scope_choices
from ippcase.vocab import Role
from tests import factories
from tests.conftest import client_for

PANEL = "/dashboard/panels/caseload-now/"


def _statements(client, url: str, **extra) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200, url
    return [query["sql"] for query in ctx.captured_queries]


def _partial(client, scope: str = "") -> list[str]:
    url = f"{PANEL}?scope={scope}" if scope else PANEL
    return _statements(client, url, HTTP_HX_REQUEST="true")


def _practitioner_list(sql: str) -> bool:
    """The dropdown's practitioners (every one in scope) or the practitioners' case counts."""
    return ('"roles" @>' in sql and "LIMIT" not in sql) or 'COUNT("ippcase_allocation' in sql


def _grow(teams, size: int) -> None:
    """``size`` more practitioners, teams and people: what the old partial built grows."""
    for n in range(size):
        team = factories.TeamFactory(pdu=teams[n % len(teams)].pdu)
        practitioner = factories.UserFactory(roles=[Role.PRACTITIONER], team=team)
        person = factories.make_case(team)
        factories.AllocationFactory(person=person, practitioner=practitioner)


@pytest.mark.parametrize(
    ("persona", "scope"),
    [("manager", ""), ("manager", "team:leeds-a"), ("ppcs", ""), ("ppcs", "pdu:wakefield")],
)
def test_htmx_panel_builds_no_choices_or_practitioner_counts_and_does_not_grow(
    request, team, other_pdu_team, persona, scope
):
    client = client_for(request.getfixturevalue(persona))
    _grow([team, other_pdu_team], 2)
    small = _partial(client, scope)
    _grow([team, other_pdu_team], 12)
    large = _partial(client, scope)
    assert len(small) == len(large)
    assert not [sql for sql in large if _practitioner_list(sql)]
    assert not [sql for sql in large if 'FROM "ippcase_region"' in sql]
    # The full page (no HTMX) still builds both, so the partial is cheaper than it was.
    page = _statements(client, f"{PANEL}?scope={scope}" if scope else PANEL)
    assert [sql for sql in page if _practitioner_list(sql)]
    assert len(large) < len(page)


@pytest.mark.parametrize(
    "scope",
    [
        "pdu:wakefield",
        "team:wakefield-a",
        "practitioner:outsider",
        "national",
        "region:anything",
        "pdu:",
        "nonsense",
    ],
)
def test_htmx_panel_refuses_a_scope_outside_the_managers_pdu(manager, outsider, scope):
    factories.make_case(outsider.team)
    response = client_for(manager).get(PANEL, {"scope": scope}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "There is a problem" in html and "your own PDU" in html
    assert response.context["panels"] == [] and 'id="panel-caseload-now"' not in html


@pytest.mark.parametrize("scope", ["team:nowhere", "practitioner:nobody", "national:x", "pdu:"])
def test_htmx_panel_refuses_an_unknown_scope_for_ppcs(ppcs, team, scope):
    response = client_for(ppcs).get(PANEL, {"scope": scope}, HTTP_HX_REQUEST="true")
    assert "There is a problem" in response.content.decode()
    assert response.context["panels"] == []


@pytest.mark.parametrize("persona", ["manager", "senior_manager", "ppcs", "admin_user", "outsider"])
def test_scope_allowed_agrees_with_the_choices(
    request, team, other_team_same_pdu, other_pdu_team, practitioner, persona
):
    """The one-value check says yes to every choice the dropdown offers and no to the rest."""
    user = request.getfixturevalue(persona)
    factories.UserFactory(username="wakefield-com", roles=[Role.PRACTITIONER], team=other_pdu_team)
    factories.UserFactory(username="no-team-com", roles=[Role.PRACTITIONER], team=None)
    choices = scope_choices(user)
    assert choices.values and default_scope(user) == choices.default
    everything = {
        "national",
        "national:x",
        "region:" + team.pdu.region.code,
        "region:" + other_pdu_team.pdu.region.code,
        "pdu:leeds",
        "pdu:wakefield",
        "team:leeds-a",
        "team:leeds-b",
        "team:wakefield-a",
        f"practitioner:{practitioner.username}",
        "practitioner:wakefield-com",
        "practitioner:no-team-com",
        "practitioner:",
        "team:",
        "nonsense",
    }
    for value in everything | choices.values:
        assert scope_allowed(user, value) == (value in choices.values), value
