"""Double submission (issue 18): every create form carries a one-time key; the same form sent
twice, or twice at the same moment, records one entry and the second request gets the first's."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ippcase.models import SubmissionKey
from recall.models import ActionShortOfRecall, Concern
from tests import factories
from tests.conftest import client_for


def _concern_post(key: str, description: str = "Missed two appointments") -> dict[str, str]:
    today = timezone.localdate()
    return {
        "occurred_on-day": str(today.day),
        "occurred_on-month": str(today.month),
        "occurred_on-year": str(today.year),
        "description": description,
        "source": "other",
        "submission_key": key,
    }


def _action_post(key: str) -> dict[str, str]:
    today = timezone.localdate()
    return {
        "kind": "warning_letter",
        "taken_on-day": str(today.day),
        "taken_on-month": str(today.month),
        "taken_on-year": str(today.year),
        "details": "Warned in writing",
        "submission_key": key,
    }


def test_each_form_is_rendered_with_a_fresh_key(practitioner_client, team):
    person = factories.make_case(team)
    url = reverse("recall:concerns", args=[person.crn])
    first = practitioner_client.get(url).content.decode()
    second = practitioner_client.get(url).content.decode()

    def keys(html: str) -> list[str]:
        return [part.split('"')[0] for part in html.split('name="submission_key" value="')[1:]]

    assert len(keys(first)) == 2 and len(set(keys(first) + keys(second))) == 4


@pytest.mark.parametrize(
    ("name", "model", "data"),
    [("concern_add", Concern, _concern_post), ("action_add", ActionShortOfRecall, _action_post)],
)
def test_the_same_form_sent_twice_records_once(practitioner_client, team, name, model, data):
    person = factories.make_case(team)
    url = reverse(f"recall:{name}", args=[person.crn])
    key = str(uuid.uuid4())
    first = practitioner_client.post(url, data(key))
    second = practitioner_client.post(url, data(key))
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert model.objects.filter(person=person).count() == 1
    # A new key is a new entry.
    practitioner_client.post(url, data(str(uuid.uuid4())))
    assert model.objects.filter(person=person).count() == 2


def test_a_key_another_user_sent_is_refused_and_records_nothing(team, practitioner, manager):
    person = factories.make_case(team)
    url = reverse("recall:concern_add", args=[person.crn])
    key = str(uuid.uuid4())
    assert client_for(practitioner).post(url, _concern_post(key)).status_code == 302
    response = client_for(manager).post(url, _concern_post(key, "Another thing"))
    assert response.status_code == 200
    assert "This form was already sent" in response.content.decode()
    assert Concern.objects.filter(person=person).count() == 1


def test_a_failed_submission_leaves_the_key_free(practitioner_client, team):
    person = factories.make_case(team)
    url = reverse("recall:concern_add", args=[person.crn])
    key = str(uuid.uuid4())
    future = _concern_post(key) | {"occurred_on-year": str(timezone.localdate().year + 1)}
    assert practitioner_client.post(url, future).status_code == 200
    assert not SubmissionKey.objects.filter(pk=key).exists()
    assert practitioner_client.post(url, _concern_post(key)).status_code == 302
    assert Concern.objects.filter(person=person).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_identical_posts_at_the_same_moment_record_one(team, practitioner):
    person = factories.make_case(team)
    url = reverse("recall:concern_add", args=[person.crn])
    data = _concern_post(str(uuid.uuid4()))
    start = threading.Barrier(2)
    statuses: list[int] = []

    def post() -> None:
        client = client_for(practitioner)
        start.wait()
        try:
            statuses.append(client.post(url, data).status_code)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    assert Concern.objects.filter(person=person).count() == 1
