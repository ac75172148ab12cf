"""The dashboard in a real browser: a manager opens it from the service navigation, changes the
scope to a team (HTMX swaps the panels in place), opens a practitioner's caseload, and axe finds
no accessibility violations."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from ippcase import vocab
from recall.models import Concern, RecallRecommendation
from tests import factories

PASSWORD = "correct-horse-battery-staple"


def _figures(team, other_team, practitioner) -> None:
    today = timezone.localdate()
    for n, t in enumerate([team, team, other_team, team, other_team]):
        person = factories.make_case(t, recalled=False)
        factories.AllocationFactory(person=person, practitioner=practitioner)
        Concern.objects.create(
            person=person,
            occurred_on=today - dt.timedelta(days=n * 9 + 2),
            description="Missed appointment",
            source="other",
            recorded_by=practitioner,
        )
        if n % 2:
            rtc = today - dt.timedelta(days=30 * n)
            recall: Any = factories.RecallFactory(
                release=person.releases.get(),
                recall_date=rtc,
                returned_to_custody=rtc,
                reasons=["non_compliance", "drugs_alcohol"][: n % 3 + 1],
                criteria=["i"],
            )
            RecallRecommendation.objects.create(
                person=person, status="authorised", created_by=practitioner, recall=recall
            )


@pytest.mark.e2e
def test_manager_uses_the_dashboard(page: Page, assert_accessible, screenshot, docs_shot):
    team = factories.TeamFactory(code="leeds-n", name="Leeds North", pdu__code="leeds")
    other = factories.TeamFactory(code="leeds-s", name="Leeds South", pdu=team.pdu)
    factories.UserFactory(username="spo", team=team, roles=[vocab.Role.MANAGER])
    com = factories.UserFactory(
        username="com",
        first_name="Chris",
        last_name="Com",
        team=team,
        roles=[vocab.Role.PRACTITIONER],
    )
    _figures(team, other, com)
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("spo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.locator("#dashboard-scope")).to_contain_text("PDU:")
    # Each panel's body loads itself after the page: no placeholder is left.
    expect(page.locator("[aria-busy='true']")).to_have_count(0)
    expect(page.locator("section.app-dashboard-panel table")).not_to_have_count(0)

    # The first screen (1280 x 900): the headline figures, all of them inside the viewport.
    figures = page.locator(".app-headline__figure")
    expect(figures).to_have_count(4)
    for n in range(4):
        box = figures.nth(n).bounding_box()
        assert box is not None and box["y"] + box["height"] <= 900, box
    docs_shot(page, "dashboard-first-screen.png")
    assert_accessible(page, "the dashboard, panels collapsed")

    # The contents list jumps to a panel and opens it; the chart is there.
    page.get_by_role("link", name="Caseload now").click()
    expect(page).to_have_url(re.compile(r"#panel-caseload-now$"))
    expect(page.get_by_role("img", name="Caseload now: bar chart")).to_be_visible()
    page.get_by_text("Figures: People at risk of recall").click()  # a collapsed panel opens
    expect(page.locator("#panel-at-risk-body table").first).to_be_visible()
    page.evaluate(
        "document.querySelectorAll('details.app-dashboard-panel__details')"
        ".forEach(d => d.setAttribute('open', ''))"
    )
    assert_accessible(page, "the dashboard, every panel open")
    _no_sideways_scroll(page)

    # A figure's number opens the people behind it.
    page.locator("#headline-concerns .app-headline__number a").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("People with a new concern")
    expect(page.locator("#result-count")).to_have_text("3 people")
    assert_accessible(page, "the people behind a figure")
    _no_sideways_scroll(page)
    page.get_by_role("link", name="Back to the dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.locator("[aria-busy='true']")).to_have_count(0)

    # Printing: every panel expanded, navigation and buttons hidden.
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator("details.app-dashboard-panel__details:not([open])").count() == 0
    expect(page.locator(".govuk-header")).to_be_hidden()
    expect(page.locator(".app-dashboard-scope-form")).to_be_hidden()
    expect(page.get_by_role("link", name="Download every table as CSV files (zip)")).to_be_hidden()
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")
    assert page.locator("details.app-dashboard-panel__details:not([open])").count() > 0

    page.get_by_text("Change the scope or the dates").click()
    page.get_by_label("Show figures for").select_option("team:leeds-s")
    expect(page.locator("#dashboard-scope")).to_contain_text("Team: Leeds South")
    expect(page).to_have_url(re.compile(r"scope=team%3Aleeds-s"))
    expect(page.locator("[aria-busy='true']")).to_have_count(0)
    assert_accessible(page, "the dashboard for a team")
    screenshot(page, "dashboard")  # the whole page, in test-results/
    docs_shot(  # the top of it, for the docs
        page,
        "dashboard.png",
        full_page=True,
        clip={"x": 0, "y": 0, "width": 1280, "height": 1900},
    )

    page.get_by_text("Practitioners' caseloads (1)").click()
    page.get_by_role("link", name="Chris Com").click()
    expect(page.get_by_role("heading", name="Chris Com: caseload")).to_be_visible()
    assert_accessible(page, "a practitioner's caseload")


def _no_sideways_scroll(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 900})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 320, f"{page.url} scrolls sideways at 320px ({width}px wide)"
