"""The QA report in a real browser (issue 19): a senior manager opens a sample, follows the link
to its report, axe finds no accessibility violations, and the downloaded PDF reads back the
counts; the trend across samples is reachable and accessible too."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from ippcase import vocab as case_vocab
from ippcase.quality import vocab
from ippcase.quality.models import QaReview
from tests import factories, quality_data
from tests.quality_data import TODAY, recall_decision, staff

PASSWORD = "correct-horse-battery-staple"


def _sample(team, drawer):
    people = staff(team)
    for day in range(1, 5):
        recall_decision(team, people, recalled_on=TODAY - dt.timedelta(days=day))
    sample = quality_data.draw(drawer, f"pdu:{team.pdu_id}", name="Leeds, last quarter", size=4)
    reviewer = factories.UserFactory(roles=[case_vocab.Role.QA_LEAD], team=team)
    judgements = [vocab.Judgement.PROPORTIONATE, vocab.Judgement.PROPORTIONATE]
    judgements.append(vocab.Judgement.AVOIDABLE)
    for item, judgement in zip(sample.items.order_by("position"), judgements, strict=False):
        avoidable = judgement == vocab.Judgement.AVOIDABLE
        QaReview.objects.create(
            item=item,
            reviewer=reviewer,
            judgement=judgement,
            avoidable_reasons=["stale_allegation"] if avoidable else [],
            override_verdicts={"NO_PROGRESSION_PANEL": "wrong"} if avoidable else {},
            status=vocab.ReviewStatus.PUBLISHED,
            published_at=timezone.now(),
            legal_test="yes",
        )
    return sample


@pytest.mark.e2e
def test_senior_manager_reads_and_downloads_the_qa_report(page: Page, assert_accessible, docs_shot):
    team = factories.TeamFactory(code="leeds-n", name="Leeds North", pdu__code="leeds")
    senior = factories.UserFactory(
        username="aco", team=team, roles=[case_vocab.Role.SENIOR_MANAGER]
    )
    _sample(team, senior)
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("aco")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto("/quality/samples/")
    page.get_by_role("link", name="Leeds, last quarter", exact=True).click()
    page.get_by_role("link", name="Read the report on this sample").click()
    expect(page.get_by_role("heading", name="Leeds, last quarter", level=1)).to_be_visible()
    expect(page.locator("#reviewed")).to_have_text("Reviewed: 3 of 4")
    assert_accessible(page, "the QA report")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the report (PDF)").click()
    reader = PdfReader(io.BytesIO(info.value.path().read_bytes()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "Reviewed: 3 of 4" in text
    assert "Proportionate 2 67%" in lines
    assert "Could have been avoided 1 33%" in lines

    page.get_by_role("link", name="The trend across samples").click()
    expect(page.get_by_role("heading", name="Trend across samples", level=1)).to_be_visible()
    expect(page.locator("#trend")).to_contain_text("3 of 4")
    expect(page.locator("#trend-figure svg")).to_be_visible()
    assert_accessible(page, "the QA trend")
    docs_shot(page, "qa-trend.png")
