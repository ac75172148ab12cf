"""``recall.selectors.facts_for``: what the app tells the rules (issue 12, section 2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parole.models import TerminationReferral
from recall import rules, selectors, services
from recall.models import RecallRecommendation
from tests import factories

TODAY = timezone.localdate()


@pytest.fixture
def person(team):
    return factories.make_case(team, recalled=False, released=factories.recently_released())


@pytest.fixture
def rec(person, practitioner):
    return services.recommendation_start(person=person, actor=practitioner)


def _facts(rec) -> rules.Facts:
    return selectors.facts_for(selectors.recommendation_with_context(rec.pk), today=TODAY)


def _condition(person, code: str, *, start: dt.date, end: dt.date | None = None) -> None:
    factories.LicenceConditionFactory(
        person=person,
        kind="additional",
        standard_code="",
        additional_code=code,
        text=f"Wording of {code}",
        start_date=start,
        end_date=end,
    )


def test_additional_conditions_in_force_reach_the_rules(person, rec):
    start = person.releases.get().date
    _condition(person, "alcohol_monitoring", start=start)
    _condition(person, "curfew", start=start, end=TODAY - dt.timedelta(days=1))  # ended
    _condition(person, "drug_testing", start=TODAY + dt.timedelta(days=5))  # not yet
    factories.LicenceConditionFactory(
        person=person, kind="additional", standard_code="", text="Uncoded", start_date=start
    )

    facts = _facts(rec)

    assert facts.licence_conditions == {"keep_in_touch", "alcohol_monitoring"}


def test_an_alcohol_monitoring_condition_satisfies_an_alcohol_only_concern(person, rec):
    services.recommendation_update(
        rec_id=rec.pk,
        actor=rec.created_by,
        expected_version=rec.version,
        changes={"current_behaviours": ["alcohol"]},
    )
    codes = {f.code for f in rules.evaluate(_facts(rec))}
    assert "SUBSTANCE_NO_TESTING" in codes
    _condition(person, "alcohol_monitoring", start=person.releases.get().date)
    codes = {f.code for f in rules.evaluate(_facts(rec))}
    assert "SUBSTANCE_NO_TESTING" not in codes


@pytest.mark.parametrize(("category", "level", "expected"), [(None, None, None), (1, 2, 2)])
def test_an_unknown_mappa_level_stays_unknown(person, rec, category, level, expected):
    person.mappa_category, person.mappa_level = category, level
    person.save()
    assert _facts(rec).mappa_level == expected


def test_a_person_without_a_sentence_is_refused_not_guessed(person, rec, practitioner):
    person.sentence.delete()
    with pytest.raises(selectors.FactsUnavailable, match="no sentence is recorded"):
        _facts(rec)
    # The pages show one blocking finding instead, and sending is refused.
    loaded = selectors.recommendation_with_context(rec.pk)
    [finding] = selectors.findings_for(loaded)
    assert (finding.code, finding.severity) == (selectors.SENTENCE_NOT_RECORDED, "block")
    with pytest.raises(services.RulesRefused):
        services.recommendation_send_for_countersignature(
            rec_id=rec.pk, actor=practitioner, expected_version=rec.version
        )


def test_no_recommendation_starts_without_a_sentence(person, practitioner):
    person.sentence.delete()
    person = type(person).objects.get(pk=person.pk)
    with pytest.raises(services.IllegalTransition, match="No sentence is recorded"):
        services.recommendation_start(person=person, actor=practitioner)
    assert not person.recommendations.exists()


def test_releases_recalls_and_the_charge_outcome_reach_the_rules(team, practitioner):
    # Released in 2014 and recalled, re-released in 2019 and recalled, re-released recently.
    person = factories.make_case(team, recalled=False, released=dt.date(2014, 5, 1))
    factories.RecallFactory(release=person.releases.get())
    second = factories.ReleaseFactory(person=person, date=dt.date(2019, 2, 1))
    recall = factories.RecallFactory(release=second, recall_date=dt.date(2020, 1, 1))
    factories.ReleaseFactory(person=person, date=factories.recently_released())
    rec = services.recommendation_start(person=person, actor=practitioner)
    rec.charge_outcome = "no_further_action"
    rec.allegation_status = "charged"
    rec.save()

    facts = _facts(rec)

    assert facts.first_release_date == dt.date(2014, 5, 1)
    assert facts.release_date == factories.recently_released()
    assert facts.previous_recalls == 2
    assert facts.allegation is not None
    assert facts.allegation.charge_outcome == "no_further_action"
    assert facts.licence_terminated_on is None
    rec.recall = recall  # the recall this recommendation became is not a previous one
    assert selectors.facts_for(rec, today=TODAY).previous_recalls == 1


def test_a_parole_board_termination_ends_the_licence(person, rec, ppcs):
    release = person.releases.get().date
    TerminationReferral.objects.create(
        person=person, referred_on=release, decided_on=release, outcome="refused"
    )
    assert _facts(rec).licence_terminated_on is None
    TerminationReferral.objects.create(
        person=person,
        referred_on=release + dt.timedelta(days=1),
        decided_on=release + dt.timedelta(days=30),
        outcome="terminated",
    )
    facts = _facts(rec)
    assert facts.licence_terminated_on == release + dt.timedelta(days=30)
    assert "LICENCE_ENDED" in {f.code for f in rules.evaluate(facts)}


def test_an_ipp_licence_ended_by_automatic_termination_blocks_the_recall(team, practitioner):
    person = factories.make_case(team, recalled=False, released=dt.date(2014, 5, 1))
    # Made directly: the service refuses to start one (tests/test_licence_end.py).
    rec = RecallRecommendation.objects.create(person=person, created_by=practitioner)
    rec = selectors.recommendation_with_context(rec.pk)
    (finding,) = [f for f in selectors.findings_for(rec, today=TODAY) if f.code == "LICENCE_ENDED"]
    assert finding.severity == "block"
    assert "The licence ended on 1 November 2024 (automatic termination" in finding.message


def test_the_facts_cost_the_same_queries_whatever_the_referrals(person, rec):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            _facts(rec)
        return len(ctx.captured_queries)

    release = person.releases.get().date
    few = queries()
    for n in range(4):
        TerminationReferral.objects.create(
            person=person, referred_on=release + dt.timedelta(days=n), outcome=""
        )
    assert queries() == few


# --- the multi-agency meeting records (issue 19) -------------------------------------------------


def _months_ago(months: int, days: int = 0) -> dt.date:
    return rules.add_months(TODAY, -months, days)


def test_meetings_reach_the_rules_latest_forum_and_latest_meeting_with_agencies(person, rec):
    factories.MeetingFactory(person=person, held_on=_months_ago(8), kind="mappa_level_3")
    factories.MeetingFactory(person=person, held_on=_months_ago(4), kind="progression_panel")
    factories.MeetingFactory(
        person=person, held_on=_months_ago(2), kind="professionals", agencies=["opd", "health"]
    )
    factories.MeetingFactory(
        person=person, held_on=_months_ago(1), kind="opd_consultation", agencies=[]
    )

    facts = _facts(rec)

    assert facts.latest_forum_date == _months_ago(4)
    assert facts.latest_forum_kind == "progression_panel"
    assert facts.latest_meeting_date == _months_ago(2)
    assert facts.meeting_agencies == {"opd", "health"}
    assert facts.meeting_period_months == 6
    codes = {f.code for f in rules.evaluate(facts)}
    assert not {"NO_PROGRESSION_PANEL", "NO_MULTI_AGENCY_INPUT"} & codes


def test_struck_out_and_later_meetings_do_not_count(person, rec, practitioner):
    factories.MeetingFactory(
        person=person,
        held_on=_months_ago(1),
        struck_out_at=timezone.now(),
        struck_out_by=practitioner,
        struck_out_reason="Wrong person",
    )
    factories.MeetingFactory(person=person, held_on=TODAY + dt.timedelta(days=3))

    facts = _facts(rec)

    assert facts.latest_forum_date is None
    assert facts.latest_meeting_date is None
    codes = {f.code for f in rules.evaluate(facts)}
    assert {"NO_PROGRESSION_PANEL", "NO_MULTI_AGENCY_INPUT"} <= codes


def test_the_teams_period_decides_whether_a_panel_counts(person, rec, team):
    factories.MeetingFactory(person=person, held_on=_months_ago(9))
    found = {f.code: f.message for f in rules.evaluate(_facts(rec))}
    assert "NO_PROGRESSION_PANEL" in found
    assert (
        "9 months before the decision, outside the team's 6-month period"
        in found["NO_PROGRESSION_PANEL"]
    )

    team.panel_period_months = 12
    team.save()
    facts = _facts(rec)
    assert facts.meeting_period_months == 12
    assert "NO_PROGRESSION_PANEL" not in {f.code for f in rules.evaluate(facts)}


def test_input_outside_a_meeting_counts_only_with_details(person, rec):
    def answer(consulted: bool, details: str) -> set[str]:
        fresh = RecallRecommendation.objects.get(pk=rec.pk)
        services.recommendation_update(
            rec_id=rec.pk,
            actor=rec.created_by,
            expected_version=fresh.version,
            changes={"other_agencies_consulted": consulted, "multi_agency_input": details},
        )
        return {f.code for f in rules.evaluate(_facts(rec))}

    assert "NO_MULTI_AGENCY_INPUT" in answer(True, "  ")
    assert "NO_MULTI_AGENCY_INPUT" in answer(False, "Police called")
    assert "NO_MULTI_AGENCY_INPUT" not in answer(True, "Police called on 3 May: no intelligence.")


def test_a_submitted_recommendation_is_judged_on_the_meetings_before_its_submission(person, rec):
    submitted = timezone.now() - dt.timedelta(days=40)
    RecallRecommendation.objects.filter(pk=rec.pk).update(submitted_at=submitted)
    factories.MeetingFactory(person=person, held_on=TODAY - dt.timedelta(days=10))
    facts = _facts(rec)
    assert facts.decision_date == submitted.date()
    assert facts.latest_forum_date is None


def test_facts_for_the_meetings_cost_a_fixed_number_of_queries(person, rec):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            _facts(rec)
        return len(ctx.captured_queries)

    factories.MeetingActionFactory(meeting=factories.MeetingFactory(person=person))
    small = count()
    for n in range(4):
        meeting = factories.MeetingFactory(person=person, held_on=_months_ago(n + 1))
        factories.MeetingActionFactory.create_batch(2, meeting=meeting)
    assert count() == small
