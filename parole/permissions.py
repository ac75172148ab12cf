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
from parole.models import SupervisionSuspension, TerminationReferral
from parole.selectors import qualifying_release_cutoffs
from recall.models import RecallRecommendation
from recall.permissions import can_work_on_case, took_part_in_request
from recall.vocab import PpcsOutcome


def _termination_work() -> Q:
    """People with licence termination work on record: PPCS refers IPP/DPP licences to the
    Parole Board, and kept the decisions on suspending supervision (docs/parole.md)."""
    return Q(Exists(TerminationReferral.objects.filter(person=OuterRef("pk")))) | Q(
        Exists(SupervisionSuspension.objects.filter(person=OuterRef("pk")))
    )


def _past_qualifying_date() -> Q:
    """People whose IPP/DPP licence is past its qualifying date today (PPCS refers every such
    licence to the Board): first released on or before the cutoff. Changes with time, so it
    reads the stored first release date of the person's position."""
    work = Q(pk__in=[])
    for sentence_type, cutoff in qualifying_release_cutoffs().items():
        work |= Q(sentence__sentence_type=sentence_type, position__first_release_on__lte=cutoff)
    return work


def register() -> None:
    register_ppcs_work(_termination_work)
    register_ppcs_work(_past_qualifying_date, changes_with_time=True)


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
