"""Pages issue a bounded number of SQL queries whatever the size of the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.conftest import client_for


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_people(team, count: int, practitioner) -> None:
    for _ in range(count):
        person = factories.make_case(team)
        factories.AllocationFactory(person=person, practitioner=practitioner)


@pytest.mark.parametrize("persona", ["practitioner", "manager", "ppcs", "admin_user"])
def test_caseload_query_count_does_not_grow_with_the_caseload(request, team, practitioner, persona):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    url = reverse("caseload")
    _add_people(team, 3, practitioner)
    small = _queries(client, url)
    _add_people(team, 40, practitioner)  # more than one page of 25
    large = _queries(client, url)
    assert small == large
    assert _queries(client, url + "?q=Doe&page=2") <= large


def _add_merry_go_round(person, practitioner, cycles: int) -> None:
    start = dt.date(2014, 1, 1)
    for n in range(cycles):
        release = factories.ReleaseFactory(person=person, date=start + dt.timedelta(days=400 * n))
        factories.RecallFactory(release=release, recall_date=release.date + dt.timedelta(days=100))
        factories.LicenceConditionFactory(
            person=person, start_date=release.date, end_date=release.date + dt.timedelta(days=99)
        )
        factories.AllocationFactory(
            person=person,
            practitioner=practitioner,
            start_date=release.date,
            end_date=release.date + dt.timedelta(days=99),
        )


@pytest.mark.parametrize(
    "page", ["person_overview", "person_sentence", "person_timeline", "person_history"]
)
def test_person_pages_query_count_does_not_grow_with_the_history(practitioner, team, page):
    client = client_for(practitioner)
    short = factories.PersonFactory(team=team)
    factories.IndexOffenceFactory(sentence=factories.SentenceFactory(person=short))
    _add_merry_go_round(short, practitioner, 1)
    long = factories.PersonFactory(team=team)
    factories.IndexOffenceFactory(sentence=factories.SentenceFactory(person=long))
    _add_merry_go_round(long, practitioner, 6)
    assert _queries(client, reverse(page, args=[short.crn])) == _queries(
        client, reverse(page, args=[long.crn])
    )
