"""The recall rules module: every rule fires and does not fire, the date boundaries, the facts
validator, the CLI, and property-based checks that evaluation never crashes.

Needs no database: ``pytest -p no:django --noconftest tests/test_rules.py`` runs it without
Django settings (the vocabulary drift test imports ``ippcase.vocab``, which needs none).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recall import rules
from recall.rules import Facts, FactsError, Finding, evaluate

ROOT = Path(__file__).resolve().parent.parent

# The contract's table: code -> severity (ALTERNATIVES_INCOMPLETE is block unless emergency).
CONTRACT = {
    "LICENCE_ENDED": "block",
    "CRITERIA_NONE": "block",
    "CRITERIA_EVIDENCE_MISSING": "block",
    "CAUSAL_LINK_MISSING": "block",
    "RISK_OF_HARM_EVIDENCE_MISSING": "block",
    "FIXED_TERM_NOT_AVAILABLE": "block",
    "ALTERNATIVES_INCOMPLETE": "block",
    "OUT_OF_TOUCH_NO_LAST_CONTACT": "block",
    "COUNTERSIGN_MISSING": "block",
    "COUNTERSIGN_BY_RECOMMENDER": "block",
    "CAUSAL_LINK_UNSTRUCTURED": "warn",
    "OUT_OF_TOUCH_UNCHECKED": "warn",
    "NO_MULTI_AGENCY_INPUT": "warn",
    "NO_PROGRESSION_PANEL": "warn",
    "AP_EARLY_RECALL": "warn",
    "ALLEGATION_STALE": "warn",
    "ALLEGATION_NOT_PURSUED": "warn",
    "NON_DISCLOSURE_ONLY": "warn",
    "SPECULATIVE_RISK": "warn",
    "MAPPA_LEVEL_1_HIGH_ROSH": "warn",
    "SUBSTANCE_NO_TESTING": "warn",
    "MENTAL_HEALTH_NO_REFERRAL": "warn",
    "COM_DISCONTINUITY": "warn",
    "LONG_TIME_IN_COMMUNITY": "warn",
    "WHEREABOUTS_UNKNOWN": "warn",
    "VLO_NOT_INFORMED": "warn",
}

# Codes that can only fire for a recall (recall_type not "none").
RECALL_ONLY = {
    "LICENCE_ENDED",
    "CRITERIA_NONE",
    "CAUSAL_LINK_MISSING",
    "RISK_OF_HARM_EVIDENCE_MISSING",
    "FIXED_TERM_NOT_AVAILABLE",
    "ALTERNATIVES_INCOMPLETE",
    "COUNTERSIGN_MISSING",
    "CAUSAL_LINK_UNSTRUCTURED",
    "NO_MULTI_AGENCY_INPUT",
    "NO_PROGRESSION_PANEL",
    "AP_EARLY_RECALL",
    "ALLEGATION_STALE",
    "ALLEGATION_NOT_PURSUED",
    "NON_DISCLOSURE_ONLY",
    "SPECULATIVE_RISK",
    "MAPPA_LEVEL_1_HIGH_ROSH",
    "WHEREABOUTS_UNKNOWN",
    "VLO_NOT_INFORMED",
}
# Codes that only apply to indeterminate or extended sentences.
INDETERMINATE_OR_EDS_ONLY = {
    "CRITERIA_NONE",
    "CAUSAL_LINK_MISSING",
    "RISK_OF_HARM_EVIDENCE_MISSING",
    "FIXED_TERM_NOT_AVAILABLE",
    "CAUSAL_LINK_UNSTRUCTURED",
    "NO_PROGRESSION_PANEL",
}

AT_LARGE_NOT_HOME: dict[str, Any] = {"custody_status": "at_large", "found_at_main_address": False}

DONE = {"status": "tried", "details": "Done and recorded in the case notes."}

# A well-evidenced IPP recall recommendation, ready to submit, that no rule objects to.
CLEAN: dict[str, Any] = {
    "stage": "submit",
    "decision_date": "2025-06-02",
    "sentence_type": "IPP",
    "recall_type": "standard",
    "emergency": False,
    "criteria": {"i": "Drinking heavily and threatening his partner, as before the offence."},
    "index_offence_behaviours": ["alcohol", "violence"],
    "current_behaviours": ["alcohol", "threats"],
    "causal_link": "Index offence committed while drunk after an argument with a partner.",
    "increased_risk_of_harm": "Police call-outs on 12 and 20 May; partner afraid.",
    "alternatives": {name: DONE for name in rules.CORE_ALTERNATIVES},
    "last_contact_date": "2025-05-30",
    "alternative_addresses_known": False,
    "alternative_addresses_checked": False,
    "other_agencies_consulted": False,
    "allegation": {"status": "none"},
    "residence": "independent",
    "release_date": "2022-01-10",
    "mappa_level": 1,
    "rosh": "high",
    # What the meeting records say: a progression panel with the police and housing in April.
    "latest_forum_date": "2025-04-14",
    "latest_forum_kind": "progression_panel",
    "latest_meeting_date": "2025-04-14",
    "meeting_agencies": ["police", "housing"],
    "meeting_period_months": 6,
    "licence_conditions": ["drug_testing", "good_behaviour"],
    "referrals": ["substance_misuse"],
    "com_changes": 1,
    "recommended_by": "com.smith",
    "countersigned_by_spo": "spo.jones",
    "countersigned_by_aco": "aco.patel",
}


def facts(**changes: Any) -> Facts:
    return Facts.from_dict({**CLEAN, **changes})


def codes(**changes: Any) -> set[str]:
    return {f.code for f in evaluate(facts(**changes))}


def alternatives(**changes: Any) -> dict[str, Any]:
    """The clean alternatives with some changed; a value of None removes the entry."""
    result = {name: DONE for name in rules.CORE_ALTERNATIVES}
    for name, value in changes.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = value
    return result


def test_clean_recommendation_has_no_findings():
    assert evaluate(facts()) == []


def test_rule_table_matches_the_contract():
    assert {rule.code: rule.severity for rule in rules.RULES} == CONTRACT
    assert len(rules.RULE_CODES) == len(set(rules.RULE_CODES))


def test_every_rule_has_a_plain_message_and_a_reference():
    for rule in rules.RULES:
        assert rule.message.strip().endswith(".")
        assert rule.reference.startswith(("HMIP", "Recall, Review", "Crime (Sentences)")), rule.code
        assert "section" in rule.reference or "chapter" in rule.reference, rule.code


# --- every row: fires and does not fire ----------------------------------------------------------

IV = {"iv": "Missed appointments since 20 May; not at his address."}

# Released 10 Jan 2019 and not recalled since: the IPP qualifying period ended on 10 Jan 2022,
# the two years on 10 Jan 2024, so the licence ended on 1 November 2024 (s.66 came into force).
ENDED = {"first_release_date": "2019-01-10", "release_date": "2019-01-10"}
# No meeting recorded, no forum, no answer for input outside a meeting.
NO_MEETINGS: dict[str, Any] = {
    "latest_forum_date": None,
    "latest_forum_kind": None,
    "latest_meeting_date": None,
    "meeting_agencies": [],
}
SPECULATIVE = {
    "criteria": {"ii": "May become violent if challenged."},
    "current_behaviours": ["alcohol", "non_disclosure"],
}

CASES: list[tuple[str, bool, dict[str, Any], str]] = [
    # LICENCE_ENDED
    ("LICENCE_ENDED", True, ENDED, "ipp-automatic-termination"),
    (
        "LICENCE_ENDED",
        True,
        {"sentence_type": "DPP", "first_release_date": "2021-01-10", "release_date": "2022-01-10"},
        "dpp-two-year-qualifying-period",
    ),
    ("LICENCE_ENDED", True, {"licence_terminated_on": "2025-05-01"}, "parole-board-terminated"),
    (
        "LICENCE_ENDED",
        True,
        {**ENDED, "licence_terminated_on": "2025-05-01", "sentence_type": "DPP"},
        "both",
    ),
    ("LICENCE_ENDED", False, {}, "no-first-release-date"),
    (
        "LICENCE_ENDED",
        False,
        {"first_release_date": "2021-01-10", "release_date": "2022-01-10"},
        "ipp-three-year-qualifying-period",
    ),
    ("LICENCE_ENDED", False, {**ENDED, "sentence_type": "LIFE"}, "life-never"),
    ("LICENCE_ENDED", False, {**ENDED, "sentence_type": "EDS"}, "eds-never"),
    ("LICENCE_ENDED", False, {**ENDED, "sentence_type": "SDS"}, "sds-never"),
    (
        "LICENCE_ENDED",
        False,
        {"first_release_date": "2015-01-10", "release_date": "2024-01-10"},
        "re-released-after-a-recall",
    ),
    ("LICENCE_ENDED", False, {**ENDED, "release_date": None}, "no-latest-release"),
    ("LICENCE_ENDED", False, {**ENDED, "decision_date": None}, "no-decision-date"),
    ("LICENCE_ENDED", False, {**ENDED, "recall_type": "none"}, "not-a-recall"),
    ("LICENCE_ENDED", False, {"licence_terminated_on": "2025-06-03"}, "terminated-later"),
    (
        "LICENCE_ENDED",
        False,
        {"licence_terminated_on": "2025-05-01", "decision_date": None},
        "terminated-no-decision-date",
    ),
    # CRITERIA_NONE
    ("CRITERIA_NONE", True, {"criteria": {}}, "ipp-no-criteria"),
    ("CRITERIA_NONE", True, {"criteria": None}, "null-criteria"),
    ("CRITERIA_NONE", True, {"sentence_type": "LIFE", "criteria": {}}, "life"),
    ("CRITERIA_NONE", True, {"sentence_type": "DPP", "criteria": {}}, "dpp"),
    ("CRITERIA_NONE", False, {}, "criterion-given"),
    ("CRITERIA_NONE", False, {"sentence_type": "SDS", "criteria": {}}, "determinate"),
    ("CRITERIA_NONE", False, {"sentence_type": "EDS", "criteria": {}}, "extended"),
    ("CRITERIA_NONE", False, {"recall_type": "none", "criteria": {}}, "not-a-recall"),
    # CRITERIA_EVIDENCE_MISSING
    ("CRITERIA_EVIDENCE_MISSING", True, {"criteria": {"ii": "   "}}, "blank"),
    ("CRITERIA_EVIDENCE_MISSING", True, {"criteria": {"i": "x", "iii": None}}, "null"),
    ("CRITERIA_EVIDENCE_MISSING", True, {"criteria": {"i": ""}, "sentence_type": "SDS"}, "sds"),
    ("CRITERIA_EVIDENCE_MISSING", False, {}, "evidenced"),
    ("CRITERIA_EVIDENCE_MISSING", False, {"criteria": {}}, "none-given"),
    # CAUSAL_LINK_MISSING
    ("CAUSAL_LINK_MISSING", True, {"causal_link": ""}, "ipp-blank"),
    ("CAUSAL_LINK_MISSING", True, {"causal_link": " \n", "sentence_type": "EDS"}, "eds-space"),
    ("CAUSAL_LINK_MISSING", True, {"causal_link": None, "sentence_type": "LIFE"}, "life-null"),
    ("CAUSAL_LINK_MISSING", False, {}, "given"),
    ("CAUSAL_LINK_MISSING", False, {"causal_link": "", "sentence_type": "SDS"}, "determinate"),
    ("CAUSAL_LINK_MISSING", False, {"causal_link": "", "recall_type": "none"}, "not-a-recall"),
    # RISK_OF_HARM_EVIDENCE_MISSING
    ("RISK_OF_HARM_EVIDENCE_MISSING", True, {"increased_risk_of_harm": ""}, "ipp-blank"),
    (
        "RISK_OF_HARM_EVIDENCE_MISSING",
        True,
        {"increased_risk_of_harm": "\t", "sentence_type": "EDS"},
        "eds",
    ),
    ("RISK_OF_HARM_EVIDENCE_MISSING", False, {}, "given"),
    (
        "RISK_OF_HARM_EVIDENCE_MISSING",
        False,
        {"increased_risk_of_harm": "", "sentence_type": "SDS"},
        "determinate",
    ),
    (
        "RISK_OF_HARM_EVIDENCE_MISSING",
        False,
        {"increased_risk_of_harm": "", "recall_type": "none"},
        "not-a-recall",
    ),
    # FIXED_TERM_NOT_AVAILABLE
    ("FIXED_TERM_NOT_AVAILABLE", True, {"recall_type": "fixed_term"}, "ipp"),
    ("FIXED_TERM_NOT_AVAILABLE", True, {"recall_type": "fixed_term", "sentence_type": "EDS"}, "e"),
    ("FIXED_TERM_NOT_AVAILABLE", False, {"recall_type": "fixed_term", "sentence_type": "SDS"}, "s"),
    ("FIXED_TERM_NOT_AVAILABLE", False, {}, "standard-recall"),
    # ALTERNATIVES_INCOMPLETE
    ("ALTERNATIVES_INCOMPLETE", True, {"alternatives": {}}, "none-recorded"),
    (
        "ALTERNATIVES_INCOMPLETE",
        True,
        {"alternatives": alternatives(mappa_referral=None)},
        "one-core-missing",
    ),
    (
        "ALTERNATIVES_INCOMPLETE",
        True,
        {"alternatives": alternatives(warning_letter={"details": "Sent"})},
        "core-without-status",
    ),
    (
        "ALTERNATIVES_INCOMPLETE",
        True,
        {"alternatives": alternatives(polygraph={"status": "tried", "details": " "})},
        "tried-without-details",
    ),
    (
        "ALTERNATIVES_INCOMPLETE",
        True,
        {"alternatives": alternatives(approved_premises={"status": "not_suitable"})},
        "not-suitable-without-details",
    ),
    ("ALTERNATIVES_INCOMPLETE", True, {"alternatives": {}, "sentence_type": "SDS"}, "any-sentence"),
    (
        "ALTERNATIVES_INCOMPLETE",
        True,
        {"alternatives": alternatives(approved_premises={"status": "not_applicable"})},
        "core-not-applicable-without-details",
    ),
    (
        "ALTERNATIVES_INCOMPLETE",
        True,
        {
            "alternatives": alternatives(
                mappa_referral={"status": "not_applicable", "details": "  "}
            ),
            "sentence_type": "SDS",
        },
        "core-not-applicable-blank-details",
    ),
    ("ALTERNATIVES_INCOMPLETE", False, {}, "all-recorded"),
    (
        "ALTERNATIVES_INCOMPLETE",
        False,
        {
            "alternatives": alternatives(
                approved_premises={"status": "not_applicable", "details": "Lives with family."}
            )
        },
        "core-not-applicable-with-details",
    ),
    (
        "ALTERNATIVES_INCOMPLETE",
        False,
        {"alternatives": alternatives(polygraph={"status": "not_applicable"})},
        "other-not-applicable-needs-no-details",
    ),
    ("ALTERNATIVES_INCOMPLETE", False, {"alternatives": {}, "recall_type": "none"}, "no-recall"),
    # OUT_OF_TOUCH_NO_LAST_CONTACT
    ("OUT_OF_TOUCH_NO_LAST_CONTACT", True, {"criteria": IV, "last_contact_date": None}, "no-date"),
    ("OUT_OF_TOUCH_NO_LAST_CONTACT", False, {"criteria": IV}, "date-given"),
    ("OUT_OF_TOUCH_NO_LAST_CONTACT", False, {"last_contact_date": None}, "not-criterion-iv"),
    # COUNTERSIGN_MISSING
    ("COUNTERSIGN_MISSING", True, {"countersigned_by_spo": ""}, "no-spo"),
    ("COUNTERSIGN_MISSING", True, {"countersigned_by_aco": None}, "no-aco"),
    (
        "COUNTERSIGN_MISSING",
        True,
        {"countersigned_by_spo": None, "countersigned_by_aco": None, "sentence_type": "SDS"},
        "neither-any-sentence",
    ),
    ("COUNTERSIGN_MISSING", False, {}, "both-signed"),
    ("COUNTERSIGN_MISSING", False, {"stage": "draft", "countersigned_by_spo": ""}, "draft"),
    ("COUNTERSIGN_MISSING", False, {"countersigned_by_spo": "", "stage": None}, "default-draft"),
    (
        "COUNTERSIGN_MISSING",
        False,
        {"recall_type": "none", "countersigned_by_aco": ""},
        "decision-not-to-recall",
    ),
    # COUNTERSIGN_BY_RECOMMENDER
    ("COUNTERSIGN_BY_RECOMMENDER", True, {"countersigned_by_spo": "com.smith"}, "spo"),
    ("COUNTERSIGN_BY_RECOMMENDER", True, {"countersigned_by_aco": "com.smith"}, "aco"),
    (
        "COUNTERSIGN_BY_RECOMMENDER",
        True,
        {"recommended_by": 42, "countersigned_by_spo": "42", "stage": "draft"},
        "user-id-any-stage",
    ),
    ("COUNTERSIGN_BY_RECOMMENDER", False, {}, "different-people"),
    (
        "COUNTERSIGN_BY_RECOMMENDER",
        False,
        {"recommended_by": "", "countersigned_by_spo": "", "countersigned_by_aco": ""},
        "all-blank",
    ),
    # CAUSAL_LINK_UNSTRUCTURED
    ("CAUSAL_LINK_UNSTRUCTURED", True, {"current_behaviours": ["threats"]}, "no-overlap"),
    (
        "CAUSAL_LINK_UNSTRUCTURED",
        True,
        {"current_behaviours": [], "criteria": {"iii": "x"}, "sentence_type": "EDS"},
        "eds-nothing-recorded",
    ),
    ("CAUSAL_LINK_UNSTRUCTURED", False, {}, "overlap"),
    (
        "CAUSAL_LINK_UNSTRUCTURED",
        False,
        {"current_behaviours": ["threats"], "criteria": IV},
        "criterion-iv-only",
    ),
    (
        "CAUSAL_LINK_UNSTRUCTURED",
        False,
        {"current_behaviours": ["threats"], "sentence_type": "SDS"},
        "determinate",
    ),
    (
        "CAUSAL_LINK_UNSTRUCTURED",
        False,
        {"current_behaviours": ["threats"], "recall_type": "none"},
        "not-a-recall",
    ),
    # OUT_OF_TOUCH_UNCHECKED
    (
        "OUT_OF_TOUCH_UNCHECKED",
        True,
        {"criteria": IV, "alternative_addresses_known": True},
        "addresses-unchecked",
    ),
    (
        "OUT_OF_TOUCH_UNCHECKED",
        True,
        {"criteria": IV, **NO_MEETINGS},
        "agencies-not-heard",
    ),
    (
        "OUT_OF_TOUCH_UNCHECKED",
        False,
        {"criteria": IV, **NO_MEETINGS, "other_agencies_consulted": True},
        "agencies-heard-outside-a-meeting",
    ),
    (
        "OUT_OF_TOUCH_UNCHECKED",
        False,
        {
            "criteria": IV,
            "alternative_addresses_known": True,
            "alternative_addresses_checked": True,
        },
        "all-checked",
    ),
    ("OUT_OF_TOUCH_UNCHECKED", False, {"criteria": IV}, "no-addresses-known"),
    (
        "OUT_OF_TOUCH_UNCHECKED",
        False,
        {"alternative_addresses_known": True, **NO_MEETINGS},
        "not-criterion-iv",
    ),
    # NO_MULTI_AGENCY_INPUT: the meeting records, then the answer for input outside a meeting
    ("NO_MULTI_AGENCY_INPUT", True, NO_MEETINGS, "no-meeting-no-answer"),
    ("NO_MULTI_AGENCY_INPUT", True, {**NO_MEETINGS, "other_agencies_consulted": None}, "null"),
    ("NO_MULTI_AGENCY_INPUT", False, {}, "meeting-in-period"),
    (
        "NO_MULTI_AGENCY_INPUT",
        False,
        {**NO_MEETINGS, "other_agencies_consulted": True},
        "input-outside-a-meeting",
    ),
    ("NO_MULTI_AGENCY_INPUT", True, {"latest_meeting_date": "2024-12-01"}, "too-old"),
    (
        "NO_MULTI_AGENCY_INPUT",
        False,
        {"latest_meeting_date": "2024-12-01", "meeting_period_months": 12},
        "longer-team-period",
    ),
    ("NO_MULTI_AGENCY_INPUT", True, {"meeting_agencies": []}, "meeting-without-agencies"),
    ("NO_MULTI_AGENCY_INPUT", True, {"latest_meeting_date": "2025-06-03"}, "after-decision"),
    ("NO_MULTI_AGENCY_INPUT", False, {**NO_MEETINGS, "recall_type": "none"}, "not-a-recall"),
    # NO_PROGRESSION_PANEL: the latest forum within the team's period
    ("NO_PROGRESSION_PANEL", True, NO_MEETINGS, "ipp"),
    ("NO_PROGRESSION_PANEL", True, {**NO_MEETINGS, "sentence_type": "DPP"}, "dpp"),
    ("NO_PROGRESSION_PANEL", False, {}, "panel-in-period"),
    ("NO_PROGRESSION_PANEL", True, {"latest_forum_date": "2024-12-01"}, "too-old"),
    (
        "NO_PROGRESSION_PANEL",
        False,
        {"latest_forum_date": "2024-12-01", "meeting_period_months": 7},
        "longer-team-period",
    ),
    ("NO_PROGRESSION_PANEL", True, {"latest_forum_date": "2025-06-03"}, "after-decision"),
    ("NO_PROGRESSION_PANEL", False, {"latest_forum_kind": "mappa_level_3"}, "mappa-3"),
    (
        "NO_PROGRESSION_PANEL",
        False,
        {**NO_MEETINGS, "progression_panel_held": True},
        "historic-tick",
    ),
    ("NO_PROGRESSION_PANEL", False, {**NO_MEETINGS, "sentence_type": "LIFE"}, "life"),
    ("NO_PROGRESSION_PANEL", False, {**NO_MEETINGS, "emergency": True}, "emerg"),
    ("NO_PROGRESSION_PANEL", False, {**NO_MEETINGS, "recall_type": "none"}, "not-a-recall"),
    # AP_EARLY_RECALL
    (
        "AP_EARLY_RECALL",
        True,
        {"residence": "approved_premises", "release_date": "2025-04-01"},
        "two-months",
    ),
    (
        "AP_EARLY_RECALL",
        False,
        {"residence": "independent", "release_date": "2025-04-01"},
        "not-in-ap",
    ),
    (
        "AP_EARLY_RECALL",
        False,
        {"residence": "approved_premises", "release_date": "2024-04-01"},
        "a-year-on",
    ),
    (
        "AP_EARLY_RECALL",
        False,
        {"residence": "approved_premises", "release_date": "2025-04-01", "recall_type": "none"},
        "not-a-recall",
    ),
    (
        "AP_EARLY_RECALL",
        False,
        {"residence": "approved_premises", "release_date": "2025-04-01", "decision_date": None},
        "no-decision-date",
    ),
    (
        "AP_EARLY_RECALL",
        False,
        {"residence": "approved_premises", "release_date": None},
        "no-release-date",
    ),
    # ALLEGATION_STALE
    *[
        (
            "ALLEGATION_STALE",
            True,
            {"allegation": {"status": status, "incident_date": "2025-01-01"}},
            status,
        )
        for status in ("allegation_only", "under_investigation", "charged")
    ],
    (
        "ALLEGATION_STALE",
        False,
        {"allegation": {"status": "convicted", "incident_date": "2025-01-01"}},
        "convicted",
    ),
    (
        "ALLEGATION_STALE",
        False,
        {"allegation": {"status": "none", "incident_date": "2025-01-01"}},
        "no-allegation",
    ),
    (
        "ALLEGATION_STALE",
        False,
        {
            "allegation": {
                "status": "charged",
                "incident_date": "2025-01-01",
                "further_complaints": True,
            }
        },
        "further-complaints",
    ),
    ("ALLEGATION_STALE", False, {"allegation": {"status": "charged"}}, "no-incident-date"),
    (
        "ALLEGATION_STALE",
        False,
        {"allegation": {"status": "charged", "incident_date": "2025-05-20"}},
        "recent",
    ),
    (
        "ALLEGATION_STALE",
        False,
        {"allegation": {"status": "charged", "incident_date": "2025-01-01"}, "recall_type": "none"},
        "not-a-recall",
    ),
    # ALLEGATION_NOT_PURSUED
    *[
        (
            "ALLEGATION_NOT_PURSUED",
            True,
            {"allegation": {"status": "charged", "charge_outcome": outcome}},
            outcome,
        )
        for outcome in ("no_further_action", "discontinued", "acquitted")
    ],
    (
        "ALLEGATION_NOT_PURSUED",
        True,
        {
            "allegation": {"status": "allegation_only", "charge_outcome": "no_further_action"},
            "stage": "draft",
        },
        "before-the-recall",
    ),
    *[
        (
            "ALLEGATION_NOT_PURSUED",
            False,
            {"allegation": {"status": "charged", "charge_outcome": outcome}},
            outcome or "outcome-not-known",
        )
        for outcome in ("pending", "convicted", None)
    ],
    ("ALLEGATION_NOT_PURSUED", False, {"allegation": None}, "no-allegation"),
    (
        "ALLEGATION_NOT_PURSUED",
        False,
        {"allegation": {"status": "charged", "charge_outcome": "acquitted"}, "recall_type": "none"},
        "not-a-recall",
    ),
    # NON_DISCLOSURE_ONLY
    ("NON_DISCLOSURE_ONLY", True, {"current_behaviours": ["non_disclosure"]}, "only"),
    (
        "NON_DISCLOSURE_ONLY",
        False,
        {"current_behaviours": ["non_disclosure", "alcohol"]},
        "with-other-behaviour",
    ),
    ("NON_DISCLOSURE_ONLY", False, {}, "absent"),
    (
        "NON_DISCLOSURE_ONLY",
        False,
        {"current_behaviours": ["non_disclosure"], "recall_type": "none"},
        "not-a-recall",
    ),
    # SPECULATIVE_RISK
    ("SPECULATIVE_RISK", True, SPECULATIVE, "criterion-ii-no-harm-behaviour"),
    (
        "SPECULATIVE_RISK",
        True,
        {"criteria": {"i": "x", "iii": "Drinking again."}, "current_behaviours": ["alcohol"]},
        "criterion-iii-no-harm-behaviour",
    ),
    (
        "SPECULATIVE_RISK",
        True,
        {**SPECULATIVE, "current_behaviours": [], "sentence_type": "LIFE"},
        "nothing-recorded",
    ),
    ("SPECULATIVE_RISK", False, {}, "criterion-i-only"),
    (
        "SPECULATIVE_RISK",
        False,
        {"criteria": IV, "current_behaviours": ["out_of_contact"]},
        "criterion-iv-only",
    ),
    *[
        (
            "SPECULATIVE_RISK",
            False,
            {**SPECULATIVE, "current_behaviours": ["alcohol", "non_disclosure", harm]},
            f"with-{harm}",
        )
        for harm in sorted(rules.HARM_BEHAVIOURS)
    ],
    ("SPECULATIVE_RISK", False, {**SPECULATIVE, "recall_type": "none"}, "not-a-recall"),
    # MAPPA_LEVEL_1_HIGH_ROSH
    (
        "MAPPA_LEVEL_1_HIGH_ROSH",
        True,
        {
            "alternatives": alternatives(
                mappa_referral={"status": "not_suitable", "details": "Meets no category."}
            )
        },
        "high-not-tried",
    ),
    (
        "MAPPA_LEVEL_1_HIGH_ROSH",
        True,
        {"rosh": "very_high", "alternatives": alternatives(mappa_referral=None)},
        "very-high-unrecorded",
    ),
    ("MAPPA_LEVEL_1_HIGH_ROSH", False, {}, "referral-tried"),
    (
        "MAPPA_LEVEL_1_HIGH_ROSH",
        False,
        {"mappa_level": 2, "alternatives": alternatives(mappa_referral=None)},
        "level-2",
    ),
    (
        "MAPPA_LEVEL_1_HIGH_ROSH",
        False,
        {"rosh": "medium", "alternatives": alternatives(mappa_referral=None)},
        "medium-rosh",
    ),
    (
        "MAPPA_LEVEL_1_HIGH_ROSH",
        False,
        {"recall_type": "none", "alternatives": alternatives(mappa_referral=None)},
        "not-a-recall",
    ),
    # SUBSTANCE_NO_TESTING
    ("SUBSTANCE_NO_TESTING", True, {"licence_conditions": []}, "alcohol-no-testing"),
    (
        "SUBSTANCE_NO_TESTING",
        True,
        {"licence_conditions": [], "current_behaviours": ["drugs"], "recall_type": "none"},
        "drugs-even-without-recall",
    ),
    (
        "SUBSTANCE_NO_TESTING",
        True,
        {
            "licence_conditions": [],
            "alternatives": alternatives(
                drug_testing={"status": "not_suitable", "details": "No provider."}
            ),
        },
        "testing-not-suitable",
    ),
    (
        "SUBSTANCE_NO_TESTING",
        True,
        {"licence_conditions": ["alcohol_monitoring"], "current_behaviours": ["drugs"]},
        "drugs-with-alcohol-monitoring-only",
    ),
    (
        "SUBSTANCE_NO_TESTING",
        True,
        {
            "licence_conditions": [],
            "current_behaviours": ["alcohol", "drugs"],
            "alternatives": alternatives(alcohol_monitoring=DONE),
        },
        "alcohol-and-drugs-monitoring-tried",
    ),
    (
        "SUBSTANCE_NO_TESTING",
        True,
        {
            "licence_conditions": [],
            "alternatives": alternatives(
                alcohol_monitoring={"status": "not_suitable", "details": "No tag available."}
            ),
        },
        "alcohol-monitoring-not-suitable",
    ),
    ("SUBSTANCE_NO_TESTING", False, {}, "licence-condition"),
    (
        "SUBSTANCE_NO_TESTING",
        False,
        {"licence_conditions": ["alcohol_monitoring"]},
        "alcohol-only-monitoring-condition",
    ),
    (
        "SUBSTANCE_NO_TESTING",
        False,
        {"licence_conditions": [], "alternatives": alternatives(alcohol_monitoring=DONE)},
        "alcohol-only-monitoring-tried",
    ),
    (
        "SUBSTANCE_NO_TESTING",
        False,
        {"licence_conditions": ["drug_testing"], "current_behaviours": ["alcohol", "drugs"]},
        "drugs-and-alcohol-drug-testing",
    ),
    (
        "SUBSTANCE_NO_TESTING",
        False,
        {"licence_conditions": [], "alternatives": alternatives(drug_testing=DONE)},
        "testing-tried",
    ),
    (
        "SUBSTANCE_NO_TESTING",
        False,
        {"licence_conditions": [], "current_behaviours": ["violence"]},
        "no-substance-concern",
    ),
    # MENTAL_HEALTH_NO_REFERRAL
    (
        "MENTAL_HEALTH_NO_REFERRAL",
        True,
        {"current_behaviours": ["alcohol", "mental_health_deterioration"]},
        "no-referral",
    ),
    (
        "MENTAL_HEALTH_NO_REFERRAL",
        False,
        {
            "current_behaviours": ["alcohol", "mental_health_deterioration"],
            "referrals": ["mental_health"],
        },
        "mental-health-referral",
    ),
    (
        "MENTAL_HEALTH_NO_REFERRAL",
        False,
        {"current_behaviours": ["alcohol", "mental_health_deterioration"], "referrals": ["opd"]},
        "opd-referral",
    ),
    ("MENTAL_HEALTH_NO_REFERRAL", False, {"referrals": []}, "no-mental-health-concern"),
    # COM_DISCONTINUITY
    ("COM_DISCONTINUITY", True, {"com_changes": 3}, "three"),
    ("COM_DISCONTINUITY", True, {"com_changes": 9, "recall_type": "none"}, "nine"),
    ("COM_DISCONTINUITY", False, {"com_changes": 2}, "two"),
    ("COM_DISCONTINUITY", False, {"com_changes": None}, "unknown"),
    # LONG_TIME_IN_COMMUNITY
    ("LONG_TIME_IN_COMMUNITY", True, {"release_date": "2019-01-10"}, "six-years"),
    ("LONG_TIME_IN_COMMUNITY", False, {}, "three-years"),
    ("LONG_TIME_IN_COMMUNITY", False, {"release_date": None}, "no-release-date"),
    ("LONG_TIME_IN_COMMUNITY", False, {"decision_date": None}, "no-decision-date"),
    # WHEREABOUTS_UNKNOWN (the Part A: at large, not at the main address, no other address)
    ("WHEREABOUTS_UNKNOWN", True, {**AT_LARGE_NOT_HOME}, "no-other-address"),
    ("WHEREABOUTS_UNKNOWN", True, {**AT_LARGE_NOT_HOME, "other_addresses": "  "}, "blank"),
    (
        "WHEREABOUTS_UNKNOWN",
        False,
        {**AT_LARGE_NOT_HOME, "other_addresses": "His mother's, 2 Hill St"},
        "other-address-given",
    ),
    ("WHEREABOUTS_UNKNOWN", False, {**AT_LARGE_NOT_HOME, "found_at_main_address": True}, "home"),
    (
        "WHEREABOUTS_UNKNOWN",
        False,
        {**AT_LARGE_NOT_HOME, "found_at_main_address": None},
        "not-answered",
    ),
    ("WHEREABOUTS_UNKNOWN", False, {**AT_LARGE_NOT_HOME, "custody_status": "police"}, "held"),
    ("WHEREABOUTS_UNKNOWN", False, {**AT_LARGE_NOT_HOME, "recall_type": "none"}, "no-recall"),
    # VLO_NOT_INFORMED (victims in the Victim Contact Scheme, VLO not told)
    ("VLO_NOT_INFORMED", True, {"victims_in_vcs": True}, "vcs-no-date"),
    (
        "VLO_NOT_INFORMED",
        False,
        {"victims_in_vcs": True, "vlo_informed_on": "2025-06-01"},
        "vlo-told",
    ),
    ("VLO_NOT_INFORMED", False, {"victims_in_vcs": False}, "no-vcs"),
    ("VLO_NOT_INFORMED", False, {"victims_in_vcs": True, "recall_type": "none"}, "no-recall"),
]


def test_every_rule_has_cases_that_fire_and_that_do_not():
    fires = {code for code, fired, _, _ in CASES if fired}
    silent = {code for code, fired, _, _ in CASES if not fired}
    assert fires == silent == set(CONTRACT)


@pytest.mark.parametrize(
    ("code", "should_fire", "changes"),
    [
        pytest.param(code, fired, changes, id=f"{code}-{name}")
        for code, fired, changes, name in CASES
    ],
)
def test_rule_fires_exactly_when_its_condition_holds(code, should_fire, changes):
    assert (code in codes(**changes)) is should_fire


def test_alternatives_incomplete_blocks_but_only_warns_in_an_emergency():
    (normal,) = [f for f in evaluate(facts(alternatives={})) if f.code == "ALTERNATIVES_INCOMPLETE"]
    (emergency,) = [
        f
        for f in evaluate(facts(alternatives={}, emergency=True))
        if f.code == "ALTERNATIVES_INCOMPLETE"
    ]
    assert normal.severity == "block"
    assert emergency.severity == "warn"
    assert "emergency" in emergency.message


def test_messages_name_what_is_missing():
    found = {
        f.code: f.message
        for f in evaluate(
            facts(
                criteria={"i": "x", "iii": ""},
                alternatives=alternatives(
                    mappa_referral=None, curfew={"status": "tried", "details": ""}
                ),
                countersigned_by_aco="",
                com_changes=4,
                allegation={"status": "charged", "incident_date": "2025-03-04"},
            )
        )
    }
    assert "(iii)" in found["CRITERIA_EVIDENCE_MISSING"]
    assert "(i)." not in found["CRITERIA_EVIDENCE_MISSING"]
    assert "MAPPA referral" in found["ALTERNATIVES_INCOMPLETE"]
    assert "curfew" in found["ALTERNATIVES_INCOMPLETE"]
    assert "ACO" in found["COUNTERSIGN_MISSING"]
    assert "SPO" not in found["COUNTERSIGN_MISSING"].split("Missing:")[1]
    assert "4" in found["COM_DISCONTINUITY"]
    assert "90 days" in found["ALLEGATION_STALE"]


def test_a_decision_not_to_recall_gets_no_recall_findings():
    found = codes(
        recall_type="none",
        criteria={},
        causal_link="",
        increased_risk_of_harm="",
        alternatives={},
        **NO_MEETINGS,
        countersigned_by_spo="",
        countersigned_by_aco="",
    )
    assert found == set()


# --- date boundaries ------------------------------------------------------------------------------


def _ap(release: str, decision: str) -> set[str]:
    return codes(residence="approved_premises", release_date=release, decision_date=decision)


@pytest.mark.parametrize(
    ("release", "decision", "fires"),
    [
        ("2025-03-02", "2025-06-02", False),  # exactly three calendar months: not "within"
        ("2025-03-02", "2025-06-01", True),  # one day earlier
        ("2024-11-30", "2025-02-28", False),  # 30 Nov + 3 months = 28 Feb (no 30 Feb)
        ("2024-11-30", "2025-02-27", True),
        ("2023-11-30", "2024-02-29", False),  # ... or 29 Feb in a leap year
        ("2023-11-30", "2024-02-28", True),
        ("2025-01-31", "2025-04-30", False),  # 31 Jan + 3 months = 30 Apr
        ("2025-01-31", "2025-04-29", True),
        ("2024-02-29", "2024-05-29", False),  # 29 Feb + 3 months = 29 May
        ("2024-02-29", "2024-05-28", True),
        ("2024-12-15", "2025-03-15", False),  # across the year end
        ("2024-12-15", "2025-03-14", True),
        ("2025-06-02", "2025-06-02", True),  # recalled on the day of release
    ],
)
def test_ap_early_recall_boundary_is_three_calendar_months(release, decision, fires):
    assert ("AP_EARLY_RECALL" in _ap(release, decision)) is fires


@pytest.mark.parametrize(("days", "fires"), [(89, False), (90, True), (91, True), (400, True)])
def test_allegation_stale_from_ninety_days(days, fires):
    decision = dt.date(2025, 3, 1)  # crosses February: days are days, not months
    incident = decision - dt.timedelta(days=days)
    found = codes(
        decision_date=decision.isoformat(),
        allegation={"status": "under_investigation", "incident_date": incident.isoformat()},
    )
    assert ("ALLEGATION_STALE" in found) is fires


@pytest.mark.parametrize(
    ("release", "decision", "fires"),
    [
        ("2020-06-02", "2025-06-02", True),  # exactly five years
        ("2020-06-02", "2025-06-01", False),  # one day less
        ("2020-02-29", "2025-02-28", True),  # 29 Feb + 5 years = 28 Feb
        ("2020-02-29", "2025-02-27", False),
        ("2019-02-28", "2024-02-28", True),  # not 29 Feb: the same day
        ("2019-02-28", "2024-02-27", False),
    ],
)
def test_long_time_in_community_from_five_calendar_years(release, decision, fires):
    found = codes(release_date=release, decision_date=decision)
    assert ("LONG_TIME_IN_COMMUNITY" in found) is fires


def _licence_ended(sentence: str, first: str, latest: str, decision: str) -> bool:
    found = codes(
        sentence_type=sentence,
        first_release_date=first,
        release_date=latest,
        decision_date=decision,
    )
    return "LICENCE_ENDED" in found


@pytest.mark.parametrize(
    ("sentence", "first", "latest", "decision", "fires"),
    [
        # IPP: 3-year qualifying period, then 2 continuous years: ends on 1 March 2025.
        ("IPP", "2020-03-01", "2020-03-01", "2025-03-01", True),  # the day the licence ends
        ("IPP", "2020-03-01", "2020-03-01", "2025-02-28", False),  # the day before
        # DPP: 2-year qualifying period: released a year later, it ends on the same day.
        ("DPP", "2021-03-01", "2021-03-01", "2025-03-01", True),
        ("DPP", "2021-03-01", "2021-03-01", "2025-02-28", False),
        ("IPP", "2021-03-01", "2021-03-01", "2025-03-01", False),
        # Never before 1 November 2024, however long ago the two years ran.
        ("IPP", "2015-05-05", "2015-05-05", "2024-11-01", True),
        ("IPP", "2015-05-05", "2015-05-05", "2024-10-31", False),
        ("DPP", "2010-01-01", "2012-06-30", "2024-10-31", False),
        # A recall breaks the period: it restarts at re-release (two years from 10 April 2023).
        ("IPP", "2015-01-01", "2023-04-10", "2025-04-10", True),
        ("IPP", "2015-01-01", "2023-04-10", "2025-04-09", False),
        # Re-released before the end of the qualifying period: two years from its end.
        ("IPP", "2020-06-01", "2022-01-15", "2025-06-01", True),
        ("IPP", "2020-06-01", "2022-01-15", "2025-05-31", False),
        # Life and extended sentences never end this way.
        ("LIFE", "2005-01-01", "2005-01-01", "2030-01-01", False),
        ("EDS", "2005-01-01", "2005-01-01", "2030-01-01", False),
    ],
)
def test_licence_ended_from_the_automatic_termination_date(
    sentence, first, latest, decision, fires
):
    assert _licence_ended(sentence, first, latest, decision) is fires
    expected = rules.automatic_termination_date(
        sentence, dt.date.fromisoformat(first), dt.date.fromisoformat(latest)
    )
    if fires:  # the rule uses the one statutory function, not a copy of it
        assert expected is not None and expected <= dt.date.fromisoformat(decision)


@pytest.mark.parametrize(("decision", "fires"), [("2025-05-01", True), ("2025-04-30", False)])
def test_licence_ended_from_a_parole_board_termination(decision, fires):
    for sentence in ("IPP", "DPP"):
        found = codes(
            sentence_type=sentence, licence_terminated_on="2025-05-01", decision_date=decision
        )
        assert ("LICENCE_ENDED" in found) is fires


def test_licence_ended_says_when_and_why():
    (automatic,) = [f for f in evaluate(facts(**ENDED)) if f.code == "LICENCE_ENDED"]
    assert automatic.severity == "block"
    assert "The licence ended on 1 November 2024 (automatic termination" in automatic.message
    assert "s.31A" in automatic.message and "3-year qualifying period" in automatic.message
    (board,) = [
        f for f in evaluate(facts(licence_terminated_on="2025-05-01")) if f.code == "LICENCE_ENDED"
    ]
    assert "The licence ended on 1 May 2025 (the Parole Board terminated it)." in board.message
    (both,) = [
        f
        for f in evaluate(facts(**ENDED, licence_terminated_on="2025-05-01"))
        if f.code == "LICENCE_ENDED"
    ]
    assert "1 November 2024" in both.message  # the earlier end
    assert "Victims and Prisoners Act 2024 s.66" in automatic.reference


def test_speculative_risk_names_the_criteria_and_asks_for_the_incident():
    (finding,) = [
        f
        for f in evaluate(facts(**{**SPECULATIVE, "criteria": {"ii": "x", "iii": "y"}}))
        if f.code == "SPECULATIVE_RISK"
    ]
    assert finding.severity == "warn"
    assert "(ii) and (iii)" in finding.message
    assert "incident" in finding.message and "real, not supposed" in finding.message
    assert "section 5.2" in finding.reference


@pytest.mark.parametrize(
    ("outcome", "said"),
    [
        ("no_further_action", "no further action"),
        ("discontinued", "discontinued"),
        ("acquitted", "acquitted"),
    ],
)
def test_allegation_not_pursued_prompts_a_review_of_detention(outcome, said):
    (finding,) = [
        f
        for f in evaluate(facts(allegation={"status": "charged", "charge_outcome": outcome}))
        if f.code == "ALLEGATION_NOT_PURSUED"
    ]
    assert finding.severity == "warn"
    assert said in finding.message
    assert "continued detention" in finding.message
    assert "section 5.2" in finding.reference


def test_alternatives_incomplete_names_a_core_alternative_not_applicable_without_details():
    (finding,) = [
        f
        for f in evaluate(
            facts(alternatives=alternatives(warning_letter={"status": "not_applicable"}))
        )
        if f.code == "ALTERNATIVES_INCOMPLETE"
    ]
    assert "Details missing for: warning letter." in finding.message
    assert "why one does not apply" in finding.message


@pytest.mark.parametrize(
    ("behaviours", "conditions", "tried", "fires"),
    [
        (["alcohol"], ["alcohol_monitoring"], [], False),
        (["alcohol"], [], ["alcohol_monitoring"], False),
        (["alcohol"], ["drug_testing"], [], False),
        (["alcohol"], [], ["drug_testing"], False),
        (["alcohol"], [], [], True),
        (["drugs"], ["alcohol_monitoring"], [], True),
        (["drugs"], [], ["alcohol_monitoring"], True),
        (["drugs", "alcohol"], ["alcohol_monitoring"], ["alcohol_monitoring"], True),
        (["drugs"], ["drug_testing"], [], False),
        (["drugs", "alcohol"], [], ["drug_testing"], False),
    ],
)
def test_alcohol_alone_is_satisfied_by_alcohol_monitoring_but_drugs_need_testing(
    behaviours, conditions, tried, fires
):
    found = codes(
        current_behaviours=behaviours,
        licence_conditions=conditions,
        alternatives=alternatives(**dict.fromkeys(tried, DONE)),
    )
    assert ("SUBSTANCE_NO_TESTING" in found) is fires


def test_substance_no_testing_says_what_is_missing():
    def message(**changes: Any) -> str:
        (finding,) = [f for f in evaluate(facts(**changes)) if f.code == "SUBSTANCE_NO_TESTING"]
        return finding.message

    assert "alcohol monitoring for the alcohol use" in message(licence_conditions=[])
    assert "No drug testing for the drug use." in message(
        licence_conditions=["alcohol_monitoring"], current_behaviours=["drugs", "alcohol"]
    )


def test_previous_recalls_is_recorded_and_fires_nothing():
    parsed = facts(previous_recalls=4)
    assert parsed.previous_recalls == 4
    assert evaluate(parsed) == []


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2025, 1, 31), 1, (2025, 2, 28)),
        (dt.date(2024, 1, 31), 1, (2024, 2, 29)),
        (dt.date(2024, 11, 30), 3, (2025, 2, 28)),
        (dt.date(2023, 11, 30), 3, (2024, 2, 29)),
        (dt.date(2020, 2, 29), 60, (2025, 2, 28)),
        (dt.date(2020, 2, 29), 48, (2024, 2, 29)),
        (dt.date(2100, 1, 31), 1, (2100, 2, 28)),  # 2100 is not a leap year
        (dt.date(2000, 1, 31), 1, (2000, 2, 29)),  # 2000 is
        (dt.date(2024, 12, 15), 1, (2025, 1, 15)),
        (dt.date(2024, 3, 31), 0, (2024, 3, 31)),
        (dt.date(9999, 12, 31), 3, (10000, 3, 31)),  # past date.max without overflowing
    ],
)
def test_months_after_clamps_to_the_end_of_a_shorter_month(start, months, expected):
    assert rules.months_after(start, months) == expected


def test_dates_at_the_end_of_the_calendar_do_not_crash():
    found = codes(
        residence="approved_premises",
        release_date="9999-12-31",
        decision_date="9999-12-31",
        allegation={"status": "charged", "incident_date": "0001-01-01"},
    )
    assert {"AP_EARLY_RECALL", "ALLEGATION_STALE"} <= found
    assert "LONG_TIME_IN_COMMUNITY" not in found


# --- validation -----------------------------------------------------------------------------------

INVALID: list[tuple[Any, str, str]] = [
    ([], "", "list"),
    ("IPP", "", "string"),
    ({}, "sentence_type", "missing-sentence"),
    ({"sentence_type": None}, "sentence_type", "null-sentence"),
    ({"sentence_type": "ipp"}, "sentence_type", "lower-case"),
    ({"sentence_type": "HDC"}, "sentence_type", "unknown-sentence"),
    ({"sentence_type": 1}, "sentence_type", "number-sentence"),
    ({"sentence_type": "IPP", "causal_links": "x"}, "causal_links", "unknown-key"),
    ({"sentence_type": "IPP", 3: "x"}, "", "non-string-key"),
    ({"sentence_type": "IPP", "stage": "final"}, "stage", "stage"),
    ({"sentence_type": "IPP", "recall_type": "fixed"}, "recall_type", "recall-type"),
    ({"sentence_type": "IPP", "decision_date": "2025-02-30"}, "decision_date", "30-feb"),
    ({"sentence_type": "IPP", "decision_date": "02/03/2025"}, "decision_date", "uk-format"),
    ({"sentence_type": "IPP", "decision_date": "2025-2-3"}, "decision_date", "short"),
    ({"sentence_type": "IPP", "decision_date": "20250203"}, "decision_date", "basic-iso"),
    ({"sentence_type": "IPP", "release_date": 20250203}, "release_date", "number-date"),
    (
        {"sentence_type": "IPP", "release_date": dt.datetime(2025, 1, 1, 9, 0)},
        "release_date",
        "datetime",
    ),
    ({"sentence_type": "IPP", "last_contact_date": "yesterday"}, "last_contact_date", "words"),
    ({"sentence_type": "IPP", "emergency": "yes"}, "emergency", "string-bool"),
    ({"sentence_type": "IPP", "emergency": 1}, "emergency", "int-bool"),
    ({"sentence_type": "IPP", "criteria": ["i"]}, "criteria", "criteria-list"),
    ({"sentence_type": "IPP", "criteria": {"v": "x"}}, "criteria.v", "criterion-v"),
    ({"sentence_type": "IPP", "criteria": {"i": 1}}, "criteria.i", "evidence-number"),
    ({"sentence_type": "IPP", "current_behaviours": "alcohol"}, "current_behaviours", "str"),
    ({"sentence_type": "IPP", "current_behaviours": ["booze"]}, "current_behaviours", "tag"),
    (
        {"sentence_type": "IPP", "index_offence_behaviours": [None]},
        "index_offence_behaviours",
        "null-tag",
    ),
    ({"sentence_type": "IPP", "licence_conditions": ["tagging"]}, "licence_conditions", "cond"),
    ({"sentence_type": "IPP", "referrals": ["gp"]}, "referrals", "referral"),
    ({"sentence_type": "IPP", "causal_link": 5}, "causal_link", "number-text"),
    ({"sentence_type": "IPP", "alternatives": []}, "alternatives", "alternatives-list"),
    (
        {"sentence_type": "IPP", "alternatives": {"prayer": {"status": "tried"}}},
        "alternatives.prayer",
        "unknown-alternative",
    ),
    (
        {"sentence_type": "IPP", "alternatives": {"curfew": "tried"}},
        "alternatives.curfew",
        "alternative-not-object",
    ),
    (
        {"sentence_type": "IPP", "alternatives": {"curfew": {"status": "done"}}},
        "alternatives.curfew.status",
        "alternative-status",
    ),
    (
        {"sentence_type": "IPP", "alternatives": {"curfew": {"status": "tried", "when": "x"}}},
        "alternatives.curfew.when",
        "alternative-key",
    ),
    (
        {"sentence_type": "IPP", "alternatives": {"curfew": {"details": ["x"]}}},
        "alternatives.curfew.details",
        "alternative-details",
    ),
    ({"sentence_type": "IPP", "allegation": "charged"}, "allegation", "allegation-string"),
    (
        {"sentence_type": "IPP", "allegation": {"status": "dropped"}},
        "allegation.status",
        "allegation-status",
    ),
    (
        {"sentence_type": "IPP", "allegation": {"incident_date": "1/1/2025"}},
        "allegation.incident_date",
        "incident-date",
    ),
    (
        {"sentence_type": "IPP", "allegation": {"further_complaints": "no"}},
        "allegation.further_complaints",
        "further-complaints",
    ),
    ({"sentence_type": "IPP", "residence": "hostel"}, "residence", "residence"),
    ({"sentence_type": "IPP", "rosh": "HIGH"}, "rosh", "rosh-case"),
    ({"sentence_type": "IPP", "mappa_level": 4}, "mappa_level", "mappa-4"),
    ({"sentence_type": "IPP", "mappa_level": "1"}, "mappa_level", "mappa-string"),
    ({"sentence_type": "IPP", "mappa_level": True}, "mappa_level", "mappa-bool"),
    ({"sentence_type": "IPP", "mappa_level": 1.0}, "mappa_level", "mappa-float"),
    ({"sentence_type": "IPP", "com_changes": -1}, "com_changes", "negative"),
    ({"sentence_type": "IPP", "previous_recalls": -1}, "previous_recalls", "recalls-negative"),
    ({"sentence_type": "IPP", "previous_recalls": "2"}, "previous_recalls", "recalls-string"),
    ({"sentence_type": "IPP", "previous_recalls": True}, "previous_recalls", "recalls-bool"),
    (
        {"sentence_type": "IPP", "first_release_date": "10/01/2019"},
        "first_release_date",
        "first-release-format",
    ),
    (
        {"sentence_type": "IPP", "licence_terminated_on": "2025-02-30"},
        "licence_terminated_on",
        "terminated-30-feb",
    ),
    (
        {"sentence_type": "IPP", "allegation": {"charge_outcome": "dropped"}},
        "allegation.charge_outcome",
        "charge-outcome",
    ),
    (
        {"sentence_type": "IPP", "allegation": {"charge_outcome": True}},
        "allegation.charge_outcome",
        "charge-outcome-bool",
    ),
    ({"sentence_type": "IPP", "com_changes": 2.5}, "com_changes", "fraction"),
    ({"sentence_type": "IPP", "progression_panel_held": "true"}, "progression_panel_held", "s"),
    ({"sentence_type": "IPP", "latest_forum_date": "3 March"}, "latest_forum_date", "forum"),
    ({"sentence_type": "IPP", "latest_forum_kind": "professionals"}, "latest_forum_kind", "k"),
    ({"sentence_type": "IPP", "meeting_agencies": ["probation"]}, "meeting_agencies", "agency"),
    ({"sentence_type": "IPP", "meeting_agencies": "police"}, "meeting_agencies", "agency-str"),
    ({"sentence_type": "IPP", "meeting_period_months": 0}, "meeting_period_months", "period-0"),
    ({"sentence_type": "IPP", "meeting_period_months": 25}, "meeting_period_months", "period"),
    ({"sentence_type": "IPP", "meeting_period_months": "6"}, "meeting_period_months", "p-str"),
    ({"sentence_type": "IPP", "meeting_period_months": True}, "meeting_period_months", "p-b"),
    ({"sentence_type": "IPP", "recommended_by": ["a"]}, "recommended_by", "person-list"),
    ({"sentence_type": "IPP", "countersigned_by_spo": False}, "countersigned_by_spo", "bool"),
    ({"sentence_type": "IPP", "custody_status": "hospital"}, "custody_status", "custody"),
    ({"sentence_type": "IPP", "found_at_main_address": "no"}, "found_at_main_address", "found"),
    ({"sentence_type": "IPP", "victims_in_vcs": "yes"}, "victims_in_vcs", "vcs-string"),
    ({"sentence_type": "IPP", "vlo_informed_on": "1 June"}, "vlo_informed_on", "vlo-date"),
]


@pytest.mark.parametrize(
    ("data", "field"), [pytest.param(data, field, id=name) for data, field, name in INVALID]
)
def test_invalid_facts_raise_facts_error_naming_the_field(data, field):
    with pytest.raises(FactsError) as caught:
        Facts.from_dict(data)
    assert caught.value.field == field
    if field:
        assert str(caught.value).startswith(f"{field}: ")
    assert isinstance(caught.value, ValueError)


def test_absent_null_and_blank_optional_facts_mean_the_same():
    minimal = Facts.from_dict({"sentence_type": "IPP"})
    nulls = Facts.from_dict({"sentence_type": "IPP", **dict.fromkeys(rules.FACT_KEYS[1:])})
    blanks = Facts.from_dict(
        {
            "sentence_type": "IPP",
            "decision_date": "",
            "residence": "",
            "rosh": "",
            "release_date": "",
            "last_contact_date": "",
            "first_release_date": "",
            "licence_terminated_on": "",
        }
    )
    assert minimal == nulls == blanks
    assert minimal.stage == "draft"
    assert minimal.recall_type == "standard"
    assert minimal.criteria == {}
    assert minimal.com_changes == 0


def test_python_callers_may_pass_dates_and_tuples():
    parsed = Facts.from_dict(
        {
            "sentence_type": "DPP",
            "decision_date": dt.date(2025, 6, 2),
            "current_behaviours": ("alcohol", "alcohol"),
        }
    )
    assert parsed.decision_date == dt.date(2025, 6, 2)
    assert parsed.current_behaviours == {"alcohol"}


def test_to_dict_round_trips_through_json():
    original = facts(
        allegation={
            "status": "charged",
            "incident_date": "2025-01-01",
            "charge_outcome": "discontinued",
        },
        first_release_date="2015-01-01",
        licence_terminated_on="2026-01-01",
        previous_recalls=2,
    )
    assert Facts.from_dict(json.loads(json.dumps(original.to_dict()))) == original


def test_facts_and_findings_are_immutable():
    parsed = facts()
    with pytest.raises(AttributeError):
        parsed.stage = "draft"  # type: ignore[misc]
    with pytest.raises(TypeError):
        parsed.criteria["ii"] = "x"  # type: ignore[index]
    finding = Finding("X", "warn", "m", "r")
    with pytest.raises(AttributeError):
        finding.code = "Y"  # type: ignore[misc]


# --- purity and shared vocabularies ---------------------------------------------------------------


def test_importing_the_rules_does_not_import_django():
    check = (
        "import sys, recall.rules; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_behaviour_tags_are_the_django_vocabulary():
    from ippcase import vocab  # Django's TextChoices: fine here, never in recall.rules

    assert list(rules.BEHAVIOURS) == list(vocab.Behaviour.values)
    assert list(rules.SENTENCE_TYPES) == list(vocab.SentenceType.values)
    assert list(rules.CRITERIA) == list(vocab.RecallCriterion.values)
    assert list(rules.ROSH_LEVELS) == list(vocab.RoshLevel.values)
    assert list(vocab.StandardCondition.values) == list(rules.STANDARD_CONDITIONS)
    assert list(vocab.AdditionalCondition.values) == list(rules.ADDITIONAL_CONDITIONS)
    assert set(rules.LICENCE_CONDITIONS) == set(
        rules.STANDARD_CONDITIONS + rules.ADDITIONAL_CONDITIONS
    )
    assert set(rules.MAPPA_LEVELS) == {0, *vocab.MappaLevel.values}


def test_docs_list_every_rule_with_its_severity():
    text = (ROOT / "docs" / "rules.md").read_text()
    rows = re.findall(r"^\| `([A-Z0-9_]+)` \| (block|warn)", text, flags=re.MULTILINE)
    assert dict(rows) == {rule.code: rule.severity for rule in rules.RULES}
    for code in rules.RULE_CODES:
        assert f"### `{code}`" in text, f"docs/rules.md has no section for {code}"


# --- the CLI --------------------------------------------------------------------------------------


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "recall.rules", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        check=False,
        timeout=60,
    )


def test_cli_prints_findings_as_json(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps({**CLEAN, "criteria": {}, "com_changes": 3}))
    result = run_cli(str(path))
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    output = json.loads(result.stdout)
    assert set(output) == {"findings"}
    assert {f["code"] for f in output["findings"]} == {"CRITERIA_NONE", "COM_DISCONTINUITY"}
    for finding in output["findings"]:
        assert set(finding) == {"code", "severity", "message", "reference"}
    assert output["findings"] == [f.to_dict() for f in evaluate(facts(criteria={}, com_changes=3))]


def test_cli_prints_no_findings_for_a_clean_recommendation(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(CLEAN))
    result = run_cli(str(path))
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"findings": []}


def test_cli_reads_standard_input():
    result = run_cli("-", stdin=json.dumps({"sentence_type": "SDS", "com_changes": 5}).encode())
    assert result.returncode == 0, result.stderr
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == [
        "ALTERNATIVES_INCOMPLETE",
        "NO_MULTI_AGENCY_INPUT",
        "COM_DISCONTINUITY",
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"sentence_type": "XYZ"}', b"sentence_type"),
        (b'{"sentence_type": "IPP", "decision_date": "2025-13-01"}', b"decision_date"),
        (b'{"sentence_type": "IPP", "current_behaviours": ["shouting"]}', b"current_behaviours"),
        (b'{"sentence_type": "IPP", "colour": "blue"}', b"colour"),
        (b"[1, 2]", b"JSON object"),
        (b'{"sentence_type": "IPP",', b"not valid JSON"),
        (b"", b"not valid JSON"),
        (b'{"sentence_type": "IPP", "sentence_type": "SDS"}', b"duplicate key"),
        (b'{"sentence_type": "IPP", "com_changes": NaN}', b"NaN"),
        (b'{"sentence_type": "IPP", "causal_link": "\xff"}', b"not UTF-8"),
    ],
    ids=[
        "unknown-sentence",
        "bad-date",
        "unknown-tag",
        "unknown-key",
        "not-an-object",
        "truncated",
        "empty",
        "duplicate-key",
        "nan",
        "not-utf8",
    ],
)
def test_cli_rejects_invalid_input_with_status_2(tmp_path, content, expected):
    path = tmp_path / "facts.json"
    path.write_bytes(content)
    result = run_cli(str(path))
    assert result.returncode == 2
    assert result.stdout == b""
    assert expected in result.stderr
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize("make_path", ["missing", "directory"])
def test_cli_rejects_unreadable_files_with_status_2(tmp_path, make_path):
    path = tmp_path / "nope.json" if make_path == "missing" else tmp_path
    result = run_cli(str(path))
    assert result.returncode == 2
    assert b"cannot read" in result.stderr
    assert b"Traceback" not in result.stderr


def test_cli_without_a_file_prints_usage_and_exits_2():
    result = run_cli()
    assert result.returncode == 2
    assert b"usage:" in result.stderr


# --- property-based -------------------------------------------------------------------------------

texts = st.one_of(st.just(""), st.just("  "), st.text(max_size=30))
dates = st.dates().map(dt.date.isoformat)
recent_dates = st.dates(dt.date(2005, 1, 1), dt.date(2035, 12, 31)).map(dt.date.isoformat)
any_date = st.one_of(st.none(), dates, recent_dates)
persons = st.one_of(st.none(), st.sampled_from(["", "a", "b", "c"]), st.integers(0, 3))


def tag_lists(vocabulary: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(vocabulary), max_size=5)


alternative_entries = st.fixed_dictionaries(
    {},
    optional={
        "status": st.one_of(st.none(), st.sampled_from(rules.ALTERNATIVE_STATUSES)),
        "details": st.one_of(st.none(), texts),
    },
)

well_formed_facts = st.fixed_dictionaries(
    {"sentence_type": st.sampled_from(rules.SENTENCE_TYPES)},
    optional={
        "stage": st.one_of(st.none(), st.sampled_from(rules.STAGES)),
        "decision_date": any_date,
        "recall_type": st.one_of(st.none(), st.sampled_from(rules.RECALL_TYPES)),
        "emergency": st.one_of(st.none(), st.booleans()),
        "criteria": st.one_of(
            st.none(),
            st.dictionaries(st.sampled_from(rules.CRITERIA), st.one_of(st.none(), texts)),
        ),
        "index_offence_behaviours": st.one_of(st.none(), tag_lists(rules.BEHAVIOURS)),
        "current_behaviours": st.one_of(st.none(), tag_lists(rules.BEHAVIOURS)),
        "causal_link": st.one_of(st.none(), texts),
        "increased_risk_of_harm": st.one_of(st.none(), texts),
        "alternatives": st.one_of(
            st.none(),
            st.dictionaries(
                st.sampled_from(rules.ALTERNATIVES), st.one_of(st.none(), alternative_entries)
            ),
        ),
        "last_contact_date": any_date,
        "alternative_addresses_known": st.one_of(st.none(), st.booleans()),
        "alternative_addresses_checked": st.one_of(st.none(), st.booleans()),
        "other_agencies_consulted": st.one_of(st.none(), st.booleans()),
        "allegation": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {},
                optional={
                    "status": st.one_of(st.none(), st.sampled_from(rules.ALLEGATION_STATUSES)),
                    "incident_date": any_date,
                    "further_complaints": st.one_of(st.none(), st.booleans()),
                    "charge_outcome": st.one_of(st.none(), st.sampled_from(rules.CHARGE_OUTCOMES)),
                },
            ),
        ),
        "residence": st.one_of(st.none(), st.just(""), st.sampled_from(rules.RESIDENCES)),
        "release_date": any_date,
        "first_release_date": any_date,
        "licence_terminated_on": any_date,
        "previous_recalls": st.one_of(st.none(), st.integers(0, 20)),
        "mappa_level": st.one_of(st.none(), st.sampled_from(rules.MAPPA_LEVELS)),
        "rosh": st.one_of(st.none(), st.sampled_from(rules.ROSH_LEVELS)),
        "progression_panel_held": st.one_of(st.none(), st.booleans()),
        "latest_forum_date": any_date,
        "latest_forum_kind": st.one_of(st.none(), st.sampled_from(rules.FORUM_KINDS)),
        "latest_meeting_date": any_date,
        "meeting_agencies": st.one_of(st.none(), tag_lists(rules.AGENCIES)),
        "meeting_period_months": st.one_of(st.none(), st.integers(1, 24)),
        "licence_conditions": st.one_of(st.none(), tag_lists(rules.LICENCE_CONDITIONS)),
        "referrals": st.one_of(st.none(), tag_lists(rules.REFERRALS)),
        "com_changes": st.one_of(st.none(), st.integers(0, 20)),
        "recommended_by": persons,
        "countersigned_by_spo": persons,
        "countersigned_by_aco": persons,
    },
)


@settings(max_examples=1000, deadline=None)
@given(well_formed_facts)
def test_evaluation_never_crashes_on_well_formed_facts(data):
    parsed = Facts.from_dict(data)
    findings = evaluate(parsed)
    found = [f.code for f in findings]

    assert len(found) == len(set(found)), "codes are unique"
    assert set(found) <= set(rules.RULE_CODES), "codes are all known"
    assert found == [c for c in rules.RULE_CODES if c in found], "table order"
    for finding in findings:
        assert finding.severity in ("block", "warn")
        assert finding.message.strip()
        assert finding.reference.strip()
    json.dumps({"findings": [f.to_dict() for f in findings]})  # serialisable

    if parsed.recall_type == "none":
        assert not RECALL_ONLY & set(found)
    if parsed.sentence_type == "SDS":
        assert not INDETERMINATE_OR_EDS_ONLY & set(found)
    if parsed.stage == "draft":
        assert "COUNTERSIGN_MISSING" not in found
    if "iv" not in parsed.criteria:
        assert not {"OUT_OF_TOUCH_NO_LAST_CONTACT", "OUT_OF_TOUCH_UNCHECKED"} & set(found)
    for finding in findings:
        expected = CONTRACT[finding.code]
        if finding.code == "ALTERNATIVES_INCOMPLETE" and parsed.emergency:
            expected = "warn"
        assert finding.severity == expected

    # Pure: the same facts give the same answer, and so does their JSON form.
    assert evaluate(parsed) == findings
    assert Facts.from_dict(json.loads(json.dumps(parsed.to_dict()))) == parsed


@settings(max_examples=300, deadline=None)
@given(well_formed_facts)
def test_fixing_what_blocks_a_submission_clears_the_blocks(data):
    """Supplying the missing evidence and sign-offs leaves no blocking finding."""
    parsed = Facts.from_dict(data)
    if parsed.recall_type == "fixed_term" and parsed.is_indeterminate_or_eds:
        data = {**data, "recall_type": "standard"}
    criteria = {key: "Evidence." for key in data.get("criteria") or {}}
    fixed = {
        **data,
        "criteria": criteria or {"i": "Evidence."},
        "causal_link": "Link.",
        "increased_risk_of_harm": "Evidence.",
        "alternatives": {
            **{name: DONE for name in rules.CORE_ALTERNATIVES},
            **{
                name: {"status": (entry or {}).get("status") or "tried", "details": "Details."}
                for name, entry in (data.get("alternatives") or {}).items()
            },
        },
        "last_contact_date": "2025-01-01",
        # An ended licence is not missing evidence: there is no licence to recall on at all.
        "first_release_date": None,
        "licence_terminated_on": None,
        "recommended_by": "com",
        "countersigned_by_spo": "spo",
        "countersigned_by_aco": "aco",
    }
    assert [f.code for f in evaluate(Facts.from_dict(fixed)) if f.severity == "block"] == []


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=12),
        st.sampled_from(["IPP", "2025-01-01", "tried", "iv", "alcohol", "approved_premises"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
        st.dictionaries(st.sampled_from(rules.ALTERNATIVES + rules.CRITERIA), children, max_size=3),
    ),
    max_leaves=12,
)
hostile_facts = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(rules.FACT_KEYS), json_values, max_size=8),
    # One well-formed document with one field replaced by anything at all.
    st.tuples(well_formed_facts, st.sampled_from(rules.FACT_KEYS), json_values).map(
        lambda t: {**t[0], t[1]: t[2]}
    ),
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_facts)
def test_hostile_facts_raise_only_facts_error(data):
    try:
        parsed = Facts.from_dict(data)
    except FactsError as error:
        assert str(error)
        assert error.field == "" or str(error).startswith(error.field)
    else:
        evaluate(parsed)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=60), hostile_facts.map(lambda d: json.dumps(d).encode())))
def test_cli_main_returns_0_or_2_and_never_raises(content):
    import os
    import tempfile

    handle, name = tempfile.mkstemp(suffix=".json")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        status = rules.main([name])
    finally:
        os.unlink(name)
    assert status in (0, 2)


@given(
    day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)),
    months=st.integers(min_value=-1200, max_value=1200),
    days=st.integers(min_value=0, max_value=400),
)
def test_add_months_is_relativedelta(day: dt.date, months: int, days: int) -> None:
    """The one month arithmetic (tariffs, demo dates) clamps to a shorter month's end exactly as
    dateutil's relativedelta does, whatever the day, the sign of the months and the extra days."""
    assert rules.add_months(day, months, days) == day + relativedelta(months=months, days=days)


