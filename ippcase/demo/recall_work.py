"""The recall work of a generated person: concerns, actions short of recall and recall
recommendations (authorised ones for the recalls, and a few under way or closed).

Drawn from a random stream of its own per person, after the parole work.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

from ippcase import vocab
from ippcase.demo.lists import (
    ACTION_DETAILS,
    ACTION_OUTCOMES,
    ACTION_RECENT_DAYS,
    BEHAVIOUR_ORDER,
    CONCERN_PHRASES,
    CRITERION_EVIDENCE,
    NOT_RECALLED_WHY,
    RECOMMENDATION_SECTIONS,
    WITHDRAWN_REASONS,
)
from ippcase.demo.parole_work import licence_end
from ippcase.demo.sampling import Table, at_office_hours, choice_fast, day_in, poisson, randint_fast
from ippcase.demo.specs import (
    ActionSpec,
    AllocationSpec,
    ConcernSpec,
    PersonSpec,
    RecommendationSpec,
)
from ippcase.demo.tables import (
    ACKNOWLEDGED_SHARE,
    ACTION_AFTER_CONCERN_DAYS,
    ACTION_KINDS,
    ACTION_MAX,
    ACTION_MEAN,
    ACTIVE_RECOMMENDATION_STATUSES,
    ACTIVE_SHARE,
    ACTIVE_WITHIN_DAYS,
    AP_STAY_DAYS,
    CLOSED_RECOMMENDATION_STATUSES,
    CLOSED_SHARE,
    CONCERN_BEHAVIOUR_COUNTS,
    CONCERN_BEHAVIOURS,
    CONCERN_CAUSAL_SHARE,
    CONCERN_LATEST_PERIOD_SHARE,
    CONCERN_MAX,
    CONCERN_MEAN,
    CONCERN_SHAPE,
    CONCERN_SOURCES,
    CONCERN_TRAIL_DAYS,
    CONCERN_TRAIL_SHARE,
    RECOMMENDATION_LEAD_DAYS,
    RECOMMENDATIONS_FROM,
    REFERENCE_DATE,
)
from recall import rules as recall_rules
from recall import vocab as recall_vocab

_CONCERN_COUNT_SCALE = CONCERN_MEAN / CONCERN_SHAPE
_CONCERN_BEHAVIOURS = Table(list(CONCERN_BEHAVIOURS))
_CONCERN_BEHAVIOUR_COUNTS = Table(list(CONCERN_BEHAVIOUR_COUNTS))
_CONCERN_SOURCES = Table(list(CONCERN_SOURCES))
_ACTION_KINDS = Table(list(ACTION_KINDS))
_ACTIVE = Table(list(ACTIVE_RECOMMENDATION_STATUSES))
_CLOSED = Table(list(CLOSED_RECOMMENDATION_STATUSES))
_WARNS = {rule.code: rule for rule in recall_rules.RULES if rule.severity == "warn"}
_WARN_CODES = tuple(_WARNS)
_BEHAVIOUR_LABELS = {b.value: str(b.label).lower() for b in vocab.Behaviour}
_DRUGS, _DRUG_TEST = vocab.Behaviour.DRUGS.value, recall_vocab.ConcernSource.DRUG_TEST.value
_AP_STAFF = recall_vocab.ConcernSource.AP_STAFF.value
_RS = recall_vocab.RecommendationStatus
_REFERRAL = "referral_partner_agency"


def _findings_recorded(acknowledgements: dict[str, str]) -> list[dict[str, str]]:
    """The findings a demo decision records: the warnings its author went on past."""
    return [
        recall_rules.Finding(code, "warn", _WARNS[code].message, _WARNS[code].reference).to_dict()
        for code in acknowledgements
    ]


class Coms:
    """The COM allocated to a person on a given day (allocations start at the first release)."""

    __slots__ = ("names", "starts")

    def __init__(self, allocations: list[AllocationSpec]) -> None:
        self.starts = [a.start for a in allocations]
        self.names = [a.practitioner for a in allocations]

    def on(self, day: dt.date) -> str:
        return self.names[max(0, bisect.bisect_right(self.starts, day) - 1)]


def add_recall_work(person: PersonSpec, rng: random.Random, ppcs: Sequence[str]) -> None:
    """Concerns, actions short of recall and recall recommendations of ``person``.

    Concerns fall mostly in the current or latest period on licence, densest in the months
    before each recall, tagged often with an index-offence behaviour. Each recall from
    :data:`RECOMMENDATIONS_FROM` has the authorised recommendation that led to it; a few people
    on licence have one under way, a few others one that ended without recall. Everything is
    dated from the first release to :data:`REFERENCE_DATE`, recorded by the COM of the day."""
    coms = Coms(person.allocations)
    # Periods in the community: (start, end, the recall ending it or None, released to an AP).
    # The current period ends when the licence ends (by law or the Parole Board): no recall
    # work after that date.
    ended = licence_end(person)
    last_day = REFERENCE_DATE if ended is None else min(REFERENCE_DATE, ended - dt.timedelta(1))
    periods = [
        (r.date, r.recall.date if r.recall else last_day, r.recall, r.approved_premises)
        for r in person.releases
    ]
    index_behaviours = person.sentence.index_offence.behaviours
    trail = dt.timedelta(days=CONCERN_TRAIL_DAYS)

    count = min(
        CONCERN_MAX,
        poisson(rng, min(3.0 * CONCERN_MAX, rng.gammavariate(CONCERN_SHAPE, _CONCERN_COUNT_SCALE))),
    )
    concerns: list[ConcernSpec] = []
    concern_ends: list[dt.date] = []  # the end of each concern's period (for actions)
    for _ in range(count):
        if len(periods) == 1 or rng.random() < CONCERN_LATEST_PERIOD_SHARE:
            start, end, recall, ap = periods[-1]
        else:
            start, end, recall, ap = periods[int(rng.random() * (len(periods) - 1))]
        if recall is not None and rng.random() < CONCERN_TRAIL_SHARE:
            day = day_in(rng, max(start, end - trail), end)
        else:
            day = day_in(rng, start, end)
        wanted = _CONCERN_BEHAVIOUR_COUNTS.pick(rng)
        chosen: set[str] = set()
        if index_behaviours and rng.random() < CONCERN_CAUSAL_SHARE:
            chosen.add(choice_fast(rng, index_behaviours))
        while len(chosen) < wanted:
            chosen.add(_CONCERN_BEHAVIOURS.pick(rng))
        behaviours = sorted(chosen, key=BEHAVIOUR_ORDER.__getitem__)
        if _DRUGS in chosen and rng.random() < 0.5:
            source = _DRUG_TEST
        elif ap and (day - start).days < AP_STAY_DAYS and rng.random() < 0.5:
            source = _AP_STAFF
        else:
            source = _CONCERN_SOURCES.pick(rng)
        recorded = min(REFERENCE_DATE, day + dt.timedelta(days=randint_fast(rng, 0, 2)))
        concerns.append(
            ConcernSpec(
                occurred_on=day,
                description=choice_fast(rng, CONCERN_PHRASES[behaviours[0]]),
                source=source,
                behaviours=behaviours,
                recorded_by=coms.on(recorded),
                recorded_at=at_office_hours(rng, recorded),
            )
        )
        concern_ends.append(end)
    person.concerns = concerns

    actions: list[ActionSpec] = []
    for _ in range(min(ACTION_MAX, poisson(rng, ACTION_MEAN))):
        if concerns:
            i = int(rng.random() * len(concerns))
            taken = min(
                concern_ends[i],
                concerns[i].occurred_on
                + dt.timedelta(days=randint_fast(rng, *ACTION_AFTER_CONCERN_DAYS)),
            )
        else:
            taken = day_in(rng, periods[-1][0], periods[-1][1])
        kind = _ACTION_KINDS.pick(rng)
        outcome = ""
        if (REFERENCE_DATE - taken).days > ACTION_RECENT_DAYS:
            outcome = choice_fast(rng, ACTION_OUTCOMES)
        actions.append(
            ActionSpec(
                kind=kind,
                referral=choice_fast(rng, recall_rules.REFERRALS) if kind == _REFERRAL else "",
                taken_on=taken,
                details=ACTION_DETAILS[kind],
                outcome=outcome,
                recorded_by=coms.on(taken),
                recorded_at=at_office_hours(rng, taken),
            )
        )
    person.actions = actions

    def behaviours_before(day: dt.date) -> list[str]:
        since = day - trail
        seen = {b for c in concerns if since <= c.occurred_on <= day for b in c.behaviours}
        return sorted(
            seen or {vocab.Behaviour.NON_COMPLIANCE.value}, key=BEHAVIOUR_ORDER.__getitem__
        )

    def answers(day: dt.date, criteria: Sequence[str]) -> dict[str, Any]:
        current = behaviours_before(day)
        shared = [b for b in current if b in index_behaviours]
        link = ", ".join(_BEHAVIOUR_LABELS[b] for b in (shared or current))
        return {
            "why_considered": choice_fast(rng, CONCERN_PHRASES[current[0]]),
            "criteria": {c: CRITERION_EVIDENCE[c] for c in criteria},
            "current_behaviours": current,
            "causal_link": f"Index offence: {person.sentence.index_offence.description}. "
            f"Now: {link}.",
            "increased_risk_of_harm": "Escalating concerns over recent weeks; risk now imminent.",
        }

    def alternatives(day: dt.date) -> dict[str, dict[str, str]]:
        tried = {a.kind for a in actions if a.taken_on <= day}
        return {
            k: {
                "status": "tried" if k in tried else "not_suitable",
                "details": "Tried; concerns continued."
                if k in tried
                else "Considered; not enough.",
            }
            for k in recall_rules.CORE_ALTERNATIVES
        }

    recommendations: list[RecommendationSpec] = []
    for start, _end, recall, _ap in periods:
        if recall is None or recall.date < RECOMMENDATIONS_FROM:
            continue
        created = max(
            start, recall.date - dt.timedelta(days=randint_fast(rng, *RECOMMENDATION_LEAD_DAYS))
        )
        submitted = max(created, recall.date - dt.timedelta(days=1))
        com = coms.on(created)
        acknowledgements: dict[str, str] = {}
        if rng.random() < ACKNOWLEDGED_SHARE:
            for code in rng.sample(_WARN_CODES, randint_fast(rng, 1, 2)):
                acknowledgements[code] = "Discussed with my SPO; recall is still necessary."
        submitted_at = at_office_hours(rng, submitted)
        recommendations.append(
            RecommendationSpec(
                status=_RS.AUTHORISED.value,
                version=randint_fast(rng, 6, 14),
                created_by=com,
                created_at=at_office_hours(rng, created),
                updated_at=at_office_hours(rng, recall.date),
                recall_type=recall_vocab.RecallType.STANDARD.value,
                alternatives=alternatives(recall.date),
                acknowledgements=acknowledgements,
                sections_saved=list(RECOMMENDATION_SECTIONS),
                recall=recall,
                submitted_at=submitted_at,
                submitted_by=coms.on(submitted),
                assigned_to=choice_fast(rng, ppcs) if ppcs else "",
                assigned_at=submitted_at + dt.timedelta(hours=1) if ppcs else None,
                decision_findings=_findings_recorded(acknowledgements),
                **answers(created, recall.criteria),
            )
        )

    latest_start, _, latest_recall, _ = periods[-1]
    in_force = ended is None or ended > REFERENCE_DATE
    if latest_recall is None and in_force and rng.random() < ACTIVE_SHARE:
        created = max(
            latest_start,
            REFERENCE_DATE - dt.timedelta(days=randint_fast(rng, 1, ACTIVE_WITHIN_DAYS)),
        )
        status = _ACTIVE.pick(rng)
        draft = status == _RS.DRAFT
        saved = (
            RECOMMENDATION_SECTIONS[: randint_fast(rng, 0, 5)] if draft else RECOMMENDATION_SECTIONS
        )
        filled = answers(created, [] if draft and len(saved) < 3 else ["i"])
        rec = RecommendationSpec(
            status=status,
            version=len(saved) + 1 + (0 if draft else randint_fast(rng, 1, 4)),
            created_by=coms.on(created),
            created_at=at_office_hours(rng, created),
            updated_at=at_office_hours(
                rng, min(REFERENCE_DATE, created + dt.timedelta(days=randint_fast(rng, 0, 3)))
            ),
            recall_type=recall_vocab.RecallType.STANDARD.value,
            alternatives={} if draft else alternatives(created),
            acknowledgements={},
            sections_saved=list(saved),
            **filled,
        )
        if status in (_RS.SUBMITTED, _RS.INFO_REQUESTED):
            day = min(REFERENCE_DATE, created + dt.timedelta(days=randint_fast(rng, 1, 5)))
            rec.submitted_at = at_office_hours(rng, day)
            rec.submitted_by = coms.on(day)
            rec.decision_findings = []
            rec.updated_at = max(rec.updated_at, rec.submitted_at)
            if ppcs:
                rec.assigned_to = choice_fast(rng, ppcs)
                rec.assigned_at = rec.submitted_at + dt.timedelta(hours=2)
            if status == _RS.INFO_REQUESTED:
                rec.further_information = "Send the police log of the incident."
        recommendations.append(rec)

    if rng.random() < CLOSED_SHARE:
        start, end, _recall, _ap = periods[int(rng.random() * len(periods))]
        low = max(start, RECOMMENDATIONS_FROM)
        if low <= end:
            created = day_in(rng, low, end)
            status = _CLOSED.pick(rng)
            closed = min(REFERENCE_DATE, created + dt.timedelta(days=randint_fast(rng, 1, 10)))
            not_recalled = status == _RS.NOT_RECALLED
            rec = RecommendationSpec(
                status=status,
                version=randint_fast(rng, 3, 9),
                created_by=coms.on(created),
                created_at=at_office_hours(rng, created),
                updated_at=at_office_hours(rng, closed),
                recall_type=(
                    recall_vocab.RecallType.NONE
                    if not_recalled
                    else recall_vocab.RecallType.STANDARD
                ).value,
                alternatives=alternatives(created),
                acknowledgements={},
                sections_saved=list(
                    RECOMMENDATION_SECTIONS[: len(RECOMMENDATION_SECTIONS) if not_recalled else 3]
                ),
                withdrawn_reason="" if not_recalled else choice_fast(rng, WITHDRAWN_REASONS),
                **answers(created, []),
            )
            if not_recalled:
                rec.why_considered = NOT_RECALLED_WHY
                rec.decision_findings = []
            recommendations.append(rec)
    recommendations.sort(key=lambda r: r.created_at)
    person.recommendations = recommendations
