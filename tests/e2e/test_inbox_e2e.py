"""In-app notifications in a real browser: a practitioner sends a recommendation for
countersignature (through the services), the SPO sees "Notifications, 1 unread" in the header,
opens the list (axe, no sideways scroll at 320 px), follows the notification to the
recommendation, and the count is gone."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from ippcase import vocab
from ippcase.models import Notification
from recall import services
from tests import factories
from tests.e2e.steps import sign_in
from tests.test_recall_services import _draft_ready_to_send


@pytest.mark.e2e
def test_an_spo_is_told_in_the_app_and_follows_it_to_the_recommendation(
    page: Page, assert_accessible, docs_shot
):
    team = factories.TeamFactory()
    com = factories.UserFactory(username="com", team=team, roles=[vocab.Role.PRACTITIONER])
    factories.UserFactory(
        username="spo", first_name="Mo", last_name="Reid", team=team, roles=[vocab.Role.MANAGER]
    )
    person = factories.make_case(
        team, recalled=False, released=factories.recently_released(), first_name="Lee"
    )
    rec = _draft_ready_to_send(person, com)
    rec = services.recommendation_send_for_countersignature(
        rec_id=rec.pk, actor=com, expected_version=rec.version
    )
    note = Notification.objects.get(recipient__username="spo")
    assert person.crn not in note.subject + note.body and "Lee" not in note.subject + note.body

    sign_in(page, "spo")
    header_link = page.get_by_role("link", name="Notifications, 1 unread")
    expect(header_link).to_be_visible()
    header_link.click()
    expect(page.get_by_role("heading", name="Your notifications", level=1)).to_be_visible()
    item = page.get_by_role("listitem").filter(has_text=person.crn)
    expect(item).to_contain_text("Unread")
    assert_accessible(page, "the notifications list")
    docs_shot(page, "inbox.png", full_page=True)
    page.set_viewport_size({"width": 320, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size({"width": 1280, "height": 900})

    item.get_by_role(
        "button", name="A recall recommendation is waiting for your countersignature"
    ).click()
    expect(page).to_have_url(
        re.compile(re.escape(reverse("recall:recommendation", args=[rec.pk])) + "$")
    )
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("unread"))).to_have_count(0)
    note.refresh_from_db()
    assert note.read_at is not None

    page.goto(reverse("inbox"))
    expect(page.get_by_role("listitem").filter(has_text=person.crn)).to_contain_text("Read")
    assert_accessible(page, "the notifications list, all read")
