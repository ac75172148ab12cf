"""Recall work at every stage for the demo (``manage.py load_demo``): drafts, countersignature,
PPCS decisions, recalls in custody with reports on track, due soon and overdue, and a decision
not to recall. Driven through the real services, so every row is as the product makes it; only
dates are moved back afterwards (a demo needs reports that are already overdue)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pghistory
from django.db import transaction
from django.utils import timezone

from ippcase.cases import selectors as case_selectors
from ippcase.models import Person, User
from ippcase.models import Recall as CaseRecall
from recall import deadlines, dossiers, entries, selectors, services

CORE = (
    "warning_letter",
    "increased_contact",
    "licence_variation",
    "referral_partner_agency",
    "mappa_referral",
    "approved_premises",
)


def complete_answers() -> dict[str, Any]:
    """Answers that satisfy every block rule of a standard recall of an IPP sentence."""
    return {
        "why_considered": "Drinking again and threats to ex-partner, as before the index offence.",
        "recall_type": "standard",
        "criteria": {"i": "Alcohol misuse and violence mirror the index offence."},
        "current_behaviours": ["alcohol", "violence", "threats"],
        "causal_link": "Index offence: assault while drunk. Now drinking and making threats.",
        "increased_risk_of_harm": "Police report threats to kill; victim is frightened.",
        "alternatives": {
            k: {"status": "not_suitable", "details": "Considered at supervision; not enough."}
            for k in CORE
        },
        "other_agencies_consulted": True,
        "multi_agency_input": "Police and MAPPA coordinator agree.",
    }


PART_A_POLICE_CONTACT = "PC Dana Reid, West Yorkshire Police"


def part_a_answers(today: dt.date) -> dict[str, dict[str, Any]]:
    """Answers to each section of the recall request (Part A), by section slug
    (recall.part_a.PART_A_SECTIONS)."""
    return {
        "whereabouts": {
            "custody_status": "at_large",
            "found_at_main_address": False,
            "other_addresses": "His sister's flat, 4 Mill Lane, Leeds LS2 7AB (he gave it in May).",
        },
        "police": {
            "police_contact_name": PART_A_POLICE_CONTACT,
            "police_contact_phone": "0113 496 0000",
            "police_contact_email": "dana.reid@police.example",
            "arrest_issues": True,
            "arrest_issues_details": "A large dog at his sister's address.",
            "contraband_risk": False,
        },
        "risk-profile": {},
        "conditions": {},
        "victims": {"vlo_informed_on": today},
    }


def complete_part_a(rec: Any, actor: User, today: dt.date) -> Any:
    """Save every section of the recall request (Part A), as the practitioner would."""
    for slug, changes in part_a_answers(today).items():
        rec = services.recommendation_update(
            rec_id=rec.pk,
            actor=actor,
            expected_version=rec.version,
            changes=changes,
            section=slug,
        )
    return rec


def justify_warnings(rec: Any, actor: User) -> Any:
    """Write a justification for every warn finding the recommendation has now."""
    rec.refresh_from_db()
    loaded = selectors.recommendation_with_context(rec.pk)
    warns = [f.code for f in selectors.findings_for(loaded) if f.severity == "warn"]
    return services.recommendation_update(
        rec_id=rec.pk,
        actor=actor,
        expected_version=rec.version,
        changes={"acknowledgements": {c: "Discussed with my SPO; going ahead." for c in warns}},
    )


# The stages, in order; each person of the demo team gets the next one.
STAGES = (
    "draft",
    "awaiting_spo",
    "awaiting_aco",
    "submitted",
    "info_requested",
    "in_custody_on_track",
    "in_custody_due_soon",
    "in_custody_overdue",
    "not_recalled",
)


@transaction.atomic
def create_workflow_examples(*, practitioner: User, spo: User, aco: User, ppcs: User) -> int:
    """One person of ``practitioner``'s team at each stage of :data:`STAGES`; returns how many."""
    people = [
        p
        for p in Person.objects.filter(team=practitioner.team)
        .select_related("sentence")
        .prefetch_related("releases__recall", "termination_referrals")
        .order_by("crn")
        if case_selectors.case_status(p) == case_selectors.CaseStatus.ON_LICENCE
    ]
    today = timezone.localdate()
    made = 0
    with pghistory.context(actor="load_demo"):
        for person, stage in zip(people, STAGES, strict=False):
            _advance(person, stage, practitioner, spo, aco, ppcs, today)
            made += 1
    return made


def _advance(
    person: Person, stage: str, com: User, spo: User, aco: User, ppcs: User, today: dt.date
) -> None:
    entries.concern_add(
        person=person,
        actor=com,
        occurred_on=today - dt.timedelta(days=3),
        description="Police called to his ex-partner's address; he had been drinking.",
        source="police_intelligence",
        behaviours=["alcohol", "threats"],
    )
    rec = services.recommendation_start(person=person, actor=com)
    answers = complete_answers()
    if stage == "not_recalled":
        answers = {"recall_type": "none", "why_considered": "Missed two appointments."}
    rec = services.recommendation_update(
        rec_id=rec.pk, actor=com, expected_version=rec.version, changes=answers
    )
    if stage == "draft":
        return
    if stage != "not_recalled":
        rec = complete_part_a(rec, com, today)
    rec = justify_warnings(rec, com)
    rec = services.recommendation_send_for_countersignature(
        rec_id=rec.pk, actor=com, expected_version=rec.version
    )
    if stage == "awaiting_spo":
        return
    confirm = {
        "alternatives_explored": True,
        "recall_type_correct": True,
        "report_quality": True,
        "not_manageable_in_community": True,
    }
    if stage == "not_recalled":
        dossiers.recommendation_countersign(
            rec_id=rec.pk,
            actor=spo,
            expected_version=rec.version,
            level="spo",
            decision="do_not_recall",
            rationale="Manageable with weekly reporting and a warning letter.",
        )
        return
    rec = dossiers.recommendation_countersign(
        rec_id=rec.pk, actor=spo, expected_version=rec.version, level="spo",
        decision="recall", rationale="Risk is imminent; alternatives exhausted.", **confirm,
    )  # fmt: skip
    if stage == "awaiting_aco":
        return
    rec = dossiers.recommendation_countersign(
        rec_id=rec.pk, actor=aco, expected_version=rec.version, level="aco",
        decision="recall", rationale="Agreed.", **confirm,
    )  # fmt: skip
    rec = services.recommendation_submit(rec_id=rec.pk, actor=com, expected_version=rec.version)
    if stage == "submitted":
        return
    if stage == "info_requested":
        services.ppcs_decide(
            rec_id=rec.pk,
            actor=ppcs,
            outcome="info_requested",
            reason="Send the police log of the incident.",
        )
        return
    rec = services.ppcs_decide(rec_id=rec.pk, actor=ppcs, outcome="authorised")
    # Back in custody some working days ago: the recall and its return move back in time.
    working_days_ago = {
        "in_custody_on_track": 2,
        "in_custody_due_soon": 12,
        "in_custody_overdue": 17,
    }[stage]
    rtc = today
    while deadlines.DEFAULT_CALENDAR.working_days_between(rtc, today) < working_days_ago:
        rtc -= dt.timedelta(days=1)
    recall = CaseRecall.objects.get(recommendation=rec)
    recall.recall_date = rtc - dt.timedelta(days=1)
    recall.save(update_fields=["recall_date"])
    services.recall_record_return_to_custody(
        recall_id=recall.pk, actor=ppcs, returned_on=rtc, prison="HMP Leeds"
    )