def test_add_months_examples() -> None:
    assert rules.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert rules.add_months(dt.date(2023, 1, 31), 1) == dt.date(2023, 2, 28)
    assert rules.add_months(dt.date(2020, 2, 29), 12) == dt.date(2021, 2, 28)
    assert rules.add_months(dt.date(2020, 3, 31), -1, 2) == dt.date(2020, 3, 2)


# --- the meeting records (issue 19): NO_MULTI_AGENCY_INPUT and NO_PROGRESSION_PANEL --------------


def test_meeting_vocabularies_are_the_django_vocabulary():
    from recall import vocab as recall_vocab  # TextChoices: fine here, never in recall.rules

    assert list(rules.AGENCIES) == list(recall_vocab.Agency.values)
    assert list(rules.FORUM_KINDS) == [str(k) for k in recall_vocab.FORUM_KINDS]
    assert set(rules.FORUM_LABELS) == set(rules.FORUM_KINDS)


def _found(**changes: Any) -> dict[str, str]:
    return {f.code: f.message for f in evaluate(facts(**changes))}


def test_panel_finding_says_what_the_records_show():
    message = _found(latest_forum_date="2024-09-03", decision_date="2025-06-02")[
        "NO_PROGRESSION_PANEL"
    ]
    assert (
        "Latest progression panel: 3 September 2024, 8 months before the decision, outside "
        "the team's 6-month period."
    ) in message


