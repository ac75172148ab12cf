"""Issue 19 in a real browser. A practitioner records an IPP progression panel with two actions on
a case; the recommendation's panel section shows it and the NO_PROGRESSION_PANEL finding goes. A
QA lead draws a sample of 10 decisions, reviews two and publishes them; the practitioner who made
one of them reads the review on the case; the QA report's PDF reads back the counts. axe checks
every page on the way, and none of them scrolls sideways at 320 pixels."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from ippcase import vocab
from ippcase.models import User
from ippcase.quality.models import QaItem
from tests import factories, quality_data
from tests.e2e.steps import PASSWORD, assert_no_sideways_scroll, fill_date, open_section, sign_in

TODAY = timezone.localdate()


def _world() -> tuple[object, object]:
    team = factories.TeamFactory(code="e2e-qa", name="Leeds North", pdu__code="leeds")
    other = factories.TeamFactory(code="e2e-qa-2", name="Leeds South", pdu=team.pdu)
    for username, role, where in (
        ("pat.practitioner", vocab.Role.PRACTITIONER, team),
        ("sam.spo", vocab.Role.MANAGER, team),
        ("quinn.qa", vocab.Role.QA_LEAD, other),
    ):
        first, last = username.split(".")
        factories.UserFactory(
            username=username,
            password=PASSWORD,
            team=where,
            roles=[role],
            first_name=first.title(),
            last_name=last.title(),
        )
    person = factories.make_case(team, recalled=False, first_name="Samuel", last_name="Whitlock")
    # Ten decisions of the last three months, made by Pat and countersigned by Sam: six recalls
    # and four decisions not to recall. A sample of 10 takes them all, in the seed's order.
    staff = quality_data.staff(team)
    staff["author"] = User.objects.get(username="pat.practitioner")
    staff["spo"] = User.objects.get(username="sam.spo")
    for n in range(6):
        quality_data.recall_decision(team, staff, recalled_on=TODAY - dt.timedelta(days=10 + n))
    for n in range(4):
        quality_data.not_recalled_decision(team, staff, decided_on=TODAY - dt.timedelta(days=5 + n))
    return team, person


def _check(page: Page, assert_accessible, name: str) -> None:
    assert_accessible(page, name)
    assert_no_sideways_scroll(page)


def _review(page: Page, check, position: int, *, avoidable: bool) -> None:
    page.get_by_role("link", name=re.compile(rf"^Review decision {position}$")).click()
    expect(page.locator("#decision")).to_be_visible()
    check(page, f"the review of decision {position}")
    for radio in page.locator("input[type=radio][value=yes]").all():
        radio.check()
    if avoidable:
        page.get_by_label("Could have been avoided").check()
        page.get_by_label("Other agencies not heard").check()
        reasons = "Police and housing were not heard before the recall."
    else:
        page.get_by_label("Proportionate", exact=True).check()
        reasons = "Risk evidenced and current; alternatives tried first."
    page.get_by_label("Reasons for the judgement").fill(reasons)
    page.get_by_label(re.compile(r"^I have checked my answers")).check()
    page.get_by_role("button", name="Publish the review").click()
    expect(page.locator("#review-status")).to_contain_text("Published")
    check(page, f"the published review of decision {position}")
    page.get_by_role("link", name="Back to the sample").click()


def _pdf_text(page: Page, link) -> str:
    with page.expect_download() as info:
        link.click()
    reader = PdfReader(io.BytesIO(info.value.path().read_bytes()))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


@pytest.mark.e2e
def test_panel_with_actions_then_a_qa_sample_reviewed_published_and_reported(
    page, assert_accessible, screenshot, docs_shot
):
    def check(p: Page, name: str) -> None:
        _check(p, assert_accessible, name)

    team, person = _world()

    # The practitioner starts a recommendation: no panel on record, so the rules say so.
    sign_in(page, "pat.practitioner")
    page.goto(f"/cases/{person.crn}/")
    page.get_by_role("link", name="Recall", exact=True).click()
    page.get_by_role("button", name="Start a recall recommendation").click()
    expect(page).to_have_url(re.compile(r"/recall/recommendations/\d+/$"))
    rec_url = page.url
    open_section(page, "Progression panel")
    expect(page.locator("#finding-NO_PROGRESSION_PANEL")).to_be_visible()
    check(page, "the panel section with no panel")

    # A progression panel held last week, with two actions.
    page.goto(f"/cases/{person.crn}/")
    page.get_by_role("link", name="Meetings and panels").click()
    check(page, "the meetings tab, empty")
    page.locator("#record-meeting").click()
    held = TODAY - dt.timedelta(days=7)
    fill_date(page, "held_on", held)
    page.get_by_label("IPP progression panel").check()
    page.get_by_label("Who chaired the meeting?").fill("Jo Bloggs, SPO")
    page.get_by_label("Police", exact=True).check()
    page.get_by_label("Housing", exact=True).check()
    page.get_by_label("What was discussed").fill("Drinking again; the tenancy is at risk.")
    check(page, "the record-a-meeting form")
    page.get_by_role("button", name="Record the meeting").click()
    expect(page.locator("#meeting-summary")).to_contain_text("Jo Bloggs, SPO")
    check(page, "the meeting page")
    for description, agency in (
        ("Refer to the alcohol service", False),
        ("Check the tenancy with the landlord", True),
    ):
        details = page.locator("#add-action")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        page.get_by_label("Action", exact=True).fill(description)
        if agency:
            page.get_by_label("Someone in another agency").check()
            page.get_by_label("Their name and agency").fill("Lee Park, Leeds Housing")
        else:
            page.get_by_label("A member of staff").check()
            page.get_by_label("Member of staff", exact=True).select_option(label="Pat Practitioner")
        fill_date(page, "due_on", TODAY + dt.timedelta(days=14))
        page.get_by_role("button", name="Add the action").click()
        expect(page.locator("#action-table")).to_contain_text(description)
    expect(page.locator("#action-table tbody tr")).to_have_count(2)
    check(page, "the meeting page with two actions")
    screenshot(page, "meeting-with-actions")
    docs_shot(page, "meeting.png", full_page=True)

    # The other agency's owner was misspelt: the action is corrected, with a reason; then the
    # meeting's chair. The case history keeps both (tests/test_meeting_corrections.py).
    page.get_by_role("link", name=re.compile("^Correct the action: Check the tenancy")).click()
    page.get_by_label("Their name and agency").fill("Lee Parks, Leeds Housing")
    page.get_by_role("button", name="Save the correction").click()
    expect(page).to_have_title(re.compile("^Error: "))
    check(page, "the action correction with an error")
    page.get_by_label("Why are you correcting this action?").fill("Misspelt at the panel.")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.locator("#action-table")).to_contain_text("Lee Parks, Leeds Housing")
    page.get_by_role("link", name=re.compile("^Correct this meeting")).click()
    check(page, "the meeting correction")
    page.get_by_label("Who chaired the meeting?").fill("Jo Bloggs, SPO (Leeds North)")
    page.get_by_label("Why are you correcting this meeting?").fill("The chair's team was missing.")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.locator("#meeting-summary")).to_contain_text("Jo Bloggs, SPO (Leeds North)")

    # The recommendation reads the record: the section shows it and the finding is gone.
    page.goto(rec_url)
    expect(page.locator("main")).to_contain_text("IPP progression panel")
    open_section(page, "Progression panel")
    expect(page.locator("main")).to_contain_text(f"{held:%-d %B %Y}")
    expect(page.locator("#finding-NO_PROGRESSION_PANEL")).to_have_count(0)
    check(page, "the panel section with a panel")

    # The QA lead draws a sample of 10 from the region and reviews two decisions.
    sign_in(page, "quinn.qa")
    expect(page.get_by_role("heading", name="Quality assurance samples")).to_be_visible()
    check(page, "the samples page")
    page.get_by_role("button", name="Draw a new sample").click()
    page.get_by_label("Name of the sample").fill("Leeds decisions, last quarter")
    fill_date(page, "period_start", TODAY - dt.timedelta(days=90))
    fill_date(page, "period_end", TODAY)
    page.get_by_label("Team, PDU or region").select_option(label=f"PDU: {team.pdu.name}")
    page.get_by_label("Number of decisions to sample").fill("10")
    check(page, "the draw-a-sample form")
    page.get_by_role("button", name="Draw the sample").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("10 decisions")
    check(page, "the sample page")
    screenshot(page, "qa-sample")
    _review(page, check, 1, avoidable=False)
    _review(page, check, 2, avoidable=True)

    # The QA report: on screen and as a PDF, 2 of 10 reviewed, one of each judgement.
    page.get_by_role("link", name="Read the report on this sample").click()
    expect(page.locator("#reviewed")).to_have_text("Reviewed: 2 of 10")
    check(page, "the QA report")
    screenshot(page, "qa-report")
    text = _pdf_text(page, page.get_by_role("link", name="Download the report (PDF)"))
    assert "Leeds decisions, last quarter" in text
    assert "Reviewed: 2 of 10" in text
    assert "Proportionate 1 50%" in text, text
    assert "Could have been avoided 1 50%" in text, text
    assert "Other agencies not heard" in text, text

    # Pat made the avoidable decision and reads the review on its case.
    avoidable = QaItem.objects.get(sample__name="Leeds decisions, last quarter", position=2)
    sign_in(page, "pat.practitioner")
    page.goto(f"/cases/{avoidable.recommendation.person.crn}/")
    page.get_by_role("link", name="Quality reviews").click()
    expect(page.locator("main")).to_contain_text("Could have been avoided")
    expect(page.locator("main")).to_contain_text("Police and housing were not heard")
    check(page, "the case's quality reviews")
