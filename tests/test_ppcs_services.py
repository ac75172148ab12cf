"""PPCS decisions, return to custody, and stopping a recall: guarded, locked, audited."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from ippcase import vocab as case_vocab
from ippcase.cases import selectors as case_selectors
from ippcase.core.permissions import visible_people
from ippcase.models import Notification, Recall, Release
from recall import services
from recall.models import PpcsDecision
from recall.vocab import PPCS_STATUSES
from recall.vocab import RecommendationStatus as Status
from tests import factories
from tests.test_recall_services import _draft_ready_to_send, _send, _sign


@pytest.fixture
def on_licence(team):
    return factories.make_case(
        team,
        recalled=False,
        released=factories.recently_released(),
        first_name="Lee",
        last_name="Hart",
    )


@pytest.fixture
def aco(team):
    return factories.UserFactory(username="aco", roles=[case_vocab.Role.SENIOR_MANAGER], team=team)


@pytest.fixture
def submitted(on_licence, practitioner, manager, aco):
    rec = _send(_draft_ready_to_send(on_licence, practitioner), practitioner)
    rec = _sign(_sign(rec, manager, "spo"), aco, "aco")
    return services.recommendation_submit(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )


def _authorised(submitted, ppcs):
    return services.ppcs_decide(rec_id=submitted.pk, actor=ppcs, outcome="authorised")


def test_ppcs_sees_a_person_once_a_request_is_submitted(on_licence, ppcs, submitted):
    assert on_licence in visible_people(ppcs)
    assert ppcs.has_perm("ippcase.view_person", on_licence)
    assert set(PPCS_STATUSES) <= set(Status.values)


def test_authorising_revokes_the_licence_and_the_person_shows_recalled_not_in_custody(
    on_licence, ppcs, practitioner, manager, submitted
):
    rec = _authorised(submitted, ppcs)
    assert rec.status == Status.AUTHORISED and rec.assigned_to == ppcs
    recall = Recall.objects.get(pk=rec.recall_id)
    assert recall.recall_date == timezone.localdate()
    assert recall.criteria == ["i"] and recall.reasons == ["drugs_alcohol"]
    assert recall.release == on_licence.releases.order_by("-date").first()
    person = case_selectors.person_with_history(on_licence)
    assert case_selectors.case_status(person) == case_selectors.CaseStatus.RECALLED_AT_LARGE
    told = set(
        Notification.objects.filter(subject__endswith="recall authorised").values_list(
            "recipient", flat=True
        )
    )
    assert told == {practitioner.pk, manager.pk}


@pytest.mark.parametrize("outcome", ["rejected", "info_requested"])
def test_rejecting_or_asking_for_more_needs_a_reason_and_changes_nothing_without(
    submitted, ppcs, outcome
):
    with pytest.raises(services.RecallError, match=r"reason|information"):
        services.ppcs_decide(rec_id=submitted.pk, actor=ppcs, outcome=outcome, reason="  ")
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED and not PpcsDecision.objects.exists()
    rec = services.ppcs_decide(
        rec_id=submitted.pk, actor=ppcs, outcome=outcome, reason="Need police log."
    )
    assert rec.status == outcome and rec.recall_id is None


def test_more_information_goes_back_to_the_practitioner_who_resubmits(
    submitted, ppcs, practitioner
):
    rec = services.ppcs_decide(
        rec_id=submitted.pk, actor=ppcs, outcome="info_requested", reason="Send the police log."
    )
    with pytest.raises(services.RecallError, match="further information"):
        services.recommendation_resubmit(
            rec_id=rec.pk, actor=practitioner, expected_version=rec.version, further_information=""
        )
    rec = services.recommendation_resubmit(
        rec_id=rec.pk,
        actor=practitioner,
        expected_version=rec.version,
        further_information="Police log CAD 1234 attached to the case.",
    )
    assert rec.status == Status.SUBMITTED
    assert Notification.objects.filter(
        recipient=ppcs, subject__startswith="Further information"
    ).exists()


@pytest.mark.parametrize("persona", ["practitioner", "manager", "admin_user"])
def test_only_ppcs_decides(request, submitted, persona):
    with pytest.raises(services.NotAllowed):
        services.ppcs_decide(
            rec_id=submitted.pk, actor=request.getfixturevalue(persona), outcome="authorised"
        )
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_a_request_that_is_not_submitted_cannot_be_decided(on_licence, practitioner, ppcs):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    with pytest.raises(services.IllegalTransition, match="cannot decide it"):
        services.ppcs_decide(rec_id=rec.pk, actor=ppcs, outcome="authorised")


@pytest.mark.django_db(transaction=True)
def test_two_caseworkers_deciding_at_the_same_moment_record_exactly_one_decision(submitted, ppcs):
    """Real concurrency against PostgreSQL: one authorises while the other rejects."""
    second = factories.UserFactory(roles=[case_vocab.Role.PPCS], team=None)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(actor, outcome):
        try:
            barrier.wait(timeout=10)
            services.ppcs_decide(rec_id=submitted.pk, actor=actor, outcome=outcome, reason="No.")
            outcomes[outcome] = "recorded"
        except services.RecallError as error:
            outcomes[outcome] = str(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(ppcs, "authorised")),
        threading.Thread(target=decide, args=(second, "rejected")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()).count("recorded") == 1, outcomes
    assert PpcsDecision.objects.filter(recommendation=submitted).count() == 1
    loser = next(v for v in outcomes.values() if v != "recorded")
    assert loser.startswith("You cannot decide it: the recommendation is")
    assert Recall.objects.count() == (1 if outcomes["authorised"] == "recorded" else 0)


def test_return_to_custody_starts_the_clock_and_is_validated(submitted, ppcs, practitioner):
    rec = _authorised(submitted, ppcs)
    today = timezone.localdate()
    for day, message in (
        (today + dt.timedelta(days=1), "cannot be in the future"),
        (today - dt.timedelta(days=1), "cannot be before the recall"),
    ):
        with pytest.raises(services.RecallError, match=message):
            services.recall_record_return_to_custody(
                recall_id=rec.recall_id, actor=ppcs, returned_on=day, prison="HMP Leeds"
            )
    recall = services.recall_record_return_to_custody(
        recall_id=rec.recall_id, actor=practitioner, returned_on=today, prison="HMP Leeds"
    )
    assert recall.returned_to_custody == today and recall.custody_prison == "HMP Leeds"
    with pytest.raises(services.IllegalTransition, match="already recorded"):
        services.recall_record_return_to_custody(
            recall_id=rec.recall_id, actor=ppcs, returned_on=today, prison="HMP Hull"
        )
    recall = services.recall_record_progress(
        recall_id=rec.recall_id, actor=ppcs, dossier_served_on=today
    )
    # The report date is not typed: submitting the report records it (recall.report).
    assert recall.dossier_served_on == today and recall.report_submitted_on is None


def test_an_outsider_cannot_record_the_return_to_custody(submitted, ppcs, outsider):
    rec = _authorised(submitted, ppcs)
    with pytest.raises(services.NotAllowed):
        services.recall_record_return_to_custody(
            recall_id=rec.recall_id,
            actor=outsider,
            returned_on=timezone.localdate(),
            prison="HMP Leeds",
        )
    assert Recall.objects.get(pk=rec.recall_id).returned_to_custody is None


def test_stopping_a_recall_before_custody_withdraws_the_revocation(on_licence, submitted, ppcs):
    rec = _authorised(submitted, ppcs)
    with pytest.raises(services.RecallError, match="reason"):
        services.recall_stop(rec_id=rec.pk, actor=ppcs, reason="")
    rec = services.recall_stop(rec_id=rec.pk, actor=ppcs, reason="Allegation withdrawn by police.")
    assert rec.status == Status.RESCINDED and rec.recall_id is None
    assert not Recall.objects.exists()
    person = case_selectors.person_with_history(on_licence)
    assert case_selectors.case_status(person) == case_selectors.CaseStatus.ON_LICENCE


def test_rescinding_after_custody_needs_the_re_release_date(on_licence, submitted, ppcs):
    rec = _authorised(submitted, ppcs)
    today = timezone.localdate()
    services.recall_record_return_to_custody(
        recall_id=rec.recall_id, actor=ppcs, returned_on=today, prison="HMP Leeds"
    )
    with pytest.raises(services.RecallError, match="re-released"):
        services.recall_stop(rec_id=rec.pk, actor=ppcs, reason="Rescinded on review.")
    rec = services.recall_stop(
        rec_id=rec.pk, actor=ppcs, reason="Rescinded on review.", released_on=today
    )
    assert rec.status == Status.RESCINDED
    assert Release.objects.filter(person=on_licence, date=today).exists()
    # The recall happened (it stays history); its re-release date closes its parole work.
    assert Recall.objects.get(pk=rec.recall_id).re_released_on == today