def test_panel_finding_names_a_mappa_meeting_and_no_record_at_all():
    message = _found(latest_forum_date="2024-01-10", latest_forum_kind="mappa_level_2")[
        "NO_PROGRESSION_PANEL"
    ]
    assert "Latest MAPPA level 2 meeting: 10 January 2024, 16 months before" in message
    assert (
        "No progression panel or MAPPA level 2 or 3 meeting is recorded."
        in (_found(**NO_MEETINGS)["NO_PROGRESSION_PANEL"])
    )


def test_multi_agency_finding_says_what_the_records_show():
    message = _found(latest_meeting_date="2024-11-20", meeting_agencies=["police", "opd"])[
        "NO_MULTI_AGENCY_INPUT"
    ]
    assert (
        "Latest meeting with another agency: 20 November 2024 (police, OPD), 6 months before "
        "the decision, outside the team's 6-month period."
    ) in message
    assert (
        "No meeting with another agency is recorded."
        in (_found(**NO_MEETINGS)["NO_MULTI_AGENCY_INPUT"])
    )
    assert (
        "after the decision date"
        in _found(latest_meeting_date="2025-07-01")["NO_MULTI_AGENCY_INPUT"]
    )


@pytest.mark.parametrize(
    ("held_on", "decision", "months", "counts"),
    [
        ("2024-12-02", "2025-06-02", 6, True),  # exactly six months: within the period
        ("2024-12-01", "2025-06-02", 6, False),  # one day more
        ("2025-06-02", "2025-06-02", 6, True),  # on the day of the decision
        ("2025-06-03", "2025-06-02", 6, False),  # after the decision: never counts
        ("2024-08-31", "2025-02-28", 6, True),  # 31 Aug + 6 months = 28 Feb (clamped)
        ("2024-08-31", "2025-03-01", 6, False),
        ("2023-06-02", "2025-06-02", 24, True),
        ("2025-05-02", "2025-06-02", 1, True),
        ("2025-05-01", "2025-06-02", 1, False),
    ],
)
def test_a_meeting_counts_within_the_teams_period_before_the_decision(
    held_on, decision, months, counts
):
    found = codes(
        decision_date=decision,
        latest_forum_date=held_on,
        latest_meeting_date=held_on,
        meeting_period_months=months,
    )
    assert ("NO_PROGRESSION_PANEL" not in found) is counts
    assert ("NO_MULTI_AGENCY_INPUT" not in found) is counts


