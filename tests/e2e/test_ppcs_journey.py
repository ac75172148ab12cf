"""PPCS in a real browser: authorise a submitted request, record the return to custody, see the
report due date, and have a real Celery worker build the dossier that is then downloaded.
axe checks every page on the way."""

from __future__ import annotations

import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from ippcase import vocab
from recall import deadlines, services
from tests import factories
from tests.test_celery import celery_worker_process  # noqa: F401  (fixture: the real worker)
from tests.test_recall_services import _draft_ready_to_send, _send, _sign

PASSWORD = "correct-horse-battery-staple"


def _submitted_request():
    team = factories.TeamFactory(code="leeds-n", name="Leeds North", pdu__code="leeds")
    practitioner = factories.UserFactory(username="com", team=team, roles=[vocab.Role.PRACTITIONER])
    spo = factories.UserFactory(username="spo", team=team, roles=[vocab.Role.MANAGER])
    aco = factories.UserFactory(username="aco", team=team, roles=[vocab.Role.SENIOR_MANAGER])
    factories.UserFactory(username="ppcs", team=None, roles=[vocab.Role.PPCS])
    person = factories.make_case(team, recalled=False, first_name="Dean", last_name="Marsh")
    rec = _send(_draft_ready_to_send(person, practitioner), practitioner)
    rec = _sign(_sign(rec, spo, "spo"), aco, "aco")
    return services.recommendation_submit(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )


@pytest.mark.e2e
def test_ppcs_authorises_records_custody_and_downloads_the_dossier(
    page: Page,
    assert_accessible,
    screenshot,
    celery_worker_process,  # noqa: F811
):
    rec = _submitted_request()
    crn = rec.person.crn
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("ppcs")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="PPCS queue").click()
    expect(page.get_by_role("link", name=re.compile("Dean Marsh"))).to_be_visible()
    assert_accessible(page, "the PPCS queue")
    screenshot(page, "queue")
    page.get_by_role("link", name=re.compile("Dean Marsh")).click()

    page.get_by_role("button", name="Take this request").click()
    expect(page.locator("#assigned-to")).to_have_text("You have taken this request")
    expect(page.get_by_role("button", name="Take this request")).to_have_count(0)
    # Choosing "Reject" reveals its reason box (GOV.UK conditional reveal); axe on both states.
    expect(page.get_by_label("Why is the request rejected?")).to_be_hidden()
    page.get_by_label("Reject the request").check()
    expect(page.get_by_label("Why is the request rejected?")).to_be_visible()
    assert_accessible(page, "the request page with a reason revealed")
    page.get_by_label("Authorise the recall").check()
    expect(page.get_by_label("Why is the request rejected?")).to_be_hidden()
    assert_accessible(page, "the request page")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#revoke-warning")).to_contain_text("You are about to revoke the licence")
    assert_accessible(page, "the confirm-authorise page")
    page.get_by_role("button", name="Revoke the licence and authorise the recall").click()
    expect(page.locator("#rec-status")).to_have_text("Recall authorised")

    today = timezone.localdate()
    page.locator("#returned_on-day").fill(str(today.day))
    page.locator("#returned_on-month").fill(str(today.month))
    page.locator("#returned_on-year").fill(str(today.year))
    page.get_by_label("Prison returned to").fill("HMP Leeds")
    page.get_by_role("button", name="Record the return to custody").click()
    due = deadlines.report_due_date(today, deadlines.DEFAULT_CALENDAR)
    expect(page.get_by_text(f"{due.day} {due:%B %Y}").first).to_be_visible()
    assert_accessible(page, "the request page after the return to custody")
    screenshot(page, "due-date")

    page.get_by_role("link", name=re.compile("Recall dossier and letters")).click()
    page.get_by_label("Recall dossier (PPCS and Parole Board)").check()
    page.get_by_role("button", name="Make the document").click()
    # The real worker builds it; HTMX polling shows it ready without a reload.
    download_link = page.get_by_role("link", name=re.compile("^Download"))
    expect(download_link).to_be_visible(timeout=90_000)
    assert_accessible(page, "the dossier page")
    screenshot(page, "dossier-ready")
    with page.expect_download() as info:
        download_link.click()
    pdf = PdfReader(io.BytesIO(info.value.path().read_bytes()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert crn in text and "Dean Marsh" in text and "OFFICIAL-SENSITIVE" in text
