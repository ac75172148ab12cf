"""Opening a case in a real browser (issue 14): a practitioner goes from the caseload through
every question page, an add-another row and a refused date, to check your answers and the new
case. axe-core checks every page (an error state included); at 320px nothing scrolls sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ippcase import vocab
from ippcase.models import Person
from tests import factories

PASSWORD = "correct-horse-battery-staple"


def _date(page: Page, name: str, day: int, month: int, year: int) -> None:
    page.locator(f"#{name}-day").fill(str(day))
    page.locator(f"#{name}-month").fill(str(month))
    page.locator(f"#{name}-year").fill(str(year))


def _no_sideways_scroll(page: Page, name: str) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not wide, f"{name} scrolls sideways at 320px"


@pytest.mark.e2e
def test_practitioner_opens_a_case(page, assert_accessible, screenshot):
    team = factories.TeamFactory(code="e2e-open", name="Leeds North")
    factories.UserFactory(
        username="pat",
        first_name="Pat",
        last_name="Okafor",
        password=PASSWORD,
        team=team,
        roles=[vocab.Role.PRACTITIONER],
    )
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
    page.get_by_role("link", name="See every case you can view").click()
    expect(page).to_have_url(re.compile(r"/cases/$"))

    page.get_by_role("button", name="Open a case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a case")
    assert_accessible(page, "the start page")
    page.get_by_role("button", name="Start now").click()

    # The person: an error first, then the answers.
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile("^Error: "))
    assert_accessible(page, "the person page with errors")
    page.get_by_label("CRN", exact=True).fill("E123456")
    page.get_by_label("NOMIS number (optional)").fill("A1234EE")
    page.get_by_label("First name").fill("Ellis")
    page.get_by_label("Last name").fill("Moore")
    _date(page, "date_of_birth", 4, 5, 1980)
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("White", exact=True).check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sentence")
    assert_accessible(page, "the sentence page")
    page.get_by_label("Imprisonment for public protection (IPP)").check()
    _date(page, "sentence_date", 1, 3, 2007)
    page.get_by_label("Years").fill("2")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Index offences")
    page.locator("#id_principal-category").select_option("violence_against_the_person")
    page.locator("#id_principal-behaviours_0").check()
    page.get_by_role("button", name="Add another offence").click()
    page.locator("#id_offence-0-category").select_option("arson")
    assert_accessible(page, "the offences page with an added row")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Risk of serious harm and MAPPA")
    assert_accessible(page, "the risk page")
    page.get_by_label("High", exact=True).check()
    _date(page, "assessed_on", 2, 1, 2025)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Releases and recalls")
    page.locator("#id_released_0").check()
    _date(page, "release-0-date", 1, 6, 2006)  # before the sentence: refused
    page.locator("#id_release-0-prison").fill("HMP Leeds")
    page.locator("#id_release-0-approved_premises_1").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("is after the first release")
    assert_accessible(page, "the releases page with errors")
    _date(page, "release-0-date", 1, 6, 2012)
    # Enter in a text box continues: it never presses a row's "Remove" button.
    page.locator("#id_release-0-prison").press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Licence conditions")
    assert_accessible(page, "the conditions page")
    page.get_by_role("button", name="Add a bespoke condition").click()
    page.locator("#id_bespoke-0-text").fill("Not to enter Otley")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Who will hold the case?")
    assert_accessible(page, "the allocation page")
    page.get_by_label("Pat Okafor").check()
    _date(page, "start_date", 3, 2, 2025)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before opening the case"
    )
    assert_accessible(page, "check your answers")
    _no_sideways_scroll(page, "check your answers")
    screenshot(page, "check-your-answers")
    page.get_by_role("button", name="Open case").click()

    expect(page).to_have_url(re.compile(r"/cases/E123456/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Case opened for Ellis Moore"
    )
    assert_accessible(page, "the new case")
    person = Person.objects.get(crn="E123456")
    assert person.releases.count() == 1 and person.licence_conditions.count() == 10
