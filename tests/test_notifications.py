"""The email outbox (issue 12): each message is sent in its own transaction, so one that fails
neither stops nor re-sends the others; failures are recorded without personal data, backed off,
given up after NOTIFICATION_MAX_ATTEMPTS and shown to administrators, who can try them again."""

from __future__ import annotations

import datetime as dt
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ippcase import vocab
from ippcase.core.notifications import notify, retry_delay, send_pending
from ippcase.models import Notification
from tests import factories
from tests.conftest import client_for

BROKEN = "broken.mailbox@example.justice.gov.uk"


class RefusesOneAddress(EmailBackend):
    """The test backend (locmem) that refuses ``BROKEN`` as an SMTP server would: quoting the
    address, and here the subject too, in its message."""

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        for message in messages:
            if BROKEN in message.to:
                raise SMTPRecipientsRefused(
                    {BROKEN: (550, f"mailbox unavailable ({message.subject})".encode())}
                )
        return super().send_messages(messages)


failing_backend = override_settings(
    EMAIL_BACKEND=f"{__name__}.RefusesOneAddress", NOTIFICATION_MAX_ATTEMPTS=4
)


@pytest.fixture
def broken(team):
    return factories.UserFactory(username="broken", email=BROKEN, team=team)


def _time_passes(note: Notification) -> None:
    """Bring the note's next attempt to now, as if its back-off had elapsed."""
    Notification.objects.filter(pk=note.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


@failing_backend
def test_a_failing_recipient_does_not_stop_the_others_nor_resend_them(
    db, manager, practitioner, broken
):
    first = factories.UserFactory(username="first", team=manager.team)
    notify(recipients=[first], subject="Written first", body="Body")
    notify(recipients=[broken], subject="Countersign X123456", body="Samuel Doe's case")
    notify(recipients=[manager, practitioner], subject="Written last", body="Body")

    assert send_pending() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [first.email, manager.email, practitioner.email]
    )
    # The next sweep sends none of them again, and the broken one is backing off.
    assert send_pending() == 0
    assert len(mail.outbox) == 3
    assert Notification.objects.filter(sent_at__isnull=False).count() == 3

    note = Notification.objects.get(recipient=broken)
    assert note.sent_at is None and note.failed_at is None
    assert note.attempts == 1
    assert note.last_error.startswith("SMTPRecipientsRefused: ")
    for secret in (BROKEN, "broken.mailbox", "Countersign X123456", "X123456", "Samuel Doe"):
        assert secret not in note.last_error
    assert note.next_attempt_at == note.last_attempt_at + dt.timedelta(minutes=1)


def test_the_back_off_doubles_from_one_minute_and_is_capped():
    assert [retry_delay(n) for n in range(1, 10)] == [
        dt.timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60, 60)
    ]


@failing_backend
def test_a_failing_notification_is_tried_after_its_back_off_and_given_up_after_the_limit(
    db, broken
):
    (note,) = notify(recipients=[broken], subject="Subject", body="Body")
    assert send_pending() == 0
    note.refresh_from_db()
    assert note.attempts == 1

    # Before its next attempt is due, a sweep leaves it alone.
    assert send_pending() == 0
    note.refresh_from_db()
    assert note.attempts == 1

    delays = []
    for attempt in (2, 3):
        _time_passes(note)
        assert send_pending() == 0
        note.refresh_from_db()
        assert note.attempts == attempt and note.failed_at is None
        delays.append(note.next_attempt_at - note.last_attempt_at)
    assert delays == [dt.timedelta(minutes=2), dt.timedelta(minutes=4)]

    _time_passes(note)
    assert send_pending() == 0
    note.refresh_from_db()
    assert note.attempts == 4 and note.failed_at == note.last_attempt_at  # the limit: given up
    _time_passes(note)
    assert send_pending() == 0
    note.refresh_from_db()
    assert note.attempts == 4  # never tried again by the sweep
    assert mail.outbox == []


@failing_backend
def test_administrators_see_failed_and_retrying_notifications_and_can_try_again(
    db, admin_user, manager, broken
):
    (given_up,) = notify(recipients=[broken], subject="Recall authorised: X000042", body="B")
    for _ in range(4):
        _time_passes(given_up)
        send_pending()
    notify(recipients=[broken], subject="Parole Board decision: X000043", body="B")
    notify(recipients=[manager], subject="Sent fine", body="B")
    send_pending()

    client = client_for(admin_user)
    url = reverse("notification_outbox")
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<title>Email notifications not sent \N{EN DASH} IPP case" in body
    assert '<table class="govuk-table">' in body
    assert "2 notifications not sent" in body
    assert "Recall authorised: X000042" in body and "Parole Board decision: X000043" in body
    assert "Sent fine" not in body
    assert "Given up" in body and "Retrying" in body
    assert escape(broken.display_name) in body and "SMTPRecipientsRefused" in body
    assert BROKEN not in body
    assert f'href="{url}"' in body  # in the service navigation

    retry = reverse("notification_retry", args=[given_up.pk])
    assert reverse("login") in Client().post(retry)["Location"]  # anonymous: sign in first
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(admin_user)
    assert csrf_client.post(retry).status_code == 403  # no CSRF token
    response = client.post(retry, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert f"Notification {given_up.pk} will be sent again now." in response.content.decode()
    given_up.refresh_from_db()
    assert (given_up.attempts, given_up.failed_at, given_up.last_error) == (0, None, "")
    assert given_up.next_attempt_at <= timezone.now()

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        sent_before = len(mail.outbox)
        assert send_pending() == 1  # the one tried again; the other is still backing off
    given_up.refresh_from_db()
    assert given_up.sent_at is not None
    assert [m.subject for m in mail.outbox[sent_before:]] == ["Recall authorised: X000042"]
    assert client.post(retry).status_code == 404  # sent: nothing to try again


@pytest.mark.parametrize(
    "persona", ["practitioner", "manager", "senior_manager", "ppcs", "no_role_user"]
)
def test_only_administrators_reach_the_outbox_page(request, persona, broken):
    user = request.getfixturevalue(persona)
    (note,) = notify(recipients=[broken], subject="Subject", body="Body")
    client = client_for(user)
    assert client.get(reverse("notification_outbox")).status_code == 403
    assert client.post(reverse("notification_retry", args=[note.pk])).status_code == 403
    assert "Email notifications" not in client.get(reverse("home"), follow=True).content.decode()


def test_the_outbox_page_needs_sign_in(client):
    response = client.get(reverse("notification_outbox"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_an_administrator_without_another_role_sees_the_outbox_link(db):
    admin = factories.UserFactory(username="root", roles=[vocab.Role.ADMIN], team=None)
    body = client_for(admin).get(reverse("caseload")).content.decode()
    assert "Email notifications" in body
