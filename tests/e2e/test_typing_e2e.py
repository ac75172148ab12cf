"""Typed text is never lost (issue 12): a practitioner types at a person's speed into every text
field of every section of a recommendation, justification boxes of the warnings included, while
the live findings refresh around them; after saving, every field reads back exactly as typed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from ippcase import vocab as case_vocab
from recall.views.recommendation import SECTIONS
from tests import factories

PASSWORD = "correct-horse-battery-staple"
KEY_DELAY_MS = 70  # a steady typist: about 14 keys a second
# Settle time after the last field: any refresh still in flight lands, and any justification box
# it brings is typed into too.
SETTLE_MS = 900

TODAY = dt.date.today()
DATES = {
    # An out-of-touch person last seen ten days ago; an allegation old enough to be stale.
    "last_contact_date": TODAY - dt.timedelta(days=10),
    "allegation_incident_date": TODAY - dt.timedelta(days=200),
}


def _check(page: Page, name: str, value: str) -> None:
    radio = page.locator(f"input[name='{name}'][value='{value}']")
    if radio.count():
        radio.check()


def _answer_choices(page: Page, slug: str) -> None:
    """Tick the radios and boxes that bring up the section's free text and its warnings."""
    if slug == "type":
        _check(page, "recall_type", "standard")
        _check(page, "emergency", "no")
    elif slug == "criteria":
        for key in ("i", "ii", "iii", "iv"):
            page.locator(f"#id_criterion_{key}").check()
    elif slug == "behaviours":
        _check(page, "current_behaviours", "alcohol")
        _check(page, "current_behaviours", "mental_health_deterioration")
    elif slug == "alternatives":
        for radio in page.locator("input[type=radio][value=not_suitable]").all():
            radio.check()
    elif slug == "multi-agency":
        _check(page, "other_agencies_consulted", "no")
    elif slug == "contact":
        _check(page, "alternative_addresses_known", "yes")
        _check(page, "alternative_addresses_checked", "no")
    elif slug == "allegation":
        _check(page, "allegation_status", "allegation_only")
        _check(page, "further_complaints", "no")


def _text_for(field_id: str, n: int) -> str:
    for name, day in DATES.items():
        if field_id.startswith(name):
            part = field_id.rsplit("-", 1)[1]
            return str({"day": day.day, "month": day.month, "year": day.year}[part])
    return f"Typed note {n} for {field_id.removeprefix('id_')}"


def _type_everywhere(page: Page, typed: dict[str, str]) -> None:
    """Click into each visible text field in turn and type into it key by key, as a person does:
    the previous box's change sets off a findings refresh while the next one is being typed in.
    Boxes that the refresh brings (a warning's justification) are typed into too."""
    fields = page.locator("form textarea:visible, form input[type=text]:visible")
    settled_once = False
    while True:
        pending = [f for f in fields.all() if f.get_attribute("id") not in typed]
        if not pending:
            if settled_once:
                return
            page.wait_for_timeout(SETTLE_MS)
            settled_once = True
            continue
        settled_once = False
        box = pending[0]
        field_id = box.get_attribute("id") or ""
        text = _text_for(field_id, len(typed) + 1)
        box.click()
        box.press("Control+A")
        box.press("Delete")
        box.press_sequentially(text, delay=KEY_DELAY_MS)
        typed[field_id] = text


@pytest.mark.e2e
def test_text_typed_at_human_speed_into_every_field_of_every_section_is_saved_as_typed(
    page, assert_accessible
):
    team = factories.TeamFactory(code="e2e-typing", name="Sheffield East")
    factories.UserFactory(
        username="kim.practitioner",
        password=PASSWORD,
        team=team,
        roles=[case_vocab.Role.PRACTITIONER],
    )
    # Released in 2019 (over five years in the community: a warning on the first section), MAPPA
    # level 1 at high risk (a warning among the alternatives).
    person = factories.make_case(team, first_name="Dale", last_name="Ashworth")
    person.mappa_category, person.mappa_level, person.rosh_level = 1, 1, "high"
    person.save()

    page.goto("/sign-in/")
    page.get_by_label("Username").fill("kim.practitioner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/sign-in/"))
    page.goto(f"/recall/cases/{person.crn}/recall/")
    page.get_by_role("button", name="Start a recall recommendation").click()
    expect(page).to_have_url(re.compile(r"/recall/recommendations/\d+/$"))
    rec_url = page.url

    # The recall type first, so that the other sections' warnings (which apply to a recall) show.
    order = sorted(SECTIONS, key=lambda s: s.slug != "type")
    typed_by_section: dict[str, dict[str, str]] = {}
    for section in order:
        page.goto(f"{rec_url}{section.slug}/")
        expect(page.get_by_role("heading", level=2, name=section.title)).to_be_visible()
        _answer_choices(page, section.slug)
        typed: dict[str, str] = {}
        _type_everywhere(page, typed)
        typed_by_section[section.slug] = typed
        assert_accessible(page, f"the {section.slug} section after typing")
        page.get_by_role("button", name="Save and return to the recommendation").click()
        expect(page.get_by_role("heading", name="Recall recommendation", level=2)).to_be_visible()

    # Justification boxes were among what was typed (the test proves nothing otherwise).
    justified = [i for t in typed_by_section.values() for i in t if i.startswith("id_ack_")]
    assert len(justified) >= 4, justified

    lost = []
    for section in order:
        page.goto(f"{rec_url}{section.slug}/")
        expect(page.get_by_role("heading", level=2, name=section.title)).to_be_visible()
        for field_id, text in typed_by_section[section.slug].items():
            box = page.locator(f"#{field_id}")
            saved = box.input_value() if box.count() else "(field not on the page)"
            if saved != text:
                lost.append(f"{section.slug} {field_id}: typed {text!r}, saved {saved!r}")
    assert not lost, "\n".join(lost)
