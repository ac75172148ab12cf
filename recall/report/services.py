"""Writes of the recall report (Part B). Each function is one action: keyword-only arguments,
one transaction, the report row locked, the actor in the audit context, and a typed error from
``recall.services`` for anything refused (nothing changes then).

The states (``vocab.ReportStatus``): started as a draft; the writer sends it to the SPOs of the
case's PDU (awaiting SPO); an SPO agrees with comments (countersigned) or returns it to draft
with reasons; the writer submits the countersigned version, which records the date on the
recall (``Recall.report_submitted_on``, read by the deadline badge and the reminders) and
queues the Part B PDF. Any change to the answers bumps ``version``; a countersignature holds
for the version it was given on only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pghistory
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ippcase import vocab as case_vocab
from ippcase.core import once, words
from ippcase.core.notifications import notify
from ippcase.models import Person, User
from ippcase.models import Recall as CaseRecall
from recall import deadlines, dossiers, reminders, vocab
from recall.deadlines import long_date
from recall.models import RecallRecommendation, RecallReport
from recall.services import IllegalTransition, NotAllowed, RecallError, StaleRecommendation

Report = vocab.ReportStatus

# The answers of each section (the slugs of the task list), which the writer changes.
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "account": ("persons_account", "response_to_recall"),
    "risk": ("rosh_level", "risk_assessment"),
    "plan": ("risk_management_plan",),
    "recommendation": (
        "parole_recommendation",
        "parole_recommendation_reasons",
        "rarr_suitability",
        "rarr_reasons",
    ),
    "conditions": ("proposed_conditions",),
}
SECTION_TITLES: dict[str, str] = {
    "account": "The person's account and response to the recall",
    "risk": "Current risk assessment",
    "plan": "Risk management plan",
    "recommendation": "Recommendations to the Parole Board and PPCS",
    "conditions": "Proposed licence conditions",
}


class StaleReport(StaleRecommendation):
    """The page showed an earlier version of the report."""

    def __init__(self) -> None:
        RecallError.__init__(
            self,
            "Someone else changed this report while you were working on it. Your changes were "
            "not saved: reload the page to see the latest version.",
        )


def _today() -> dt.date:
    """Today in England and Wales (Europe/London: settings.TIME_ZONE)."""
    return timezone.localdate()


def _locked(report_id: int, expected_version: int | None) -> RecallReport:
    report = (
        RecallReport.objects.select_for_update(of=("self",))
        .select_related("recall__release__person__team")
        .get(pk=report_id)
    )
    if expected_version is not None and report.version != expected_version:
        raise StaleReport
    return report


def _link(report: RecallReport) -> str:
    """The report's page, where an in-app notification about it takes its reader."""
    rec_id = RecallRecommendation.objects.values_list("pk", flat=True).get(recall=report.recall_id)
    return reverse("recall:report", args=[rec_id])


def _guard(report: RecallReport, *allowed: str, doing: str) -> None:
    if report.status not in allowed:
        raise IllegalTransition(
            f"You cannot {doing}: the report is {words.lower(report.get_status_display())}."
        )


def _require(actor: User, perm: str, report: RecallReport, message: str) -> None:
    if not actor.has_perm(perm, report):
        raise NotAllowed(message)


def _save(report: RecallReport, actor: User, **changes: Any) -> RecallReport:
    for name, value in changes.items():
        setattr(report, name, value)
    report.version += 1
    with pghistory.context(user=actor.pk):
        report.save()
    return report


def section_answered(report: RecallReport, slug: str) -> bool:
    """Whether a section has been saved with every answer it asks for."""
    if slug not in report.sections_saved:
        return False
    return all(str(getattr(report, f)).strip() for f in SECTION_FIELDS[slug])


def missing_sections(report: RecallReport) -> list[str]:
    return [slug for slug in SECTION_FIELDS if not section_answered(report, slug)]


def due_date(recall: CaseRecall) -> dt.date | None:
    """The 15th working day after the return to custody (None before it)."""
    if recall.returned_to_custody is None:
        return None
    return deadlines.report_due_date(recall.returned_to_custody, reminders.calendar())


