"""Reads of the recall report (Part B): the report of a recommendation's recall with who wrote,
countersigned and submitted it, and the report's task list; a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from recall.models import Dossier, RecallRecommendation, RecallReport
from recall.report.services import SECTION_FIELDS, SECTION_TITLES, section_answered
from recall.vocab import DossierKind, DossierState


@dataclass(frozen=True)
class SectionRow:
    slug: str
    title: str
    completed: bool


def report_for(rec: RecallRecommendation) -> RecallReport | None:
    """The report on the recall ``rec`` became (one query), its person the one ``rec`` has
    loaded, for the permissions; None when there is no recall or no report yet."""
    if rec.recall_id is None:
        return None
    report = (
        RecallReport.objects.select_related(
            "recall__release", "created_by", "countersigned_by", "submitted_by"
        )
        .filter(recall_id=rec.recall_id)
        .first()
    )
    if report is not None:
        report.recall.release.person = rec.person
    return report


def task_list(report: RecallReport) -> list[SectionRow]:
    return [
        SectionRow(slug, SECTION_TITLES[slug], section_answered(report, slug))
        for slug in SECTION_FIELDS
    ]


def latest_part_b(rec: RecallRecommendation) -> Dossier | None:
    """The newest ready Part B PDF of ``rec`` (without its bytes), or None (one query)."""
    return (
        Dossier.objects.filter(
            recommendation=rec, kind=DossierKind.PART_B, state=DossierState.READY
        )
        .defer("pdf")
        .order_by("-version")
        .first()
    )
