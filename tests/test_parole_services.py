"""Parole work services: each action writes what it says, in the audit trail, and each refusal
has a message and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from ippcase.cases import licence
from ippcase.models import LicenceCondition, Notification, Recall, Release
from parole import selectors, services
from parole.models import (
    Adjournment,
    ParoleReview,
    ParoleReviewEvent,
    RiskAssessedRecallReview,
    TerminationReferral,
)
from recall.models import RecallRecommendation
from recall.services import IllegalTransition, recommendation_start
from tests import factories

TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def in_custody(team, practitioner):
    """A person recalled 120 days ago and back in custody the next day, allocated to the COM."""
    person = factories.make_case(team, recalled=False, first_name="Ada", last_name="Lamb")
    release = person.releases.get()
    factories.AllocationFactory(person=person, practitioner=practitioner, start_date=release.date)
    recall = factories.RecallFactory(
        release=release, recall_date=days_ago(120), returned_to_custody=days_ago(119)
    )
    return recall


def refuse(match: str, fn, **kwargs):
    """Call a service that must refuse, and prove nothing changed."""
    counts = [m.objects.count() for m in (ParoleReview, Adjournment, Release, TerminationReferral)]
    with pytest.raises(services.ParoleError, match=match):
        fn(**kwargs)
    assert counts == [
        m.objects.count() for m in (ParoleReview, Adjournment, Release, TerminationReferral)
    ]


def test_paper_review_directing_an_oral_hearing_opens_the_oral_review(in_custody, ppcs):
    paper = services.review_refer(
        recall_id=in_custody.pk, actor=ppcs, kind="paper", referred_on=days_ago(100)
    )
    services.review_update(review_id=paper.pk, actor=ppcs, calder_answer="appropriate")
    services.review_decide(
        review_id=paper.pk,
        actor=ppcs,
        decided_on=days_ago(80),
        outcome="oral_hearing",
        hearing_date=TODAY + dt.timedelta(days=60),
    )
    oral = ParoleReview.objects.get(recall=in_custody, kind="oral")
    assert (oral.referred_on, oral.hearing_date, oral.decided_on) == (
        days_ago(80),
        TODAY + dt.timedelta(days=60),
        None,
    )
    # Audited with the actor; the COM is told of the decision (by CRN, never by name).
    event = ParoleReviewEvent.objects.filter(pgh_obj_id=paper.pk).order_by("pgh_id").last()
    assert event.pgh_context.metadata["user"] == ppcs.pk
    note = Notification.objects.get(subject__contains="Parole Board decision")
    assert in_custody.release.person.crn in note.text
    assert in_custody.release.person.crn not in note.subject + note.body
    assert "Lamb" not in note.subject + note.body + note.text
    # The Calder question belongs to the first review only.
    refuse(
        "first review",
        services.review_update,
        review_id=oral.pk,
        actor=ppcs,
        calder_answer="appropriate",
    )


def test_an_oral_hearing_cannot_direct_another(in_custody, ppcs):
    oral = services.review_refer(
        recall_id=in_custody.pk, actor=ppcs, kind="oral", referred_on=days_ago(100)
    )
    refuse(
        "oral hearing decides",
        services.review_decide,
        review_id=oral.pk,
        actor=ppcs,
        decided_on=days_ago(1),
        outcome="oral_hearing",
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "paper", "referred_on": TODAY + dt.timedelta(days=1)}, "future"),
        ({"kind": "paper", "referred_on": days_ago(121)}, "before the recall"),
        ({"kind": "paper", "referred_on": days_ago(10), "hearing_date": TODAY}, "Only an oral"),
        ({"kind": "video", "referred_on": days_ago(10)}, "papers or at an oral"),
    ],
)
def test_bad_referrals_are_refused(in_custody, ppcs, kwargs, match):
    refuse(match, services.review_refer, recall_id=in_custody.pk, actor=ppcs, **kwargs)


def test_one_undecided_review_at_a_time_and_decisions_after_referral(in_custody, ppcs):
    review = services.review_refer(
        recall_id=in_custody.pk, actor=ppcs, kind="paper", referred_on=days_ago(30)
    )
    refuse(
        "already has a review",
        services.review_refer,
        recall_id=in_custody.pk,
        actor=ppcs,
        kind="oral",
        referred_on=days_ago(20),
    )
    refuse(
        "before the referral",
        services.review_decide,
        review_id=review.pk,
        actor=ppcs,
        decided_on=days_ago(31),
        outcome="no_release",
    )
    services.review_decide(
        review_id=review.pk, actor=ppcs, decided_on=days_ago(5), outcome="no_release"
    )
    refuse(
        "already decided",
        services.review_decide,
        review_id=review.pk,
        actor=ppcs,
        decided_on=days_ago(4),
        outcome="release",
    )


def test_adjournment_moves_the_hearing_and_is_untold_until_recorded(in_custody, practitioner):
    oral = services.review_refer(
        recall_id=in_custody.pk,
        actor=practitioner,
        kind="oral",
        referred_on=days_ago(90),
        hearing_date=days_ago(20),
    )
    delay = services.delay_add(
        review_id=oral.pk,
        actor=practitioner,
        kind="deferral",
        date=days_ago(20),
        reason="Report not ready",
        new_date=TODAY + dt.timedelta(days=40),
    )
    oral.refresh_from_db()
    assert oral.hearing_date == TODAY + dt.timedelta(days=40)
    person = in_custody.release.person
    assert list(selectors.untold_delays(people=type(person).objects.filter(pk=person.pk))) == [
        delay
    ]
    assert [d.pk for d in selectors.parole_case(person.pk).untold] == [delay.pk]
    refuse(
        "before the adjournment",
        services.delay_record_told,
        delay_id=delay.pk,
        actor=practitioner,
        informed_on=days_ago(21),
    )
    services.delay_record_told(delay_id=delay.pk, actor=practitioner, informed_on=days_ago(2))
    assert not selectors.untold_delays().exists()
    refuse(
        "already recorded as told",
        services.delay_record_told,
        delay_id=delay.pk,
        actor=practitioner,
        informed_on=days_ago(1),
    )


def test_release_decision_then_re_release_closes_the_recall(in_custody, ppcs):
    review = services.review_refer(
        recall_id=in_custody.pk, actor=ppcs, kind="paper", referred_on=days_ago(100)
    )
    refuse(
        "decision to re-release first",
        services.record_re_release,
        recall_id=in_custody.pk,
        actor=ppcs,
        released_on=days_ago(5),
        prison="HMP Leeds",
    )
    services.review_decide(
        review_id=review.pk, actor=ppcs, decided_on=days_ago(20), outcome="release"
    )
    refuse(
        "before the decision",
        services.record_re_release,
        recall_id=in_custody.pk,
        actor=ppcs,
        released_on=days_ago(21),
        prison="HMP Leeds",
    )
    services.record_re_release(
        recall_id=in_custody.pk, actor=ppcs, released_on=days_ago(10), prison="HMP Leeds"
    )
    in_custody.refresh_from_db()
    assert in_custody.re_released_on == days_ago(10)
    assert in_custody.release.person.releases.order_by("date").last().date == days_ago(10)
    assert not selectors.awaiting_parole().filter(pk=in_custody.pk).exists()
    refuse(
        "closed",
        services.review_refer,
        recall_id=in_custody.pk,
        actor=ppcs,
        kind="paper",
        referred_on=days_ago(1),
    )


def test_rarr_is_ppcs_only_once_per_recall_and_leads_to_re_release(in_custody, ppcs, practitioner):
    with pytest.raises(services.NotAllowed):
        services.rarr_record(
            recall_id=in_custody.pk,
            actor=practitioner,
            decided_on=days_ago(30),
            outcome="release",
            rationale="Safe",
        )
    refuse(
        "rationale",
        services.rarr_record,
        recall_id=in_custody.pk,
        actor=ppcs,
        decided_on=days_ago(30),
        outcome="release",
        rationale=" ",
    )
    services.rarr_record(
        recall_id=in_custody.pk,
        actor=ppcs,
        decided_on=days_ago(30),
        outcome="release",
        rationale="Risk manageable in the community",
    )
    with pytest.raises(services.ParoleError, match="already recorded"):
        services.rarr_record(
            recall_id=in_custody.pk,
            actor=ppcs,
            decided_on=days_ago(29),
            outcome="no_release",
            rationale="x",
        )
    assert RiskAssessedRecallReview.objects.count() == 1
    services.record_re_release(
        recall_id=in_custody.pk, actor=ppcs, released_on=days_ago(25), prison="HMP Hull"
    )
    in_custody.refresh_from_db()
    assert in_custody.re_released_on == days_ago(25)


def qualified_person(team, years_ago: int, sentence_type: str = "IPP"):
    person = factories.make_case(team, recalled=False)
    person.releases.update(date=TODAY - relativedelta(years=years_ago))
    person.sentence.sentence_type = sentence_type
    person.sentence.save()
    LicenceCondition.objects.filter(person=person).update(
        start_date=TODAY - relativedelta(years=years_ago)
    )
    return person


def test_termination_referral_needs_the_qualifying_date_and_termination_ends_the_licence(
    team, ppcs, practitioner
):
    early = qualified_person(team, 2)
    with pytest.raises(services.NotAllowed):  # not yet PPCS work: no recall, not qualified
        services.termination_refer(person_id=early.pk, actor=ppcs, referred_on=TODAY)
    factories.RecallFactory(release=early.releases.get(), recall_date=days_ago(100))
    refuse(
        "before the qualifying date",
        services.termination_refer,
        person_id=early.pk,
        actor=ppcs,
        referred_on=days_ago(1),
    )
    dpp = qualified_person(team, 2, "DPP")
    # A DPP licence qualifies two years to the day after the first release.
    services.termination_refer(person_id=dpp.pk, actor=ppcs, referred_on=TODAY)

    person = qualified_person(team, 4)
    with pytest.raises(services.NotAllowed):
        services.termination_refer(person_id=person.pk, actor=practitioner, referred_on=TODAY)
    referral = services.termination_refer(person_id=person.pk, actor=ppcs, referred_on=days_ago(30))
    refuse(
        "already waiting",
        services.termination_refer,
        person_id=person.pk,
        actor=ppcs,
        referred_on=days_ago(20),
    )
    services.termination_decide(
        referral_id=referral.pk, actor=ppcs, decided_on=days_ago(12), outcome="terminated"
    )
    assert not LicenceCondition.objects.filter(person=person, end_date__isnull=True).exists()
    position = licence.licence_position(person)
    assert position.ended and position.end.reason == "parole_board"
    refuse(
        "The Parole Board terminated this licence",
        services.termination_refer,
        person_id=person.pk,
        actor=ppcs,
        referred_on=TODAY,
    )
    # No recall on a terminated licence.
    with pytest.raises(IllegalTransition, match="terminated this licence"):
        recommendation_start(person=person, actor=practitioner)
    assert not RecallRecommendation.objects.filter(person=person).exists()


def test_a_risk_assessed_recall_review_is_only_for_ipp_and_dpp(team, ppcs):
    person = factories.make_case(team)
    person.sentence.sentence_type = "LIFE"
    person.sentence.save()
    recall = Recall.objects.filter(release__person=person).latest("recall_date")
    refuse(
        "only for a recalled IPP or DPP sentence",
        services.rarr_record,
        recall_id=recall.pk,
        actor=ppcs,
        decided_on=TODAY,
        outcome="release",
        rationale="Stable",
    )
    assert not RiskAssessedRecallReview.objects.filter(recall=recall).exists()
