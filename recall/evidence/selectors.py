"""Reads of a recommendation's evidence, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from recall import vocab
from recall.models import EvidenceDocument, RecallRecommendation


def evidence_queryset(rec_id: int) -> QuerySet[EvidenceDocument]:
    return EvidenceDocument.objects.filter(recommendation_id=rec_id).select_related(
        "uploaded_by", "removed_by"
    )


@dataclass(frozen=True)
class PartGroup:
    part: str
    label: str
    documents: list[EvidenceDocument]


def evidence_by_part(rec: RecallRecommendation) -> list[PartGroup]:
    """The recommendation's evidence (removed documents included, last), grouped by part; one
    query."""
    rows = list(evidence_queryset(rec.pk).order_by("removed_at", "document_date", "pk"))
    return [
        PartGroup(part, str(label), [d for d in rows if d.part == part])
        for part, label in vocab.EvidencePart.choices
    ]


def in_dossier(rec_id: int) -> list[EvidenceDocument]:
    """What a dossier includes: every document not removed, Part A first, then by date."""
    rows = EvidenceDocument.objects.filter(recommendation_id=rec_id, removed_at__isnull=True)
    return sorted(rows, key=lambda d: (d.part != vocab.EvidencePart.PART_A, d.document_date, d.pk))


def evidence_count(rec: RecallRecommendation) -> int:
    """How many documents (not removed) the recommendation has; one query."""
    return EvidenceDocument.objects.filter(recommendation=rec, removed_at__isnull=True).count()
