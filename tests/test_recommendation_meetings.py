"""The recommendation's "multi-agency input" and "progression panel" sections read the meeting
records (issue 19; recall/meeting_records.py, docs/rules.md "Meetings"): what they show, the
answer for input outside a meeting, the historic tick, the dossier, and the query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from recall import dossiers, meeting_records, rules, services
from recall.models import Dossier, RecallRecommendation
from recall.vocab import DossierKind
from tests import factories
from tests.conftest import client_for

TODAY = timezone.localdate()


def _months_ago(months: int, days: int = 0) -> dt.date:
    return rules.add_months(TODAY, -months, days)


@pytest.fixture
def person(team):
    return factories.make_case(team, recalled=False, released=factories.recently_released())


@pytest.fixture
def rec(person, practitioner):
    return services.recommendation_start(person=person, actor=practitioner)


@pytest.fixture
def client(practitioner):
    return client_for(practitioner)


def _section(client, rec, slug: str) -> str:
    response = client.get(reverse("recall:section", args=[rec.pk, slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_panel_section_shows_the_latest_forum_and_the_finding_follows_it(person, rec, client):
    old = factories.MeetingFactory(
        person=person, held_on=_months_ago(9), chair="Anna Chair", agencies=["police", "opd"]
    )
    factories.MeetingActionFactory(
        meeting=old, description="Book a psychology assessment", due_on=_months_ago(8)
    )
    factories.MeetingFactory(person=person, held_on=_months_ago(1), kind="professionals")

    html = _section(client, rec, "panel")

    assert 'name="progression_panel_held"' not in html  # the tick box has gone
    assert "There is nothing to answer here" in html
    assert f"IPP progression panel, {old.held_on:%-d %B %Y}" in html
    assert "Outside the team&#x27;s period" in html or "Outside the team's period" in html
    assert "Anna Chair" in html and "Police, Offender personality disorder (OPD) pathway" in html
    assert "Overdue" in html and "Book a psychology assessment" in html
    assert reverse("recall:meeting", args=[old.person.crn, old.pk]) in html
    assert reverse("recall:meeting_add", args=[person.crn]) in html
    assert "9 months before the decision, outside the team" in html  # the finding's details
    assert 'id="id_ack_NO_PROGRESSION_PANEL"' in html  # the justification stays


def test_a_panel_within_the_period_clears_the_finding_and_completes_the_section(
    person, rec, client
):
    factories.MeetingFactory(person=person, held_on=_months_ago(2), kind="mappa_level_2")
    html = _section(client, rec, "panel")
    assert "Within the team&#x27;s period" in html or "Within the team's period" in html
    assert 'id="finding-NO_PROGRESSION_PANEL"' not in html
    page = client.get(reverse("recall:recommendation", args=[rec.pk])).content.decode()
    assert "No progression panel" not in page


def test_the_panel_section_with_no_record_says_so(rec, client):
    html = _section(client, rec, "panel")
    assert 'id="no-forum"' in html
    assert "No progression panel or MAPPA level 2 or 3 meeting is recorded." in html


def test_the_multi_agency_section_lists_the_meetings_with_agencies_in_the_period(
    person, rec, client, practitioner
):
    recent = factories.MeetingFactory(
        person=person, held_on=_months_ago(1), kind="opd_consultation", agencies=["opd"]
    )
    factories.MeetingFactory(
        person=person, held_on=_months_ago(2), kind="professionals", agencies=[], chair="Nobody"
    )
    factories.MeetingFactory(person=person, held_on=_months_ago(10), chair="Too Old")
    factories.MeetingFactory(
        person=person,
        held_on=_months_ago(1),
        chair="Struck Out",
        struck_out_at=timezone.now(),
        struck_out_by=practitioner,
        struck_out_reason="Recorded on the wrong case",
    )

    html = _section(client, rec, "multi-agency")

    assert f"OPD case consultation, {recent.held_on:%-d %B %Y}" in html
    assert reverse("recall:meeting", args=[recent.person.crn, recent.pk]) in html
    for absent in ("Nobody", "Too Old", "Struck Out"):
        assert absent not in html
    assert 'id="finding-NO_MULTI_AGENCY_INPUT"' not in html
    assert "Did other agencies give input outside a recorded meeting?" in html


def test_with_no_meeting_the_multi_agency_section_says_what_it_found(person, rec, client):
    factories.MeetingFactory(person=person, held_on=_months_ago(7), kind="professionals")
    html = _section(client, rec, "multi-agency")
    assert 'id="no-agency-meeting"' in html
    assert f"The latest was on {_months_ago(7):%-d %B %Y} (Professionals meeting)" in html
    assert 'id="finding-NO_MULTI_AGENCY_INPUT"' in html
    assert "outside the team&#x27;s 6-month period" in html


def test_input_outside_a_meeting_needs_its_details(rec, client):
    url = reverse("recall:section", args=[rec.pk, "multi-agency"])
    response = client.post(url, {"version": rec.version, "other_agencies_consulted": "yes"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "Enter who gave the input, when, and what they said" in html
    unchanged = RecallRecommendation.objects.get(pk=rec.pk)
    assert unchanged.version == rec.version and not unchanged.other_agencies_consulted

    response = client.post(
        url,
        {
            "version": rec.version,
            "other_agencies_consulted": "yes",
            "multi_agency_input": "Police offender manager, call on 2 June: no intelligence.",
        },
    )
    assert response.status_code == 302
    saved = RecallRecommendation.objects.get(pk=rec.pk)
    assert saved.other_agencies_consulted and "multi-agency" in saved.sections_saved
    html = _section(client, saved, "multi-agency")
    assert 'id="finding-NO_MULTI_AGENCY_INPUT"' not in html


def test_the_question_is_not_preanswered_no(rec, client):
    html = _section(client, rec, "multi-agency")
    assert 'name="other_agencies_consulted" type="radio" value="no" checked' not in html


def test_a_historic_tick_is_shown_read_only_as_answered_before_records(person, rec, client):
    RecallRecommendation.objects.filter(pk=rec.pk).update(progression_panel_held=True)
    html = _section(client, rec, "panel")
    assert 'id="panel-answered-before-records"' in html
    assert 'name="progression_panel_held"' not in html
    assert 'id="finding-NO_PROGRESSION_PANEL"' not in html  # the old answer still counts
    loaded = RecallRecommendation.objects.get(pk=rec.pk)
    # Posting the section (acknowledgements only) never clears the old answer.
    client.post(reverse("recall:section", args=[rec.pk, "panel"]), {"version": loaded.version})
    assert RecallRecommendation.objects.get(pk=rec.pk).progression_panel_held


def test_the_answers_and_the_dossier_show_the_records(person, practitioner, team):
    panel = factories.MeetingFactory(
        person=person, held_on=_months_ago(3), chair="Dee Chair", agencies=["housing"]
    )
    rec = RecallRecommendation.objects.create(
        person=person,
        created_by=practitioner,
        status="submitted",
        submitted_at=timezone.now(),
        other_agencies_consulted=True,
        multi_agency_input="Mental health nurse by email, 1 June.",
        progression_panel_held=True,
    )
    dossier = Dossier.objects.create(
        recommendation=rec, kind=DossierKind.DOSSIER, version=1, requested_by=practitioner
    )
    html = render_to_string(
        dossiers.template_for(dossier.kind, person), dossiers.dossier_context(dossier)
    )
    assert f"IPP progression panel, {panel.held_on:%-d %B %Y}, chaired by Dee Chair" in html
    assert "within the team&#x27;s 6-month period" in html or "within the team's 6-month" in html
    assert "Mental health nurse by email, 1 June." in html
    assert "Answered before meetings were recorded: a progression panel was held." in html

    answers = render_to_string(
        "recall/_answers.html",
        {"rec": rec, "meetings": meeting_records.records_for(rec), "facts": {}},
    )
    assert f"IPP progression panel, {panel.held_on:%-d %b %Y}: Housing" in answers
    assert "Answered before meetings were recorded" in answers


def _add_meetings(person, count: int) -> None:
    for n in range(count):
        meeting = factories.MeetingFactory(
            person=person,
            held_on=_months_ago(0, -(n + 1) * 3),
            kind=("progression_panel", "professionals", "mappa_level_2")[n % 3],
        )
        factories.MeetingActionFactory.create_batch(2, meeting=meeting, due_on=_months_ago(1))


def test_the_pages_query_count_does_not_grow_with_the_meetings(team, practitioner):
    def queries(count: int) -> list[int]:
        person = factories.make_case(team, recalled=False, released=factories.recently_released())
        _add_meetings(person, count)
        rec = services.recommendation_start(person=person, actor=practitioner)
        client = client_for(practitioner)
        client.get(reverse("recall:recommendation", args=[rec.pk]))  # warm the session
        counts = []
        for url in (
            reverse("recall:recommendation", args=[rec.pk]),
            reverse("recall:section", args=[rec.pk, "multi-agency"]),
            reverse("recall:section", args=[rec.pk, "panel"]),
            reverse("recall:send_check", args=[rec.pk]),
        ):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts.append(len(ctx.captured_queries))
        return counts

    assert queries(1) == queries(12)


def test_with_a_meeting_in_the_period_the_question_is_optional(person, rec, client):
    url = reverse("recall:section", args=[rec.pk, "multi-agency"])
    refused = client.post(url, {"version": rec.version})
    assert refused.status_code == 200  # no meeting: the question must be answered
    assert "Select yes if other agencies gave input outside a recorded meeting" in (
        refused.content.decode()
    )
    factories.MeetingFactory(person=person, held_on=_months_ago(1), kind="professionals")
    assert "Optional here" in _section(client, rec, "multi-agency")
    response = client.post(url, {"version": rec.version})
    assert response.status_code == 302
    saved = RecallRecommendation.objects.get(pk=rec.pk)
    assert "multi-agency" in saved.sections_saved and not saved.other_agencies_consulted


def test_the_answers_say_when_the_question_is_not_answered(rec, client):
    html = client.get(reverse("recall:send_check", args=[rec.pk])).content.decode()
    assert "Input outside a meeting: not answered." in html
    assert "No meeting with another agency in the team&#x27;s 6-month period." in html or (
        "No meeting with another agency in the team's 6-month period." in html
    )


def test_the_task_list_says_what_the_records_show(person, rec, client):
    url = reverse("recall:recommendation", args=[rec.pk])
    html = client.get(url).content.decode()
    assert "No meeting with another agency in the team&#x27;s 6-month period" in html
    assert "No progression panel or MAPPA level 2 or 3 meeting recorded" in html
    panel = factories.MeetingFactory(person=person, held_on=_months_ago(3), kind="mappa_level_3")
    html = client.get(url).content.decode()
    assert "1 meeting with other agencies in the team&#x27;s 6-month period" in html
    assert (
        f"Latest: MAPPA level 3 meeting, {panel.held_on:%-d %B %Y}, within the team&#x27;s "
        "6-month period"
    ) in html
    assert 'aria-describedby="hint-panel status-panel"' in html
