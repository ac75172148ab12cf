"""Reads of the recall decision: the facts the rules module sees, built from the database."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from ippcase.cases import licence
from ippcase.cases import selectors as case_selectors
from ippcase.models import Person, Recall, Release
from ippcase.vocab import YesNoUnknown
from recall import meeting_records, rules, vocab
from recall.models import ActionShortOfRecall, Concern, Oversight, RecallRecommendation

# ippcase.vocab.Accommodation -> the rules module's residence values.
RESIDENCE_FOR_ACCOMMODATION = {
    "settled": "independent",
    "approved_premises": "approved_premises",
    "cas3": "cas3",
    "temporary": "other",
    "no_fixed_abode": "no_fixed_abode",
    "unknown": None,
}


class FactsUnavailable(ValueError):
    """The rules cannot be given the facts (the person has no sentence recorded): the
    sentence type is never guessed. ``str(error)`` is a message for the user."""


def open_recommendation(person: Person) -> RecallRecommendation | None:
    """The person's recommendation that is not yet decided by PPCS, if any (at most one)."""
    return (
        RecallRecommendation.objects.filter(person=person, status__in=vocab.ACTIVE_STATUSES)
        .select_related("created_by")
        .first()
    )


def concerns_for(person: Person, *, with_struck_out: bool = False) -> QuerySet[Concern]:
    """The person's concerns, newest first. Struck-out concerns (issue 14) are left out unless
    ``with_struck_out``: only the log shows them; the rules, the prefilled answers of a
    recommendation and the dossier never see them."""
    qs = Concern.objects.filter(person=person)
    if not with_struck_out:
        qs = qs.filter(struck_out_at__isnull=True)
    return qs.select_related("recorded_by__team", "struck_out_by").prefetch_related("conditions")


def actions_for(person: Person, *, with_struck_out: bool = False) -> QuerySet[ActionShortOfRecall]:
    """The person's actions short of recall, newest first; struck-out ones only for the log."""
    qs = ActionShortOfRecall.objects.filter(person=person)
    if not with_struck_out:
        qs = qs.filter(struck_out_at__isnull=True)
    return qs.select_related("recorded_by__team", "struck_out_by")


def entry_version(entry: Concern | ActionShortOfRecall) -> str:
    """What a correction page was shown from: a digest of the entry's fields (a concern's
    licence conditions included), so that a form posted after someone else changed or struck
    out the entry is refused as stale. One query for a concern's conditions unless prefetched."""
    if isinstance(entry, Concern):
        conditions = sorted(c.pk for c in entry.conditions.all())
        parts: list[Any] = [entry.occurred_on, entry.description, entry.source, entry.behaviours]
        parts.append(conditions)
    else:
        parts = [entry.kind, entry.referral, entry.taken_on, entry.details, entry.outcome]
    parts += [entry.struck_out_at, entry.struck_out_reason]
    return version_digest(parts)


def version_digest(parts: list[Any]) -> str:
    """The version a correction page carries: a digest of the values it was shown from (a
    choice as its value, whether read back or still the enum member a service set)."""
    return hashlib.sha256(repr([_plain(p) for p in parts]).encode()).hexdigest()[:32]


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def citing_recommendation(entry: Concern | ActionShortOfRecall) -> RecallRecommendation | None:
    """The first recommendation submitted to PPCS after ``entry`` was recorded, if any: its
    answers and dossier may cite the entry, so a correction says so (one query)."""
    return (
        RecallRecommendation.objects.filter(
            person_id=entry.person_id,
            submitted_at__isnull=False,
            submitted_at__gte=entry.recorded_at,
        )
        .order_by("submitted_at")
        .first()
    )


def recommendation_with_context(rec_id: int) -> RecallRecommendation:
    """A recommendation with all its page and facts need, in a fixed number of queries."""
    rec = (
        RecallRecommendation.objects.select_related("created_by", "submitted_by")
        .prefetch_related(
            Prefetch("oversights", queryset=Oversight.objects.select_related("signed_by")),
        )
        .get(pk=rec_id)
    )
    rec.person = case_selectors.person_with_history(rec.person)
    rec.person_actions = list(actions_for(rec.person))
    # The multi-agency meetings and their actions (issue 19): the rules' facts and the
    # "multi-agency input" and "progression panel" sections read them (two queries).
    rec.person_meetings = list(meeting_records.meetings_for(rec.person))
    return rec


def current_signatures(rec: RecallRecommendation) -> dict[str, Oversight]:
    """The SPO and ACO oversight given on the recommendation's current version, by level."""
    return {
        o.level: o
        for o in rec.oversights.all()
        if o.recommendation_version == rec.version and o.decision == vocab.OversightDecision.RECALL
    }


