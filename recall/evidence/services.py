"""Evidence on a recall: adding a checked file, removing it (the row and the file stay, out of
the dossiers), and marking it withheld from the person (docs/recall-paperwork.md, "Evidence").

When evidence can be added: Part A evidence while the recommendation is being worked on (draft
to ready) or PPCS has asked for more information; Part B evidence once the recall is authorised
and until its report (Part B) is submitted. Removing follows the same window as adding to that
part. Withholding can be changed until the recommendation is closed without a recall (withdrawn,
not recalled): non-disclosure is usually asked for after the recall, for Part A evidence too.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import pghistory
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from ippcase.core import once, words
from ippcase.models import User
from recall import vocab
from recall.evidence.checks import CheckedFile
from recall.models import EvidenceDocument, RecallRecommendation, RecallReport
from recall.services import IllegalTransition, NotAllowed, RecallError

log = logging.getLogger(__name__)

Part = vocab.EvidencePart
Status = vocab.RecommendationStatus

PART_A_STATUSES = (*vocab.OPEN_STATUSES, Status.INFO_REQUESTED)
CLOSED_STATUSES = (Status.WITHDRAWN, Status.NOT_RECALLED)


def part_refusal(rec: RecallRecommendation, part: str) -> str:
    """Why evidence cannot be added to (or removed from) ``part`` of ``rec`` now, or ``""``."""
    if part == Part.PART_A:
        if rec.status in PART_A_STATUSES:
            return ""
        return (
            "Evidence for the recall request (Part A) can only be added or removed while the "
            "recommendation is being worked on or PPCS has asked for more information; it is "
            f"{words.lower(rec.get_status_display())}."
        )
    if part == Part.PART_B:
        if rec.status != Status.AUTHORISED or rec.recall_id is None:
            return (
                "Evidence for the recall report (Part B) can only be added once the recall has "
                "been authorised."
            )
        if RecallReport.objects.filter(
            recall_id=rec.recall_id, status=vocab.ReportStatus.SUBMITTED
        ).exists():
            return (
                "The recall report (Part B) has been submitted, so its evidence can no longer "
                "be changed."
            )
        return ""
    return "Choose whether the evidence is for the recall request or the recall report."


def open_parts(rec: RecallRecommendation) -> list[str]:
    """The parts evidence can be added to now."""
    return [part for part in Part.values if not part_refusal(rec, part)]


def _locked_rec(rec_id: int) -> RecallRecommendation:
    return (
        RecallRecommendation.objects.select_for_update(of=("self",))
        .select_related("person__team__pdu")
        .get(pk=rec_id)
    )


def _locked_document(evidence_id: int, actor: User) -> EvidenceDocument:
    doc = (
        EvidenceDocument.objects.select_for_update(of=("self",))
        .select_related("recommendation__person__team__pdu")
        .get(pk=evidence_id)
    )
    if not actor.has_perm("recall.add_evidence", doc.recommendation):
        raise NotAllowed("Only the case's probation practitioner can change its evidence.")
    if doc.removed_at is not None:
        raise IllegalTransition("This document has been removed from the evidence already.")
    return doc


@once.keyed(EvidenceDocument, RecallError)  # issue 18: a replay stores no second file
@transaction.atomic
def evidence_add(
    *,
    rec_id: int,
    actor: User,
    part: str,
    kind: str,
    document_date: dt.date,
    description: str,
    withheld: bool,
    withheld_reason: str,
    checked: CheckedFile,
    submission_key: uuid.UUID | None = None,
) -> EvidenceDocument:
    """Store a checked file (see ``recall.evidence.checks``) as evidence on the recommendation.
    The file is written only once every check on the recommendation has passed, and deleted
    again if the row cannot be written."""
    rec = _locked_rec(rec_id)
    if not actor.has_perm("recall.add_evidence", rec):
        raise NotAllowed("Only the case's probation practitioner can add evidence.")
    refusal = part_refusal(rec, part)
    if refusal:
        raise IllegalTransition(refusal)
    if kind not in vocab.EvidenceKind.values:
        raise RecallError("Choose the type of document.")
    withheld_reason = withheld_reason.strip() if withheld else ""
    if withheld and not withheld_reason:
        raise RecallError("Enter why the document is withheld from the person.")
    doc = EvidenceDocument(
        recommendation=rec,
        part=part,
        kind=kind,
        document_date=document_date,
        description=description.strip(),
        withheld=withheld,
        withheld_reason=withheld_reason,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        pages=checked.pages,
        uploaded_by=actor,
    )
    doc.file.save("evidence", ContentFile(checked.content), save=False)
    try:
        with pghistory.context(user=actor.pk):
            doc.save()
    except Exception:
        doc.file.delete(save=False)
        raise
    log.info("evidence %s added to recommendation %s", doc.pk, rec.pk)
    return doc


@transaction.atomic
def evidence_remove(*, evidence_id: int, actor: User, reason: str) -> EvidenceDocument:
    """Take a document out of the evidence: the row and the file stay (the audit trail and
    dossiers already made keep them), later dossiers leave it out."""
    doc = _locked_document(evidence_id, actor)
    refusal = part_refusal(doc.recommendation, doc.part)
    if refusal:
        raise IllegalTransition(refusal)
    reason = reason.strip()
    if not reason:
        raise RecallError("Enter why the document is being removed.")
    doc.removed_at = timezone.now()
    doc.removed_by = actor
    doc.removed_reason = reason
    with pghistory.context(user=actor.pk):
        doc.save(update_fields=["removed_at", "removed_by", "removed_reason"])
    return doc


@transaction.atomic
def evidence_withhold(
    *, evidence_id: int, actor: User, withheld: bool, reason: str
) -> EvidenceDocument:
    """Mark a document withheld from the person (with the reason) or disclosable again. Versions
    of the served dossier made from now on follow the mark; those already made are kept."""
    doc = _locked_document(evidence_id, actor)
    if doc.recommendation.status in CLOSED_STATUSES:
        raise IllegalTransition(
            "The recommendation is closed "
            f"({words.lower(doc.recommendation.get_status_display())}), so its evidence cannot be "
            "changed."
        )
    reason = reason.strip() if withheld else ""
    if withheld and not reason:
        raise RecallError("Enter why the document is withheld from the person.")
    doc.withheld = withheld
    doc.withheld_reason = reason
    with pghistory.context(user=actor.pk):
        doc.save(update_fields=["withheld", "withheld_reason"])
    return doc
