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


def _add_recall_and_parole_work(person, practitioner, size: int) -> None:
    """Every kind of row the case history reads, ``size`` of each: concerns, actions, a
    recommendation with its oversight, PPCS decisions and dossiers, Parole Board reviews with
    adjournments, a RARR, termination referrals, supervision panels, and multi-agency meetings
    with an action each."""
    import pghistory

    from ippcase.models import Recall
    from parole.models import (
        Adjournment,
        ParoleReview,
        RiskAssessedRecallReview,
        SupervisionSuspension,
        TerminationReferral,
    )
    from recall.models import (
        ActionShortOfRecall,
        Concern,
        Dossier,
        Oversight,
        PpcsDecision,
        RecallRecommendation,
    )

    day = dt.date(2024, 1, 1)
    with pghistory.context(user=practitioner.pk):
        recall = Recall.objects.filter(release__person=person).order_by("recall_date").first()
        rec = RecallRecommendation.objects.create(
            person=person, status="authorised", created_by=practitioner, recall=recall
        )
        for n in range(size):
            later = day + dt.timedelta(days=n * 10)
            Concern.objects.create(
                person=person,
                occurred_on=later,
                description="Missed",
                source="other",
                recorded_by=practitioner,
            )
            ActionShortOfRecall.objects.create(
                person=person,
                kind="warning_letter",
                taken_on=later,
                details="Letter",
                recorded_by=practitioner,
            )
            Oversight.objects.create(
                recommendation=rec,
                level="spo",
                decision="recall",
                rationale="Agreed",
                signed_by=practitioner,
                recommendation_version=n + 1,
            )
            PpcsDecision.objects.create(
                recommendation=rec, outcome="rejected", reason="No", decided_by=practitioner
            )
            Dossier.objects.create(
                recommendation=rec, kind="dossier", version=n + 1, requested_by=practitioner
            )
            review = ParoleReview.objects.create(recall=recall, kind="paper", referred_on=later)
            Adjournment.objects.create(review=review, date=later, reason="Late report")
            TerminationReferral.objects.create(person=person, referred_on=later)
            SupervisionSuspension.objects.create(
                person=person, panel_date=later, panel_recommendation="suspend"
            )
            meeting = factories.record_panel(person, recorded_by=practitioner)
            factories.MeetingActionFactory(meeting=meeting, owner=practitioner)
            rec.further_information = f"Answer {n}"
            rec.save()
        RiskAssessedRecallReview.objects.create(
            recall=recall, decided_on=day, outcome="release", rationale="Manageable"
        )


def test_case_history_query_count_does_not_grow_with_recall_and_parole_work(practitioner, team):
    """The case history reads every level of the case (recommendations, their oversight and
    decisions, recalls, reviews, adjournments) in a fixed number of queries: two sizes."""
    client = client_for(practitioner)
    counts = []
    for size in (1, 6):
        person = factories.make_case(team)
        _add_recall_and_parole_work(person, practitioner, size)
        counts.append(_queries(client, reverse("person_history", args=[person.crn])))
    assert counts[0] == counts[1]
