"""In-app notifications (issue 16): the header's unread count, the recipient's own list (newest
first, paginated, unread said in words), opening one (POST: marks it read, goes to the thing),
"Mark all as read", another user's notification 404, bounded queries; and the emails, which say
only that something is waiting: no name, no CRN."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ippcase.core.inbox import PAGE_SIZE
from ippcase.core.notifications import notify
from ippcase.models import Notification
from recall import services
from tests.conftest import client_for
from tests.test_recall_services import _draft_ready_to_send, _send, _sign, aco, on_licence  # noqa: F401


def _tell(user, n: int, *, link: str = "/caseload/") -> list[Notification]:
    rows = []
    for i in range(n):
        rows += notify(
            recipients=[user], subject=f"Thing {i} is waiting", text=f"Detail {i}", link=link
        )
    return rows


def _badge(html: str) -> tuple[str, str]:
    """The header link's accessible name (its aria-label, or its text) and its visible text."""
    found = re.search(
        r'<a class="govuk-header__link" href="/notifications/mine/"([^>]*)>(.*?)</a>', html, re.S
    )
    assert found, "no Notifications link in the header"
    label = re.search(r'aria-label="([^"]*)"', found.group(1))
    text = " ".join(re.sub(r"<[^>]+>", "", found.group(2)).split())
    return (label.group(1) if label else text), text


def test_the_header_counts_my_unread_notifications_only(practitioner, manager):
    _tell(practitioner, 3)
    _tell(manager, 5)
    mine = client_for(practitioner).get(reverse("caseload")).content.decode()
    assert _badge(mine) == ("Notifications, 3 unread", "Notifications 3")
    Notification.objects.filter(recipient=practitioner).update(read_at="2025-01-01T00:00Z")
    after = client_for(practitioner).get(reverse("caseload")).content.decode()
    assert _badge(after) == ("Notifications", "Notifications")  # no count: nothing unread


def test_an_email_only_message_is_not_listed_nor_counted(practitioner):
    notify(recipients=[practitioner], subject="Your IPP case account", body="Hello")
    response = client_for(practitioner).get(reverse("inbox"))
    assert "Your IPP case account" not in response.content.decode()
    assert _badge(response.content.decode()) == ("Notifications", "Notifications")


def test_the_list_is_mine_newest_first_with_unread_in_words(practitioner, manager):
    _tell(practitioner, 2)
    notify(recipients=[manager], subject="Not yours", text="Secret", link="/")
    Notification.objects.filter(subject="Thing 0 is waiting").update(read_at="2025-01-01T00:00Z")
    html = client_for(practitioner).get(reverse("inbox")).content.decode()
    assert "Not yours" not in html and "Secret" not in html
    assert html.index("Thing 1 is waiting") < html.index("Thing 0 is waiting")
    newest, older = html.split("Thing 1 is waiting")[0], html.split("Thing 1 is waiting")[1]
    assert "Unread" in newest.rsplit("<li", 1)[1]
    assert "Read</strong>" in older
    assert "<title>Your notifications" in html


