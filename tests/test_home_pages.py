"""Each role's home page and the header search (issue 16; docs/home-pages.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pgtrigger
import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ippcase import vocab
from ippcase.caseload import home
from ippcase.models import Person
from parole.models import Adjournment, ParoleReview
from recall.models import ActionShortOfRecall, Concern, RecallRecommendation, RecallReport
from recall.vocab import RecommendationStatus as Status
from tests import factories
from tests.conftest import client_for

TODAY = timezone.localdate()


def _mine(team: Any, practitioner: Any, **kwargs: Any) -> Person:
    kwargs.setdefault("recalled", False)
    kwargs.setdefault("released", TODAY - relativedelta(years=4))
    person = factories.make_case(team, **kwargs)
    factories.AllocationFactory(person=person, practitioner=practitioner)
    return person


def _rec(person: Person, status: str, by: Any, **fields: Any) -> RecallRecommendation:
    return RecallRecommendation.objects.create(
        person=person, created_by=by, status=status, **fields
    )


def _report_due(person: Person, by: Any, returned: dt.date) -> RecallRecommendation:
    """An authorised recall of ``person`` back in custody on ``returned``, report not in."""
    rec = _rec(person, Status.AUTHORISED, by, submitted_at=timezone.now(), submitted_by=by)
    rec.recall = factories.RecallFactory(
        release=person.releases.get(), recall_date=returned, returned_to_custody=returned
    )
    rec.save()
    return rec


def _concern(person: Person, by: Any, days_ago: int = 0) -> Concern:
    concern = Concern.objects.create(
        person=person,
        occurred_on=TODAY - dt.timedelta(days=days_ago),
        description="Missed appointment",
        source="other",
        recorded_by=by,
    )
    if days_ago:
        Concern.objects.filter(pk=concern.pk).update(
            recorded_at=timezone.now() - dt.timedelta(days=days_ago)
        )
    return concern


def _untold(person: Person) -> None:
    recall = factories.RecallFactory(
        release=person.releases.get(),
        recall_date=TODAY - dt.timedelta(days=200),
        returned_to_custody=TODAY - dt.timedelta(days=199),
    )
    review = ParoleReview.objects.create(
        recall=recall, kind="oral", referred_on=TODAY - dt.timedelta(days=150)
    )
    Adjournment.objects.create(
        review=review, date=TODAY - dt.timedelta(days=60), reason="Report late"
    )


def _backdate(rec: RecallRecommendation, hours: int, **filters: Any) -> None:
    """Move the audit events of ``rec`` (those matching ``filters``) ``hours`` into the past:
    the audit trail is append-only, so the test lifts that trigger for the update."""
    events = RecallRecommendation.events.rel.related_model.objects  # type: ignore[attr-defined]
    with pgtrigger.ignore("recall.RecallRecommendationEvent:append_only"):
        events.filter(pgh_obj_id=rec.pk, **filters).update(
            pgh_created_at=timezone.now() - dt.timedelta(hours=hours)
        )


def _reasons(rows: list[home.Row]) -> dict[str, list[str]]:
    return {row.person.crn: [r.code for r in row.reasons] for row in rows}


# --- where each role lands ------------------------------------------------------------------


def test_practitioner_lands_on_my_cases(practitioner):
    response = client_for(practitioner).get(reverse("home"))
    assert response.status_code == 200
    assert response.templates[0].name == "ippcase/home_practitioner.html"
    assert "<title>My cases" in response.content.decode()


@pytest.mark.parametrize("persona", ["manager", "senior_manager"])
def test_managers_land_on_waiting_for_you(request, persona):
    response = client_for(request.getfixturevalue(persona)).get(reverse("home"))
    assert response.status_code == 200
    assert "<title>Waiting for you" in response.content.decode()


def test_ppcs_is_sent_to_the_ppcs_queue(ppcs):
    response = client_for(ppcs).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("recall:ppcs_queue")


def test_administrator_only_is_sent_to_administration(admin_user, team):
    assert client_for(admin_user).get(reverse("home"))["Location"] == reverse("administration")
    local = factories.UserFactory(roles=[vocab.Role.LOCAL_ADMIN], team=team)
    assert client_for(local).get(reverse("home"))["Location"] == reverse("administration")


def test_home_refuses_a_post(practitioner):
    assert client_for(practitioner).post(reverse("home")).status_code == 405


def test_no_role_gets_nothing(no_role_user):
    assert client_for(no_role_user).get(reverse("home")).status_code == 403


# --- the practitioner's rows ----------------------------------------------------------------


def test_each_row_says_why_it_is_there_most_urgent_first(team, practitioner):
    overdue = _mine(team, practitioner, last_name="Overdue")
    overdue_rec = _report_due(overdue, practitioner, TODAY - dt.timedelta(days=40))
    due_soon = _mine(team, practitioner, last_name="Duesoon")
    _report_due(due_soon, practitioner, TODAY - dt.timedelta(days=17))
    info = _mine(team, practitioner, last_name="Info")
    info_rec = _rec(info, Status.INFO_REQUESTED, practitioner, submitted_at=timezone.now())
    draft = _mine(team, practitioner, last_name="Adraft")
    _rec(draft, Status.DRAFT, practitioner)
    worried = _mine(team, practitioner, last_name="Worried")
    _concern(worried, practitioner, days_ago=3)
    untold = _mine(team, practitioner, last_name="Untold")
    _untold(untold)
    # First released five years less four weeks ago: the licence ends by law in about 4 weeks.
    four_weeks_left = TODAY - relativedelta(years=5, weeks=-4)
    ending = _mine(team, practitioner, last_name="Ending", released=four_weeks_left)
    quiet = _mine(team, practitioner, last_name="Quiet")

    rows = home.practitioner_rows(practitioner)
    reasons = _reasons(rows)
    assert quiet.crn not in reasons
    assert reasons[overdue.crn] == ["report_overdue"]
    assert reasons[due_soon.crn] == ["report_due_soon"]
    assert reasons[info.crn] == ["info_requested"]
    assert reasons[draft.crn] == ["draft"]
    assert reasons[worried.crn] == ["concern"]
    assert reasons[untold.crn] == ["untold"]
    assert reasons[ending.crn] == ["licence_ending"]
    order = [row.person.crn for row in rows]
    assert order == [
        overdue.crn,
        info.crn,
        untold.crn,
        due_soon.crn,
        draft.crn,
        worried.crn,
        ending.crn,
    ]
    by_crn = {row.person.crn: row for row in rows}
    assert by_crn[overdue.crn].next_url == reverse("recall:report", args=[overdue_rec.pk])
    assert by_crn[info.crn].next_url == reverse("recall:recommendation", args=[info_rec.pk])
    parole_page = reverse("parole:person_parole", args=[untold.crn])
    assert by_crn[untold.crn].next_url == parole_page + "#parole-reviews"

    page = client_for(practitioner).get(reverse("home")).content.decode()
    assert "Recall report overdue" in page and "More information requested by PPCS" in page
    assert "Licence ends within 8 weeks" in page
    assert page.index(overdue.last_name) < page.index(ending.last_name)


def test_a_person_appears_once_with_several_reasons(team, practitioner):
    person = _mine(team, practitioner)
    _rec(person, Status.DRAFT, practitioner)
    _concern(person, practitioner)  # recorded after the recommendation was started
    _untold(person)
    rows = home.practitioner_rows(practitioner)
    assert len(rows) == 1
    assert [r.code for r in rows[0].reasons] == ["untold", "draft", "concern"]
    page = client_for(practitioner).get(reverse("home")).content.decode()
    assert page.count(f'id="row-{person.crn}"') == 1


def test_a_recommendation_started_since_the_concern_answers_it(team, practitioner):
    person = _mine(team, practitioner)
    _concern(person, practitioner, days_ago=1)
    _rec(person, Status.WITHDRAWN, practitioner)
    assert home.practitioner_rows(practitioner) == []


def test_a_concern_with_an_action_since_or_older_than_14_days_is_not_urgent(team, practitioner):
    acted = _mine(team, practitioner)
    _concern(acted, practitioner, days_ago=2)
    ActionShortOfRecall.objects.create(
        person=acted,
        kind="warning_letter",
        taken_on=TODAY,
        details="Warned",
        recorded_by=practitioner,
    )
    old = _mine(team, practitioner)
    _concern(old, practitioner, days_ago=20)
    assert home.practitioner_rows(practitioner) == []
    page = client_for(practitioner).get(reverse("home")).content.decode()
    assert 'id="nothing-urgent"' in page and "Nothing urgent" in page


def test_only_my_own_cases_never_a_colleague_s_or_another_team_s(
    team, practitioner, other_pdu_team
):
    colleague = factories.UserFactory(roles=[vocab.Role.PRACTITIONER], team=team)
    theirs = _mine(team, colleague)
    _rec(theirs, Status.DRAFT, colleague)
    elsewhere = _mine(other_pdu_team, practitioner)  # allocated to me, yet not my team's case
    _rec(elsewhere, Status.DRAFT, practitioner)
    assert home.practitioner_rows(practitioner) == []
    page = client_for(practitioner).get(reverse("home")).content.decode()
    assert theirs.crn not in page and elsewhere.crn not in page


def test_the_team_view_is_one_click_away(team, practitioner):
    page = client_for(practitioner).get(reverse("home")).content.decode()
    assert f'href="{reverse("caseload")}?team={team.code}"' in page
    response = client_for(practitioner).get(reverse("caseload") + f"?team={team.code}")
    assert response.status_code == 200


# --- managers -------------------------------------------------------------------------------


def test_spo_sees_recommendations_to_countersign_oldest_first_with_hours(
    team, other_team_same_pdu, other_pdu_team, manager, practitioner
):
    newer = _rec(_mine(team, practitioner), Status.AWAITING_SPO, practitioner)
    older = _rec(_mine(other_team_same_pdu, practitioner), Status.AWAITING_SPO, practitioner)
    urgent = _rec(_mine(team, practitioner), Status.AWAITING_SPO, practitioner, emergency=True)
    far = _rec(_mine(other_pdu_team, practitioner), Status.AWAITING_SPO, practitioner)
    aco = _rec(_mine(team, practitioner), Status.AWAITING_ACO, practitioner)
    for rec, hours in ((older, 30), (newer, 5), (urgent, 2)):
        _backdate(rec, hours)

    waiting = home.manager_home(manager).to_countersign
    assert [r.pk for r in waiting] == [older.pk, newer.pk, urgent.pk]
    assert [r.hours_waiting for r in waiting] == [30, 5, 2]
    assert far.pk not in [r.pk for r in waiting] and aco.pk not in [r.pk for r in waiting]

    page = client_for(manager).get(reverse("home")).content.decode()
    assert 'data-hours="30">30 hours' in page
    assert page.count(">Emergency</strong>") == 1
    assert reverse("recall:oversight", args=[older.pk]) in page
    assert far.person.crn not in page


def test_a_resubmitted_recommendation_waits_from_its_resubmission(team, manager, practitioner):
    rec = _rec(_mine(team, practitioner), Status.AWAITING_SPO, practitioner)
    _backdate(rec, 50)
    rec.status = Status.DRAFT  # returned by the SPO
    rec.save()
    _backdate(rec, 20, status=Status.DRAFT)
    rec.status = Status.AWAITING_SPO  # sent again
    rec.save()
    _backdate(rec, 3, pgh_created_at__gt=timezone.now() - dt.timedelta(minutes=5))
    assert [r.hours_waiting for r in home.manager_home(manager).to_countersign] == [3]


def test_aco_sees_awaiting_aco_only(team, senior_manager, practitioner):
    spo = _rec(_mine(team, practitioner), Status.AWAITING_SPO, practitioner)
    aco = _rec(_mine(team, practitioner), Status.AWAITING_ACO, practitioner)
    assert [r.pk for r in home.manager_home(senior_manager).to_countersign] == [aco.pk]
    assert spo.pk


def test_spo_sees_part_b_reports_overdue_reports_and_new_allocations(
    team, other_pdu_team, manager, practitioner
):
    awaiting = _mine(team, practitioner, last_name="Awaitingreport")
    rec = _report_due(awaiting, practitioner, TODAY - dt.timedelta(days=3))
    RecallReport.objects.create(recall=rec.recall, created_by=practitioner, status="awaiting_spo")
    late = _mine(team, practitioner, last_name="Latereport")
    late_rec = _report_due(late, practitioner, TODAY - dt.timedelta(days=40))
    far = _mine(other_pdu_team, practitioner, last_name="Farreport")
    _report_due(far, practitioner, TODAY - dt.timedelta(days=40))
    new = factories.make_case(team, recalled=False, last_name="Newcomer")
    factories.AllocationFactory(person=new, practitioner=practitioner, start_date=TODAY)

    waiting = home.manager_home(manager)
    assert [r.recall_id for r in waiting.reports_to_countersign] == [rec.recall_id]
    assert [p.crn for p in waiting.overdue_reports] == [late.crn]
    assert [a.person.crn for a in waiting.new_allocations] == [new.crn]

    page = client_for(manager).get(reverse("home")).content.decode()
    assert reverse("recall:report", args=[late_rec.pk]) in page
    assert "Newcomer" in page and "Farreport" not in page


# --- the header search ----------------------------------------------------------------------


def _search(user: Any, q: str, **params: str) -> str:
    response = client_for(user).get(reverse("search"), {"q": q, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_search_by_crn_nomis_number_and_name(team, practitioner):
    person = factories.make_case(
        team, first_name="Marigold", last_name="Featherstone", nomis_number="A1234BC"
    )
    other = factories.make_case(team, first_name="Sam", last_name="Doe")
    for q in (person.crn.lower(), "a1234bc", "marig", "FEATHER", "gold feather"):
        page = _search(practitioner, q)
        assert "Featherstone" in page, q
        assert other.crn not in page, q
    assert "<title>Search results for “marig”" in _search(practitioner, "marig")


def test_search_shows_status_and_team(team, practitioner):
    factories.make_case(team, last_name="Statusful")
    page = _search(practitioner, "Statusful")
    assert team.name in page and "govuk-tag" in page and 'id="search-results"' in page


def test_search_is_limited_to_what_the_user_may_see(team, other_pdu_team, practitioner, ppcs):
    far = factories.make_case(other_pdu_team, recalled=False, last_name="Elsewhere")
    page = _search(practitioner, "Elsewhere")
    assert far.crn not in page and "No one you can see matches" in page
    assert 'id="search-results"' not in _search(practitioner, far.crn)
    assert far.crn not in _search(ppcs, "Elsewhere")  # no PPCS work on the case


def test_empty_query_and_nul_characters(team, practitioner):
    factories.make_case(team, last_name="Nulltest")
    assert "Enter a name, CRN or NOMIS number" in _search(practitioner, "")
    assert "Enter a name, CRN or NOMIS number" in _search(practitioner, "   \x00 ")
    assert "Nulltest" in _search(practitioner, "Null\x00test")


def test_search_is_paginated(team, practitioner, settings):
    settings.CASELOAD_PAGE_SIZE = 2
    for n in range(5):
        factories.make_case(team, last_name=f"Pager{n}")
    first = _search(practitioner, "Pager")
    assert "Pager0" in first and "Pager2" not in first and "Page 1 of 3" in first
    third = _search(practitioner, "Pager", page="3")
    assert "Pager4" in third and "(page 3)" in third


def test_search_refuses_a_local_administrator_alone(team):
    local = factories.UserFactory(roles=[vocab.Role.LOCAL_ADMIN], team=team)
    assert client_for(local).get(reverse("search"), {"q": "x"}).status_code == 403


def test_the_header_search_box_is_shown_to_anyone_with_a_caseload(practitioner, team):
    page = client_for(practitioner).get(reverse("caseload")).content.decode()
    assert 'id="header-search"' in page and f'action="{reverse("search")}"' in page
    local = factories.UserFactory(roles=[vocab.Role.LOCAL_ADMIN], team=team)
    page = client_for(local).get(reverse("administration")).content.decode()
    assert 'id="header-search"' not in page


# --- query counts ---------------------------------------------------------------------------


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_work(team: Any, practitioner: Any, n: int) -> None:
    for i in range(n):
        person = _mine(team, practitioner, last_name=f"Load{i}")
        if i % 3 == 0:
            _rec(person, Status.AWAITING_SPO, practitioner, emergency=bool(i % 2))
        elif i % 3 == 1:
            _report_due(person, practitioner, TODAY - dt.timedelta(days=40))
        else:
            _concern(person, practitioner, days_ago=1)
        factories.AllocationFactory(
            person=factories.make_case(team, recalled=False),
            practitioner=practitioner,
            start_date=TODAY,
        )


@pytest.mark.parametrize("persona", ["practitioner", "manager", "senior_manager"])
def test_home_pages_query_count_does_not_grow(request, team, practitioner, persona):
    client = client_for(request.getfixturevalue(persona))
    _add_work(team, practitioner, 3)
    small = _queries(client, reverse("home"))
    _add_work(team, practitioner, 30)
    assert _queries(client, reverse("home")) == small


def test_search_query_count_does_not_grow(team, practitioner):
    client = client_for(practitioner)
    url = reverse("search") + "?q=Load"
    _add_work(team, practitioner, 3)
    small = _queries(client, url)
    _add_work(team, practitioner, 30)  # more than a page of 25
    assert _queries(client, url) == small
