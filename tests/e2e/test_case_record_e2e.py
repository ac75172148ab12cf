"""Changing the case record in a real browser: a practitioner follows the overview's "Change"
link for RoSH and MAPPA, records RoSH going up, and is back on the overview with a banner and the
history; then changes an index offence from the sentence page. Every page is checked with
axe-core, and each form page for sideways scroll at 320 pixels wide."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ippcase import vocab
from ippcase.models import Person
from tests import factories

PASSWORD = "correct-horse-battery-staple"


def _no_sideways_scroll(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 900})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 320, f"{page.url} scrolls sideways at 320px ({width}px wide)"


@pytest.mark.e2e
def test_practitioner_records_rosh_going_up_and_changes_an_offence(
    page, assert_accessible, screenshot
):
    team = factories.TeamFactory(code="e2e-record", name="Leeds North")
    factories.UserFactory(
        username="pat.practitioner",
        first_name="Pat",
        last_name="Okafor",
        password=PASSWORD,
        team=team,
        roles=[vocab.Role.PRACTITIONER],
    )
    person = factories.make_case(team, first_name="Samuel", last_name="Whitlock")

    page.goto("/sign-in/")
    page.get_by_label("Username").fill("pat.practitioner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/sign-in/"))

    # The overview: a "Change" link for RoSH.
    page.goto(f"/cases/{person.crn}/")
    assert_accessible(page, "the overview with change links")
    page.get_by_role("link", name="Change RoSH").click()
    expect(page).to_have_url(re.compile(rf"/cases/{person.crn}/change/risk/\?next="))
    expect(page).to_have_title(re.compile(r"^Change RoSH and MAPPA"))
    assert_accessible(page, "the RoSH and MAPPA form")
    _no_sideways_scroll(page)

    # Nothing filled in: the errors, with "Error:" in the title.
    page.get_by_role("button", name="Save the change").click()
    expect(page).to_have_title(re.compile(r"^Error: Change RoSH and MAPPA"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date of the change")
    assert_accessible(page, "the RoSH and MAPPA form with errors")
    screenshot(page, "risk-errors")

    page.get_by_label("Very high").check()
    page.get_by_label("Category 2").check()
    page.get_by_label("Level 2").check()
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("2024")
    page.get_by_label("A new assessment").check()
    page.get_by_label("Why are you making this change?").fill("OASys review after the arrest.")
    page.get_by_role("button", name="Save the change").click()

    expect(page).to_have_url(re.compile(rf"/cases/{person.crn}/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "RoSH and MAPPA recorded from 1 March 2024: RoSH Very high; MAPPA category 2, level 2"
    )
    expect(page.locator("#risk-history + table")).to_contain_text("OASys review after the arrest.")
    assert_accessible(page, "the overview after the change")
    screenshot(page, "risk-saved")

    # The sentence page: change the principal index offence's behaviours.
    page.get_by_role("link", name="Sentence and licence", exact=True).click()
    page.get_by_role(
        "link", name=re.compile(r"^Change violence against the person offence")
    ).click()
    assert_accessible(page, "the index offence form")
    _no_sideways_scroll(page)
    page.get_by_label("Weapons").check()
    page.get_by_label("A correction of a mistake").check()
    page.get_by_label("Why are you making this change?").fill("The knife was left out.")
    page.get_by_role("button", name="Save the change").click()
    expect(page).to_have_url(re.compile(rf"/cases/{person.crn}/sentence/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Index offence changed: behaviours"
    )

    # The other forms, each checked.
    for path, name in (
        ("details", "personal details"),
        ("sentence", "the sentence"),
        ("offences/add", "the new offence"),
        ("circumstances", "circumstances"),
    ):
        page.goto(f"/cases/{person.crn}/change/{path}/")
        assert_accessible(page, f"the {name} form")
        _no_sideways_scroll(page)

    # The case history tells both changes in words, with who.
    page.goto(f"/cases/{person.crn}/history/")
    history = page.locator("#case-history")
    expect(history).to_contain_text(
        "RoSH recorded as Very high and MAPPA category 2, level 2 from 1 March 2024 "
        "(was High; not managed under MAPPA): a new assessment. "
        "Reason: OASys review after the arrest."
    )
    expect(history).to_contain_text("Correction: Index offence changed. Reason: The knife")
    expect(history).to_contain_text("Pat Okafor (COM)")
    assert Person.objects.get(pk=person.pk).rosh_level == "very_high"
