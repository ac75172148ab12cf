"""The recall recommendation workflow: guarded, locked, audited transitions."""

from __future__ import annotations

import datetime as dt

import pytest

from ippcase import vocab as case_vocab
from ippcase.models import Notification
from recall import entries, selectors, services
from recall.models import Oversight, RecallRecommendation
from recall.vocab import RecommendationStatus as Status
from tests import factories

CONFIRM = dict(
    alternatives_explored=True,
    recall_type_correct=True,
    report_quality=True,
    not_manageable_in_community=True,
)


@pytest.fixture
def on_licence(team):
    person = factories.make_case(
        team,
        recalled=False,
        released=factories.recently_released(),
        first_name="Lee",
        last_name="Hart",
    )
    person.mappa_category, person.mappa_level = 1, 2
    person.save()
    return person


@pytest.fixture
def aco(team):
    return factories.UserFactory(username="aco", roles=[case_vocab.Role.SENIOR_MANAGER], team=team)


def complete_answers(rec) -> dict:
    """Answers that satisfy every block rule (tests/factories.py)."""
    return factories.complete_answers()


_justify_all = factories.justify_warnings


def _send(rec, actor):
    return services.recommendation_send_for_countersignature(
        rec_id=rec.pk, actor=actor, expected_version=rec.version
    )


def _sign(rec, actor, level, decision="recall", rationale="Agreed.", confirm=True):
    return services.recommendation_countersign(
        rec_id=rec.pk,
        actor=actor,
        expected_version=rec.version,
        level=level,
        decision=decision,
        rationale=rationale,
        **(CONFIRM if confirm else {}),
    )


def _draft_ready_to_send(person, practitioner):
    rec = services.recommendation_start(person=person, actor=practitioner)
    answers = complete_answers(rec)
    rec = services.recommendation_update(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version, changes=answers
    )
    return _justify_all(rec, practitioner)


def test_start_prefills_alternatives_from_recorded_actions(on_licence, practitioner):
    entries.action_add(
        person=on_licence,
        actor=practitioner,
        kind="warning_letter",
        taken_on=dt.date(2024, 1, 5),
        details="Final warning about drinking.",
        outcome="Complied for a month.",
    )
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    assert rec.alternatives["warning_letter"]["status"] == "tried"
    assert "Final warning about drinking." in rec.alternatives["warning_letter"]["details"]
    assert rec.alternatives["mappa_referral"] == {"status": "", "details": ""}


def test_only_one_open_recommendation_per_person(on_licence, practitioner):
    services.recommendation_start(person=on_licence, actor=practitioner)
    with pytest.raises(services.IllegalTransition, match="not yet decided"):
        services.recommendation_start(person=on_licence, actor=practitioner)
    assert RecallRecommendation.objects.filter(person=on_licence).count() == 1


def test_the_whole_path_to_submission(on_licence, practitioner, manager, aco, ppcs):
    rec = _draft_ready_to_send(on_licence, practitioner)
    rec = _send(rec, practitioner)
    assert rec.status == Status.AWAITING_SPO
    assert Notification.objects.filter(recipient=manager, text__contains=on_licence.crn).exists()
    rec = _sign(rec, manager, "spo", rationale="Risk is imminent; alternatives exhausted.")
    assert rec.status == Status.AWAITING_ACO
    assert Notification.objects.filter(recipient=aco).exists()
    rec = _sign(rec, aco, "aco")
    assert rec.status == Status.READY
    assert rec.decision_findings is None
    rec = services.recommendation_submit(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )
    assert rec.status == Status.SUBMITTED and rec.submitted_by == practitioner
    # The rules' findings at submission are kept with it, for the quality review (issue 19).
    rec.refresh_from_db()
    warns = {f["code"] for f in rec.decision_findings if f["severity"] == "warn"}
    assert warns and warns <= set(rec.acknowledgements)
    assert all(f["message"] and f["reference"] for f in rec.decision_findings)
    assert Notification.objects.filter(recipient=ppcs, subject__contains="submitted").exists()
    assert [o.level for o in Oversight.objects.filter(recommendation=rec)] == ["spo", "aco"]


