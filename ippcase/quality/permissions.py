"""Who may draw, see and review quality-assurance samples (issue 19; docs/permissions.md,
docs/quality-assurance.md). Loaded from ``QualityConfig.ready()``.

- Drawing a sample: a senior manager (ACO / head of PDU) for their PDU or a team in it; a QA
  lead (``Role.QA_LEAD``) for the region of their own team, or a PDU or team in it; an
  administrator anywhere, and nationally.
- Seeing a sample, its decisions and its report: the same people, for samples within their
  scope (:func:`samples_in_scope` is the queryset twin of ``quality.view_sample``).
- Reviewing a sampled decision: whoever may see the sample, except anyone who made the decision
  or signed it (the practitioner who wrote the recommendation, whoever submitted it, the SPO and
  ACO who countersigned it, the PPCS caseworker who decided on it), and only while the decision's
  case is within the reviewer's scope today (a case transferred out of it is refused).
"""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import Q, QuerySet

from ippcase.core.permissions import is_admin, is_qa_lead, is_senior_manager
from ippcase.models import Person
from ippcase.quality.models import QaItem, QaSample
from ippcase.vocab import Role


def _own_pdu_id(user: Any) -> int | None:
    return user.team.pdu_id if user.team_id is not None else None


def _own_region_id(user: Any) -> int | None:
    return user.team.pdu.region_id if user.team_id is not None else None


def samples_in_scope(user: Any, qs: QuerySet[QaSample] | None = None) -> QuerySet[QaSample]:
    """The samples ``user`` may see: those whose scope lies within theirs."""
    qs = QaSample.objects.all() if qs is None else qs
    roles = list(getattr(user, "roles", None) or []) if user.is_authenticated else []
    if Role.ADMIN in roles:
        return qs
    scope = Q(pk__in=[])
    pdu_id, region_id = _own_pdu_id(user), _own_region_id(user)
    if Role.SENIOR_MANAGER in roles and pdu_id is not None:
        scope |= Q(pdu_id=pdu_id) | Q(team__pdu_id=pdu_id)
    if Role.QA_LEAD in roles and region_id is not None:
        scope |= (
            Q(region_id=region_id) | Q(pdu__region_id=region_id) | Q(team__pdu__region_id=region_id)
        )
    return qs.filter(scope)


def people_in_scope(user: Any) -> Q:
    """The people whose decisions ``user`` may sample and review (a Q on Person): a senior
    manager's PDU (held by its teams or on its unallocated list), a QA lead's region, everyone
    for an administrator."""
    roles = list(getattr(user, "roles", None) or []) if user.is_authenticated else []
    if Role.ADMIN in roles:
        return Q()
    scope = Q(pk__in=[])
    pdu_id, region_id = _own_pdu_id(user), _own_region_id(user)
    if Role.SENIOR_MANAGER in roles and pdu_id is not None:
        scope |= Q(team__pdu_id=pdu_id) | Q(team__isnull=True, awaiting_pdu_id=pdu_id)
    if Role.QA_LEAD in roles and region_id is not None:
        scope |= Q(team__pdu__region_id=region_id) | Q(
            team__isnull=True, awaiting_pdu__region_id=region_id
        )
    return scope


@rules.predicate
def sample_in_scope(user: Any, sample: Any) -> bool:
    return samples_in_scope(user, QaSample.objects.filter(pk=sample.pk)).exists()


def decision_makers(item: QaItem) -> set[int]:
    """The ids of everyone who made or signed the sampled decision."""
    rec = item.recommendation
    ids = {rec.created_by_id, rec.submitted_by_id}
    ids.update(o.signed_by_id for o in rec.oversights.all())
    ids.update(d.decided_by_id for d in rec.ppcs_decisions.all())
    return {i for i in ids if i is not None}


@rules.predicate
def made_the_decision(user: Any, item: Any) -> bool:
    return user.pk in decision_makers(item)


@rules.predicate
def item_case_in_scope(user: Any, item: Any) -> bool:
    return Person.objects.filter(people_in_scope(user), pk=item.recommendation.person_id).exists()


@rules.predicate
def item_sample_in_scope(user: Any, item: Any) -> bool:
    return bool(sample_in_scope(user, item.sample))


can_sample = is_admin | is_senior_manager | is_qa_lead

rules.add_perm("quality.draw_sample", can_sample)
rules.add_perm("quality.view_sample", can_sample & sample_in_scope)
rules.add_perm(
    "quality.review_item",
    can_sample & item_sample_in_scope & item_case_in_scope & ~made_the_decision,
)
