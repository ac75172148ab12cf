"""Unallocated people (issue 14): the list administrators and the PDU's managers allocate from,
its scoping, paging and query count, the caseload's link to it, and the case pages, dashboards
and caseload of a person with no team."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ippcase import vocab
from ippcase.caseload.selectors import unallocated_people
from ippcase.models import Person
from ippcase.reporting.views import scope_people
from recall import reminders
from tests import factories
from tests.conftest import client_for
from tests.test_reminders import tracked_recall

URL = "/cases/unallocated/"


@pytest.fixture
def local_admin(team):
    return factories.UserFactory(username="localadmin", roles=[vocab.Role.LOCAL_ADMIN], team=team)


@pytest.fixture
def waiting(team, other_pdu_team):
    """One person on the team's PDU's list, one on another PDU's, one on the national list."""
    return {
        "own": factories.make_unallocated_case(team.pdu, first_name="Owen", last_name="Leeds"),
        "other": factories.make_unallocated_case(
            other_pdu_team.pdu, first_name="Wanda", last_name="Wakefield"
        ),
        "national": factories.make_unallocated_case(None, first_name="Nora", last_name="Nation"),
    }


def _crns(user) -> set[str]:
    return {p.crn for p in unallocated_people(user)}


def test_the_url_and_the_allocation_link():
    assert reverse("unallocated") == URL
    assert reverse("transfer_case", args=["A123456"]) == "/cases/A123456/allocation/"


def test_administrators_see_every_list(admin_user, waiting, person):
    assert _crns(admin_user) == {p.crn for p in waiting.values()}  # not the allocated person


@pytest.mark.parametrize("persona", ["manager", "senior_manager", "local_admin"])
def test_the_pdus_managers_and_local_administrators_see_its_list_only(request, persona, waiting):
    user = request.getfixturevalue(persona)
    assert _crns(user) == {waiting["own"].crn}


def test_no_one_else_sees_a_list(practitioner, ppcs, no_role_user, waiting):
    for user in (practitioner, ppcs, no_role_user):
        assert _crns(user) == set()


def test_the_page_lists_the_pdus_people_with_a_link_to_allocate(manager, waiting):
    response = client_for(manager).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Unallocated cases" in html and html.count("<h1") == 1
    own = waiting["own"]
    assert own.crn in html and "Leeds" in html
    assert f'href="{reverse("person_overview", args=[own.crn])}"' in html
    assert f'href="/cases/{own.crn}/allocation/"' in html
    assert waiting["other"].crn not in html and waiting["national"].crn not in html
    assert own.sentence.get_sentence_type_display() in html


def test_the_administrator_sees_the_national_list(admin_user, waiting):
    html = client_for(admin_user).get(URL).content.decode()

    assert "National list" in html
    assert all(p.crn in html for p in waiting.values())


def test_a_local_administrator_sees_the_list_without_links(local_admin, waiting):
    html = client_for(local_admin).get(URL).content.decode()

    assert waiting["own"].crn in html
    assert "/allocation/" not in html
    assert reverse("person_overview", args=[waiting["own"].crn]) not in html


def test_the_manager_of_another_pdu_does_not_see_this_pdus_people(outsider, waiting):
    html = client_for(outsider).get(URL).content.decode()

    assert waiting["other"].crn in html and waiting["own"].crn not in html


@pytest.mark.parametrize("persona", ["practitioner", "ppcs", "no_role_user"])
def test_others_are_refused(request, persona, waiting):
    response = client_for(request.getfixturevalue(persona)).get(URL)
    assert response.status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_post_is_not_allowed(manager):
    assert client_for(manager).post(URL).status_code == 405


def test_an_empty_list_says_so(manager):
    html = client_for(manager).get(URL).content.decode()
    assert "No one is waiting for allocation." in html


def test_the_list_is_paged_at_fifty(admin_user):
    for _ in range(51):
        factories.make_unallocated_case(None)
    client = client_for(admin_user)

    first = client.get(URL).content.decode()
    second = client.get(URL + "?page=2").content.decode()

    assert first.count("/allocation/") == 50
    assert "govuk-pagination" in first and 'rel="next"' in first
    assert second.count("/allocation/") == 1
    assert "(page 2 of 2)" in second


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["manager", "admin_user", "local_admin"])
def test_the_query_count_does_not_grow_with_the_list(request, persona, team):
    client = client_for(request.getfixturevalue(persona))
    for _ in range(3):
        factories.make_unallocated_case(team.pdu)
    small = _queries(client, URL)
    for _ in range(60):  # more than a page
        factories.make_unallocated_case(team.pdu)
    assert _queries(client, URL) == small
    assert _queries(client, URL + "?page=2") == small


