"""Each role's home page in a real browser (issue 16): a practitioner, an SPO and PPCS sign in,
open the home page, axe finds nothing, and one click reaches the next piece of work; the header
search finds a person; no sideways scroll at 320 px. Takes the home pages' screenshots for the
docs (``docs_shot``)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import Page, expect

from ippcase import vocab
from recall.models import RecallRecommendation
from recall.vocab import RecommendationStatus as Status
from tests import factories
from tests.e2e.steps import sign_in


def _no_sideways_scroll(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 900})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{page.url} scrolls sideways at 320px ({width}px wide)"
    page.set_viewport_size({"width": 1280, "height": 900})


def _world() -> dict[str, RecallRecommendation]:
    team = factories.TeamFactory(code="leeds-n", name="Leeds North", pdu__code="leeds")
    com = factories.UserFactory(
        username="com", first_name="Chris", last_name="Com", team=team,
        roles=[vocab.Role.PRACTITIONER],
    )  # fmt: skip
    factories.UserFactory(username="spo", team=team, roles=[vocab.Role.MANAGER])
    factories.UserFactory(username="ppcs", team=None, roles=[vocab.Role.PPCS])
    today = timezone.localdate()

    def case(first: str, last: str) -> object:
        person = factories.make_case(
            team, recalled=False, released=today - relativedelta(years=4),
            first_name=first, last_name=last,
        )  # fmt: skip
        factories.AllocationFactory(person=person, practitioner=com)
        return person

    late = case("Alex", "Latimer")
    overdue = RecallRecommendation.objects.create(
        person=late, created_by=com, status=Status.AUTHORISED, submitted_at=timezone.now()
    )
    returned = today - dt.timedelta(days=40)
    overdue.recall = factories.RecallFactory(
        release=late.releases.get(), recall_date=returned, returned_to_custody=returned
    )
    overdue.save()
    draft = RecallRecommendation.objects.create(
        person=case("Bobbie", "Drafter"), created_by=com, status=Status.DRAFT
    )
    waiting = RecallRecommendation.objects.create(
        person=case("Casey", "Signwell"), created_by=com, status=Status.AWAITING_SPO, emergency=True
    )
    submitted = RecallRecommendation.objects.create(
        person=case("Dana", "Queued"), created_by=com, status=Status.SUBMITTED,
        submitted_at=timezone.now(), submitted_by=com,
    )  # fmt: skip
    return {"overdue": overdue, "draft": draft, "waiting": waiting, "submitted": submitted}


@pytest.mark.e2e
def test_each_role_lands_on_its_home_page(page: Page, assert_accessible, docs_shot):
    recs = _world()

    sign_in(page, "com")
    page.get_by_role("link", name="IPP case", exact=True).click()
    expect(page.get_by_role("heading", name="My cases", level=1)).to_be_visible()
    rows = page.locator("#my-cases tbody tr")
    expect(rows.first).to_contain_text("Recall report overdue")
    expect(rows.nth(1)).to_contain_text("Recommendation in draft")
    assert_accessible(page, "the practitioner's home page")
    _no_sideways_scroll(page)
    docs_shot(page, "home-practitioner.png")
    rows.first.get_by_role("link", name=re.compile("^Open")).click()
    expect(page).to_have_url(re.compile(rf"/recall/recalls/{recs['overdue'].pk}/report/$"))

    page.goto("/")
    page.get_by_role("link", name="Leeds North cases").click()
    expect(page).to_have_url(re.compile(r"/cases/\?team=leeds-n$"))

    # The header search, from any page.
    page.get_by_label("Search by name, CRN or NOMIS number").fill("signw")
    page.get_by_role("button", name="Find a person").click()
    expect(page).to_have_title(re.compile("^Search results for “signw”"))
    expect(page.locator("#search-results")).to_contain_text("Leeds North")
    assert_accessible(page, "the search results")
    _no_sideways_scroll(page)
    page.get_by_role("link", name="Casey Signwell").click()
    expect(page).to_have_url(re.compile(r"/cases/[A-Z0-9]+/$"))

    sign_in(page, "spo")
    page.goto("/")
    expect(page.get_by_role("heading", name="Waiting for you", level=1)).to_be_visible()
    expect(page.locator("#to-countersign")).to_contain_text("Emergency")
    expect(page.locator("#overdue-reports")).to_contain_text("Latimer")
    assert_accessible(page, "the SPO's home page")
    _no_sideways_scroll(page)
    docs_shot(page, "home-spo.png")
    page.get_by_role("link", name=re.compile("^Countersign")).first.click()
    expect(page).to_have_url(
        re.compile(rf"/recall/recommendations/{recs['waiting'].pk}/oversight/")
    )

    sign_in(page, "ppcs")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/recall/ppcs/$"))
    assert_accessible(page, "PPCS's home page (the queue)")
    docs_shot(page, "home-ppcs.png")
    page.get_by_role("link", name=re.compile("Dana Queued")).first.click()
    expect(page).to_have_url(re.compile(rf"/recall/ppcs/requests/{recs['submitted'].pk}/$"))