def test_block_findings_refuse_sending_and_change_nothing(on_licence, practitioner):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    with pytest.raises(services.RulesRefused) as refused:
        _send(rec, practitioner)
    assert {"CRITERIA_NONE", "CAUSAL_LINK_MISSING"} <= {f.code for f in refused.value.findings}
    rec.refresh_from_db()
    assert rec.status == Status.DRAFT


def test_warn_findings_need_a_written_justification(on_licence, practitioner):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    answers = complete_answers(rec)  # no progression panel is recorded
    rec = services.recommendation_update(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version, changes=answers
    )
    with pytest.raises(services.RulesRefused) as refused:
        _send(rec, practitioner)
    assert "NO_PROGRESSION_PANEL" in {f.code for f in refused.value.findings}
    factories.record_panel(on_licence)  # a panel recorded answers it
    with pytest.raises(services.RulesRefused) as refused:
        _send(rec, practitioner)
    assert "NO_PROGRESSION_PANEL" not in {f.code for f in refused.value.findings}
    rec = _justify_all(rec, practitioner)
    rec = _send(rec, practitioner)
    assert rec.status == Status.AWAITING_SPO


def test_nobody_countersigns_their_own_recommendation(on_licence, team):
    both = factories.UserFactory(
        roles=[case_vocab.Role.PRACTITIONER, case_vocab.Role.MANAGER], team=team
    )
    rec = _draft_ready_to_send(on_licence, both)
    rec = _send(rec, both)
    with pytest.raises(services.NotAllowed, match="your own recommendation"):
        _sign(rec, both, "spo", rationale="Self.")
    assert not Oversight.objects.exists()


def test_the_spo_cannot_also_sign_as_aco(on_licence, practitioner, team):
    spo_aco = factories.UserFactory(
        roles=[case_vocab.Role.MANAGER, case_vocab.Role.SENIOR_MANAGER], team=team
    )
    rec = _draft_ready_to_send(on_licence, practitioner)
    rec = _send(rec, practitioner)
    rec = _sign(rec, spo_aco, "spo")
    with pytest.raises(services.NotAllowed):
        _sign(rec, spo_aco, "aco")
    rec.refresh_from_db()
    assert rec.status == Status.AWAITING_ACO


@pytest.mark.parametrize("persona", ["outsider", "ppcs", "manager"])
def test_wrong_role_or_team_cannot_edit(request, on_licence, practitioner, persona):
    user = request.getfixturevalue(persona)
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    with pytest.raises(services.NotAllowed):
        services.recommendation_update(
            rec_id=rec.pk, actor=user, expected_version=rec.version, changes={"causal_link": "x"}
        )
    rec.refresh_from_db()
    assert rec.causal_link == "" and rec.version == 1


def test_a_stale_form_is_refused_and_changes_nothing(on_licence, practitioner):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    services.recommendation_update(
        rec_id=rec.pk, actor=practitioner, expected_version=1, changes={"causal_link": "first"}
    )
    with pytest.raises(services.StaleRecommendation, match="Someone else changed"):
        services.recommendation_update(
            rec_id=rec.pk, actor=practitioner, expected_version=1, changes={"causal_link": "second"}
        )
    rec.refresh_from_db()
    assert rec.causal_link == "first" and rec.version == 2


def test_double_submission_is_refused(on_licence, practitioner, manager, aco):
    rec = _draft_ready_to_send(on_licence, practitioner)
    rec = _send(rec, practitioner)
    for actor, level in ((manager, "spo"), (aco, "aco")):
        rec = _sign(rec, actor, level)
    rec = services.recommendation_submit(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )
    submitted_at = rec.submitted_at
    with pytest.raises(services.IllegalTransition, match="submitted to PPCS"):
        services.recommendation_submit(
            rec_id=rec.pk, actor=practitioner, expected_version=rec.version
        )
    rec.refresh_from_db()
    assert rec.submitted_at == submitted_at


def test_spo_disagreeing_returns_it_to_the_practitioner(on_licence, practitioner, manager):
    rec = _draft_ready_to_send(on_licence, practitioner)
    rec = _send(rec, practitioner)
    rec = _sign(
        rec,
        manager,
        "spo",
        decision="do_not_recall",
        rationale="Try a curfew and an AP move first.",
        confirm=False,
    )
    assert rec.status == Status.DRAFT
    assert Notification.objects.filter(recipient=practitioner, text__contains="curfew").exists()