def facts_for(
    rec: RecallRecommendation, *, stage: str = "draft", today: dt.date | None = None
) -> rules.Facts:
    """The rules module's facts for ``rec``, from a recommendation loaded by
    :func:`recommendation_with_context`. The decision date is today until it is submitted."""
    person = rec.person
    sentence = getattr(person, "sentence", None)
    if sentence is None:
        raise FactsUnavailable(
            "The recall rules cannot be checked: no sentence is recorded for this person. "
            "Record the sentence first."
        )
    releases = list(person.releases.all())
    offences = list(sentence.offences.all())
    actions: list[ActionShortOfRecall] = getattr(rec, "person_actions", None) or list(
        actions_for(person)
    )
    signatures = current_signatures(rec)
    spo = signatures.get(vocab.SignatureLevel.SPO)
    aco = signatures.get(vocab.SignatureLevel.ACO)
    decision_date = meeting_records.decision_date(rec, today)
    meetings = meeting_records.records_for(rec, today=today)
    data: dict[str, Any] = {
        "stage": stage,
        "decision_date": decision_date.isoformat(),
        "sentence_type": sentence.sentence_type,
        "recall_type": rec.recall_type,
        "emergency": rec.emergency,
        "criteria": dict(rec.criteria),
        "index_offence_behaviours": sorted({b for o in offences for b in o.behaviours}),
        "current_behaviours": sorted(rec.current_behaviours),
        "causal_link": rec.causal_link,
        "increased_risk_of_harm": rec.increased_risk_of_harm,
        "alternatives": {
            k: {"status": v.get("status") or None, "details": v.get("details", "")}
            for k, v in rec.alternatives.items()
        },
        "last_contact_date": rec.last_contact_date.isoformat() if rec.last_contact_date else None,
        "alternative_addresses_known": rec.alternative_addresses_known,
        "alternative_addresses_checked": rec.alternative_addresses_checked,
        # The answer for input given outside a meeting counts with its details only (docs/rules.md
        # "Meetings"); the meetings themselves come from the records below.
        "other_agencies_consulted": rec.other_agencies_consulted
        and bool(rec.multi_agency_input.strip()),
        "allegation": {
            "status": rec.allegation_status,
            "incident_date": (
                rec.allegation_incident_date.isoformat() if rec.allegation_incident_date else None
            ),
            "further_complaints": rec.further_complaints,
            "charge_outcome": rec.charge_outcome or None,
        },
        "residence": RESIDENCE_FOR_ACCOMMODATION.get(person.accommodation),
        "release_date": releases[-1].date.isoformat() if releases else None,
        "first_release_date": releases[0].date.isoformat() if releases else None,
        "licence_terminated_on": _iso(licence.licence_terminated_on(person)),
        "previous_recalls": sum(
            1
            for r in releases
            if getattr(r, "recall", None) is not None and r.recall.pk != rec.recall_id
        ),
        # Unknown stays unknown (None), never "not managed under MAPPA" (0).
        "mappa_level": person.mappa_level,
        "rosh": person.rosh_level or None,
        # Historic: the tick asked before meetings were recorded (never set now).
        "progression_panel_held": rec.progression_panel_held,
        **meetings.facts(),
        "licence_conditions": sorted(
            {
                code
                for c in person.licence_conditions.all()
                if c.in_force_on(decision_date)
                for code in (c.standard_code, c.additional_code)
                if code
            }
        ),
        "referrals": sorted({a.referral for a in actions if a.referral}),
        "com_changes": case_selectors.coms_since_latest_release(person),
        "recommended_by": str(rec.created_by_id),
        "countersigned_by_spo": str(spo.signed_by_id) if spo else "",
        "countersigned_by_aco": str(aco.signed_by_id) if aco else "",
        # The recall request (Part A): this recall's answers and the case's victims.
        "custody_status": rec.custody_status or None,
        "found_at_main_address": rec.found_at_main_address,
        "other_addresses": rec.other_addresses,
        "victims_in_vcs": person.victims_in_vcs == YesNoUnknown.YES,
        "vlo_informed_on": _iso(rec.vlo_informed_on),
    }
    return rules.Facts.from_dict(data)


# Shown instead of the rules' findings when they cannot be worked out: it blocks like a rule.
SENTENCE_NOT_RECORDED = "SENTENCE_NOT_RECORDED"


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def findings_for(
    rec: RecallRecommendation, *, stage: str = "draft", today: dt.date | None = None
) -> list[rules.Finding]:
    """The rules' findings on ``rec``; with no sentence recorded, one block finding that says
    so (the sentence type is never guessed, and the pages never fail on it)."""
    try:
        facts = facts_for(rec, stage=stage, today=today)
    except FactsUnavailable as exc:
        return [
            rules.Finding(
                SENTENCE_NOT_RECORDED, "block", str(exc), "The legal test depends on the sentence"
            )
        ]
    return rules.evaluate(facts)


def findings_at_decision(
    rec: RecallRecommendation, *, today: dt.date | None = None
) -> tuple[list[rules.Finding], bool]:
    """The rules' findings ``rec`` was decided on, and whether they are the ones kept at the
    decision (``decision_findings``, written on submission to PPCS or on the SPO's agreement
    not to recall). A decision made before ippcase kept them is judged again, with today's rules,
    as at ``today``."""
    if rec.decision_findings is not None:
        return [rules.Finding(**f) for f in rec.decision_findings], True
    return findings_for(rec, stage="submit", today=today), False


