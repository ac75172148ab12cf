"""Steps the browser journeys share: signing in, the recommendation's sections, the Part A
(issue 15), countersigning."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import Page, expect

PASSWORD = "correct-horse-battery-staple"


def sign_in(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/sign-in/"))


def open_section(page: Page, title: str) -> None:
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()


def save(page: Page) -> None:
    page.get_by_role("button", name="Save and return to the recommendation").click()
    expect(page.get_by_role("heading", name="Recall recommendation", level=2)).to_be_visible()


def countersign(page: Page, rec_url: str, level: str, check, screenshot) -> None:
    page.goto(rec_url)
    page.get_by_role("link", name="Give management oversight").click()
    expect(page.get_by_role("heading", name=f"Your decision as {level}")).to_be_visible()
    check(page, f"the {level} oversight page")
    screenshot(page, f"oversight-{level}")
    page.get_by_label("Recall", exact=True).check()
    page.get_by_label("Your rationale").fill(f"{level}: risk is imminent; alternatives exhausted.")
    for label in (
        "Alternatives to recall have been explored",
        "The recall type is correct",
        "The report is of good quality",
        "The person is no longer manageable in the community",
    ):
        page.get_by_label(label).check()
    page.get_by_role("button", name="Record my decision").click()


def fill_date(page: Page, field: str, day: dt.date) -> None:
    """A GOV.UK date input (day, month, year boxes) named ``field``."""
    page.locator(f"#{field}-day").fill(str(day.day))
    page.locator(f"#{field}-month").fill(str(day.month))
    page.locator(f"#{field}-year").fill(str(day.year))


def complete_part_a(page: Page, check, *, address: str = "") -> None:
    """Answer the five Part A sections from the recommendation's task list (axe on each)."""
    open_section(page, "Where the person can be found")
    if address:
        expect(page.locator("main")).to_contain_text(address)
    page.get_by_label("No, at large in the community").check()
    page.locator("#id_found_at_main_address_1").check()  # no
    page.get_by_label("Other addresses where they may be found").fill(
        "His mother's flat, 3 Roundhay Road, Leeds LS7 1AB, which he gave at his last visit."
    )
    check(page, "the whereabouts section")
    save(page)

    open_section(page, "Police contact and arrest")
    page.get_by_label("Local police contact").fill("PC Amir Khan, Chapeltown")
    page.get_by_label("Telephone").fill("0113 496 0000")
    page.get_by_label("Email").fill("amir.khan@police.example")
    page.locator("#id_arrest_issues_0").check()  # yes
    page.get_by_label("Details of the arrest issues (if yes)").fill(
        "Keeps a large dog at the flat."
    )
    page.locator("#id_contraband_risk_1").check()  # no
    check(page, "the police section")
    save(page)

    open_section(page, "MAPPA, IOM, RoSH and vulnerabilities")
    page.get_by_label("I have checked these are up to date").check()
    check(page, "the risk profile section")
    save(page)

    open_section(page, "Previous releases, recalls and licence conditions breached")
    check(page, "the conditions section")
    save(page)

    open_section(page, "Victims")
    fill_date(page, "vlo_informed_on", timezone.localdate() - dt.timedelta(days=1))
    check(page, "the victims section")
    save(page)


def send_for_countersignature(page: Page, check) -> None:
    """From the recommendation page: check your answers, send, the confirmation (issue 16)."""
    page.get_by_role("button", name="Check your answers and send for countersignature").click()
    expect(
        page.get_by_role("heading", name="Check your answers before sending for countersignature")
    ).to_be_visible()
    check(page, "check your answers before sending for countersignature")
    assert_no_sideways_scroll(page)
    page.get_by_role("button", name="Send for countersignature").click()
    expect(page.locator("#confirmation")).to_contain_text("sent for countersignature")
    expect(page.locator("#holder")).to_contain_text("SPO")
    check(page, "the sent-for-countersignature confirmation")
    assert_no_sideways_scroll(page)


def submit_to_ppcs(page: Page, check) -> None:
    """From the recommendation page: check your answers, submit, the confirmation."""
    page.get_by_role("button", name="Check your answers and submit to PPCS").click()
    expect(
        page.get_by_role("heading", name="Check your answers before submitting to PPCS")
    ).to_be_visible()
    check(page, "check your answers before submitting to PPCS")
    page.get_by_role("button", name="Submit to PPCS").click()
    expect(page.locator("#confirmation")).to_contain_text("submitted to PPCS")
    expect(page.locator("#holder")).to_contain_text("PPCS national queue")
    check(page, "the submitted-to-PPCS confirmation")


def take_and_authorise(page: Page, check) -> None:
    """On a PPCS request: take it (the button then goes), authorise, confirm on its own page."""
    page.get_by_role("button", name="Take this request").click()
    expect(page.locator("#assigned-to")).to_have_text("You have taken this request")
    expect(page.get_by_role("button", name="Take this request")).to_have_count(0)
    page.get_by_label("Authorise the recall").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#revoke-warning")).to_contain_text("You are about to revoke the licence")
    check(page, "the confirm-authorise page")
    page.get_by_role("button", name="Revoke the licence and authorise the recall").click()
    expect(page.locator("#rec-status")).to_have_text("Recall authorised")


def assert_no_sideways_scroll(page: Page) -> None:
    """At 320 pixels wide the page does not scroll sideways (then back to the usual width)."""
    size = page.viewport_size or {"width": 1280, "height": 900}
    page.set_viewport_size({"width": 320, "height": 900})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(size)
    assert width <= 320, f"{page.url} scrolls sideways at 320px ({width}px wide)"
