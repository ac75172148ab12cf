"""PPCS in a real browser works a recall through the Parole Board: refer it on the papers, record
the paper decision directing an oral hearing, add an adjournment, record the release decision and
the re-release. axe checks every page on the way (an error summary included)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from ippcase import vocab
from parole.models import Adjournment, ParoleReview
from tests import factories

PASSWORD = "correct-horse-battery-staple"


def _fill_date(page: Page, prefix: str, day: dt.date) -> None:
    page.locator(f"#{prefix}-day").fill(str(day.day))
    page.locator(f"#{prefix}-month").fill(str(day.month))
    page.locator(f"#{prefix}-year").fill(str(day.year))


@pytest.mark.e2e
def test_ppcs_takes_a_recall_through_the_parole_board_to_re_release(
    page: Page, assert_accessible, screenshot
):
    today = timezone.localdate()
    team = factories.TeamFactory(code="e2e-parole", name="Leeds North", pdu__code="leeds")
    factories.UserFactory(username="ppcs", team=None, roles=[vocab.Role.PPCS])
    person = factories.make_case(team, recalled=False, first_name="Owen", last_name="Pryce")
    recall = factories.make_recall(
        person, recall_date=today - dt.timedelta(days=90), returned=today - dt.timedelta(days=89)
    )

    page.goto("/sign-in/")
    page.get_by_label("Username").fill("ppcs")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"/cases/{person.crn}/")
    page.get_by_role("link", name="Parole", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("^Recall of"))).to_be_visible()
    expect(page.get_by_text("In custody, awaiting re-release")).to_be_visible()
    assert_accessible(page, "the parole tab")

    # Refer on the papers (an empty form first: the error summary).
    page.get_by_role("link", name=re.compile("^Refer to the Parole Board")).click()
    page.get_by_role("button", name="Record the referral").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, "the referral form with errors")
    page.get_by_label("On the papers (member case assessment)").check()
    _fill_date(page, "referred_on", today)
    page.get_by_role("button", name="Record the referral").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Referral to the Parole Board recorded."
    )
    assert_accessible(page, "the parole tab after the referral")

    # The paper decision directs an oral hearing.
    page.get_by_role("link", name=re.compile("^Record the decision")).click()
    assert_accessible(page, "the decision form")
    page.get_by_label("Directed to an oral hearing").check()
    _fill_date(page, "decided_on", today)
    _fill_date(page, "hearing_date", today + dt.timedelta(days=100))
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Parole Board decision recorded."
    )
    oral = ParoleReview.objects.get(recall=recall, kind="oral")
    expect(page.locator(f"#review-{oral.pk}")).to_contain_text("Awaiting decision")

    # An adjournment of the oral hearing.
    page.get_by_role("link", name=re.compile("^Add an adjournment or deferral")).click()
    assert_accessible(page, "the adjournment form")
    page.get_by_label("Adjournment", exact=True).check()
    _fill_date(page, "date", today)
    page.get_by_label("Reason").fill("The psychology report is not ready")
    _fill_date(page, "new_date", today + dt.timedelta(days=150))
    page.get_by_role("button", name="Add the adjournment or deferral").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Adjournment or deferral recorded."
    )
    expect(page.locator(f"#review-{oral.pk}-delays")).to_contain_text(
        "The psychology report is not ready"
    )
    assert Adjournment.objects.filter(review=oral).count() == 1

    # The oral hearing directs release (no "directed to an oral hearing" option there).
    page.get_by_role("link", name=re.compile("^Record the decision")).click()
    expect(page.get_by_label("Directed to an oral hearing")).to_have_count(0)
    page.get_by_label("Release", exact=True).check()
    _fill_date(page, "decided_on", today)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(f"#review-{oral.pk}-decision")).to_contain_text("Release")

    # The re-release.
    page.get_by_role("link", name=re.compile("^Record the re-release")).click()
    assert_accessible(page, "the re-release form")
    _fill_date(page, "released_on", today)
    page.get_by_label("Prison released from").fill("HMP Hull")
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Record the re-release").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Re-release recorded."
    )
    expect(page.locator(f"#recall-{recall.pk}-re-release")).to_contain_text("Re-released on")
    assert_accessible(page, "the parole tab after the re-release")
    screenshot(page, "parole-tab")
    recall.refresh_from_db()
    assert recall.re_released_on == today