def is_late(recall: CaseRecall, today: dt.date | None = None) -> bool:
    """Whether a report submitted ``today`` would be after the 15th working day."""
    due = due_date(recall)
    return due is not None and (today or _today()) > due


# ---------------------------------------------------------------------------------------------
# Starting and writing


@once.keyed(RecallReport, RecallError)  # issue 18: a replay gets the first
@transaction.atomic
def report_start(
    *, rec_id: int, actor: User, submission_key: uuid.UUID | None = None
) -> RecallReport:
    """Start the report on the recall ``rec_id`` became: after the return to custody, on an
    authorised recall made through the service, one per recall (the one-to-one backs this)."""
    rec = (
        RecallRecommendation.objects.select_for_update(of=("self",))
        .select_related("person", "recall")
        .get(pk=rec_id)
    )
    person: Person = rec.person
    if not actor.has_perm("recall.start_report", person):
        raise NotAllowed("Only the case's probation practitioner can start the recall report.")
    if rec.status != vocab.RecommendationStatus.AUTHORISED or rec.recall is None:
        raise IllegalTransition(
            "There is no recall to report on: PPCS has not authorised this recommendation."
        )
    recall = CaseRecall.objects.select_for_update().get(pk=rec.recall.pk)
    if recall.returned_to_custody is None:
        raise IllegalTransition(
            "The report is written after the return to custody: record the return first."
        )
    if RecallReport.objects.filter(recall=recall).exists():
        raise IllegalTransition("The report on this recall has already been started.")
    with pghistory.context(user=actor.pk):
        return RecallReport.objects.create(
            recall=recall, created_by=actor, rosh_level=person.rosh_level or ""
        )


@transaction.atomic
def report_update(
    *,
    report_id: int,
    actor: User,
    expected_version: int,
    changes: dict[str, Any],
    section: str,
) -> RecallReport:
    """Save a section's answers (draft only); the section then counts as looked at."""
    unknown = set(changes) - set(SECTION_FIELDS.get(section, ()))
    if section not in SECTION_FIELDS or unknown:
        raise RecallError("These answers cannot be changed here.")
    report = _locked(report_id, expected_version)
    _require(actor, "recall.write_report", report, "You cannot change this report.")
    _guard(report, Report.DRAFT, doing="change it")
    if section not in report.sections_saved:
        changes = {**changes, "sections_saved": [*report.sections_saved, section]}
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()}
    return _save(report, actor, **cleaned)


def _spos(person: Person, writer_id: int) -> list[User]:
    """The SPOs (managers) of the case's PDU, the writer left out."""
    if person.team is None:
        return []
    return list(
        User.objects.filter(
            is_active=True,
            roles__contains=[case_vocab.Role.MANAGER],
            team__pdu_id=person.team.pdu_id,
        ).exclude(pk=writer_id)
    )


@transaction.atomic
def report_send(*, report_id: int, actor: User, expected_version: int) -> RecallReport:
    """Send a complete draft to the SPOs of the case's PDU for countersignature."""
    report = _locked(report_id, expected_version)
    _require(actor, "recall.write_report", report, "You cannot send this report.")
    _guard(report, Report.DRAFT, doing="send it for countersignature")
    missing = missing_sections(report)
    if missing:
        raise RecallError(
            "Complete every section before you send the report: "
            + ", ".join(SECTION_TITLES[s].lower() for s in missing)
            + "."
        )
    report = _save(report, actor, status=Report.AWAITING_SPO, returned_reason="")
    person = report.recall.release.person
    notify(
        recipients=_spos(person, report.created_by_id),
        subject="A recall report is waiting for your countersignature",
        text=f"{actor.display_name} has sent the recall report on {person.crn} for your "
        "countersignature.",
        link=_link(report),
    )
    return report


