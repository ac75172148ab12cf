"""Decisions to sample for the quality-assurance tests (issue 19): recalls and decisions not to
recall, made by a practitioner, countersigned by an SPO and (a recall) an ACO, decided by PPCS."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from ippcase import vocab as case_vocab
from ippcase.models import Team, User
from ippcase.quality import services as quality_services
from ippcase.quality.models import QaSample
from recall.models import Oversight, PpcsDecision, RecallRecommendation
from recall.vocab import OversightDecision, RecommendationStatus, SignatureLevel
from tests import factories

TODAY = timezone.localdate()
PERIOD_START = TODAY - dt.timedelta(days=90)


def staff(team: Team) -> dict[str, User]:
    """A practitioner, an SPO, an ACO and a PPCS caseworker who made the team's decisions."""
    return {
        "author": factories.UserFactory(roles=[case_vocab.Role.PRACTITIONER], team=team),
        "spo": factories.UserFactory(roles=[case_vocab.Role.MANAGER], team=team),
        "aco": factories.UserFactory(roles=[case_vocab.Role.SENIOR_MANAGER], team=team),
        "ppcs": factories.UserFactory(roles=[case_vocab.Role.PPCS], team=None),
    }


def _sign(rec: RecallRecommendation, user: User, level: str, decision: str) -> Oversight:
    return Oversight.objects.create(
        recommendation=rec,
        level=level,
        decision=decision,
        rationale="Agreed: the risk is evidenced and current.",
        signed_by=user,
        recommendation_version=rec.version,
    )


def recall_decision(
    team: Team,
    people: dict[str, User],
    *,
    recalled_on: dt.date,
    released_on: dt.date | None = None,
    approved_premises: bool = False,
    **fields: Any,
) -> RecallRecommendation:
    """A recall decided on ``recalled_on`` after a release on ``released_on`` (a year before
    unless given)."""
    released_on = released_on or recalled_on - dt.timedelta(days=365)
    person = factories.make_case(team, recalled=False, released=released_on)
    release = person.releases.get()
    release.approved_premises = approved_premises
    release.save()
    recall = factories.RecallFactory(
        release=release, recall_date=recalled_on, returned_to_custody=recalled_on
    )
    rec = RecallRecommendation.objects.create(
        person=person,
        created_by=people["author"],
        status=RecommendationStatus.AUTHORISED,
        submitted_at=timezone.now(),
        submitted_by=people["author"],
        recall=recall,
        **fields,
    )
    _sign(rec, people["spo"], SignatureLevel.SPO, OversightDecision.RECALL)
    _sign(rec, people["aco"], SignatureLevel.ACO, OversightDecision.RECALL)
    PpcsDecision.objects.create(recommendation=rec, outcome="authorised", decided_by=people["ppcs"])
    return rec


def not_recalled_decision(
    team: Team, people: dict[str, User], *, decided_on: dt.date
) -> RecallRecommendation:
    """A decision not to recall, agreed by the SPO on ``decided_on``."""
    person = factories.make_case(team, recalled=False, released=decided_on - dt.timedelta(days=365))
    rec = RecallRecommendation.objects.create(
        person=person,
        created_by=people["author"],
        status=RecommendationStatus.NOT_RECALLED,
        recall_type="none",
    )
    signature = _sign(rec, people["spo"], SignatureLevel.SPO, OversightDecision.DO_NOT_RECALL)
    noon = dt.datetime.combine(decided_on, dt.time(12), tzinfo=timezone.get_current_timezone())
    Oversight.objects.filter(pk=signature.pk).update(signed_at=noon)
    return rec


def draw(actor: User, scope_key: str, *, size: int, name: str, **overrides: Any) -> QaSample:
    """A sample drawn through the real service: recalls and decisions not to recall of the
    last three months, no strata, unless ``overrides`` says otherwise."""
    args: dict[str, Any] = {
        "name": name,
        "scope_key": scope_key,
        "period_start": PERIOD_START,
        "period_end": TODAY,
        "include_recalls": True,
        "include_not_recalled": True,
        "strata": [],
        "size": size,
    }
    return quality_services.sample_draw(actor=actor, **(args | overrides))
