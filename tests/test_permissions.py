"""Access to every case page, for every role, and for people outside the case's team or PDU."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ippcase import vocab
from ippcase.core.permissions import visible_people
from tests import factories
from tests.conftest import client_for

PERSON_PAGES = ["person_overview", "person_sentence", "person_timeline", "person_history"]

# persona fixture -> expected status on a recalled person's pages in the practitioner's team
EXPECTED = {
    "practitioner": 200,
    "manager": 200,
    "senior_manager": 200,
    "ppcs": 200,  # the person has a recall, so PPCS has work on them
    "admin_user": 200,
    "outsider": 404,  # another PDU: existence is not revealed
    "no_role_user": 403,  # signed in but no role: nothing
}


@pytest.mark.parametrize("page", PERSON_PAGES)
@pytest.mark.parametrize("persona", EXPECTED)
def test_person_pages_answer_each_role_as_declared(request, person, page, persona):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(reverse(page, args=[person.crn]))
    assert response.status_code == EXPECTED[persona]
    if response.status_code == 200:
        assert escape(person.last_name) in response.content.decode()
    else:
        assert person.last_name not in response.content.decode()


@pytest.mark.parametrize("page", ["caseload", *PERSON_PAGES])
def test_anonymous_is_sent_to_sign_in_and_sees_no_data(client, person, page):
    args = [] if page == "caseload" else [person.crn]
    response = client.get(reverse(page, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_practitioner_cannot_open_a_case_of_another_team_in_the_same_pdu(
    practitioner, other_team_same_pdu
):
    other = factories.make_case(other_team_same_pdu)
    response = client_for(practitioner).get(reverse("person_overview", args=[other.crn]))
    assert response.status_code == 404


def test_manager_sees_every_team_in_their_pdu_but_not_another_pdu(
    manager, person, other_team_same_pdu, other_pdu_team
):
    same_pdu = factories.make_case(other_team_same_pdu)
    elsewhere = factories.make_case(other_pdu_team)
    client = client_for(manager)
    assert client.get(reverse("person_overview", args=[same_pdu.crn])).status_code == 200
    assert client.get(reverse("person_overview", args=[elsewhere.crn])).status_code == 404
    assert set(visible_people(manager)) == {person, same_pdu}


def test_ppcs_sees_people_with_a_recall_or_past_the_termination_qualifying_date(ppcs, team):
    recalled = factories.make_case(team, recalled=True, last_name="Adams")
    qualified = factories.make_case(team, recalled=False, last_name="Baker")
    recent = factories.make_case(team, recalled=False, last_name="Clark")
    # An IPP licence qualifies for a termination referral 3 years after the first release.
    day = timezone.localdate()
    recent.releases.update(date=(day - relativedelta(years=3)) + dt.timedelta(days=1))
    qualified.releases.update(date=(day - relativedelta(years=3)) - dt.timedelta(days=1))
    client = client_for(ppcs)
    assert client.get(reverse("person_overview", args=[recalled.crn])).status_code == 200
    assert client.get(reverse("person_overview", args=[qualified.crn])).status_code == 200
    assert client.get(reverse("person_overview", args=[recent.crn])).status_code == 404
    assert list(visible_people(ppcs)) == [recalled, qualified]


def test_caseload_lists_only_visible_people(
    practitioner, person, other_team_same_pdu, other_pdu_team
):
    hidden = [factories.make_case(other_team_same_pdu), factories.make_case(other_pdu_team)]
    body = client_for(practitioner).get(reverse("caseload")).content.decode()
    assert person.crn in body
    for other in hidden:
        assert other.crn not in body


def test_object_permission_and_queryset_scoping_agree(team, other_team_same_pdu, other_pdu_team):
    people = [
        factories.make_case(t, recalled=r)
        for t in (team, other_team_same_pdu, other_pdu_team)
        for r in (True, False)
    ]
    users = [
        factories.UserFactory(roles=roles, team=t)
        for roles in ([vocab.Role.PRACTITIONER], [vocab.Role.MANAGER], [vocab.Role.SENIOR_MANAGER])
        for t in (team, other_pdu_team)
    ] + [
        factories.UserFactory(roles=[vocab.Role.PPCS], team=None),
        factories.UserFactory(roles=[vocab.Role.ADMIN], team=None),
        factories.UserFactory(roles=[], team=team),
    ]
    for user in users:
        by_rule = {p.pk for p in people if user.has_perm("ippcase.view_person", p)}
        by_query = set(visible_people(user).values_list("pk", flat=True))
        assert by_rule == by_query, user.roles


def test_state_changes_need_post_and_sign_out_is_post_only(practitioner_client):
    assert practitioner_client.get(reverse("logout")).status_code == 405
    assert practitioner_client.post(reverse("logout")).status_code == 302