def test_opening_marks_it_read_and_goes_to_the_thing(practitioner):
    (note,) = _tell(practitioner, 1, link="/caseload/?page=1")
    client = client_for(practitioner)
    assert client.get(reverse("inbox_open", args=[note.pk])).status_code == 405
    note.refresh_from_db()
    assert note.read_at is None  # a GET changes nothing
    response = client.post(reverse("inbox_open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == "/caseload/?page=1"
    note.refresh_from_db()
    first = note.read_at
    assert first is not None
    client.post(reverse("inbox_open", args=[note.pk]))
    note.refresh_from_db()
    assert note.read_at == first  # the first opening is kept


def test_a_link_off_the_site_is_never_followed(practitioner):
    (note,) = _tell(practitioner, 1, link="https://evil.example/")
    response = client_for(practitioner).post(reverse("inbox_open", args=[note.pk]))
    assert response["Location"] == reverse("inbox")


def test_another_users_notification_is_not_found_and_stays_unread(practitioner, manager):
    (theirs,) = _tell(manager, 1)
    response = client_for(practitioner).post(reverse("inbox_open", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_as_read_marks_mine_only(practitioner, manager):
    _tell(practitioner, 3)
    _tell(manager, 2)
    client = client_for(practitioner)
    assert client.get(reverse("inbox_mark_all_read")).status_code == 405
    response = client.post(reverse("inbox_mark_all_read"), follow=True)
    assert "3 notifications marked as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=practitioner, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=manager, read_at__isnull=True).count() == 2


def test_the_list_is_paginated(practitioner):
    _tell(practitioner, PAGE_SIZE + 3)
    client = client_for(practitioner)
    first = client.get(reverse("inbox")).content.decode()
    second = client.get(reverse("inbox") + "?page=2").content.decode()
    assert first.count("Thing ") == PAGE_SIZE and second.count("Thing ") == 3
    assert f"Thing {PAGE_SIZE + 2} is waiting" in first and "Thing 0 is waiting" in second
    assert client.get(reverse("inbox") + "?page=oops").status_code == 200


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_and_the_header_count_take_the_same_queries_at_two_sizes(practitioner):
    client = client_for(practitioner)
    _tell(practitioner, 2)
    small_list, small_page = (
        _queries(client, reverse("inbox")),
        _queries(client, reverse("caseload")),
    )
    _tell(practitioner, 60)
    assert _queries(client, reverse("inbox")) == small_list
    assert _queries(client, reverse("caseload")) == small_page
    counts = [q for q in _captured(client, reverse("caseload")) if '"ippcase_notification"' in q]
    assert len(counts) == 1  # the header's count: one query per page


def _captured(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return [q["sql"] for q in ctx.captured_queries]


# --- the emails: something is waiting, nothing more ----------------------------------------------


def test_no_email_names_the_person_or_gives_the_crn(on_licence, practitioner, manager, aco, ppcs):  # noqa: F811
    """Every notification of the recommendation's path, made through the services: sent,
    returned, sent again, countersigned by SPO and ACO, submitted, PPCS asks for more, answered,
    authorised. Each email is generic with the link to the list; the in-app text has the CRN."""
    rec = _send(_draft_ready_to_send(on_licence, practitioner), practitioner)
    rec = _sign(rec, manager, "spo", decision="do_not_recall", rationale="Not yet.", confirm=False)
    rec = _send(rec, practitioner)
    rec = _sign(rec, manager, "spo")
    rec = _sign(rec, aco, "aco")
    rec = services.recommendation_submit(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )
    services.ppcs_assign(rec_id=rec.pk, actor=ppcs)
    rec = services.ppcs_decide(rec_id=rec.pk, actor=ppcs, outcome="info_requested", reason="Log?")
    rec = services.recommendation_resubmit(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version, further_information="Here."
    )
    services.ppcs_decide(rec_id=rec.pk, actor=ppcs, outcome="authorised")
    notes = list(Notification.objects.all())
    kinds = {n.subject for n in notes}
    assert len(kinds) >= 6, kinds
    secrets = [on_licence.crn, on_licence.first_name, on_licence.last_name]
    for note in notes:
        for secret in secrets:
            assert secret not in note.subject and secret not in note.body, (note.subject, secret)
        assert note.body.endswith("/notifications/mine/")
        assert on_licence.crn in note.text
        assert note.link == reverse("recall:recommendation", args=[rec.pk])


def test_the_email_links_to_the_list_at_the_site_address(practitioner, settings):
    settings.SITE_URL = "https://ippcase.example.gov.uk"
    (note,) = notify(recipients=[practitioner], subject="A thing is waiting", text="X1", link="/")
    assert note.body == (
        "A thing is waiting.\n\nSign in to IPP case to see it in your notifications:\n"
        "https://ippcase.example.gov.uk/notifications/mine/"
    )


@pytest.mark.parametrize("persona", ["no_role_user"])
def test_an_account_with_no_role_has_no_list(request, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("inbox")).status_code == 403