def test_without_a_decision_date_any_recorded_meeting_counts():
    found = codes(decision_date=None, latest_forum_date="2001-01-01")
    assert "NO_PROGRESSION_PANEL" not in found
    assert "NO_MULTI_AGENCY_INPUT" not in found


def test_old_facts_with_only_the_ticks_still_read_and_keep_their_findings():
    """Facts stored before meetings were recorded carry only the two booleans: they parse, and
    a tick still stands for what it said (docs/rules.md "Meetings")."""
    old = {k: v for k, v in CLEAN.items() if k not in NO_MEETINGS and k != "meeting_period_months"}
    ticked = Facts.from_dict(
        {**old, "progression_panel_held": True, "other_agencies_consulted": True}
    )
    assert ticked.meeting_period_months == rules.DEFAULT_MEETING_PERIOD_MONTHS
    assert ticked.latest_forum_date is None
    assert not {"NO_PROGRESSION_PANEL", "NO_MULTI_AGENCY_INPUT"} & {
        f.code for f in evaluate(ticked)
    }
    unticked = Facts.from_dict(old)
    assert {"NO_PROGRESSION_PANEL", "NO_MULTI_AGENCY_INPUT"} <= {f.code for f in evaluate(unticked)}
    assert Facts.from_dict(ticked.to_dict()) == ticked


