"""The PPCS pages: the national queue, the request page (take, decide), return to custody and
the report deadline, stopping a recall, and the practitioner answering a request for more."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ippcase import vocab as case_vocab
from ippcase.models import Recall
from recall import deadlines, services
from recall.models import PpcsDecision, RecallRecommendation
from recall.vocab import RecommendationStatus as Status
from tests import factories
from tests.conftest import client_for
from tests.test_recall_services import _draft_ready_to_send, _send, _sign

QUEUE = "/recall/ppcs/"


@pytest.fixture
def on_licence(team):
    return factories.make_case(
        team,
        recalled=False,
        released=factories.recently_released(),
        first_name="Lee",
        last_name="Hart",
    )


@pytest.fixture
def aco(team):
    return factories.UserFactory(username="aco", roles=[case_vocab.Role.SENIOR_MANAGER], team=team)


@pytest.fixture
def submitted(on_licence, practitioner, manager, aco):
    rec = _send(_draft_ready_to_send(on_licence, practitioner), practitioner)
    rec = _sign(_sign(rec, manager, "spo"), aco, "aco")
    return services.recommendation_submit(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )


@pytest.fixture
def authorised(submitted, ppcs):
    return services.ppcs_decide(rec_id=submitted.pk, actor=ppcs, outcome="authorised")


def _request_url(rec) -> str:
    return reverse("recall:ppcs_request", args=[rec.pk])


def _queued(team, practitioner, *, hours: int, emergency: bool = False, **person):
    """A submitted request made directly (the queue only reads rows)."""
    return RecallRecommendation.objects.create(
        person=factories.make_case(team, recalled=False, **person),
        created_by=practitioner,
        status=Status.SUBMITTED,
        submitted_at=timezone.now() - dt.timedelta(hours=hours),
        emergency=emergency,
    )


def _date(prefix: str, day: dt.date | None = None, *, raw: tuple[str, str, str] | None = None):
    d, m, y = raw or (str(day.day), str(day.month), str(day.year))  # type: ignore[union-attr]
    return {f"{prefix}-day": d, f"{prefix}-month": m, f"{prefix}-year": y}


# ---------------------------------------------------------------------------------------------
# The queue


def test_ppcs_sees_the_queue_and_the_nav_item(ppcs):
    response = client_for(ppcs).get(QUEUE)
    assert response.status_code == 200
    assert b"PPCS queue" in response.content


@pytest.mark.parametrize(
    "persona", ["practitioner", "manager", "senior_manager", "outsider", "no_role_user"]
)
def test_the_queue_is_refused_to_everyone_but_ppcs(request, persona):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(QUEUE)
    assert response.status_code == 403
    assert b"PPCS queue" not in client_for(user).get(reverse("caseload")).content


def test_the_queue_sends_an_anonymous_visitor_to_sign_in(client, db):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_the_queue_lists_submitted_requests_oldest_first_with_the_24_hour_warning(
    team, practitioner, ppcs
):
    _queued(team, practitioner, hours=2, first_name="Newer", last_name="Case")
    _queued(team, practitioner, hours=30, first_name="Older", last_name="Case", emergency=True)
    draft = _queued(team, practitioner, hours=50, first_name="Draft", last_name="Case")
    draft.status = Status.DRAFT
    draft.save()
    html = client_for(ppcs).get(QUEUE).content.decode()
    assert html.index("Older Case") < html.index("Newer Case")
    assert "Draft Case" not in html
    assert "30 hours ago" in html and "Over 24 hours" in html
    assert "Emergency" in html and team.pdu.region.name in html


def test_the_queue_filters_by_region_emergency_assignee_and_searches(
    team, other_pdu_team, practitioner, ppcs
):
    leeds = _queued(team, practitioner, hours=5, first_name="Leeds", last_name="Person")
    _queued(other_pdu_team, practitioner, hours=6, first_name="Wake", last_name="Field")
    _queued(team, practitioner, hours=7, first_name="Urgent", last_name="One", emergency=True)
    services.ppcs_assign(rec_id=leeds.pk, actor=ppcs)
    client = client_for(ppcs)

    def names(query: str) -> set[str]:
        html = client.get(QUEUE + query).content.decode()
        return {n for n in ("Leeds Person", "Wake Field", "Urgent One") if n in html}

    assert names("") == {"Leeds Person", "Wake Field", "Urgent One"}
    assert names(f"?region={other_pdu_team.pdu.region.code}") == {"Wake Field"}
    assert names("?emergency=1") == {"Urgent One"}
    assert names("?mine=1") == {"Leeds Person"}
    assert names("?q=wake") == {"Wake Field"}
    assert names(f"?q={leeds.person.crn}") == {"Leeds Person"}


def test_the_queue_views_show_later_stages(team, practitioner, ppcs, authorised):
    client = client_for(ppcs)
    assert "Lee Hart" not in client.get(QUEUE).content.decode()
    assert "Lee Hart" in client.get(QUEUE + "?view=at_large").content.decode()
    recall = Recall.objects.get(pk=authorised.recall_id)
    services.recall_record_return_to_custody(
        recall_id=recall.pk, actor=ppcs, returned_on=timezone.localdate(), prison="HMP Leeds"
    )
    html = client.get(QUEUE + "?view=report_due").content.decode()
    assert "Lee Hart" in html and "On track" in html


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_queue_keeps_a_fixed_number_of_queries_whatever_its_length(team, practitioner, ppcs):
    client = client_for(ppcs)
    for n in range(3):
        _queued(team, practitioner, hours=n)
    small = _queries(client, QUEUE)
    for n in range(40):
        _queued(team, practitioner, hours=n, emergency=n % 2 == 0)
    large = _queries(client, QUEUE)
    assert small == large
    assert _queries(client, QUEUE + "?page=2&emergency=1") <= large


# ---------------------------------------------------------------------------------------------
# The request page


def test_ppcs_reads_the_whole_request_with_findings_and_signatures(submitted, ppcs):
    response = client_for(ppcs).get(_request_url(submitted))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Causal link" in html and submitted.causal_link[:20] in html
    assert 'id="signature-spo"' in html and 'id="signature-aco"' in html
    assert "Checks and justifications" in html
    assert "Take this request" in html and "Record the decision" in html


@pytest.mark.parametrize("persona", ["practitioner", "manager", "outsider", "no_role_user"])
def test_the_request_page_is_refused_to_everyone_but_ppcs(request, submitted, persona):
    response = client_for(request.getfixturevalue(persona)).get(_request_url(submitted))
    assert response.status_code == 403


def test_a_draft_is_not_a_request_ppcs_can_open(on_licence, practitioner, ppcs):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    assert client_for(ppcs).get(_request_url(rec)).status_code == 404


def test_taking_a_request_assigns_it(submitted, ppcs):
    response = client_for(ppcs).post(reverse("recall:ppcs_take", args=[submitted.pk]))
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.assigned_to == ppcs
    assert (
        escape(ppcs.display_name) in client_for(ppcs).get(_request_url(submitted)).content.decode()
    )


def test_authorising_shows_the_person_recalled_not_yet_in_custody(
    submitted, ppcs, practitioner, on_licence
):
    response = client_for(ppcs).post(
        reverse("recall:ppcs_decide", args=[submitted.pk]),
        {"outcome": "authorised", "confirmed": "yes"},  # confirmed on the confirm page
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.AUTHORISED and submitted.recall_id
    tab = client_for(practitioner).get(reverse("recall:person_recall", args=[on_licence.crn]))
    assert "Recalled, not yet in custody" in tab.content.decode()
    overview = client_for(practitioner).get(reverse("person_overview", args=[on_licence.crn]))
    assert "Recalled, not yet in custody" in overview.content.decode()
    page = client_for(ppcs).get(_request_url(submitted)).content.decode()
    assert "Recalled, not yet in custody" in page and "Record the return to custody" in page


def test_rejecting_without_a_reason_shows_the_service_message_and_changes_nothing(submitted, ppcs):
    response = client_for(ppcs).post(
        reverse("recall:ppcs_decide", args=[submitted.pk]),
        {"outcome": "rejected", "reject_reason": " "},
    )
    assert response.status_code == 200
    assert "Give the reason for rejecting the request." in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED and not PpcsDecision.objects.exists()


def test_a_decision_without_an_outcome_is_an_error(submitted, ppcs):
    response = client_for(ppcs).post(reverse("recall:ppcs_decide", args=[submitted.pk]), {})
    assert "Select your decision" in response.content.decode()
    assert not PpcsDecision.objects.exists()


def test_a_second_decision_is_refused_with_the_service_message(submitted, ppcs):
    other = factories.UserFactory(username="ppcs2", roles=[case_vocab.Role.PPCS], team=None)
    services.ppcs_decide(rec_id=submitted.pk, actor=other, outcome="authorised")
    response = client_for(ppcs).post(
        reverse("recall:ppcs_decide", args=[submitted.pk]),
        {"outcome": "rejected", "reject_reason": "No."},
    )
    assert response.status_code == 200
    assert "You cannot decide it" in response.content.decode()
    assert PpcsDecision.objects.count() == 1


def test_more_information_reaches_the_practitioner_who_resubmits(
    submitted, ppcs, practitioner, on_licence
):
    client_for(ppcs).post(
        reverse("recall:ppcs_decide", args=[submitted.pk]),
        {"outcome": "info_requested", "info_reason": "Send the police log."},
    )
    submitted.refresh_from_db()
    assert submitted.status == Status.INFO_REQUESTED
    client = client_for(practitioner)
    tab = client.get(reverse("recall:person_recall", args=[on_licence.crn])).content.decode()
    assert "PPCS asked for more information" in tab and "Send the police log." in tab
    url = reverse("recall:resubmit", args=[submitted.pk])
    empty = client.post(url, {"version": submitted.version, "further_information": ""})
    assert "Enter the further information PPCS asked for" in empty.content.decode()
    response = client.post(
        url, {"version": submitted.version, "further_information": "Police log CAD 1234."}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert submitted.further_information == "Police log CAD 1234."
    page = client_for(ppcs).get(_request_url(submitted)).content.decode()
    assert "Police log CAD 1234." in page and "Send the police log." in page


# ---------------------------------------------------------------------------------------------
# Return to custody, the report deadline, stopping a recall


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("future", "must be today or in the past"),
        ("before", "cannot be before the recall"),
        ("31feb", "must be a real date"),
        ("partial", "must include a month"),
    ],
)
def test_an_invalid_return_to_custody_date_is_explained_and_nothing_changes(
    authorised, ppcs, when, message
):
    today = timezone.localdate()
    data = {
        "future": _date("returned_on", today + dt.timedelta(days=1)),
        "before": _date("returned_on", today - dt.timedelta(days=1)),
        "31feb": _date("returned_on", raw=("31", "2", str(today.year))),
        "partial": _date("returned_on", raw=("3", "", str(today.year))),
    }[when]
    response = client_for(ppcs).post(
        reverse("recall:record_rtc", args=[authorised.pk]), {**data, "prison": "HMP Leeds"}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Recall.objects.get(pk=authorised.recall_id).returned_to_custody is None


def test_recording_the_return_to_custody_shows_the_report_due_date_and_badge(
    authorised, ppcs, practitioner, on_licence
):
    today = timezone.localdate()
    response = client_for(ppcs).post(
        reverse("recall:record_rtc", args=[authorised.pk]),
        {**_date("returned_on", today), "prison": "HMP Leeds"},
    )
    assert response.status_code == 302
    recall = Recall.objects.get(pk=authorised.recall_id)
    assert recall.returned_to_custody == today and recall.custody_prison == "HMP Leeds"
    due = deadlines.report_due_date(today, deadlines.DEFAULT_CALENDAR)
    status = deadlines.deadline_status(due, today, None, deadlines.DEFAULT_CALENDAR)
    for html in (
        client_for(ppcs).get(_request_url(authorised)).content.decode(),
        client_for(practitioner)
        .get(reverse("recall:person_recall", args=[on_licence.crn]))
        .content.decode(),
    ):
        assert f"Report due {due:%A} {due.day} {due:%B %Y}" in html
        assert status.label in html and "On track" in html
        assert "In custody on recall" in html
    overview = client_for(practitioner).get(reverse("person_overview", args=[on_licence.crn]))
    assert 'id="header-deadline"' in overview.content.decode()
    assert status.label in overview.content.decode()


def test_the_practitioner_records_the_return_to_custody_and_the_dossier_served(
    authorised, practitioner, on_licence
):
    today = timezone.localdate()
    client = client_for(practitioner)
    tab = client.get(reverse("recall:person_recall", args=[on_licence.crn])).content.decode()
    assert "Record the return to custody" in tab
    client.post(
        reverse("recall:record_rtc", args=[authorised.pk]),
        {**_date("returned_on", today), "prison": "HMP Armley"},
    )
    response = client.post(
        reverse("recall:record_progress", args=[authorised.pk]),
        {**_date("dossier_served_on", today), **_date("report_submitted_on", today)},
    )
    assert response.status_code == 302
    recall = Recall.objects.get(pk=authorised.recall_id)
    # A typed report date is ignored: submitting the report records it (recall.report).
    assert recall.dossier_served_on == today and recall.report_submitted_on is None
    tab = client.get(reverse("recall:person_recall", args=[on_licence.crn])).content.decode()
    assert "Record the dossier served" not in tab and 'id="report-link"' in tab


def test_progress_before_the_return_to_custody_is_refused(authorised, ppcs):
    today = timezone.localdate()
    response = client_for(ppcs).post(
        reverse("recall:record_progress", args=[authorised.pk]),
        _date("dossier_served_on", today),
    )
    assert "Record the return to custody first." in response.content.decode()
    assert Recall.objects.get(pk=authorised.recall_id).dossier_served_on is None


def test_stopping_a_recall_before_custody_needs_a_reason(authorised, ppcs):
    url = reverse("recall:ppcs_stop", args=[authorised.pk])
    client = client_for(ppcs)
    response = client.post(url, {"reason": ""})
    assert "Enter why the recall is being stopped or rescinded" in response.content.decode()
    assert Recall.objects.filter(pk=authorised.recall_id).exists()
    response = client.post(url, {"reason": "Allegation withdrawn by the police."})
    assert response.status_code == 302
    authorised.refresh_from_db()
    assert authorised.status == Status.RESCINDED and authorised.recall_id is None


def test_rescinding_after_custody_needs_the_re_release_date(authorised, ppcs, on_licence):
    today = timezone.localdate()
    services.recall_record_return_to_custody(
        recall_id=authorised.recall_id, actor=ppcs, returned_on=today, prison="HMP Leeds"
    )
    url = reverse("recall:ppcs_stop", args=[authorised.pk])
    client = client_for(ppcs)
    response = client.post(url, {"reason": "Recall was wrong."})
    assert "give the date they were re-released" in response.content.decode()
    authorised.refresh_from_db()
    assert authorised.status == Status.AUTHORISED
    response = client.post(url, {"reason": "Recall was wrong.", **_date("released_on", today)})
    assert response.status_code == 302
    authorised.refresh_from_db()
    assert authorised.status == Status.RESCINDED
    assert on_licence.releases.filter(date=today).exists()


def test_the_caseload_shows_the_report_deadline_badge_once_in_custody(
    submitted, ppcs, practitioner
):
    rec = services.ppcs_decide(rec_id=submitted.pk, actor=ppcs, outcome="authorised")
    client = client_for(practitioner)
    assert 'id="deadline-' not in client.get(reverse("caseload")).content.decode()
    today = timezone.localdate()
    services.recall_record_return_to_custody(
        recall_id=rec.recall_id, actor=ppcs, returned_on=today, prison="HMP Leeds"
    )
    body = client.get(reverse("caseload")).content.decode()
    assert f'id="deadline-{submitted.person.crn}"' in body
    due = deadlines.report_due_date(today, deadlines.DEFAULT_CALENDAR)
    status = deadlines.deadline_status(due, today, None, deadlines.DEFAULT_CALENDAR)
    assert status.label in body
