"""The email outbox page in a real browser: an administrator signs in, opens *Email
notifications* from the service navigation, sees a notification given up, tries it again (a
POST with the CSRF token from the page), and axe finds no accessibility violations."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from ippcase import vocab
from ippcase.models import Notification
from tests import factories

PASSWORD = "correct-horse-battery-staple"


@pytest.mark.e2e
def test_administrator_sees_and_retries_a_failed_notification(
    page: Page, assert_accessible, screenshot
):
    factories.UserFactory(username="root", roles=[vocab.Role.ADMIN], team=None)
    com = factories.UserFactory(username="com", first_name="Asha", last_name="Khan")
    note = Notification.objects.create(
        recipient=com,
        subject="Recall authorised: X000042",
        body="The licence is revoked.",
        attempts=8,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
        last_attempt_at=timezone.now(),
        failed_at=timezone.now(),
    )
    page.goto("/sign-in/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Email notifications").click()
    heading = page.get_by_role("heading", name="Email notifications not sent", level=1)
    expect(heading).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Recall authorised: X000042")
    expect(row).to_contain_text("Asha Khan")
    expect(row).to_contain_text("Given up")
    expect(row).to_contain_text("SMTPServerDisconnected")
    assert_accessible(page, "the outbox with a notification given up")
    screenshot(page, "outbox")

    row.get_by_role("button", name="Try again").click()
    expect(page.get_by_text(f"Notification {note.pk} will be sent again now.")).to_be_visible()
    note.refresh_from_db()
    assert note.attempts == 0 and note.failed_at is None
    assert_accessible(page, "the outbox after trying again")
