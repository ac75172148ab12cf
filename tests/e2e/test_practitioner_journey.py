"""A practitioner's first minutes, in a real browser: sign in, find a person, read their timeline.

Every page on the way is checked with axe-core (no violations allowed) and photographed into
test-results/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ippcase import vocab
from tests import factories

PASSWORD = "correct-horse-battery-staple"


@pytest.mark.e2e
def test_practitioner_signs_in_finds_a_person_and_reads_their_timeline(
    page, assert_accessible, screenshot
):
    team = factories.TeamFactory(code="e2e-team", name="Leeds North")
    factories.UserFactory(
        username="pat.practitioner", password=PASSWORD, team=team, roles=[vocab.Role.PRACTITIONER]
    )
    person = factories.make_case(team, first_name="Samuel", last_name="Whitlock")
    other = factories.make_case(team, first_name="Robert", last_name="Ashdown")

    # Sign in through the form.
    page.goto("/sign-in/")
    assert_accessible(page, "the sign-in page")
    screenshot(page, "sign-in")
    page.get_by_label("Username").fill("pat.practitioner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # The caseload.
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
    page.get_by_role("link", name="See every case you can view").click()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload")
    assert_accessible(page, "the caseload")

    # Search by surname: only that person is listed, and their name links to their case.
    page.get_by_label("Search by name or CRN").fill("Whitlock")
    page.get_by_role("button", name="Search").click()
    results = page.get_by_role("table")
    name_link = results.get_by_role("link", name=re.compile("Whitlock"))
    expect(name_link).to_have_attribute("href", f"/cases/{person.crn}/")
    expect(results.get_by_role("link", name=re.compile(other.last_name))).to_have_count(0)
    first_cell = results.locator("tbody tr").first.locator("th, td").first
    expect(first_cell.get_by_role("link")).to_have_attribute("href", f"/cases/{person.crn}/")
    assert_accessible(page, "the caseload search results")
    screenshot(page, "caseload")

    # The person's overview.
    name_link.click()
    expect(page).to_have_url(re.compile(rf"/cases/{person.crn}/$"))
    assert_accessible(page, "the person overview")
    screenshot(page, "person-overview")

    # Their timeline: an inline chart with an accessible name, and the same events as a table.
    page.get_by_role("link", name="Timeline", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/cases/{person.crn}/timeline/$"))
    chart = page.locator("svg[role='img']").first
    expect(chart).to_be_visible()
    expect(chart).to_have_accessible_name(re.compile(r"\w"))
    expect(page.locator("table > caption", has_text="Timeline").first).to_be_attached()
    assert_accessible(page, "the timeline")
    screenshot(page, "timeline")
