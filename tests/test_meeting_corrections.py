"""Correcting a multi-agency meeting or one of its actions (issue 19, as issue 14's corrections
of concerns and actions; docs/multi-agency-panels.md): with a reason the case history keeps,
refused on a stale page, a struck-out meeting, no reason, no change or answers that do not
hold; the same questions as recording."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from ippcase.cases import history
from recall import meeting_corrections, meeting_selectors, meeting_services
from recall.deadlines import long_date
from recall.models import MeetingAction, MultiAgencyMeeting
from recall.vocab import Agency, MeetingKind
from tests import factories
from tests.conftest import client_for
from tests.test_meetings import (
    HELD,
    TODAY,
    _action,
    _action_post,
    _date,
    _meeting_post,
    _state,
    record_meeting,
)

REASON = "The minutes name a different chair."


@pytest.fixture
def case(team):
    return factories.make_case(team, recalled=False, released=factories.recently_released())


@pytest.fixture
def meeting(case, practitioner):
    return record_meeting(case, practitioner)


def _correct_url(meeting_obj):
    return reverse("recall:meeting_correct", args=[meeting_obj.person.crn, meeting_obj.pk])


def _action_url(action):
    return reverse("recall:meeting_action_correct", args=[action.meeting.person.crn, action.pk])


def _meeting_correction(meeting_obj, **changes):
    data = _meeting_post(
        kind=MeetingKind.PROGRESSION_PANEL,
        agencies=[Agency.POLICE, Agency.HOUSING],
        other_agency="",
        attendees="",
        discussion="Move-on accommodation.",
        decisions="",
        version=meeting_selectors.meeting_version(meeting_obj),
        reason=REASON,
    )
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_correction_page_shows_the_meeting_as_recorded(case, meeting, practitioner):
    html = client_for(practitioner).get(_correct_url(meeting)).content.decode()
    assert 'value="Jo Bloggs, SPO"' in html and "Move-on accommodation." in html
    assert 'name="reason"' in html and 'name="version"' in html
    page = client_for(practitioner).get(reverse("recall:meeting", args=[case.crn, meeting.pk]))
    assert _correct_url(meeting) in page.content.decode()
    assert 'id="corrected"' not in page.content.decode()  # never corrected


def test_a_meeting_is_corrected_with_its_reason_in_the_history(case, meeting, practitioner):
    response = client_for(practitioner).post(
        _correct_url(meeting),
        _meeting_correction(meeting, chair="Sam Smith, SPO", kind=MeetingKind.MAPPA_LEVEL_2),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.chair, meeting.kind) == ("Sam Smith, SPO", MeetingKind.MAPPA_LEVEL_2)
    line = history.case_history(case)[0]
    assert line.who.startswith(practitioner.display_name)
    assert line.text.startswith(f"IPP progression panel of {long_date(HELD)} corrected: ")
    assert 'chair was "Jo Bloggs, SPO", now "Sam Smith, SPO"' in line.text
    assert line.text.endswith(f"Reason: {REASON}")
    page = client_for(practitioner).get(reverse("recall:meeting", args=[case.crn, meeting.pk]))
    assert 'id="corrected">Last corrected on ' in page.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": " "}, "Enter why you are correcting the meeting"),
        ({"version": "0" * 32, "chair": "Sam"}, "Someone else changed this meeting"),
        ({}, "Nothing has changed: change the meeting, or cancel."),
        ({"chair": ""}, "Enter who chaired the meeting"),
    ],
)
def test_a_refused_meeting_correction_changes_nothing(meeting, practitioner, changes, message):
    before = _state()
    response = client_for(practitioner).post(
        _correct_url(meeting), _meeting_correction(meeting, **changes)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "<title>Error: " in html
    assert _state() == before


def test_a_meeting_cannot_move_after_the_due_date_of_its_actions(meeting, practitioner):
    _action(meeting, practitioner, due_on=HELD + dt.timedelta(days=2))
    before = _state()
    later = HELD + dt.timedelta(days=5)
    response = client_for(practitioner).post(
        _correct_url(meeting), _meeting_correction(meeting, **_date("held_on", later))
    )
    assert "correct the action&#x27;s due date first" in response.content.decode()
    assert _state() == before


def test_a_struck_out_meeting_is_not_corrected(meeting, practitioner):
    version = meeting_selectors.meeting_version(meeting)
    meeting_services.meeting_strike_out(meeting_id=meeting.pk, actor=practitioner, reason="Dup.")
    page = client_for(practitioner).get(_correct_url(meeting)).content.decode()
    assert "can no longer be corrected" in page and 'name="reason"' not in page
    struck = MultiAgencyMeeting.objects.get()
    with pytest.raises(meeting_services.MeetingError, match="struck out"):
        meeting_corrections.meeting_correct(
            meeting_id=meeting.pk,
            actor=practitioner,
            expected_version=meeting_selectors.meeting_version(struck),
            reason=REASON,
            held_on=HELD,
            kind=MeetingKind.PROGRESSION_PANEL,
            chair="Sam",
            agencies=[Agency.POLICE],
            discussion="Move-on accommodation.",
        )
    assert version != meeting_selectors.meeting_version(struck)  # a page from before is stale


def test_a_struck_out_concern_it_discussed_may_stay_linked(case, meeting, practitioner):
    from recall import corrections, entries
    from recall.selectors import entry_version

    concern = entries.concern_add(
        person=case,
        actor=practitioner,
        occurred_on=HELD - dt.timedelta(days=1),
        description="Drinking.",
        source="ap_staff",
        behaviours=["alcohol"],
    )
    meeting.concerns.set([concern])
    corrections.concern_strike_out(
        concern_id=concern.pk,
        actor=practitioner,
        expected_version=entry_version(concern),
        reason="Wrong person.",
    )
    response = client_for(practitioner).post(
        _correct_url(meeting),
        _meeting_correction(meeting, chair="Sam Smith, SPO", concerns=[str(concern.pk)]),
    )
    assert response.status_code == 302
    assert list(meeting.concerns.all()) == [concern]


def test_an_action_is_given_to_another_agency_and_a_new_date(case, meeting, practitioner):
    action = _action(meeting, practitioner, due_on=TODAY + dt.timedelta(days=3))
    due = TODAY + dt.timedelta(days=10)
    client = client_for(practitioner)
    page = client.get(_action_url(action)).content.decode()
    assert "Check the address" in page and 'name="reason"' in page
    response = client.post(
        _action_url(action),
        _action_post(
            description="Check the address",
            **_date("due_on", due),
            reason="Housing took it on at the panel.",
            version=meeting_selectors.action_version(action),
        ),
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.owner is None and action.owner_name == "PC Sam Jones, West Yorkshire Police"
    assert action.due_on == due
    line = history.case_history(case)[0].text
    assert line.startswith(
        f"Meeting action due by {long_date(TODAY + dt.timedelta(days=3))} corrected: "
    )
    assert f'due by was "{long_date(TODAY + dt.timedelta(days=3))}", now "{long_date(due)}"' in line
    assert line.endswith("Reason: Housing took it on at the panel.")


def test_a_refused_action_correction_changes_nothing(meeting, practitioner):
    action = _action(meeting, practitioner, due_on=TODAY)
    before = _state()
    client = client_for(practitioner)
    for changes, message in (
        ({**_date("due_on", HELD - dt.timedelta(days=1))}, "cannot be before the meeting"),
        ({"reason": ""}, "Enter why you are correcting the action"),
        ({"version": "stale"}, "Someone else changed this action"),
    ):
        data = _action_post(
            owner=practitioner,
            description="Check the address",
            **_date("due_on", TODAY),
            reason="Typo.",
            version=meeting_selectors.action_version(action),
        )
        data.update(changes)
        response = client.post(_action_url(action), data)
        assert message in response.content.decode(), message
    unchanged = _action_post(
        owner=practitioner,
        description="Check the address",
        **_date("due_on", TODAY),
        reason="Typo.",
        version=meeting_selectors.action_version(action),
    )
    assert "Nothing has changed" in client.post(_action_url(action), unchanged).content.decode()
    assert _state() == before


def test_an_action_of_another_case_is_not_found(case, meeting, team, practitioner):
    action = _action(meeting, practitioner, due_on=TODAY)
    other = factories.make_case(team)
    elsewhere = reverse("recall:meeting_action_correct", args=[other.crn, action.pk])
    assert client_for(practitioner).get(elsewhere).status_code == 404
    assert MeetingAction.objects.get().description == "Check the address"


def test_correcting_only_the_concerns_discussed_is_in_the_history(case, meeting, practitioner):
    from recall import entries

    concern = entries.concern_add(
        person=case,
        actor=practitioner,
        occurred_on=HELD - dt.timedelta(days=2),
        description="Seen drinking outside the hostel.",
        source="ap_staff",
        behaviours=["alcohol"],
    )
    response = client_for(practitioner).post(
        _correct_url(meeting),
        _meeting_correction(meeting, concerns=[str(concern.pk)], reason="Left off by mistake."),
    )
    assert response.status_code == 302
    assert list(meeting.concerns.all()) == [concern]
    line = history.case_history(case)[0].text
    assert line == (
        f"IPP progression panel of {long_date(HELD)} corrected: concerns discussed now: "
        f"{meeting_selectors.concern_label(concern)}. Reason: Left off by mistake."
    )
