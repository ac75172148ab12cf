"""Multi-agency meetings and panels on a case and the actions they agree (issue 19;
docs/multi-agency-panels.md): recording, validation, the one-time key, access, marking done,
overdue actions on the case and on the owner's home page, striking out, and query counts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ippcase import vocab
from ippcase.cases import history
from recall import entries, meeting_selectors, meeting_services
from recall.deadlines import long_date
from recall.models import MeetingAction, MultiAgencyMeeting
from recall.vocab import Agency, MeetingKind
from tests import factories
from tests.conftest import client_for

TODAY = timezone.localdate()
HELD = TODAY - dt.timedelta(days=20)
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


@pytest.fixture
def case(team):
    return factories.make_case(
        team, recalled=False, released=factories.recently_released(), first_name="Lee"
    )


@pytest.fixture
def concern(case, practitioner):
    return entries.concern_add(
        person=case,
        actor=practitioner,
        occurred_on=HELD - dt.timedelta(days=3),
        description="Drinking again since leaving the AP.",
        source="ap_staff",
        behaviours=["alcohol"],
    )


@pytest.fixture
def meeting(case, practitioner):
    return record_meeting(case, practitioner)


def record_meeting(case, practitioner):
    """The progression panel of the ``meeting`` fixture (tests/test_meeting_corrections.py)."""
    return meeting_services.meeting_record(
        person=case,
        actor=practitioner,
        held_on=HELD,
        kind=MeetingKind.PROGRESSION_PANEL,
        chair="Jo Bloggs, SPO",
        agencies=[Agency.POLICE, Agency.HOUSING],
        discussion="Move-on accommodation.",
    )


def _date(prefix: str, day: dt.date) -> dict[str, str]:
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


def _meeting_post(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        **_date("held_on", HELD),
        "kind": MeetingKind.MAPPA_LEVEL_2,
        "chair": "Jo Bloggs, SPO",
        "agencies": [Agency.POLICE, Agency.OTHER],
        "other_agency": "Victim liaison",
        "attendees": "COM, SPO, police offender manager",
        "discussion": "Risk to the ex-partner and drinking.",
        "decisions": "Refer to alcohol service; police to check address.",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _action_post(owner: Any = None, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "description": "Refer to the alcohol service",
        **_date("due_on", TODAY + dt.timedelta(days=14)),
    }
    if owner is not None:
        data.update(owner_kind="staff", owner=str(owner.pk))
    else:
        data.update(owner_kind="agency", owner_name="PC Sam Jones, West Yorkshire Police")
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _action(meeting, owner, *, due_on: dt.date, description: str = "Check the address"):
    return meeting_services.meeting_action_add(
        meeting_id=meeting.pk,
        actor=meeting.recorded_by,
        description=description,
        owner=owner,
        due_on=due_on,
    )


def _state() -> tuple[int, int, int, int]:
    return (
        MultiAgencyMeeting.objects.count(),
        MeetingAction.objects.count(),
        MultiAgencyMeeting.pgh_event_model.objects.count(),
        MeetingAction.pgh_event_model.objects.count(),
    )


def _title(html: str) -> str:
    found = TITLE.search(html)
    assert found
    return " ".join(found.group(1).split())


# ---------------------------------------------------------------------------------------------
# Recording a meeting with its actions


def test_a_practitioner_records_a_meeting_then_its_actions(case, practitioner, concern):
    client = client_for(practitioner)
    page = client.get(reverse("recall:meetings", args=[case.crn])).content.decode()
    assert 'aria-current="page">Meetings and panels' in page
    assert 'id="no-meetings"' in page
    assert "No panel recorded" in page
    form = client.get(reverse("recall:meeting_add", args=[case.crn])).content.decode()
    assert "Drinking again since leaving the AP." in form  # the concern to link
    assert 'data-aria-controls="conditional-other-agency"' in form  # "Other" reveals a box

    response = client.post(
        reverse("recall:meeting_add", args=[case.crn]),
        _meeting_post(concerns=[str(concern.pk)]),
    )
    meeting = MultiAgencyMeeting.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("recall:meeting", args=[case.crn, meeting.pk]))
    assert meeting.person == case
    assert meeting.held_on == HELD
    assert meeting.kind == MeetingKind.MAPPA_LEVEL_2
    assert meeting.agencies == [Agency.OTHER, Agency.POLICE]
    assert meeting.other_agency == "Victim liaison"
    assert list(meeting.concerns.all()) == [concern]
    assert meeting.recorded_by == practitioner
    event = MultiAgencyMeeting.pgh_event_model.objects.get(pgh_obj_id=meeting.pk)
    assert event.pgh_context.metadata["user"] == practitioner.pk

    url = reverse("recall:meeting_action_add", args=[case.crn, meeting.pk])
    assert client.post(url, _action_post(owner=practitioner)).status_code == 302
    assert client.post(url, _action_post(description="Check the address")).status_code == 302
    staff, agency = MeetingAction.objects.order_by("id")
    assert staff.owner == practitioner and staff.owner_name == ""
    assert agency.owner is None and agency.owner_name.startswith("PC Sam Jones")
    assert MeetingAction.pgh_event_model.objects.filter(pgh_obj_id=staff.pk).exists()

    page = client.get(reverse("recall:meeting", args=[case.crn, meeting.pk])).content.decode()
    assert page.count('data-status="due"') == 2
    assert escape(practitioner.display_name) in page
    assert "PC Sam Jones, West Yorkshire Police" in page
    assert "Victim liaison" in page
    listing = client.get(reverse("recall:meetings", args=[case.crn])).content.decode()
    assert f'id="meeting-{meeting.pk}"' in listing
    assert 'data-open="2" data-overdue="0"' in listing
    assert "Within 6 months" in listing  # a MAPPA level 2 meeting is a forum


def test_the_staff_an_action_may_be_given_to(case, team, practitioner, manager, outsider):
    same_pdu = factories.TeamFactory(code="leeds-c", pdu=team.pdu)
    spo_next_door = factories.UserFactory(roles=[vocab.Role.MANAGER], team=same_pdu)
    com_next_door = factories.UserFactory(roles=[vocab.Role.PRACTITIONER], team=same_pdu)
    gone = factories.UserFactory(roles=[vocab.Role.PRACTITIONER], team=team, is_active=False)
    staff = set(meeting_selectors.staff_who_may_own(case))
    assert {practitioner, manager, spo_next_door} <= staff
    assert not {com_next_door, gone, outsider} & staff


def test_only_forums_within_the_teams_period_count_as_a_recent_panel(case, practitioner, team):
    def record(kind: str, days_ago: int) -> None:
        factories.MeetingFactory(
            person=case, recorded_by=practitioner, kind=kind, held_on=TODAY - dt.timedelta(days_ago)
        )

    record(MeetingKind.PROFESSIONALS, 10)  # not a forum
    record(MeetingKind.PROGRESSION_PANEL, 250)
    status = meeting_selectors.panel_status(case, meeting_selectors.meetings_for(case))
    assert status.last_forum is not None and status.last_forum.kind == MeetingKind.PROGRESSION_PANEL
    assert not status.within_period  # 250 days is more than 6 months
    team.panel_period_months = 12
    team.save()
    case.refresh_from_db()
    status = meeting_selectors.panel_status(case, meeting_selectors.meetings_for(case))
    assert status.within_period
    page = client_for(practitioner).get(reverse("recall:meetings", args=[case.crn]))
    assert "Within 12 months" in page.content.decode()


# ---------------------------------------------------------------------------------------------
# Refusals change nothing


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (_date("held_on", TODAY + dt.timedelta(days=1)), "must be today or in the past"),
        ({"kind": None}, "Select the type of meeting"),
        ({"agencies": None}, "Select the agencies that attended"),
        ({"other_agency": ""}, "Enter the name of the other agency"),
        ({"chair": "  "}, "Enter who chaired the meeting"),
        ({"discussion": ""}, "Enter what was discussed"),
        ({"agencies": ["police", "coastguard"]}, "Select the agencies that attended"),
    ],
)
def test_an_invalid_meeting_is_refused_and_changes_nothing(case, practitioner, changes, message):
    before = _state()
    response = client_for(practitioner).post(
        reverse("recall:meeting_add", args=[case.crn]), _meeting_post(**changes)
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html
    assert _title(html).startswith("Error: Record a meeting")
    assert _state() == before


def test_a_concern_of_another_person_or_struck_out_cannot_be_linked(
    case, team, practitioner, concern
):
    other = factories.make_case(team)
    theirs = entries.concern_add(
        person=other,
        actor=practitioner,
        occurred_on=HELD,
        description="Not this case",
        source="other",
        behaviours=[],
    )
    before = _state()
    response = client_for(practitioner).post(
        reverse("recall:meeting_add", args=[case.crn]), _meeting_post(concerns=[str(theirs.pk)])
    )
    assert "govuk-error-summary" in response.content.decode()
    with pytest.raises(meeting_services.MeetingError):
        meeting_services.meeting_record(
            person=case,
            actor=practitioner,
            held_on=HELD,
            kind=MeetingKind.PROFESSIONALS,
            chair="SPO",
            agencies=[Agency.PRISON],
            discussion="x",
            concerns=[theirs],
        )
    assert _state() == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"description": ""}, "Enter the action"),
        ({"owner_kind": None}, "Select who owns the action"),
        ({"owner_kind": "staff", "owner": ""}, "Choose the member of staff who owns the action"),
        ({"owner_kind": "agency", "owner_name": ""}, "Enter the name and agency"),
        ({"owner_kind": "staff", "owner": "999999"}, "Choose a member of staff from the list"),
        (_date("due_on", HELD - dt.timedelta(days=1)), "cannot be before the meeting"),
        ({"due_on-day": "31", "due_on-month": "2"}, "must be a real date"),
    ],
)
def test_an_invalid_action_is_refused_and_changes_nothing(
    case, practitioner, meeting, changes, message
):
    before = _state()
    data = _action_post(owner=practitioner)
    data.update(changes)
    response = client_for(practitioner).post(
        reverse("recall:meeting_action_add", args=[case.crn, meeting.pk]),
        {k: v for k, v in data.items() if v is not None},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html, html[:3000]
    assert _title(html).startswith("Error: ")
    assert _state() == before


def test_an_action_cannot_go_to_staff_outside_the_case(case, practitioner, meeting, outsider):
    before = _state()
    with pytest.raises(meeting_services.MeetingError, match="Choose a member of staff"):
        _action(meeting, outsider, due_on=TODAY)
    assert _state() == before


# ---------------------------------------------------------------------------------------------
# The one-time key


def test_a_double_submit_records_one_meeting_and_one_action(case, practitioner):
    client = client_for(practitioner)
    form = client.get(reverse("recall:meeting_add", args=[case.crn])).context["form"]
    key = str(form["submission_key"].value())
    url = reverse("recall:meeting_add", args=[case.crn])
    first = client.post(url, _meeting_post(submission_key=key))
    second = client.post(url, _meeting_post(submission_key=key))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    meeting = MultiAgencyMeeting.objects.get()

    page = client.get(reverse("recall:meeting", args=[case.crn, meeting.pk]))
    key = str(page.context["form"]["submission_key"].value())
    url = reverse("recall:meeting_action_add", args=[case.crn, meeting.pk])
    for _ in range(2):
        assert client.post(url, _action_post(submission_key=key)).status_code == 302
    assert MeetingAction.objects.count() == 1


# ---------------------------------------------------------------------------------------------
# Access


def test_out_of_scope_is_404_and_in_view_without_the_permission_403(
    case, meeting, practitioner, outsider, ppcs
):
    action = _action(meeting, practitioner, due_on=TODAY)
    urls = [
        ("get", reverse("recall:meetings", args=[case.crn])),
        ("get", reverse("recall:meeting_add", args=[case.crn])),
        ("post", reverse("recall:meeting_add", args=[case.crn])),
        ("get", reverse("recall:meeting", args=[case.crn, meeting.pk])),
        ("post", reverse("recall:meeting_action_add", args=[case.crn, meeting.pk])),
        ("get", reverse("recall:meeting_action_done", args=[case.crn, action.pk])),
        ("post", reverse("recall:meeting_action_done", args=[case.crn, action.pk])),
        ("get", reverse("recall:meeting_strike_out", args=[case.crn, meeting.pk])),
        ("post", reverse("recall:meeting_strike_out", args=[case.crn, meeting.pk])),
    ]
    before = _state()
    out = client_for(outsider)
    assert [getattr(out, m)(u).status_code for m, u in urls] == [404] * len(urls)
    assert _state() == before
    # A case PPCS can see (it has a recall): in view, not theirs to work on.
    recalled = factories.make_case(case.team)
    theirs = factories.MeetingFactory(person=recalled, recorded_by=practitioner)
    seen = client_for(ppcs)
    assert seen.get(reverse("recall:meetings", args=[recalled.crn])).status_code == 403
    assert seen.get(reverse("recall:meeting", args=[recalled.crn, theirs.pk])).status_code == 403
    assert MeetingAction.objects.get().done_on is None


def test_a_meeting_of_another_person_is_404(case, team, meeting, practitioner):
    other = factories.make_case(team)
    client = client_for(practitioner)
    assert client.get(reverse("recall:meeting", args=[other.crn, meeting.pk])).status_code == 404


# ---------------------------------------------------------------------------------------------
# Marking an action done; overdue actions on the case and on the owner's home page


@pytest.fixture
def colleague(team):
    return factories.UserFactory(
        username="colleague", roles=[vocab.Role.PRACTITIONER], team=team, first_name="Ada"
    )


def test_the_owner_marks_an_action_done_with_a_note(case, meeting, colleague, practitioner):
    action = _action(meeting, colleague, due_on=TODAY)
    client = client_for(colleague)
    url = reverse("recall:meeting_action_done", args=[case.crn, action.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"note": "Referral made; housing replied."})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.done_on == TODAY
    assert action.done_by == colleague
    assert action.done_note == "Referral made; housing replied."
    event = MeetingAction.pgh_event_model.objects.filter(pgh_obj_id=action.pk).last()
    assert event.pgh_context.metadata["user"] == colleague.pk
    # A second click by the same person changes nothing.
    assert client.post(url, {"note": "again"}).status_code == 302
    action.refresh_from_db()
    assert action.done_note == "Referral made; housing replied."
    # Someone else is told who did it.
    with pytest.raises(meeting_services.MeetingError, match="marked this action as done"):
        meeting_services.meeting_action_done(action_id=action.pk, actor=practitioner)
    page = client_for(practitioner).get(reverse("recall:meeting", args=[case.crn, meeting.pk]))
    html = page.content.decode()
    assert 'data-status="done"' in html and "Referral made; housing replied." in html


def test_overdue_shows_on_the_case_and_the_owners_home_page_until_done(
    case, meeting, practitioner, colleague, manager
):
    late = _action(meeting, colleague, due_on=TODAY - dt.timedelta(days=2), description="Late")
    _action(meeting, colleague, due_on=TODAY, description="Due today, not overdue")
    overview = reverse("person_overview", args=[case.crn])
    home = reverse("home")

    html = client_for(practitioner).get(overview).content.decode()
    assert 'id="header-overdue-actions"' in html
    assert "1 action agreed at a multi-agency meeting is overdue" in html
    meeting_page = client_for(practitioner).get(
        reverse("recall:meeting", args=[case.crn, meeting.pk])
    )
    row = re.search(rf'id="action-{late.pk}".*?</tr>', meeting_page.content.decode(), re.S)
    assert row and "govuk-tag--red" in row.group(0) and ">Overdue<" in row.group(0)

    mine = client_for(colleague).get(home).content.decode()
    assert "Your overdue meeting actions" in mine
    assert f'id="overdue-action-{late.pk}"' in mine and ">Overdue<" in mine
    assert "Due today, not overdue" not in mine
    # Not the practitioner's own (they do not own it), nor the manager's.
    assert (
        f'id="overdue-action-{late.pk}"' not in client_for(practitioner).get(home).content.decode()
    )
    assert 'id="no-overdue-actions"' in client_for(manager).get(home).content.decode()

    client_for(colleague).post(reverse("recall:meeting_action_done", args=[case.crn, late.pk]))
    assert (
        'id="header-overdue-actions"' not in client_for(practitioner).get(overview).content.decode()
    )
    assert f'id="overdue-action-{late.pk}"' not in client_for(colleague).get(home).content.decode()


def test_a_managers_overdue_action_shows_on_their_home_page(case, meeting, manager):
    late = _action(meeting, manager, due_on=TODAY - dt.timedelta(days=1))
    html = client_for(manager).get(reverse("home")).content.decode()
    assert f'id="overdue-action-{late.pk}"' in html


def test_the_overdue_warning_is_for_the_case_team_only(case, meeting, practitioner, admin_user):
    _action(meeting, practitioner, due_on=TODAY - dt.timedelta(days=1))
    overview = reverse("person_overview", args=[case.crn])
    html = client_for(admin_user).get(overview).content.decode()
    assert 'id="header-overdue-actions"' not in html


# ---------------------------------------------------------------------------------------------
# Striking a meeting out


def test_striking_out_a_meeting_keeps_it_struck_through_and_counts_it_nowhere(
    case, meeting, practitioner, colleague, ppcs
):
    late = _action(meeting, colleague, due_on=TODAY - dt.timedelta(days=1))
    url = reverse("recall:meeting_strike_out", args=[case.crn, meeting.pk])
    client = client_for(practitioner)
    before = _state()
    refused = client.post(url, {"reason": " "})
    assert "Enter why you are striking out the meeting" in refused.content.decode()
    assert _state() == before

    assert client.post(url, {"reason": "Recorded on the wrong case."}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.struck_out_by == practitioner
    assert meeting.struck_out_reason == "Recorded on the wrong case."
    event = MultiAgencyMeeting.pgh_event_model.objects.filter(pgh_obj_id=meeting.pk).last()
    assert event.pgh_context.metadata["reason"] == "Recorded on the wrong case."

    listing = client.get(reverse("recall:meetings", args=[case.crn])).content.decode()
    assert "<s>IPP progression panel</s>" in listing
    assert "Recorded on the wrong case." in listing
    assert "No panel recorded" in listing
    assert meeting_selectors.overdue_on_case(case).count == 0
    assert meeting_selectors.overdue_for_owner(colleague) == []
    # Nothing more may be added to it, nor done on it.
    before = _state()
    add = client.post(
        reverse("recall:meeting_action_add", args=[case.crn, meeting.pk]),
        _action_post(owner=practitioner),
    )
    assert "was struck out" in add.content.decode()
    with pytest.raises(meeting_services.MeetingError, match="struck out"):
        meeting_services.meeting_action_done(action_id=late.pk, actor=colleague)
    done_page = client_for(colleague).get(
        reverse("recall:meeting_action_done", args=[case.crn, late.pk])
    )
    assert "its actions can no longer change" in done_page.content.decode()
    assert 'name="note"' not in done_page.content.decode()
    assert _state() == before


def test_ppcs_cannot_strike_a_meeting_out(team, practitioner, ppcs):
    recalled = factories.make_case(team)
    meeting = factories.MeetingFactory(person=recalled, recorded_by=practitioner)
    url = reverse("recall:meeting_strike_out", args=[recalled.crn, meeting.pk])
    assert client_for(ppcs).post(url, {"reason": "No"}).status_code == 403
    meeting.refresh_from_db()
    assert meeting.struck_out_at is None


# ---------------------------------------------------------------------------------------------
# Query counts


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(case, owner, count: int) -> MultiAgencyMeeting:
    last = None
    for n in range(count):
        last = factories.MeetingFactory(
            person=case, recorded_by=owner, held_on=HELD - dt.timedelta(days=n)
        )
        factories.MeetingActionFactory(
            meeting=last, owner=owner, due_on=TODAY - dt.timedelta(days=n + 1)
        )
        factories.MeetingActionFactory(meeting=last, owner=None, owner_name="Housing officer")
    assert last is not None
    return last


def test_the_meetings_page_and_a_meeting_take_the_same_queries_at_two_sizes(
    case, practitioner, concern
):
    client = client_for(practitioner)
    meeting = _grow(case, practitioner, 1)
    meeting.concerns.set([concern])
    urls = [
        reverse("recall:meetings", args=[case.crn]),
        reverse("recall:meeting", args=[case.crn, meeting.pk]),
    ]
    small = [_queries(client, url) for url in urls]
    _grow(case, practitioner, 4)
    for _ in range(4):
        factories.MeetingActionFactory(meeting=meeting, owner=practitioner)
    assert [_queries(client, url) for url in urls] == small


@pytest.mark.parametrize("persona", ["practitioner", "manager"])
def test_the_home_page_takes_the_same_queries_with_1_and_5_overdue_actions(request, case, persona):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    _grow(case, user, 1)
    small = _queries(client, reverse("home"))
    _grow(case, user, 4)
    html = client.get(reverse("home")).content.decode()
    assert html.count('id="overdue-action-') == 5
    assert _queries(client, reverse("home")) == small


def test_the_case_history_tells_the_meeting_its_actions_and_the_strike_out(
    case, meeting, practitioner, colleague
):
    staff = _action(meeting, colleague, due_on=TODAY + dt.timedelta(days=7))
    meeting_services.meeting_action_add(
        meeting_id=meeting.pk,
        actor=practitioner,
        description="Share the police log.",
        owner_name="PC Sam Jones, West Yorkshire Police",
        due_on=TODAY + dt.timedelta(days=14),
    )
    meeting_services.meeting_action_done(action_id=staff.pk, actor=colleague, note="Visited.")
    meeting_services.meeting_strike_out(
        meeting_id=meeting.pk, actor=practitioner, reason="Recorded on the wrong case."
    )
    lines = [(line.who, line.text) for line in history.case_history(case)]
    held, me, them = long_date(HELD), practitioner.display_name, colleague.display_name
    due_staff, due_police = (long_date(TODAY + dt.timedelta(days=d)) for d in (7, 14))
    for who, text in (
        (me, f"IPP progression panel recorded: held on {held}, chaired by Jo Bloggs, SPO."),
        (me, f"Meeting action agreed: Check the address. Owner: {them}; due by {due_staff}."),
        (
            me,
            "Meeting action agreed: Share the police log. Owner: PC Sam Jones, West Yorkshire "
            f"Police; due by {due_police}.",
        ),
        (them, "Meeting action done: Check the address. What was done: Visited."),
        (
            me,
            f"IPP progression panel of {held} struck out. Reason: Recorded on the wrong case.",
        ),
    ):
        assert any(w.startswith(who) and t == text for w, t in lines), (text, lines)