# --- the caseload's link ------------------------------------------------------------------------


def test_the_caseload_links_to_the_list_with_its_count(manager, waiting):
    html = client_for(manager).get(reverse("caseload")).content.decode()

    assert f'<a class="govuk-link" href="{URL}">Unallocated cases (1)</a>' in html


def test_the_caseload_counts_with_one_query(manager, waiting):
    with CaptureQueriesContext(connection) as ctx:
        client_for(manager).get(reverse("caseload"))
    counts = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT COUNT(")
        and 'FROM "ippcase_person" WHERE ("ippcase_person"."team_id" IS NULL' in q["sql"]
    ]
    assert len(counts) == 1


def test_no_link_when_no_one_is_waiting_or_without_the_permission(manager, practitioner, person):
    assert "Unallocated cases" not in client_for(manager).get(reverse("caseload")).content.decode()
    factories.make_unallocated_case(manager.team.pdu)
    html = client_for(practitioner).get(reverse("caseload")).content.decode()
    assert "Unallocated cases" not in html


# --- a person with no team, everywhere else ------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    [
        "person_overview",
        "person_sentence",
        "person_timeline",
        "person_history",
        "person_viewers",
        "parole:person_parole",
    ],
)
def test_an_unallocated_persons_case_pages_render_for_an_administrator(admin_user, team, url_name):
    person = factories.make_unallocated_case(team.pdu)

    response = client_for(admin_user).get(reverse(url_name, args=[person.crn]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Team: Awaiting allocation" in html


def test_the_overview_says_whose_list_the_person_is_on(admin_user, team):
    on_list = factories.make_unallocated_case(team.pdu)
    national = factories.make_unallocated_case(None)
    client = client_for(admin_user)

    html = client.get(reverse("person_overview", args=[on_list.crn])).content.decode()
    assert f"Awaiting allocation: on the unallocated list of {team.pdu.name}" in html
    html = client.get(reverse("person_overview", args=[national.crn])).content.decode()
    assert "Awaiting allocation: on the national unallocated list" in html


def test_the_pdus_manager_opens_the_case(manager, team):
    person = factories.make_unallocated_case(team.pdu)
    assert client_for(manager).get(reverse("person_overview", args=[person.crn])).status_code == 200


def test_the_caseload_shows_awaiting_allocation(admin_user, team):
    factories.make_unallocated_case(team.pdu)
    html = client_for(admin_user).get(reverse("caseload")).content.decode()
    assert "Awaiting allocation" in html


def test_a_pdu_or_region_scope_of_the_dashboard_counts_its_unallocated_people(manager, team):
    person = factories.make_unallocated_case(team.pdu)

    assert person in scope_people(manager, "pdu", team.pdu.code)
    assert person in scope_people(manager, "region", team.pdu.region.code)
    assert person not in scope_people(manager, "team", team.code)


def test_the_dashboard_renders_with_unallocated_people(admin_user, manager, team):
    factories.make_unallocated_case(team.pdu)
    factories.make_unallocated_case(None)
    for user in (admin_user, manager):
        assert client_for(user).get(reverse("dashboard")).status_code == 200


def test_an_overdue_report_of_an_unallocated_case_goes_to_its_pdus_managers(
    team, practitioner, manager, outsider
):
    recall = tracked_recall(team, practitioner)
    Person.objects.filter(pk=recall.release.person_id).update(team=None, awaiting_pdu=team.pdu)

    result = reminders.send_report_reminders(today=dt.date(2025, 1, 16))

    assert manager.pk in result.recipients and outsider.pk not in result.recipients


def test_an_overdue_report_on_the_national_list_goes_to_no_pdus_managers(
    team, practitioner, manager
):
    recall = tracked_recall(team, practitioner)
    Person.objects.filter(pk=recall.release.person_id).update(team=None, awaiting_pdu=None)

    result = reminders.send_report_reminders(today=dt.date(2025, 1, 16))

    assert manager.pk not in result.recipients and practitioner.pk in result.recipients