def detention_review_prompt(person: Person) -> RecallRecommendation | None:
    """The authorised recall whose allegation was not pursued (no further action,
    discontinued, acquitted) while the person is still in custody on it (returned, not
    re-released, no later release), if any: the recall and parole tabs then prompt a review of
    continued detention (HMIP section 5.2). One query."""
    later_release = Release.objects.filter(
        person=OuterRef("person"), date__gt=OuterRef("recall__release__date")
    )
    return (
        RecallRecommendation.objects.filter(
            person=person,
            status=vocab.RecommendationStatus.AUTHORISED,
            charge_outcome__in=vocab.CHARGE_NOT_PURSUED,
            recall__returned_to_custody__isnull=False,
            recall__re_released_on__isnull=True,
        )
        .filter(~Exists(later_release))
        .select_related("recall")
        .order_by("-recall__recall_date")
        .first()
    )


def prefilled_alternatives(actions: list[ActionShortOfRecall]) -> dict[str, dict[str, str]]:
    """Alternatives marked "tried" from the actions short of recall already recorded, with
    their dates and outcomes as the details; every core alternative present (maybe unset)."""
    alternatives: dict[str, dict[str, str]] = {
        k: {"status": "", "details": ""} for k in vocab.CORE_ALTERNATIVES
    }
    for action in sorted(actions, key=lambda a: a.taken_on):
        entry = alternatives.setdefault(action.kind, {"status": "", "details": ""})
        line = f"{action.taken_on:%d %b %Y}: {action.details}"
        if action.outcome:
            line += f" Outcome: {action.outcome}"
        entry["status"] = vocab.AlternativeStatus.TRIED
        entry["details"] = f"{entry['details']}\n{line}".strip()
    return alternatives


# ---------------------------------------------------------------------------------------------
# PPCS


# The queue's views: submitted requests by default, then the later stages PPCS follows up.
PPCS_QUEUE_VIEWS: dict[str, str] = {
    "submitted": "Submitted, awaiting a decision",
    "info_requested": "More information requested",
    "at_large": "Authorised, not yet in custody",
    "report_due": "In custody, report due",
}


def ppcs_queue(
    *,
    view: str = "submitted",
    region: str = "",
    emergency_only: bool = False,
    assigned_to: Any = None,
    query: str = "",
) -> QuerySet[RecallRecommendation]:
    """The national PPCS queue, oldest submission first, with everything a row shows joined in
    (one query per page whatever its length)."""
    qs = RecallRecommendation.objects.select_related(
        "person__team__pdu__region", "person__sentence", "assigned_to", "recall"
    ).annotate(licence_ends_on=licence.licence_ends_on_for("person_id"))
    if view == "info_requested":
        qs = qs.filter(status=vocab.RecommendationStatus.INFO_REQUESTED)
    elif view == "at_large":
        qs = qs.filter(
            status=vocab.RecommendationStatus.AUTHORISED, recall__returned_to_custody__isnull=True
        )
    elif view == "report_due":
        qs = qs.filter(
            status=vocab.RecommendationStatus.AUTHORISED,
            recall__returned_to_custody__isnull=False,
            recall__report_submitted_on__isnull=True,
        )
    else:
        qs = qs.filter(status=vocab.RecommendationStatus.SUBMITTED)
    region, query = case_selectors.search_text(region), case_selectors.search_text(query)
    if region:
        qs = qs.filter(person__team__pdu__region__code=region)
    if emergency_only:
        qs = qs.filter(emergency=True)
    if assigned_to is not None:
        qs = qs.filter(assigned_to=assigned_to)
    for term in query.split():
        qs = qs.filter(
            Q(person__first_name__icontains=term)
            | Q(person__last_name__icontains=term)
            | Q(person__crn__iexact=term)
        )
    return qs.order_by("submitted_at", "pk")


# ---------------------------------------------------------------------------------------------
# Pieces of SQL the caseload and the dashboards annotate people with


def live_recommendation() -> QuerySet[RecallRecommendation]:
    """The person's open (or submitted) recall recommendation, for the caseload's status tag.
    Correlated on the person's pk."""
    return RecallRecommendation.objects.filter(
        person=OuterRef("pk"), status__in=vocab.ACTIVE_STATUSES
    ).order_by("-created_at")


def tracked_report_rtc() -> Subquery:
    """The return-to-custody date of the latest release's recall when its report is tracked and
    not yet submitted (needs ``latest_release_id``); the page turns it into a deadline badge."""
    return Subquery(
        Recall.objects.filter(
            release_id=OuterRef("latest_release_id"),
            recommendation__isnull=False,
            report_submitted_on__isnull=True,
        )
        .exclude(recommendation__status=vocab.RecommendationStatus.RESCINDED)
        .values("returned_to_custody")[:1]
    )
