"""The parole report in a real browser: a manager signs in, opens the report from the service
navigation, filters by dates (and mistypes one), and axe finds no accessibility violations on the
charts, tables and error summary."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from ippcase import vocab
from parole.models import Adjournment, ParoleReview, RiskAssessedRecallReview, TerminationReferral
from tests import factories

PASSWORD = "correct-horse-battery-staple"


def _figures(team) -> None:
    person = factories.PersonFactory(team=team)
    rtc = dt.date(2022, 1, 1)
    paper = factories.make_recall(
        person, recall_date=rtc, returned=rtc, re_released=dt.date(2022, 7, 1)
    )
    review = ParoleReview.objects.create(
        recall=paper,
        kind="paper",
        referred_on=dt.date(2022, 2, 1),
        decided_on=dt.date(2022, 6, 1),
        outcome="release",
    )
    Adjournment.objects.create(review=review, date=dt.date(2022, 4, 1), reason="Late dossier")
    rarr = factories.make_recall(
        person,
        recall_date=dt.date(2023, 1, 1),
        returned=dt.date(2023, 1, 2),
        re_released=dt.date(2023, 2, 1),
    )
    RiskAssessedRecallReview.objects.create(
        recall=rarr, decided_on=dt.date(2023, 1, 25), outcome="release"
    )
    oral = factories.make_recall(person, recall_date=dt.date(2020, 1, 1))
    ParoleReview.objects.create(
        recall=oral,
        kind="oral",
        referred_on=dt.date(2020, 2, 1),
        decided_on=dt.date(2020, 9, 1),
        outcome="no_release",
    )
    TerminationReferral.objects.create(
        person=person,
        referred_on=dt.date(2022, 5, 1),
        decided_on=dt.date(2022, 8, 1),
        outcome="terminated",
    )


@pytest.mark.e2e
def test_manager_reads_the_parole_report(page: Page, assert_accessible, screenshot):
    team = factories.TeamFactory(code="leeds-n", name="Leeds North", pdu__code="leeds")
    factories.UserFactory(username="spo", team=team, roles=[vocab.Role.MANAGER])
    _figures(team)
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("spo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Parole report").click()
    expect(page.get_by_role("heading", name="Parole report", level=1)).to_be_visible()
    expect(
        page.get_by_role("img", name="Paper decisions by financial year: bar chart")
    ).to_be_visible()
    assert page.locator("svg[role=img]").count() == 5
    assert_accessible(page, "the parole report")
    screenshot(page, "report")

    page.get_by_label("Day").first.fill("31")
    page.get_by_label("Month").first.fill("2")
    page.get_by_label("Year").first.fill("2023")
    page.get_by_role("button", name="Show figures").click()
    expect(page.get_by_role("alert")).to_contain_text("The start date must be a real date")
    assert_accessible(page, "the parole report with a date error")

    page.get_by_label("Day").first.fill("1")
    page.get_by_label("Month").first.fill("4")
    page.get_by_label("Year").first.fill("2022")
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator("#report-period")).to_contain_text("from 1 April 2022")
    expect(page.get_by_text("No oral hearing decisions in this period.")).to_be_visible()
    assert_accessible(page, "the parole report for a period")
