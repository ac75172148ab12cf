"""The parole app's permissions (docs/permissions.md). Objects: a Person, or a Recall for the
risk-assessed recall review. The case team and PPCS record Parole Board reviews, adjournments
and re-release; RARR and licence termination are PPCS's. Loaded, and PPCS's parole work
registered, from ``ParoleConfig.ready()``.
"""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import Exists, OuterRef, Q

from ippcase.core.permissions import (
    is_admin,
    is_manager,
    is_ppcs,
    is_senior_manager,
    person_is_ppcs_work,
    register_ppcs_work,
)
from ippcase.models import Release
from parole.models import SupervisionSuspension, TerminationReferral
from parole.selectors import qualifying_release_cutoffs
from recall.models import RecallRecommendation
from recall.permissions import can_work_on_case, took_part_in_request
from recall.vocab import PpcsOutcome


def _termination_work() -> Q:
    """People with licence termination work: PPCS refers every IPP/DPP licence past its
    qualifying date to the Parole Board, and kept the decisions on suspending supervision
    (docs/parole.md)."""
    work = Q(Exists(TerminationReferral.objects.filter(person=OuterRef("pk")))) | Q(
        Exists(SupervisionSuspension.objects.filter(person=OuterRef("pk")))
    )
    for sentence_type, cutoff in qualifying_release_cutoffs().items():
        work |= Q(sentence__sentence_type=sentence_type) & Q(
            Exists(Release.objects.filter(person=OuterRef("pk"), date__lte=cutoff))
        )
    return work


def register() -> None:
    register_ppcs_work(_termination_work)


rules.add_perm("parole.record_review", can_work_on_case | (is_ppcs & person_is_ppcs_work))
rules.add_perm("parole.record_rarr", is_ppcs & person_is_ppcs_work)


@rules.predicate
def took_part_in_recall(user: Any, recall: Any) -> bool:
    """Segregation of duties: ``user`` asked for, countersigned or authorised the recall (made
    through the service), so its risk-assessed review is for another PPCS caseworker."""
    rec = (
        RecallRecommendation.objects.filter(recall=recall)
        .prefetch_related("oversights", "ppcs_decisions")
        .first()
    )
    if rec is None:
        return False
    authorised = any(
        d.decided_by_id == user.pk and d.outcome == PpcsOutcome.AUTHORISED
        for d in rec.ppcs_decisions.all()
    )
    return authorised or bool(took_part_in_request(user, rec))


# Object: a Recall.
rules.add_perm("parole.review_recall", is_ppcs & ~took_part_in_recall)
rules.add_perm("parole.record_termination", is_ppcs & person_is_ppcs_work)
rules.add_perm("parole.view_report", is_manager | is_senior_manager | is_ppcs | is_admin)