def test_decision_not_to_recall_is_ended_by_the_spo(on_licence, practitioner, manager):
    rec = services.recommendation_start(person=on_licence, actor=practitioner)
    rec = services.recommendation_update(
        rec_id=rec.pk,
        actor=practitioner,
        expected_version=rec.version,
        changes={
            "recall_type": "none",
            "why_considered": "Missed two appointments; now re-engaged.",
        },
    )
    rec = _justify_all(rec, practitioner)
    rec = _send(rec, practitioner)
    rec = _sign(
        rec,
        manager,
        "spo",
        decision="do_not_recall",
        rationale="Manageable with increased reporting.",
        confirm=False,
    )
    assert rec.status == Status.NOT_RECALLED
    rec.refresh_from_db()
    assert isinstance(rec.decision_findings, list)  # kept, even when there are none
    assert {f["code"] for f in rec.decision_findings} == {
        f.code
        for f in selectors.findings_for(
            selectors.recommendation_with_context(rec.pk), stage="submit"
        )
    }


# Duty managers (issue 12): the clock, not the practitioner, says when it is out of hours.
# Thursday 4 December 2025 is a working day; 6 December 2025 a Saturday; 25 December 2025 and
# 26 May 2025 (spring bank holiday, a Monday) are bank holidays.
WORKING_DAY_2PM = (2025, 12, 4, 14, 0)
OUT_OF_HOURS = {
    "a working day at 7pm": (2025, 12, 4, 19, 0),
    "a Saturday": (2025, 12, 6, 11, 0),
    "Christmas Day": (2025, 12, 25, 11, 0),
    "the spring bank holiday": (2025, 5, 26, 11, 0),
}


@pytest.fixture
def duty_spo(other_pdu_team):
    # A fixed name: a random one could contain the person's name ("Lee") by chance.
    return factories.UserFactory(
        username="duty-spo",
        first_name="Dana",
        last_name="Okafor",
        roles=[case_vocab.Role.MANAGER],
        team=other_pdu_team,
    )


def test_in_office_hours_a_manager_from_another_pdu_is_refused_and_nothing_is_recorded(
    on_licence, practitioner, manager, duty_spo, london_clock
):
    rec = _send(_draft_ready_to_send(on_licence, practitioner), practitioner)
    rec.out_of_hours = True  # the practitioner's old self-declared flag grants nothing
    rec.save(update_fields=["out_of_hours"])
    sent = Notification.objects.count()
    london_clock.at(*WORKING_DAY_2PM)
    assert not duty_spo.has_perm("recall.countersign_spo", rec)
    with pytest.raises(services.NotAllowed, match=r"within office hours .*09:00 to 17:00"):
        _sign(rec, duty_spo, "spo", rationale="Agreed by the duty SPO.")
    rec.refresh_from_db()
    assert rec.status == Status.AWAITING_SPO
    assert not Oversight.objects.exists()
    assert Notification.objects.count() == sent


@pytest.mark.parametrize("when", OUT_OF_HOURS.values(), ids=OUT_OF_HOURS.keys())
def test_out_of_hours_a_duty_manager_signs_and_the_pdus_managers_are_told(
    on_licence, practitioner, manager, senior_manager, duty_spo, london_clock, when
):
    rec = _send(_draft_ready_to_send(on_licence, practitioner), practitioner)
    london_clock.at(*when)
    assert duty_spo.has_perm("recall.countersign_spo", rec)
    rec = _sign(rec, duty_spo, "spo", rationale="Agreed by the duty SPO.")
    assert rec.status == Status.AWAITING_ACO
    signature = Oversight.objects.get(recommendation=rec)
    assert signature.duty_manager is True and signature.signed_by == duty_spo
    told = Notification.objects.filter(subject__contains="duty manager")
    assert {n.recipient for n in told} == {manager, senior_manager}
    assert all(on_licence.first_name not in n.body + n.subject for n in told)
    assert all(on_licence.crn not in n.subject + n.body for n in told)
    assert all(on_licence.crn in n.text for n in told)  # in the app, behind sign-in