@transaction.atomic
def report_countersign(
    *, report_id: int, actor: User, expected_version: int, agree: bool, comments: str
) -> RecallReport:
    """An SPO of the case's PDU agrees with the report (with comments) or returns it to draft
    with the reasons. The writer never countersigns their own report."""
    report = _locked(report_id, expected_version)
    if report.created_by_id == actor.pk:
        raise NotAllowed("You wrote this report, so you cannot countersign it.")
    _require(
        actor,
        "recall.countersign_report",
        report,
        "Only a manager of the case's probation delivery unit can countersign the report.",
    )
    _guard(report, Report.AWAITING_SPO, doing="countersign it")
    comments = comments.strip()
    if not comments:
        raise RecallError(
            "Write your comments on the report."
            if agree
            else "Write why the report is going back to be rewritten."
        )
    person = report.recall.release.person
    if agree:
        report = _save(
            report,
            actor,
            status=Report.COUNTERSIGNED,
            countersigned_by=actor,
            countersigned_at=timezone.now(),
            countersign_comments=comments,
        )
        # The countersignature holds for this version (the one saved with it) only.
        report.countersigned_version = report.version
        with pghistory.context(user=actor.pk):
            report.save(update_fields=["countersigned_version"])
        subject = "A recall report has been countersigned"
        text = f"{actor.display_name} countersigned the recall report on {person.crn}."
    else:
        report = _save(
            report,
            actor,
            status=Report.DRAFT,
            returned_reason=comments,
            countersigned_by=None,
            countersigned_at=None,
            countersigned_version=None,
            countersign_comments="",
        )
        subject = "A recall report has been returned to you"
        text = f"The recall report on {person.crn}. {actor.display_name}: {comments}"
    notify(recipients=[report.created_by], subject=subject, text=text, link=_link(report))
    return report


@transaction.atomic
def report_submit(
    *, report_id: int, actor: User, expected_version: int, delay_reason: str = ""
) -> RecallReport:
    """Submit the countersigned report: records who and when, the date on the recall (today in
    England and Wales), the reason for a late report, and asks for the Part B PDF."""
    report = _locked(report_id, expected_version)
    _require(actor, "recall.write_report", report, "You cannot submit this report.")
    _guard(report, Report.COUNTERSIGNED, doing="submit it")
    signer = report.countersigned_by
    if (
        signer is None
        or report.countersigned_version != report.version
        or not signer.has_role(case_vocab.Role.MANAGER, case_vocab.Role.SENIOR_MANAGER)
    ):
        raise IllegalTransition(
            "The report must be countersigned by a manager, as it is now, before it is submitted."
        )
    recall = CaseRecall.objects.select_for_update().get(pk=report.recall_id)
    today = _today()
    delay_reason = delay_reason.strip()
    if is_late(recall, today) and not delay_reason:
        raise RecallError(
            "The report is late: it was due on "
            f"{long_date(due_date(recall))}. Write why the report is late."  # type: ignore[arg-type]
        )
    report = _save(
        report,
        actor,
        status=Report.SUBMITTED,
        submitted_at=timezone.now(),
        submitted_by=actor,
        delay_reason=delay_reason if is_late(recall, today) else "",
    )
    recall.report_submitted_on = today
    with pghistory.context(user=actor.pk):
        recall.save(update_fields=["report_submitted_on"])
    rec = RecallRecommendation.objects.only("pk").get(recall=recall)
    dossiers.dossier_request(rec_id=rec.pk, kind=vocab.DossierKind.PART_B, actor=actor)
    return report


@transaction.atomic
def report_record_served(*, report_id: int, actor: User, served_on: dt.date) -> RecallReport:
    """Record the date the submitted report was served on (disclosed to) the person, once."""
    report = _locked(report_id, None)
    _require(actor, "recall.write_report", report, "You cannot record this on the report.")
    _guard(report, Report.SUBMITTED, doing="record that it was served")
    if report.served_on is not None:
        raise IllegalTransition(
            f"The date the report was served is already recorded ({long_date(report.served_on)})."
        )
    submitted = timezone.localdate(report.submitted_at) if report.submitted_at else None
    if served_on > _today():
        raise RecallError("The date the report was served cannot be in the future.")
    if submitted is not None and served_on < submitted:
        raise RecallError(
            f"The report cannot be served before it was submitted ({long_date(submitted)})."
        )
    report.served_on = served_on
    with pghistory.context(user=actor.pk):
        report.save(update_fields=["served_on", "updated_at"])
    return report
