"""A licence that has ended is ended everywhere (issue 12, section 1): the SQL twin of the law,
the status on every page, and a recall refused at every step with the date and the reason."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ippcase.cases import selectors as case_selectors
from ippcase.models import Person, Recall
from parole.models import TerminationReferral
from recall import rules, services
from recall.models import RecallRecommendation
from recall.vocab import RecommendationStatus as Status
from tests import factories
from tests.conftest import client_for

TODAY = timezone.localdate()
CONFIRM = dict(
    alternatives_explored=True,
    recall_type_correct=True,
    report_quality=True,
    not_manageable_in_community=True,
)


# ---------------------------------------------------------------------------------------------
# The SQL functions of migration 0008 agree with recall.rules, day by day


def _starts() -> list[dt.date]:
    days = [dt.date(2019, 1, 1) + dt.timedelta(days=n) for n in range(0, 3 * 366, 7)]
    # Every 29 February and the days around it, and the 1 November 2024 floor.
    for year in (2016, 2020, 2024):
        days += [dt.date(year, 2, 27) + dt.timedelta(days=n) for n in range(4)]
    days += [dt.date(2021, 10, 30) + dt.timedelta(days=n) for n in range(5)]
    return days


@pytest.mark.django_db
def test_the_sql_automatic_termination_matches_the_rules_module():
    rows = []
    for first in _starts():
        for gap in (0, 200, 1095, 1500):
            latest = first + dt.timedelta(days=gap)
            for kind, years in (("IPP", 3), ("DPP", 2)):
                rows.append((first, latest, kind, years))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ippcase_automatic_termination(f, l, q, 2, %s) FROM unnest(%s::date[], "
            "%s::date[], %s::int[]) AS t(f, l, q)",
            [
                rules.AUTOMATIC_TERMINATION_IN_FORCE,
                [r[0] for r in rows],
                [r[1] for r in rows],
                [r[3] for r in rows],
            ],
        )
        sql = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT ippcase_years_after(d, n) FROM unnest(%s::date[]) AS d, "
            "unnest(ARRAY[1, 2, 3, 4]) AS n ORDER BY d, n",
            [sorted({r[0] for r in rows})],
        )
        years_after = [row[0] for row in cursor.fetchall()]
    python = [rules.automatic_termination_date(k, f, latest) for f, latest, k, _ in rows]
    assert sql == python
    expected = [rules.years_after(d, n) for d in sorted({r[0] for r in rows}) for n in (1, 2, 3, 4)]
    assert years_after == expected
    assert dt.date(2020, 3, 1) in expected  # 29 February 2016 + 4 years is 29 February 2020 ...
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ippcase_years_after('2020-02-29', 1), "
            "ippcase_automatic_termination(NULL, '2020-01-01', 3, 2, '2024-11-01')"
        )
        assert cursor.fetchone() == (dt.date(2021, 3, 1), None)  # ... and + 1 year is 1 March


# ---------------------------------------------------------------------------------------------
# The status everywhere


def _ended_automatically(team, **kwargs) -> Person:
    """Released in 2014 and never recalled: the licence ended on 1 November 2024."""
    return factories.make_case(team, recalled=False, released=dt.date(2014, 5, 1), **kwargs)


def test_the_caseload_shows_licence_ended_with_its_date_and_reason_and_filters_by_it(
    team, practitioner
):
    ended = _ended_automatically(team, last_name="Ended")
    terminated = factories.make_case(
        team, recalled=False, released=TODAY - relativedelta(years=4), last_name="Terminated"
    )
    TerminationReferral.objects.create(
        person=terminated,
        referred_on=TODAY - dt.timedelta(days=40),
        decided_on=TODAY - dt.timedelta(days=10),
        outcome="terminated",
    )
    in_force = factories.make_case(team, recalled=False, last_name="InForce")
    client = client_for(practitioner)
    body = client.get(reverse("caseload")).content.decode()
    assert "on 1 Nov 2024, automatically (s.31A)" in body
    assert "by the Parole Board" in body
    response = client.get(reverse("caseload"), {"status": "licence_ended"})
    crns = {p.crn for p in response.context["page"].object_list}
    assert crns == {ended.crn, terminated.crn}
    response = client.get(reverse("caseload"), {"status": "on_licence"})
    assert {p.crn for p in response.context["page"].object_list} == {in_force.crn}


def test_the_case_header_says_when_and_why_the_licence_ended(team, practitioner):
    ended = _ended_automatically(team)
    body = client_for(practitioner).get(reverse("person_overview", args=[ended.crn]))
    content = body.content.decode()
    assert "Licence ended on 1 November 2024." in content
    assert "ended automatically on 1 November 2024" in content
    loaded = case_selectors.person_with_history(ended)
    assert case_selectors.case_status(loaded) == case_selectors.CaseStatus.LICENCE_ENDED


def test_a_licence_ending_within_eight_weeks_shows_the_date_on_the_case_and_recommendation(
    team, practitioner
):
    # First released long ago, re-released (after a recall) 2 years less 30 days ago.
    person = factories.make_case(team, recalled=False, released=dt.date(2014, 5, 1))
    factories.RecallFactory(release=person.releases.get(), recall_date=dt.date(2020, 1, 1))
    release = factories.ReleaseFactory(
        person=person, date=TODAY - relativedelta(years=2) + dt.timedelta(days=30)
    )
    ends = release.date + relativedelta(years=2)
    rec = services.recommendation_start(person=person, actor=practitioner)
    client = client_for(practitioner)
    for url in (
        reverse("person_overview", args=[person.crn]),
        reverse("recall:recommendation", args=[rec.pk]),
    ):
        content = client.get(url).content.decode()
        assert f"Licence ends on {ends.day} {ends:%B %Y} (30 days from today)" in content
    far = factories.make_case(team, recalled=False)  # ends in a year: no notice
    assert (
        "Licence ends on"
        not in client.get(reverse("person_overview", args=[far.crn])).content.decode()
    )


def test_the_ppcs_queue_shows_an_ended_licence(team, practitioner, ppcs):
    person = factories.make_case(team, recalled=False, released=TODAY - relativedelta(years=4))
    RecallRecommendation.objects.create(
        person=person,
        created_by=practitioner,
        status=Status.SUBMITTED,
        submitted_at=timezone.now(),
        submitted_by=practitioner,
    )
    queue = reverse("recall:ppcs_queue")
    assert "Licence ended" not in client_for(ppcs).get(queue).content.decode()
    TerminationReferral.objects.create(
        person=person, referred_on=TODAY, decided_on=TODAY, outcome="terminated"
    )
    assert "Licence ended" in client_for(ppcs).get(queue).content.decode()


# ---------------------------------------------------------------------------------------------
# No recall on an ended licence, at every step


@pytest.fixture
def person(team):
    return factories.make_case(team, recalled=False, released=TODAY - relativedelta(years=4))


@pytest.fixture
def aco(team):
    return factories.UserFactory(username="aco", roles=["senior_manager"], team=team)


def _terminate(person) -> None:
    TerminationReferral.objects.create(
        person=person,
        referred_on=TODAY - dt.timedelta(days=20),
        decided_on=TODAY - dt.timedelta(days=2),
        outcome="terminated",
    )


def _refused(call, **kwargs) -> None:
    day = TODAY - dt.timedelta(days=2)
    with pytest.raises(
        services.IllegalTransition,
        match=f"The Parole Board terminated this licence on {day.day} {day:%B %Y}",
    ):
        call(**kwargs)


def _draft(person, practitioner) -> RecallRecommendation:
    """A draft with every answer given and every prompt justified: ready to send."""
    rec = services.recommendation_start(person=person, actor=practitioner)
    rec = services.recommendation_update(
        rec_id=rec.pk,
        actor=practitioner,
        expected_version=rec.version,
        changes=factories.complete_answers(),
    )
    return factories.justify_warnings(rec, practitioner)


def _ready(person, practitioner, manager, aco) -> RecallRecommendation:
    rec = _draft(person, practitioner)
    rec = services.recommendation_send_for_countersignature(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )
    for actor, level in ((manager, "spo"), (aco, "aco")):
        rec = services.recommendation_countersign(
            rec_id=rec.pk,
            actor=actor,
            expected_version=rec.version,
            level=level,
            decision="recall",
            rationale="Agreed.",
            **CONFIRM,
        )
    return rec


def test_starting_a_recommendation_on_an_ended_licence_is_refused(team, practitioner):
    ended = _ended_automatically(team)
    with pytest.raises(services.IllegalTransition, match="ended automatically on 1 November"):
        services.recommendation_start(person=ended, actor=practitioner)
    assert not RecallRecommendation.objects.filter(person=ended).exists()


def test_sending_and_countersigning_are_refused_once_it_ended(person, practitioner, manager):
    rec = _draft(person, practitioner)
    _terminate(person)
    _refused(
        services.recommendation_send_for_countersignature,
        rec_id=rec.pk,
        actor=practitioner,
        expected_version=rec.version,
    )
    TerminationReferral.objects.filter(person=person).delete()
    rec = services.recommendation_send_for_countersignature(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )
    _terminate(person)
    _refused(
        services.recommendation_countersign,
        rec_id=rec.pk,
        actor=manager,
        expected_version=rec.version,
        level="spo",
        decision="recall",
        rationale="Agreed.",
        **CONFIRM,
    )
    rec.refresh_from_db()
    assert rec.status == Status.AWAITING_SPO and not rec.oversights.exists()


def test_submitting_and_authorising_are_refused_once_it_ended(
    person, practitioner, manager, aco, ppcs
):
    rec = _ready(person, practitioner, manager, aco)
    _terminate(person)
    _refused(
        services.recommendation_submit,
        rec_id=rec.pk,
        actor=practitioner,
        expected_version=rec.version,
    )
    TerminationReferral.objects.filter(person=person).delete()
    rec = services.recommendation_submit(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )
    _terminate(person)
    _refused(services.ppcs_decide, rec_id=rec.pk, actor=ppcs, outcome="authorised")
    rec.refresh_from_db()
    assert rec.status == Status.SUBMITTED and rec.recall_id is None
    assert not Recall.objects.filter(release__person=person, recall_date=TODAY).exists()
    # PPCS can still reject it, with the reason.
    services.ppcs_decide(rec_id=rec.pk, actor=ppcs, outcome="rejected", reason="Licence ended.")
    rec.refresh_from_db()
    assert rec.status == Status.REJECTED
