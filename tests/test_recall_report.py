"""The recall report (Part B; issue 15): started after the return to custody on an authorised
recall, written in sections (stale pages refused), sent to the SPOs, countersigned or returned,
submitted (which records the report date the deadline badge reads, asks why when late, and
queues the Part B PDF), served on the person; the Part B in the dossier; pages and queries."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ippcase import vocab as case_vocab
from ippcase.models import Notification, Recall
from recall import dossiers, entries, reminders, services
from recall.models import Dossier, RecallRecommendation, RecallReport
from recall.report import services as report_services
from recall.vocab import DossierKind as Kind
from recall.vocab import ReportStatus
from tests import factories
from tests.conftest import client_for
from tests.test_recall_services import _draft_ready_to_send, _send, _sign

TODAY = timezone.localdate()
ANSWERS = {
    "account": {
        "persons_account": "He says he drank after his father died and went to her street.",
        "response_to_recall": "Angry at first; now engaging with the prison drug team.",
    },
    "risk": {"rosh_level": "high", "risk_assessment": "High to a known adult when drinking."},
    "plan": {"risk_management_plan": "Approved premises, alcohol treatment, MAPPA level 2."},
    "recommendation": {
        "parole_recommendation": "re_release_new_conditions",
        "parole_recommendation_reasons": "Risk manageable with an exclusion zone.",
        "rarr_suitability": "not_suitable",
        "rarr_reasons": "Needs the Parole Board to test the plan at a hearing.",
    },
    "conditions": {"proposed_conditions": "Exclusion zone around the victim's street."},
}


@pytest.fixture
def on_licence(team):
    return factories.make_case(
        team, recalled=False, released=factories.recently_released(), first_name="Lee"
    )


@pytest.fixture
def aco(team):
    return factories.UserFactory(username="aco", roles=[case_vocab.Role.SENIOR_MANAGER], team=team)


@pytest.fixture
def authorised(on_licence, practitioner, manager, aco, ppcs):
    rec = _send(_draft_ready_to_send(on_licence, practitioner), practitioner)
    rec = _sign(_sign(rec, manager, "spo"), aco, "aco")
    rec = services.recommendation_submit(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )
    return services.ppcs_decide(rec_id=rec.pk, actor=ppcs, outcome="authorised")


@pytest.fixture
def in_custody(authorised, ppcs):
    services.recall_record_return_to_custody(
        recall_id=authorised.recall_id, actor=ppcs, returned_on=TODAY, prison="HMP Leeds"
    )
    return authorised


@pytest.fixture
def report(in_custody, practitioner):
    return report_services.report_start(rec_id=in_custody.pk, actor=practitioner)


def _write_all(report, actor):
    for slug, changes in ANSWERS.items():
        report = report_services.report_update(
            report_id=report.pk,
            actor=actor,
            expected_version=report.version,
            changes=changes,
            section=slug,
        )
    return report


def _sent(report, actor):
    report = _write_all(report, actor)
    return report_services.report_send(
        report_id=report.pk, actor=actor, expected_version=report.version
    )


def _countersigned(report, practitioner, manager):
    report = _sent(report, practitioner)
    return report_services.report_countersign(
        report_id=report.pk,
        actor=manager,
        expected_version=report.version,
        agree=True,
        comments="A clear, balanced report.",
    )


def _submit(report, actor, capture, **kwargs):
    with capture(execute=False):
        return report_services.report_submit(
            report_id=report.pk, actor=actor, expected_version=report.version, **kwargs
        )


def _url(name, rec, *args):
    return reverse(f"recall:{name}", args=[rec.pk, *args])


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# ---------------------------------------------------------------------------------------------
# Starting


def test_starting_prefills_rosh_from_the_case(report, on_licence, practitioner):
    assert report.status == ReportStatus.DRAFT and report.created_by == practitioner
    assert report.rosh_level == on_licence.rosh_level


def test_the_report_waits_for_the_return_to_custody(authorised, practitioner):
    with pytest.raises(services.IllegalTransition, match="after the return to custody"):
        report_services.report_start(rec_id=authorised.pk, actor=practitioner)
    assert not RecallReport.objects.exists()
    page = client_for(practitioner).get(_url("report", authorised)).content.decode()
    assert 'id="not-in-custody"' in page


def test_one_report_per_recall(report, in_custody, practitioner):
    with pytest.raises(services.IllegalTransition, match="already been started"):
        report_services.report_start(rec_id=in_custody.pk, actor=practitioner)
    assert RecallReport.objects.count() == 1


def test_no_report_without_an_authorised_recall(on_licence, practitioner):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    with pytest.raises(services.IllegalTransition, match="not authorised"):
        report_services.report_start(rec_id=rec.pk, actor=practitioner)
    assert client_for(practitioner).get(_url("report", rec)).status_code == 404


def test_only_the_practitioner_starts_the_report(in_custody, manager):
    with pytest.raises(services.NotAllowed):
        report_services.report_start(rec_id=in_custody.pk, actor=manager)
    assert not RecallReport.objects.exists()


# ---------------------------------------------------------------------------------------------
# Writing, sending, countersigning


def test_a_stale_section_page_is_refused_and_changes_nothing(report, practitioner):
    url = _url("report_section", report.recall.recommendation, "plan")
    client = client_for(practitioner)
    response = client.post(url, {"version": report.version + 5, "risk_management_plan": "New"})
    assert "Someone else changed this report" in response.content.decode()
    report.refresh_from_db()
    assert report.risk_management_plan == "" and report.sections_saved == []
    response = client.post(url, {"version": report.version, "risk_management_plan": "Plan A"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.risk_management_plan == "Plan A" and report.sections_saved == ["plan"]


def test_a_section_with_a_missing_answer_says_what_to_enter(report, practitioner):
    url = _url("report_section", report.recall.recommendation, "recommendation")
    response = client_for(practitioner).post(url, {"version": report.version})
    html = response.content.decode()
    assert "<title>Error: " in html
    assert "Select your recommendation to the Parole Board" in html
    report.refresh_from_db()
    assert report.version == 1


def test_the_conditions_section_shows_the_conditions_in_force(report, practitioner, on_licence):
    condition = on_licence.licence_conditions.get()
    url = _url("report_section", report.recall.recommendation, "conditions")
    html = client_for(practitioner).get(url).content.decode()
    assert 'id="conditions-in-force"' in html and condition.wording in html


def test_sending_needs_every_section(report, practitioner):
    with pytest.raises(services.RecallError, match="Complete every section"):
        report_services.report_send(
            report_id=report.pk, actor=practitioner, expected_version=report.version
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_sending_tells_the_spos_of_the_pdu(report, practitioner, manager):
    report = _sent(report, practitioner)
    assert report.status == ReportStatus.AWAITING_SPO
    sent = Notification.objects.filter(
        subject="A recall report is waiting for your countersignature"
    )
    assert [n.recipient for n in sent] == [manager]
    person = report.recall.release.person
    (note,) = sent
    for secret in (person.crn, person.first_name, person.last_name):
        assert secret not in note.subject + note.body  # the email: only that it is waiting
    assert person.crn in note.text
    rec = RecallRecommendation.objects.get(recall=report.recall)
    assert note.link == reverse("recall:report", args=[rec.pk])


def test_the_writer_never_countersigns(report, practitioner, manager):
    report = _sent(report, practitioner)
    with pytest.raises(services.NotAllowed, match="You wrote this report"):
        report_services.report_countersign(
            report_id=report.pk,
            actor=practitioner,
            expected_version=report.version,
            agree=True,
            comments="Fine.",
        )
    url = _url("report_countersign", report.recall.recommendation)
    assert client_for(practitioner).get(url).status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.AWAITING_SPO


def test_a_manager_of_another_pdu_cannot_countersign(report, practitioner, outsider):
    report = _sent(report, practitioner)
    outsider.roles = [case_vocab.Role.MANAGER]
    outsider.save()
    with pytest.raises(services.NotAllowed):
        report_services.report_countersign(
            report_id=report.pk,
            actor=outsider,
            expected_version=report.version,
            agree=True,
            comments="Fine.",
        )
    assert client_for(outsider).get(_url("report", report.recall.recommendation)).status_code == 404


def test_countersigning_a_draft_is_refused(report, manager):
    with pytest.raises(services.IllegalTransition, match="being written"):
        report_services.report_countersign(
            report_id=report.pk,
            actor=manager,
            expected_version=report.version,
            agree=True,
            comments="Fine.",
        )


def test_the_spo_returns_the_report_with_reasons(report, practitioner, manager):
    report = _sent(report, practitioner)
    url = _url("report_countersign", report.recall.recommendation)
    client = client_for(manager)
    response = client.post(url, {"version": report.version, "decision": "return"})
    assert "Enter your comments or why the report is going back" in response.content.decode()
    response = client.post(
        url,
        {"version": report.version, "decision": "return", "comments": "Say more on the plan."},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.returned_reason == "Say more on the plan."
    assert report.countersigned_by is None
    page = client_for(practitioner).get(_url("report", report.recall.recommendation)).content
    assert b"Say more on the plan." in page


def test_the_spo_countersigns_through_the_page(report, practitioner, manager):
    report = _sent(report, practitioner)
    response = client_for(manager).post(
        _url("report_countersign", report.recall.recommendation),
        {"version": report.version, "decision": "agree", "comments": "Agreed, well evidenced."},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.COUNTERSIGNED and report.countersigned_by == manager
    assert report.countersigned_version == report.version
    assert Notification.objects.filter(recipient=practitioner, subject__contains="countersigned")


# ---------------------------------------------------------------------------------------------
# Submitting


def test_submitting_records_the_date_and_queues_the_part_b(
    report, practitioner, manager, django_capture_on_commit_callbacks
):
    report = _countersigned(report, practitioner, manager)
    report = _submit(report, practitioner, django_capture_on_commit_callbacks)
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by == practitioner
    assert report.submitted_at is not None and report.delay_reason == ""
    recall = Recall.objects.get(pk=report.recall_id)
    assert recall.report_submitted_on == TODAY
    queued = Dossier.objects.get(kind=Kind.PART_B)
    assert queued.state == "queued" and queued.version == 1
    # The deadline badge reads the submitted date.
    status = reminders.recall_deadline(recall)
    assert status is not None and status.badge == "submitted"
    tab = client_for(practitioner).get(
        reverse("recall:person_recall", args=[recall.release.person.crn])
    )
    assert "Submitted on time" in tab.content.decode()


def test_submitting_before_countersignature_is_refused(report, practitioner):
    report = _sent(report, practitioner)
    with pytest.raises(services.IllegalTransition, match="awaiting SPO"):
        report_services.report_submit(
            report_id=report.pk, actor=practitioner, expected_version=report.version
        )
    assert Recall.objects.get(pk=report.recall_id).report_submitted_on is None
    assert not Dossier.objects.filter(kind=Kind.PART_B).exists()


def test_a_countersignature_of_an_earlier_version_does_not_count(report, practitioner, manager):
    report = _countersigned(report, practitioner, manager)
    RecallReport.objects.filter(pk=report.pk).update(version=report.version + 1)
    report.refresh_from_db()
    with pytest.raises(services.IllegalTransition, match="countersigned by a manager"):
        report_services.report_submit(
            report_id=report.pk, actor=practitioner, expected_version=report.version
        )
    assert Recall.objects.get(pk=report.recall_id).report_submitted_on is None


def test_a_stale_submit_page_is_refused(report, practitioner, manager):
    report = _countersigned(report, practitioner, manager)
    response = client_for(practitioner).post(
        _url("report_submit", report.recall.recommendation), {"version": report.version - 1}
    )
    assert "Someone else changed this report" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.COUNTERSIGNED


def _make_late(report) -> None:
    Recall.objects.filter(pk=report.recall_id).update(
        recall_date=TODAY - dt.timedelta(days=60), returned_to_custody=TODAY - dt.timedelta(days=40)
    )


def test_a_late_report_asks_why_and_the_pdf_says_it(
    report, practitioner, manager, django_capture_on_commit_callbacks
):
    _make_late(report)
    report = _countersigned(report, practitioner, manager)
    url = _url("report_submit", report.recall.recommendation)
    client = client_for(practitioner)
    page = client.get(url).content.decode()
    assert "Why is the report late?" in page
    response = client.post(url, {"version": report.version})
    assert "Enter why the report is late" in response.content.decode()
    with pytest.raises(services.RecallError, match="Write why the report is late"):
        report_services.report_submit(
            report_id=report.pk, actor=practitioner, expected_version=report.version
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.COUNTERSIGNED
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            url, {"version": report.version, "delay_reason": "The prison lost the visit booking."}
        )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.delay_reason == "The prison lost the visit booking."
    status = reminders.recall_deadline(Recall.objects.get(pk=report.recall_id))
    assert status is not None and status.badge == "submitted" and "late" in status.label
    dossier = Dossier.objects.get(kind=Kind.PART_B)
    assert dossiers.dossier_build(dossier.pk)
    dossier.refresh_from_db()
    text = pdf_text(bytes(dossier.pdf))
    assert "Why the report is late" in text and "The prison lost the visit booking." in text


def test_the_part_b_pdf_reads_back_every_answer(
    report, practitioner, manager, django_capture_on_commit_callbacks
):
    report = _submit(
        _countersigned(report, practitioner, manager),
        practitioner,
        django_capture_on_commit_callbacks,
    )
    dossier = Dossier.objects.get(kind=Kind.PART_B)
    assert dossiers.dossier_build(dossier.pk)
    dossier.refresh_from_db()
    assert dossiers.filename(dossier).startswith("recall-report-part-b-")
    text = " ".join(pdf_text(bytes(dossier.pdf)).split())
    for fact in (
        "Recall report (Part B)",
        "He says he drank after his father died",
        "Approved premises, alcohol treatment, MAPPA level 2.",
        "Re-release with new conditions",
        "Not suitable for a risk-assessed recall review",
        "Exclusion zone around the victim's street.",
        "A clear, balanced report.",
        manager.display_name,
    ):
        assert fact in text, fact
    # The PPCS page links to it once ready.
    ppcs_page = client_for(factories.UserFactory(roles=[case_vocab.Role.PPCS])).get(
        reverse("recall:ppcs_request", args=[report.recall.recommendation.pk])
    )
    assert 'id="part-b-pdf"' in ppcs_page.content.decode()


def test_the_dossier_includes_the_submitted_part_b(
    report, practitioner, manager, django_capture_on_commit_callbacks
):
    rec = report.recall.recommendation
    with django_capture_on_commit_callbacks(execute=False):
        before = dossiers.dossier_request(rec_id=rec.pk, kind=Kind.DOSSIER, actor=practitioner)
    assert dossiers.dossier_build(before.pk)
    before.refresh_from_db()
    assert "The recall report (Part B)" not in pdf_text(bytes(before.pdf))
    _submit(
        _countersigned(report, practitioner, manager),
        practitioner,
        django_capture_on_commit_callbacks,
    )
    with django_capture_on_commit_callbacks(execute=False):
        after = dossiers.dossier_request(rec_id=rec.pk, kind=Kind.DOSSIER, actor=practitioner)
    assert dossiers.dossier_build(after.pk)
    after.refresh_from_db()
    text = " ".join(pdf_text(bytes(after.pdf)).split())
    assert "12. The recall report (Part B)" in text
    assert "Risk manageable with an exclusion zone." in text


def test_the_part_b_is_refused_before_the_report_is_submitted(report, practitioner):
    rec = report.recall.recommendation
    with pytest.raises(services.IllegalTransition, match="until it is submitted"):
        dossiers.dossier_request(rec_id=rec.pk, kind=Kind.PART_B, actor=practitioner)
    assert Kind.PART_B not in dossiers.kinds_available(rec)


# ---------------------------------------------------------------------------------------------
# Served on the person


def test_the_served_date_only_once_submitted(
    report, practitioner, manager, django_capture_on_commit_callbacks
):
    rec = report.recall.recommendation
    client = client_for(practitioner)
    url = _url("report_served", rec)
    day = {"served_on-day": TODAY.day, "served_on-month": TODAY.month, "served_on-year": TODAY.year}
    response = client.post(url, day)
    assert "record that it was served" in response.content.decode()
    report.refresh_from_db()
    assert report.served_on is None
    _submit(
        _countersigned(report, practitioner, manager),
        practitioner,
        django_capture_on_commit_callbacks,
    )
    Recall.objects.filter(pk=report.recall_id).update(dossier_served_on=TODAY)
    page = client.get(url).content.decode()
    assert f"{TODAY.day} {TODAY:%B %Y}" in page  # the reasons for recall served
    assert client.post(url, day).status_code == 302
    report.refresh_from_db()
    assert report.served_on == TODAY
    with pytest.raises(services.IllegalTransition, match="already recorded"):
        report_services.report_record_served(
            report_id=report.pk, actor=practitioner, served_on=TODAY
        )


# ---------------------------------------------------------------------------------------------
# Pages: access, the recall tab, the query counts


def test_the_recall_tab_links_to_the_report_with_its_status(report, practitioner, on_licence):
    html = client_for(practitioner).get(reverse("recall:person_recall", args=[on_licence.crn]))
    body = html.content.decode()
    assert 'id="report-link"' in body and "Being written" in body
    assert _url("report", report.recall.recommendation) in body


@pytest.mark.parametrize("name", ["report", "report_countersign", "report_submit", "report_served"])
def test_an_outsider_gets_404(report, outsider, name):
    rec = report.recall.recommendation
    assert client_for(outsider).get(_url(name, rec)).status_code == 404
    posted = client_for(outsider).post(_url(name, rec), {"version": 1}).status_code
    assert posted == (405 if name == "report" else 404)


def test_the_progress_form_no_longer_takes_the_report_date(in_custody, practitioner):
    page = client_for(practitioner).get(
        reverse("recall:person_recall", args=[in_custody.person.crn])
    )
    assert "report_submitted_on" not in page.content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["report", "report_submit", "report_countersign"])
def test_report_pages_query_count_does_not_grow_with_the_case(
    report, practitioner, manager, on_licence, name
):
    report = _sent(report, practitioner)
    user = manager if name == "report_countersign" else practitioner
    url = _url(name, report.recall.recommendation)
    client = client_for(user)
    small = _queries(client, url)
    for n in range(12):
        factories.LicenceConditionFactory(person=on_licence, start_date=TODAY)
        entries.concern_add(
            person=on_licence,
            actor=practitioner,
            occurred_on=TODAY,
            description=f"Concern {n}",
            source="other",
            behaviours=["alcohol"],
        )
    assert _queries(client, url) == small