def test_whole_months_between():
    assert rules.whole_months_between(dt.date(2025, 1, 31), dt.date(2025, 2, 28)) == 1
    assert rules.whole_months_between(dt.date(2025, 1, 31), dt.date(2025, 2, 27)) == 0
    assert rules.whole_months_between(dt.date(2025, 3, 3), dt.date(2025, 12, 2)) == 8
    assert rules.whole_months_between(dt.date(2025, 3, 3), dt.date(2025, 12, 3)) == 9
    assert rules.whole_months_between(dt.date(2025, 6, 3), dt.date(2025, 6, 2)) == 0


@settings(max_examples=500, deadline=None)
@given(
    held_on=st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)),
    decision=st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)),
    months=st.integers(*rules.MEETING_PERIOD_RANGE),
)
def test_a_meeting_counts_exactly_within_the_period_by_relativedelta(held_on, decision, months):
    expected = held_on <= decision <= held_on + relativedelta(months=months)
    assert rules.meeting_counts(held_on, decision, months) is expected
    if expected and months < rules.MEETING_PERIOD_RANGE[1]:
        assert rules.meeting_counts(held_on, decision, months + 1)  # a longer period keeps it


@settings(max_examples=300, deadline=None)
@given(well_formed_facts)
def test_a_meeting_on_the_decision_date_clears_both_multi_agency_findings(data):
    """Whatever else the facts say, a forum with another agency held on the day of the decision
    answers both rules, and the out-of-touch prompt no longer asks to consult other agencies."""
    parsed = Facts.from_dict(data)
    day = parsed.decision_date or dt.date(2025, 6, 2)
    met = Facts.from_dict(
        {
            **data,
            "decision_date": day.isoformat(),
            "latest_forum_date": day.isoformat(),
            "latest_meeting_date": day.isoformat(),
            "meeting_agencies": ["police"],
        }
    )
    found = {f.code: f.message for f in evaluate(met)}
    assert "NO_PROGRESSION_PANEL" not in found
    assert "NO_MULTI_AGENCY_INPUT" not in found
    assert "ask other agencies" not in found.get("OUT_OF_TOUCH_UNCHECKED", "")
