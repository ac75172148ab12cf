"""The recall decision's pages: access, forms, refused actions shown with nothing changed."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ippcase import vocab as case_vocab
from ippcase.models import Notification
from recall import services
from recall.models import ActionShortOfRecall, Concern, Oversight, RecallRecommendation
from recall.vocab import RecommendationStatus as Status
from tests import factories
from tests.conftest import client_for
from tests.test_recall_services import (
    CONFIRM,
    OUT_OF_HOURS,
    WORKING_DAY_2PM,
    _draft_ready_to_send,
)


@pytest.fixture
def on_licence(team):
    person = factories.make_case(
        team,
        recalled=False,
        released=factories.recently_released(),
        first_name="Lee",
        last_name="Hart",
    )
    person.mappa_category, person.mappa_level = 1, 2
    person.save()
    return person


@pytest.fixture
def aco(team):
    return factories.UserFactory(username="aco", roles=[case_vocab.Role.SENIOR_MANAGER], team=team)


def _concern_data(**overrides: str) -> dict[str, object]:
    today = timezone.localdate() - dt.timedelta(days=1)
    data: dict[str, object] = {
        "occurred_on-day": str(today.day),
        "occurred_on-month": str(today.month),
        "occurred_on-year": str(today.year),
        "description": "Seen drunk outside the victim's address.",
        "source": "police_intelligence",
        "behaviours": ["alcohol", "threats"],
    }
    data.update(overrides)
    return data


def _sent(person, practitioner):
    rec = _draft_ready_to_send(person, practitioner)
    return services.recommendation_send_for_countersignature(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )


# ---------------------------------------------------------------------------------------------
# Access


@pytest.mark.parametrize("persona", ["practitioner", "manager", "senior_manager"])
def test_case_team_sees_the_concerns_and_recall_tabs(request, on_licence, persona):
    client = client_for(request.getfixturevalue(persona))
    for name in ("recall:concerns", "recall:person_recall"):
        response = client.get(reverse(name, args=[on_licence.crn]))
        assert response.status_code == 200
    overview = client.get(reverse("person_overview", args=[on_licence.crn]))
    assert b"Concerns and actions" in overview.content


@pytest.mark.parametrize("persona", ["outsider", "ppcs", "no_role_user", "admin_user"])
def test_others_cannot_see_the_recall_pages(request, on_licence, practitioner, persona):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    client = client_for(request.getfixturevalue(persona))
    urls = [
        reverse("recall:concerns", args=[on_licence.crn]),
        reverse("recall:person_recall", args=[on_licence.crn]),
        reverse("recall:recommendation", args=[rec.pk]),
        reverse("recall:section", args=[rec.pk, "criteria"]),
        reverse("recall:oversight", args=[rec.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code in (403, 404), url
    response = client.post(reverse("recall:concern_add", args=[on_licence.crn]), _concern_data())
    assert response.status_code in (403, 404)
    assert Concern.objects.count() == 0


def test_a_manager_sees_the_recommendation_but_cannot_edit_it(on_licence, practitioner, manager):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    client = client_for(manager)
    assert client.get(reverse("recall:recommendation", args=[rec.pk])).status_code == 200
    assert client.get(reverse("recall:section", args=[rec.pk, "why"])).status_code == 403
    response = client.post(reverse("recall:start", args=[on_licence.crn]))
    assert b"Only a probation practitioner" in response.content


# ---------------------------------------------------------------------------------------------
# Concerns and actions


def test_adding_a_concern_without_javascript_redirects_to_the_list(on_licence, practitioner):
    client = client_for(practitioner)
    condition = on_licence.licence_conditions.get()
    url = reverse("recall:concern_add", args=[on_licence.crn])
    response = client.post(url, _concern_data(conditions=[str(condition.pk)]))
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.behaviours == ["alcohol", "threats"]
    assert list(concern.conditions.all()) == [condition]
    page = client.get(response["Location"])
    assert b"Seen drunk outside" in page.content and b"Concern added" in page.content


def test_adding_a_concern_with_htmx_returns_the_list_and_a_fresh_form(on_licence, practitioner):
    client = client_for(practitioner)
    url = reverse("recall:concern_add", args=[on_licence.crn])
    response = client.post(url, _concern_data(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="concerns">')
    assert "Seen drunk outside" in html
    assert (
        'name="description"' in html
        and "Seen drunk outside the victim's address.</textarea>" not in html
    )
    assert Concern.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"description": ""}, "Enter what happened"),
        ({"occurred_on-day": "31", "occurred_on-month": "2"}, "must be a real date"),
        ({"occurred_on-year": str(dt.date.today().year + 1)}, "must be today or in the past"),
        ({"occurred_on-day": ""}, "must include a day"),
        ({"source": ""}, "Select where the information came from"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_invalid_concerns_show_govuk_errors_and_change_nothing(
    on_licence, practitioner, overrides, message, htmx
):
    client = client_for(practitioner)
    url = reverse("recall:concern_add", args=[on_licence.crn])
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(url, _concern_data(**overrides), **headers)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and message in html
    assert "govuk-error-message" in html
    assert Concern.objects.count() == 0


def test_adding_an_action_short_of_recall(on_licence, practitioner):
    client = client_for(practitioner)
    url = reverse("recall:action_add", args=[on_licence.crn])
    day = timezone.localdate()
    data = {
        "kind": "referral_partner_agency",
        "referral": "",
        "taken_on-day": str(day.day),
        "taken_on-month": str(day.month),
        "taken_on-year": str(day.year),
        "details": "Referred to the community drug and alcohol team.",
    }
    response = client.post(url, data)
    assert b"Select who the person was referred to" in response.content
    assert ActionShortOfRecall.objects.count() == 0
    response = client.post(url, {**data, "referral": "substance_misuse"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"community drug and alcohol team" in response.content
    assert ActionShortOfRecall.objects.get().referral == "substance_misuse"


# ---------------------------------------------------------------------------------------------
# The recommendation


def test_practitioner_starts_a_recommendation_from_the_recall_tab(on_licence, practitioner):
    client = client_for(practitioner)
    page = client.get(reverse("recall:person_recall", args=[on_licence.crn]))
    assert b"Start a recall recommendation" in page.content
    response = client.post(reverse("recall:start", args=[on_licence.crn]))
    rec = RecallRecommendation.objects.get()
    assert response["Location"] == reverse("recall:recommendation", args=[rec.pk])
    again = client.post(reverse("recall:start", args=[on_licence.crn]))
    assert b"already has a recall recommendation that PPCS has not yet decided" in again.content
    assert RecallRecommendation.objects.count() == 1


def test_the_task_list_shows_findings_by_section(on_licence, practitioner):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    response = client_for(practitioner).get(reverse("recall:recommendation", args=[rec.pk]))
    html = response.content.decode()
    assert "Must be resolved" in html and "Recall criteria (i) to (iv)" in html
    criteria = client_for(practitioner).get(reverse("recall:section", args=[rec.pk, "criteria"]))
    assert b"Must be resolved" in criteria.content


def test_saving_a_section(on_licence, practitioner):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    client = client_for(practitioner)
    url = reverse("recall:section", args=[rec.pk, "criteria"])
    response = client.post(
        url,
        {"version": rec.version, "criterion_i": "on", "evidence_i": "Drinking and threats again."},
    )
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.criteria == {"i": "Drinking and threats again."}
    assert rec.version == 2


def test_sections_with_default_answers_are_incomplete_until_saved(on_licence, practitioner):
    from recall import meeting_records
    from recall.views.recommendation import SECTION_BY_SLUG, _answered

    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    records = meeting_records.records_for(rec)
    # The panel section has nothing to answer: the meeting records decide (issue 19).
    assert [s for s in SECTION_BY_SLUG if _answered(rec, s, records)] == ["panel"]
    client = client_for(practitioner)
    html = client.get(reverse("recall:recommendation", args=[rec.pk])).content.decode()
    client.post(
        reverse("recall:section", args=[rec.pk, "allegation"]),
        {"version": rec.version, "allegation_status": "none"},
    )
    rec.refresh_from_db()
    assert rec.sections_saved == ["allegation"]
    assert _answered(rec, "allegation", records) and not _answered(rec, "why", records)
    assert "Needs a justification" in html  # the panel section, with no panel recorded


def test_the_multi_agency_section_is_answered_by_a_meeting_or_by_the_question(
    on_licence, practitioner
):
    from recall import meeting_records
    from recall.views.recommendation import _answered

    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    assert not _answered(rec, "multi-agency", meeting_records.records_for(rec))
    factories.MeetingFactory(
        person=on_licence,
        held_on=timezone.localdate() - dt.timedelta(days=20),
        kind="professionals",
        agencies=["mental_health"],
    )
    assert _answered(rec, "multi-agency", meeting_records.records_for(rec))


def test_a_stale_form_shows_the_message_and_changes_nothing(on_licence, practitioner):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    client = client_for(practitioner)
    url = reverse("recall:section", args=[rec.pk, "why"])
    form_version = rec.version
    services.recommendation_update(  # someone else saves meanwhile
        rec_id=rec.pk,
        actor=practitioner,
        expected_version=rec.version,
        changes={"why_considered": "First answer."},
    )
    response = client.post(url, {"version": form_version, "why_considered": "Second answer."})
    assert response.status_code == 200
    assert "Someone else changed this recommendation" in response.content.decode()
    rec.refresh_from_db()
    assert rec.why_considered == "First answer." and rec.version == form_version + 1


def test_the_live_refresh_swaps_only_the_findings_and_keeps_a_justification_being_typed(
    on_licence, practitioner
):
    """Issue 12: the refresh replaces the findings, never a field someone is typing in. The
    justification box of a warning comes back marked hx-preserve (htmx keeps the box on the
    page, with what was typed since the request and its focus); the other fields are outside
    the swapped region."""
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    client = client_for(practitioner)
    page = client.get(reverse("recall:section", args=[rec.pk, "multi-agency"])).content.decode()
    assert 'hx-target="#findings"' in page and "changed delay:" in page
    url = reverse("recall:section_findings", args=[rec.pk, "multi-agency"])
    html = client.post(
        url,
        {
            "version": rec.version,
            "other_agencies_consulted": "no",
            "multi_agency_input": "Typed so far",
            "ack_NO_MULTI_AGENCY_INPUT": "Half a sent",
        },
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert html.lstrip().startswith('<div id="findings"')
    assert 'name="multi_agency_input"' not in html
    box = re.search(r"<textarea[^>]*name=\"ack_NO_MULTI_AGENCY_INPUT\"[^>]*>", html)
    assert (
        box
        and 'hx-preserve="true"' in box.group(0)
        and 'id="id_ack_NO_MULTI_AGENCY_INPUT"' in box.group(0)
    )


def test_live_findings_use_unsaved_values_and_save_nothing(on_licence, practitioner):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    client = client_for(practitioner)
    url = reverse("recall:section_findings", args=[rec.pk, "criteria"])
    blank = client.post(url, {"version": rec.version}, HTTP_HX_REQUEST="true")
    assert b"CRITERIA_NONE" in blank.content or b"Must be resolved" in blank.content
    ticked = client.post(
        url,
        {"version": rec.version, "criterion_iv": "on", "evidence_iv": ""},
        HTTP_HX_REQUEST="true",
    )
    html = ticked.content.decode()
    assert html.lstrip().startswith('<div id="findings"')
    assert 'id="finding-CRITERIA_EVIDENCE_MISSING"' in html
    assert 'id="finding-CRITERIA_NONE"' not in html
    filled = client.post(
        url,
        {"version": rec.version, "criterion_iv": "on", "evidence_iv": "Missed three appointments."},
        HTTP_HX_REQUEST="true",
    )
    assert b"No problems found in this section" in filled.content
    rec_after = RecallRecommendation.objects.get(pk=rec.pk)
    assert rec_after.version == rec.version and rec_after.criteria == {}


def test_warn_findings_are_justified_on_their_section(on_licence, practitioner):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    client = client_for(practitioner)
    url = reverse("recall:section", args=[rec.pk, "panel"])
    page = client.get(url)
    assert b"Needs a justification" in page.content
    client.post(
        url,
        {"version": rec.version, "ack_NO_PROGRESSION_PANEL": "Panel booked; risk too imminent."},
    )
    rec.refresh_from_db()
    assert rec.acknowledgements == {"NO_PROGRESSION_PANEL": "Panel booked; risk too imminent."}


def test_sending_with_block_findings_lists_them_and_changes_nothing(on_licence, practitioner):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    response = client_for(practitioner).post(
        reverse("recall:send", args=[rec.pk]), {"version": rec.version}
    )
    html = response.content.decode()
    assert "Resolve the problems marked" in html
    assert reverse("recall:section", args=[rec.pk, "criteria"]) in html
    rec.refresh_from_db()
    assert rec.status == Status.DRAFT


def test_the_whole_path_through_the_pages(on_licence, practitioner, manager, aco):
    rec = _draft_ready_to_send(on_licence, practitioner)
    pclient, sclient, aclient = (client_for(u) for u in (practitioner, manager, aco))
    response = pclient.post(reverse("recall:send", args=[rec.pk]), {"version": rec.version})
    assert response.status_code == 302
    rec.refresh_from_db()
    assert rec.status == Status.AWAITING_SPO
    oversight = reverse("recall:oversight", args=[rec.pk])
    assert aclient.get(oversight).status_code == 200  # reads it, but it is the SPO's turn
    assert aclient.post(oversight, {"version": rec.version}).status_code == 403
    page = sclient.get(oversight)
    assert b"Your decision as SPO" in page.content
    data = {"version": rec.version, "decision": "recall", "rationale": "Agreed.", **CONFIRM}
    data = {k: ("on" if v is True else v) for k, v in data.items()}
    assert sclient.post(oversight, data).status_code == 302
    rec.refresh_from_db()
    assert rec.status == Status.AWAITING_ACO
    assert aclient.post(oversight, data).status_code == 302
    rec.refresh_from_db()
    assert rec.status == Status.READY
    task_list = pclient.get(reverse("recall:recommendation", args=[rec.pk])).content.decode()
    assert "submit to PPCS" in task_list and escape(manager.display_name) in task_list
    assert reverse("recall:submit_check", args=[rec.pk]) in task_list  # check your answers first
    submit = reverse("recall:submit", args=[rec.pk])
    assert pclient.post(submit, {"version": rec.version}).status_code == 302
    rec.refresh_from_db()
    assert rec.status == Status.SUBMITTED
    # The same form posted again (a double click, a back button) is refused with a message.
    again = pclient.post(submit, {"version": rec.version})
    assert "You cannot submit it to PPCS" in again.content.decode()
    rec.refresh_from_db()
    assert rec.status == Status.SUBMITTED


def test_self_countersigning_is_refused_with_the_services_message(on_licence, team):
    both = factories.UserFactory(
        username="both",
        roles=[case_vocab.Role.PRACTITIONER, case_vocab.Role.MANAGER],
        team=team,
    )
    rec = _sent(on_licence, both)
    data = {"version": rec.version, "decision": "recall", "rationale": "Mine.", **CONFIRM}
    data = {k: ("on" if v is True else v) for k, v in data.items()}
    response = client_for(both).post(reverse("recall:oversight", args=[rec.pk]), data)
    assert "You cannot countersign your own recommendation." in response.content.decode()
    assert Oversight.objects.count() == 0
    rec.refresh_from_db()
    assert rec.status == Status.AWAITING_SPO


def test_withdrawing_needs_a_reason(on_licence, practitioner):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    client = client_for(practitioner)
    url = reverse("recall:withdraw", args=[rec.pk])
    assert b"Enter why" in client.post(url, {"version": rec.version, "reason": ""}).content
    rec.refresh_from_db()
    assert rec.status == Status.DRAFT
    client.post(url, {"version": rec.version, "reason": "Situation resolved."})
    rec.refresh_from_db()
    assert rec.status == Status.WITHDRAWN


def test_decision_not_to_recall_letter_is_a_pdf(on_licence, practitioner, manager):
    from pypdf import PdfReader

    rec = _draft_ready_to_send(on_licence, practitioner)
    rec = services.recommendation_update(
        rec_id=rec.pk,
        actor=practitioner,
        expected_version=rec.version,
        changes={"recall_type": "none"},
    )
    rec = services.recommendation_send_for_countersignature(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )
    client = client_for(practitioner)
    url = reverse("recall:letter", args=[rec.pk])
    assert client.get(url).status_code == 404  # no letter before the decision
    services.recommendation_countersign(
        rec_id=rec.pk,
        actor=manager,
        expected_version=rec.version,
        level="spo",
        decision="do_not_recall",
        rationale="Manageable with increased contact.",
    )
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Lee Hart" in text
    assert "You are not being recalled to prison" in text
    assert "What you must keep doing" in text
    tab = client.get(reverse("recall:person_recall", args=[on_licence.crn]))
    assert b"Download the letter" in tab.content


def test_recommendation_page_query_count_does_not_grow_with_concerns(team, practitioner):
    def page_queries(concern_count: int) -> int:
        person = factories.make_case(team, recalled=False)
        for n in range(concern_count):
            Concern.objects.create(
                person=person,
                occurred_on=dt.date(2024, 1, 1) + dt.timedelta(days=n % 300),
                description=f"Concern {n}",
                source="other",
                behaviours=["alcohol"],
                recorded_by=practitioner,
            )
        rec = services.recommendation_start(person=person, actor=practitioner)
        client = client_for(practitioner)
        client.get(reverse("recall:recommendation", args=[rec.pk]))  # warm the session
        counts = []
        for url in (
            reverse("recall:recommendation", args=[rec.pk]),
            reverse("recall:section", args=[rec.pk, "behaviours"]),
        ):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts.append(len(ctx.captured_queries))
        return sum(counts)

    assert page_queries(1) == page_queries(200)


def test_the_caseload_shows_the_open_recommendation_status(on_licence, practitioner):
    services.recommendation_start(person=on_licence, actor=practitioner)
    response = client_for(practitioner).get(reverse("caseload"))
    assert b"Considering recall" in response.content


def test_unknown_sections_are_not_found(on_licence, practitioner):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    client = client_for(practitioner)
    assert client.get(reverse("recall:section", args=[rec.pk, "nonsense"])).status_code == 404
    assert client.get(reverse("recall:recommendation", args=[rec.pk + 1000])).status_code == 404


def test_oversight_is_for_managers(on_licence, practitioner, manager, team):
    rec = _sent(on_licence, practitioner)
    colleague = factories.UserFactory(
        username="colleague", roles=[case_vocab.Role.PRACTITIONER], team=team
    )
    url = reverse("recall:oversight", args=[rec.pk])
    assert client_for(colleague).get(url).status_code == 403
    assert client_for(manager).get(url).status_code == 200


def _awaiting_spo_with_self_declared_flag(person, practitioner):
    rec = _draft_ready_to_send(person, practitioner)
    rec.out_of_hours = True  # a historic record's self-declared flag: it grants nothing now
    rec.save(update_fields=["out_of_hours"])
    return services.recommendation_send_for_countersignature(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )


def _oversight_post(rec) -> dict[str, object]:
    data: dict[str, object] = {
        "version": rec.version,
        "decision": "recall",
        "rationale": "Out of hours: agreed.",
    }
    data.update({k: "on" for k in CONFIRM})
    return data


def test_in_office_hours_only_the_pdus_managers_see_and_sign_a_recommendation(
    on_licence, practitioner, manager, outsider, london_clock
):
    rec = _awaiting_spo_with_self_declared_flag(on_licence, practitioner)
    london_clock.at(*WORKING_DAY_2PM)
    client = client_for(outsider)
    for name in ("recall:oversight", "recall:recommendation"):
        assert client.get(reverse(name, args=[rec.pk])).status_code == 404
    url = reverse("recall:oversight", args=[rec.pk])
    assert client.post(url, _oversight_post(rec)).status_code == 404
    assert not Oversight.objects.exists()
    assert client_for(manager).get(url).status_code == 200


@pytest.mark.parametrize("when", OUT_OF_HOURS.values(), ids=OUT_OF_HOURS.keys())
def test_out_of_hours_a_duty_manager_from_elsewhere_signs_and_is_named_so(
    on_licence, practitioner, manager, outsider, london_clock, when
):
    rec = _awaiting_spo_with_self_declared_flag(on_licence, practitioner)
    london_clock.at(*when)
    url = reverse("recall:oversight", args=[rec.pk])
    client = client_for(outsider)
    assert client.get(url).status_code == 200
    assert client.post(url, _oversight_post(rec)).status_code == 302
    page = client_for(practitioner).get(reverse("recall:recommendation", args=[rec.pk]))
    assert escape(f"{outsider.display_name} (duty manager)") in page.content.decode()
    assert Notification.objects.filter(recipient=manager, subject__contains="duty manager").exists()


def test_a_duty_manager_who_opened_the_page_out_of_hours_is_refused_in_hours(
    on_licence, practitioner, outsider, london_clock
):
    """The clock at the moment of signing decides: a page opened at 8:55 and posted at 9:05
    records nothing."""
    rec = _awaiting_spo_with_self_declared_flag(on_licence, practitioner)
    london_clock.at(2025, 12, 4, 8, 55)
    url = reverse("recall:oversight", args=[rec.pk])
    client = client_for(outsider)
    assert client.get(url).status_code == 200
    london_clock.at(2025, 12, 4, 9, 5)
    assert client.post(url, _oversight_post(rec)).status_code == 404
    assert not Oversight.objects.exists()


def test_the_recall_type_section_no_longer_asks_whether_it_is_out_of_hours(
    on_licence, practitioner
):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    page = client_for(practitioner).get(reverse("recall:section", args=[rec.pk, "type"]))
    assert page.status_code == 200
    assert b'name="out_of_hours"' not in page.content
