"""Keeping the licence record in the app (issue 14): record a release, add, vary and end a
licence condition; refusals change nothing; pages' query counts do not grow with the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ippcase import vocab
from ippcase.cases.history import case_history
from ippcase.cases.licence_record import services
from ippcase.cases.selectors import person_with_history
from ippcase.models import LicenceCondition, Recall, Release
from tests import factories
from tests.conftest import client_for

RELEASED = dt.date(2014, 5, 1)


def _in_custody(team, *, returned: bool = True):
    """Sentenced 2008, released 2014, recalled (returned to custody unless ``returned``)."""
    person = factories.PersonFactory(team=team)
    factories.SentenceFactory(person=person)
    release = factories.ReleaseFactory(person=person, date=RELEASED)
    factories.RecallFactory(
        release=release,
        recall_date=dt.date(2014, 11, 1),
        returned_to_custody=dt.date(2014, 11, 3) if returned else None,
    )
    factories.LicenceConditionFactory(person=person, start_date=RELEASED)
    return person


def _on_licence(team):
    person = factories.PersonFactory(team=team)
    factories.SentenceFactory(person=person)
    factories.ReleaseFactory(person=person, date=RELEASED)
    return person


def _marker(person) -> str:
    return services.releases_marker(list(person_with_history(person).releases.all()))


def _date(prefix: str, day: dt.date) -> dict[str, str]:
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


def _release_post(person, day: dt.date, **extra) -> dict[str, str]:
    return {
        **_date("date", day),
        "prison": "HMP Hull",
        "approved_premises": "yes",
        "reason": "Parole Board directed release",
        "marker": _marker(person),
        **extra,
    }


def _texts(person) -> list[str]:
    return [line.text for line in case_history(person)]


def _snapshot(person) -> tuple:
    return (
        list(Release.objects.filter(person=person).values_list("date", "prison")),
        list(Recall.objects.filter(release__person=person).values_list("re_released_on")),
        list(
            LicenceCondition.objects.filter(person=person)
            .order_by("pk")
            .values_list("pk", "text", "start_date", "end_date", "varies_id")
        ),
    )


# --- releases ------------------------------------------------------------------------------------


def test_re_release_after_a_recall_ends_the_custody(team, practitioner):
    person = _in_custody(team)
    client = client_for(practitioner)
    url = reverse("record_release", args=[person.crn])
    assert client.get(url).status_code == 200
    day = dt.date(2020, 6, 1)
    response = client.post(url, _release_post(person, day))
    assert response.status_code == 302, response.content.decode()
    release = Release.objects.get(person=person, date=day)
    assert release.prison == "HMP Hull" and release.approved_premises
    assert Recall.objects.get(release__person=person).re_released_on == day
    texts = _texts(person)
    assert any(
        "Released on licence from HMP Hull on 1 June 2020 to approved premises" in t
        and "Reason: Parole Board directed release" in t
        for t in texts
    ), texts


def test_first_release(team, practitioner):
    person = factories.PersonFactory(team=team)
    factories.SentenceFactory(person=person)
    response = client_for(practitioner).post(
        reverse("record_release", args=[person.crn]), _release_post(person, RELEASED)
    )
    assert response.status_code == 302
    assert Release.objects.filter(person=person, date=RELEASED).exists()


@pytest.mark.parametrize(
    ("setup", "day", "message"),
    [
        ("custody", dt.date(2014, 11, 2), "is not before the next release"),  # before the return
        ("custody", dt.date(2013, 1, 1), "is not after the previous release"),
        ("at_large", dt.date(2020, 6, 1), "they are at large"),
        ("licence", dt.date(2020, 6, 1), "a release needs them in custody"),
        ("unreleased_early", dt.date(2007, 1, 1), "is after the first release"),
    ],
)
def test_refused_releases_change_nothing(team, practitioner, setup, day, message):
    if setup == "custody":
        person = _in_custody(team)
    elif setup == "at_large":
        person = _in_custody(team, returned=False)
    elif setup == "licence":
        person = _on_licence(team)
    else:
        person = factories.PersonFactory(team=team)
        factories.SentenceFactory(person=person)
    before = _snapshot(person)
    response = client_for(practitioner).post(
        reverse("record_release", args=[person.crn]), _release_post(person, day)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page, page
    assert "<title>Error: " in page
    assert _snapshot(person) == before


def test_stale_release_form_is_refused(team, practitioner):
    person = _in_custody(team)
    data = _release_post(person, dt.date(2020, 6, 1))
    Recall.objects.filter(release__person=person).update(returned_to_custody=dt.date(2014, 11, 4))
    before = _snapshot(person)
    response = client_for(practitioner).post(reverse("record_release", args=[person.crn]), data)
    assert "This page is out of date" in response.content.decode()
    assert _snapshot(person) == before


# --- conditions ---------------------------------------------------------------------------


def test_add_conditions_of_each_kind(team, practitioner):
    person = _on_licence(team)
    client = client_for(practitioner)
    url = reverse("add_condition", args=[person.crn])
    assert client.get(url).status_code == 200
    posts = [
        {"kind": "standard", "standard_code": vocab.StandardCondition.KEEP_IN_TOUCH},
        {
            "kind": "additional",
            "additional_code": vocab.AdditionalCondition.RESIDENCE_APPROVED_PREMISES,
            "text": "Reside at Elm House AP",
        },
        {"kind": "bespoke", "text": "Not to enter Leeds city centre"},
    ]
    for post in posts:
        response = client.post(
            url, {**post, **_date("start_date", dt.date(2015, 1, 1)), "reason": "New licence"}
        )
        assert response.status_code == 302, response.content.decode()
    kinds = sorted(LicenceCondition.objects.filter(person=person).values_list("kind", flat=True))
    assert kinds == ["additional", "bespoke", "standard"]
    texts = _texts(person)
    assert any(
        "Licence condition added: Not to enter Leeds city centre (from 1 January 2015)" in t
        for t in texts
    ), texts


def test_add_condition_before_the_latest_release_is_refused(team, practitioner):
    person = _on_licence(team)
    before = _snapshot(person)
    response = client_for(practitioner).post(
        reverse("add_condition", args=[person.crn]),
        {"kind": "bespoke", "text": "x", **_date("start_date", dt.date(2013, 1, 1))},
    )
    assert "on or after the latest release (1 May 2014)" in response.content.decode()
    assert _snapshot(person) == before


def _bespoke(person, **kwargs):
    return factories.LicenceConditionFactory(
        person=person,
        kind="bespoke",
        standard_code="",
        text="Not to contact J",
        start_date=RELEASED,
        **kwargs,
    )


def test_vary_condition_keeps_the_old_wording(team, practitioner):
    person = _on_licence(team)
    old = _bespoke(person)
    client = client_for(practitioner)
    url = reverse("vary_condition", args=[person.crn, old.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "text": "Not to contact J or K",
            **_date("varied_on", dt.date(2016, 3, 3)),
            "reason": "Parole Board variation",
            "marker": services.condition_marker(old),
        },
    )
    assert response.status_code == 302, response.content.decode()
    old.refresh_from_db()
    assert old.end_date == dt.date(2016, 3, 2)
    new = LicenceCondition.objects.get(varies=old)
    assert (new.text, new.start_date, new.end_date) == (
        "Not to contact J or K",
        dt.date(2016, 3, 3),
        None,
    )
    texts = _texts(person)
    assert any(
        "Licence condition varied from 3 March 2016: 'Not to contact J or K' "
        "(was 'Not to contact J')"
        in t
        and "Reason: Parole Board variation" in t
        for t in texts
    ), texts
    page = client.get(reverse("licence_conditions", args=[person.crn])).content.decode()
    assert "Varied on 3 March 2016; was: Not to contact J" in page


def test_end_condition(team, practitioner):
    person = _on_licence(team)
    condition = _bespoke(person)
    response = client_for(practitioner).post(
        reverse("end_condition", args=[person.crn, condition.pk]),
        {
            **_date("end_date", dt.date(2017, 1, 31)),
            "reason": "Completed",
            "correction": "on",
            "marker": services.condition_marker(condition),
        },
    )
    assert response.status_code == 302
    condition.refresh_from_db()
    assert condition.end_date == dt.date(2017, 1, 31)
    assert any(
        t.startswith("Correction: Licence condition 'Not to contact J' ended on 31 January 2017")
        and "Reason: Completed" in t
        for t in _texts(person)
    )


def test_varying_an_ended_condition_is_refused(team, practitioner):
    person = _on_licence(team)
    condition = _bespoke(person, end_date=dt.date(2015, 1, 1))
    before = _snapshot(person)
    response = client_for(practitioner).post(
        reverse("vary_condition", args=[person.crn, condition.pk]),
        {
            "text": "new",
            **_date("varied_on", dt.date(2016, 3, 3)),
            "reason": "r",
            "marker": services.condition_marker(condition),
        },
    )
    assert "it cannot be changed" in response.content.decode()
    assert _snapshot(person) == before


def test_end_before_start_is_refused(team, practitioner):
    person = _on_licence(team)
    condition = _bespoke(person)
    before = _snapshot(person)
    response = client_for(practitioner).post(
        reverse("end_condition", args=[person.crn, condition.pk]),
        {
            **_date("end_date", dt.date(2014, 4, 30)),
            "reason": "r",
            "marker": services.condition_marker(condition),
        },
    )
    assert "on or after the condition started (1 May 2014)" in response.content.decode()
    assert _snapshot(person) == before


def test_stale_vary_form_is_refused(team, practitioner):
    person = _on_licence(team)
    condition = _bespoke(person)
    marker = services.condition_marker(condition)
    LicenceCondition.objects.filter(pk=condition.pk).update(text="Changed meanwhile")
    before = _snapshot(person)
    response = client_for(practitioner).post(
        reverse("vary_condition", args=[person.crn, condition.pk]),
        {"text": "new", **_date("varied_on", dt.date(2016, 3, 3)), "reason": "r", "marker": marker},
    )
    assert "This page is out of date" in response.content.decode()
    assert _snapshot(person) == before


# --- access ------------------------------------------------------------------------------------


def _posts(person, condition):
    return [
        (reverse("record_release", args=[person.crn]), _release_post(person, dt.date(2020, 6, 1))),
        (
            reverse("add_condition", args=[person.crn]),
            {"kind": "bespoke", "text": "x", **_date("start_date", dt.date(2015, 1, 1))},
        ),
        (
            reverse("vary_condition", args=[person.crn, condition.pk]),
            {
                "text": "new",
                **_date("varied_on", dt.date(2016, 3, 3)),
                "reason": "r",
                "marker": services.condition_marker(condition),
            },
        ),
        (
            reverse("end_condition", args=[person.crn, condition.pk]),
            {
                **_date("end_date", dt.date(2016, 3, 3)),
                "reason": "r",
                "marker": services.condition_marker(condition),
            },
        ),
    ]


@pytest.mark.parametrize(("who", "status"), [("wrong_team", 404), ("ppcs", 403)])
def test_wrong_team_and_ppcs_change_nothing(request, team, other_pdu_team, who, status):
    person = _in_custody(team)
    condition = _bespoke(person)
    if who == "wrong_team":
        user = factories.UserFactory(roles=[vocab.Role.PRACTITIONER], team=other_pdu_team)
    else:
        user = request.getfixturevalue("ppcs")
    client = client_for(user)
    before = _snapshot(person)
    for url, data in _posts(person, condition):
        assert client.get(url).status_code == status
        assert client.post(url, data).status_code == status
    assert _snapshot(person) == before


def test_manager_of_the_pdu_may_change(team, manager):
    person = _in_custody(team)
    assert client_for(manager).get(reverse("record_release", args=[person.crn])).status_code == 200


# --- query counts ---------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(person, n: int) -> None:
    for i in range(n):
        old = _bespoke(person, end_date=RELEASED + dt.timedelta(days=10 * i + 5))
        LicenceCondition.objects.create(
            person=person,
            kind="bespoke",
            text=f"Varied {i}",
            start_date=old.end_date + dt.timedelta(days=1),
            end_date=old.end_date + dt.timedelta(days=2),
            varies=old,
        )


@pytest.mark.parametrize(
    "page",
    ["licence_conditions", "record_release", "add_condition", "vary_condition", "end_condition"],
)
def test_query_counts_do_not_grow(team, practitioner, page):
    person = _in_custody(team)
    target = _bespoke(person)
    args = [person.crn, target.pk] if page in ("vary_condition", "end_condition") else [person.crn]
    url = reverse(page, args=args)
    client = client_for(practitioner)
    _grow(person, 2)
    client.get(url)  # warm caches (sessions, content types)
    small = _queries(client, url)
    _grow(person, 12)
    assert _queries(client, url) == small