def test_out_of_hours_the_pdus_own_manager_signs_as_usual(
    on_licence, practitioner, manager, senior_manager, london_clock
):
    rec = _send(_draft_ready_to_send(on_licence, practitioner), practitioner)
    london_clock.at(*OUT_OF_HOURS["a working day at 7pm"])
    _sign(rec, manager, "spo")
    assert Oversight.objects.get(recommendation=rec).duty_manager is False
    assert not Notification.objects.filter(subject__contains="duty manager").exists()


def test_a_duty_aco_from_another_pdu_signs_out_of_hours_only(
    on_licence, practitioner, manager, other_pdu_team, london_clock
):
    duty_aco = factories.UserFactory(
        username="duty-aco", roles=[case_vocab.Role.SENIOR_MANAGER], team=other_pdu_team
    )
    rec = _sign(_send(_draft_ready_to_send(on_licence, practitioner), practitioner), manager, "spo")
    london_clock.at(*WORKING_DAY_2PM)
    with pytest.raises(services.NotAllowed, match="within office hours"):
        _sign(rec, duty_aco, "aco")
    london_clock.at(*OUT_OF_HOURS["a Saturday"])
    assert _sign(rec, duty_aco, "aco").status == Status.READY
    assert Oversight.objects.get(recommendation=rec, level="aco").duty_manager is True


def test_agreeing_a_recall_needs_every_confirmation(on_licence, practitioner, manager):
    rec = _draft_ready_to_send(on_licence, practitioner)
    rec = _send(rec, practitioner)
    with pytest.raises(services.RecallError, match="confirm that alternatives were explored"):
        services.recommendation_countersign(
            rec_id=rec.pk,
            actor=manager,
            expected_version=rec.version,
            level="spo",
            decision="recall",
            rationale="Yes.",
            alternatives_explored=True,
        )
    assert not Oversight.objects.exists()


def test_concerns_cannot_be_dated_in_the_future_or_recorded_by_outsiders(
    on_licence, practitioner, outsider
):
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    with pytest.raises(services.RecallError, match="future"):
        entries.concern_add(
            person=on_licence,
            actor=practitioner,
            occurred_on=tomorrow,
            description="x",
            source="other",
            behaviours=[],
        )
    with pytest.raises(services.NotAllowed):
        entries.concern_add(
            person=on_licence,
            actor=outsider,
            occurred_on=dt.date(2024, 1, 1),
            description="x",
            source="other",
            behaviours=[],
        )
    assert not on_licence.concerns.exists()


@pytest.mark.django_db(transaction=True)
def test_two_spos_signing_at_the_same_moment_record_exactly_one_signature(
    on_licence, practitioner, manager, team
):
    """Real concurrency against PostgreSQL: the row lock serialises the two transactions and the
    second one finds the recommendation already moved on."""
    import threading

    from django.db import connection

    second_spo = factories.UserFactory(roles=[case_vocab.Role.MANAGER], team=team)
    rec = _send(_draft_ready_to_send(on_licence, practitioner), practitioner)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def sign(actor):
        try:
            barrier.wait(timeout=10)
            _sign(rec, actor, "spo")
            outcomes.append("signed")
        except services.RecallError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(u,)) for u in (manager, second_spo)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert outcomes.count("signed") == 1, outcomes
    assert Oversight.objects.filter(recommendation=rec).count() == 1
    refusal = next(o for o in outcomes if o != "signed")
    assert "awaiting ACO countersignature" in refusal


def test_with_redis_down_submitting_still_works_and_the_emails_wait_in_the_outbox(
    on_licence, practitioner, manager, aco, ppcs, dead_broker, django_capture_on_commit_callbacks
):
    rec = _send(_draft_ready_to_send(on_licence, practitioner), practitioner)
    rec = _sign(_sign(rec, manager, "spo"), aco, "aco")
    with django_capture_on_commit_callbacks(execute=True):
        rec = services.recommendation_submit(
            rec_id=rec.pk, actor=practitioner, expected_version=rec.version
        )
    assert rec.status == Status.SUBMITTED
    waiting = Notification.objects.filter(recipient=ppcs, sent_at__isnull=True)
    assert waiting.count() == 1  # the beat sweep (send_pending) sends it once Redis is back
