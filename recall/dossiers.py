"""Recall dossiers and reasons-for-recall letters: PDFs built by a Celery worker, all versions kept.

A request (:func:`dossier_request`) adds the next version row, queued, and enqueues
:func:`build_dossier` once the request's transaction commits. A broker outage never fails the
request: :func:`build_pending_dossiers` (beat, every minute) builds queued rows left behind.

Building is safe to run twice and after a worker is killed mid-build: the row is claimed under
``SELECT … FOR UPDATE SKIP LOCKED`` and stays locked while the PDF is rendered; the bytes, the
page count and ``ready`` are written in that same transaction. A second run while the first is
building skips the locked row; a run after it finishes sees ``ready`` and does nothing; a killed
worker's transaction rolls back, so the row is queued or building again and is simply rebuilt.

The PDFs are tagged PDF/UA-1 (WeasyPrint's ``pdf_variant="pdf/ua-1"``): structure tags, a
document title and language, embedded fonts — screen readers can read them. This is the one
variant used; a WeasyPrint that cannot produce it fails the build (and the task retries) rather
than silently producing an untagged PDF.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pghistory
from celery import Task, shared_task
from django.db import transaction
from django.db.models import Max, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone

from ippcase import vocab as case_vocab
from ippcase.cases import selectors as case_selectors
from ippcase.core import once, words
from ippcase.models import Person, User, labels
from recall import deadlines, meeting_records, part_a, selectors, services, vocab
from recall.evidence import merge
from recall.models import Dossier, Oversight, PpcsDecision, RecallRecommendation, RecallReport
from recall.reminders import calendar
from recall.services import IllegalTransition, NotAllowed, RecallError

log = logging.getLogger(__name__)

Kind = vocab.DossierKind
State = vocab.DossierState
Status = vocab.RecommendationStatus

PDF_VARIANT = "pdf/ua-1"
LONDON = ZoneInfo("Europe/London")
TEMPLATES = {
    Kind.DOSSIER: "recall/dossier/dossier.html",
    Kind.PRISONER_LETTER: "recall/dossier/prisoner_letter.html",
    Kind.PART_A: "recall/dossier/part_a.html",
    Kind.PART_B: "recall/dossier/part_b.html",
    # The dossier as served on the person: the same, withheld evidence left out (issue 15).
    Kind.SERVED_DOSSIER: "recall/dossier/dossier.html",
}
# Letters to the person in easy read, for a case that asks for them (``Person.easy_read``):
# the same context, other words (docs/recall-paperwork.md, "Easy-read letters").
EASY_READ_TEMPLATES = {Kind.PRISONER_LETTER: "recall/dossier/prisoner_letter_easy_read.html"}
DNTR_TEMPLATES = {False: "recall/dntr_letter.html", True: "recall/dntr_letter_easy_read.html"}


def template_for(kind: str, person: Person) -> str:
    """The template of a document of ``kind`` about ``person``: a letter in easy read when the
    case asks for it, the standard one otherwise."""
    if person.easy_read and kind in EASY_READ_TEMPLATES:
        return EASY_READ_TEMPLATES[Kind(kind)]
    return TEMPLATES[Kind(kind)]


# The dossier describes a recall request, so it exists from submission to PPCS onwards; the
# letter tells the prisoner why they were recalled, so only once PPCS has authorised it.
STATUSES_FOR_KIND: dict[str, tuple[str, ...]] = {
    Kind.DOSSIER: (
        Status.SUBMITTED,
        Status.INFO_REQUESTED,
        Status.AUTHORISED,
        Status.REJECTED,
        Status.RESCINDED,
    ),
    Kind.PRISONER_LETTER: (Status.AUTHORISED,),
    # The recall report (Part B): only once it is submitted (submitted_report_for).
    Kind.PART_B: (Status.AUTHORISED,),
    # The recall request (Part A) is what the ACO's countersignature makes ready (issue 15).
    Kind.PART_A: (
        Status.READY,
        Status.SUBMITTED,
        Status.INFO_REQUESTED,
        Status.AUTHORISED,
        Status.REJECTED,
        Status.RESCINDED,
    ),
}
STATUSES_FOR_KIND[Kind.SERVED_DOSSIER] = STATUSES_FOR_KIND[Kind.DOSSIER]
# The sweep leaves a fresh request to the task enqueued on commit; a row still "building" this
# long after it was asked for belongs to a worker that died without its task being redelivered.
SWEEP_QUEUED_AFTER = dt.timedelta(minutes=1)
SWEEP_BUILDING_AFTER = dt.timedelta(minutes=15)
SWEEP_BATCH = 20

CRITERIA_LABELS = {
    "i": "(i) behaviour similar to the behaviour surrounding the index offence",
    "ii": "(ii) behaviour likely to give rise (or that does give rise) to a sexual or violent "
    "offence",
    "iii": "(iii) behaviour associated with the commission of a sexual or violent offence",
    "iv": "(iv) out of touch with the probation service, and it can be assumed that (i), (ii) "
    "or (iii) may arise",
}
# The same four criteria in everyday words, for the letter to the prisoner.
CRITERIA_PLAIN = {
    "i": "What you have been doing is like what you were doing around the time of your offence.",
    "ii": "What you have been doing could lead to you hurting someone, or to a sexual offence.",
    "iii": "What you have been doing is linked to violent or sexual offending.",
    "iv": "We lost touch with you, so we had to assume the risk to other people had gone up.",
}


# ---------------------------------------------------------------------------------------------
# Permissions and the request


def can_request(user: User, rec: RecallRecommendation) -> bool:
    """PPCS caseworkers and the case's practitioner and managers: whoever may see the person."""
    return bool(user.has_perm("ippcase.view_person", rec.person))


def kinds_available(rec: RecallRecommendation) -> list[str]:
    """The kinds of PDF that can be asked for at the recommendation's current status (the
    Part B once its report is submitted)."""
    kinds = [kind for kind, statuses in STATUSES_FOR_KIND.items() if rec.status in statuses]
    if Kind.PART_B in kinds and submitted_report_for(rec) is None:
        kinds.remove(Kind.PART_B)
    return kinds


def submitted_report_for(rec: RecallRecommendation) -> RecallReport | None:
    """The submitted recall report (Part B) on the recall ``rec`` became, with who wrote,
    countersigned and submitted it (one query; none without a recall)."""
    if rec.recall_id is None:
        return None
    return (
        RecallReport.objects.filter(recall_id=rec.recall_id, status=vocab.ReportStatus.SUBMITTED)
        .select_related("created_by", "countersigned_by", "submitted_by")
        .first()
    )


@once.keyed(Dossier, RecallError)  # issue 18: a double click asks for one version
@transaction.atomic
def dossier_request(
    *, rec_id: int, kind: str, actor: User, submission_key: uuid.UUID | None = None
) -> Dossier:
    """Ask for a new version of a dossier or letter: a queued row (version = latest + 1 for
    this recommendation and kind), built by a worker once this transaction commits.

    Raises ``NotAllowed`` for someone who may not see the case and ``IllegalTransition`` when
    the recommendation is not at a stage that has this kind of PDF.
    """
    if kind not in STATUSES_FOR_KIND:
        raise RecallError("Choose a document from the list: the dossier, a letter or the Part A.")
    # Locking the recommendation serialises requests, so two at once get v1 and v2.
    rec = (
        RecallRecommendation.objects.select_for_update(of=("self",))
        .select_related("person__team__pdu")
        .get(pk=rec_id)
    )
    if not can_request(actor, rec):
        raise NotAllowed("You cannot ask for documents on this case.")
    return _add_version(rec, kind, actor)


def _add_version(rec: RecallRecommendation, kind: str, actor: User) -> Dossier:
    """The next version of ``kind`` for the (locked) recommendation, queued."""
    if rec.status not in STATUSES_FOR_KIND[kind]:
        raise IllegalTransition(
            f"There is no {words.lower(Kind(kind).label)} for a recommendation that is "
            f"{words.lower(rec.get_status_display())}."
        )
    if kind == Kind.PART_B and submitted_report_for(rec) is None:
        raise IllegalTransition("There is no recall report (Part B) until it is submitted.")
    latest = Dossier.objects.filter(recommendation=rec, kind=kind).aggregate(v=Max("version"))["v"]
    with pghistory.context(user=actor.pk):
        dossier = Dossier.objects.create(
            recommendation=rec, kind=kind, version=(latest or 0) + 1, requested_by=actor
        )
    pk = dossier.pk
    transaction.on_commit(lambda: _enqueue(pk))
    return dossier


# ---------------------------------------------------------------------------------------------
# The recall request (Part A) follows the workflow: a new version whenever the request becomes
# ready (the ACO's countersignature) and when it is resubmitted after PPCS asked for more.


@transaction.atomic
def recommendation_countersign(*, actor: User, **kwargs: Any) -> RecallRecommendation:
    """``recall.services.recommendation_countersign``; when the signature makes the request
    ready (the ACO's), a new Part A version is requested in the same transaction, by the
    signer. The signature is the permission: a duty manager from another PDU gets it too."""
    rec = services.recommendation_countersign(actor=actor, **kwargs)
    if rec.status == Status.READY:
        _add_version(rec, Kind.PART_A, actor)
    return rec


@transaction.atomic
def recommendation_resubmit(*, actor: User, **kwargs: Any) -> RecallRecommendation:
    """``recall.services.recommendation_resubmit`` and a new Part A version with the further
    information, in the same transaction."""
    rec = services.recommendation_resubmit(actor=actor, **kwargs)
    _add_version(rec, Kind.PART_A, actor)
    return rec


def latest_ready(rec_ids: list[int], kind: str) -> dict[int, Dossier]:
    """The newest ready version of ``kind`` of each recommendation, without the bytes (one
    query whatever the number of recommendations)."""
    rows = (
        Dossier.objects.filter(recommendation_id__in=rec_ids, kind=kind, state=State.READY)
        .defer("pdf")
        .order_by("recommendation_id", "-version")
        .distinct("recommendation_id")
    )
    return {d.recommendation_id: d for d in rows}


def _enqueue(dossier_id: int) -> None:
    try:
        build_dossier.delay(dossier_id)
    except Exception:  # broker down: the beat sweep builds it later
        log.warning("dossier %s left queued; broker unavailable", dossier_id, exc_info=True)


# ---------------------------------------------------------------------------------------------
# Reads for the page (the lead's view) and the download


def dossiers_for(rec: RecallRecommendation) -> list[Dossier]:
    """Every version of every kind, newest first, without the PDF bytes (one query)."""
    return list(
        Dossier.objects.filter(recommendation=rec)
        .defer("pdf")
        .select_related("requested_by")
        .order_by("kind", "-version")
    )


def in_progress(rows: list[Dossier]) -> bool:
    """Whether any of ``rows`` is still queued or being built (the page keeps polling)."""
    return any(d.state in (State.QUEUED, State.BUILDING) for d in rows)


def dossier_for_download(user: User, dossier_id: int) -> Dossier:
    """A ready dossier with its bytes, if ``user`` may see the case; ``NotAllowed`` otherwise
    (the view turns it into a 404), ``Dossier.DoesNotExist`` if there is no ready one."""
    dossier = Dossier.objects.select_related("recommendation__person__team__pdu").get(
        pk=dossier_id, state=State.READY
    )
    if not can_request(user, dossier.recommendation):
        raise NotAllowed("You cannot see documents on this case.")
    return dossier


FILENAME_STEMS: dict[str, str] = {
    Kind.DOSSIER: "recall-dossier",
    Kind.SERVED_DOSSIER: "recall-dossier-served",
    Kind.PRISONER_LETTER: "reasons-for-recall-letter",
    Kind.PART_A: "recall-request-part-a",
    Kind.PART_B: "recall-report-part-b",
}


def filename(dossier: Dossier) -> str:
    """``recall-dossier-X123456-v2.pdf``, ``recall-report-part-b-X123456-v1.pdf``…"""
    stem = FILENAME_STEMS.get(dossier.kind, str(dossier.kind).replace("_", "-"))
    return f"{stem}-{dossier.recommendation.person.crn}-v{dossier.version}.pdf"


# ---------------------------------------------------------------------------------------------
# Building


@shared_task(
    name="recall.build_dossier",
    bind=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def build_dossier(self: Task, dossier_id: int) -> bool:
    """Build one requested PDF (True if this call built it; False if it was already ready or
    is being built by another worker right now)."""
    try:
        return dossier_build(dossier_id)
    except Exception as exc:
        if self.request.retries >= (self.max_retries or 0):
            _mark_failed(dossier_id, exc)
        raise


@shared_task(name="recall.build_pending_dossiers")
def build_pending_dossiers(limit: int = SWEEP_BATCH) -> int:
    """Build requests that were never enqueued (broker down) or whose worker died; returns
    how many were built. Beat runs it every minute."""
    now = timezone.now()
    pending = list(
        Dossier.objects.filter(
            Q(state=State.QUEUED, requested_at__lte=now - SWEEP_QUEUED_AFTER)
            | Q(state=State.BUILDING, requested_at__lte=now - SWEEP_BUILDING_AFTER)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    built = 0
    for dossier_id in pending:
        try:
            built += dossier_build(dossier_id)
        except Exception as exc:  # one bad row must not stop the sweep
            _mark_failed(dossier_id, exc)
            log.exception("dossier %s failed in the sweep", dossier_id)
    return built


CLAIMABLE = (State.QUEUED, State.BUILDING, State.FAILED)


def dossier_build(dossier_id: int) -> bool:
    """Render and store one dossier, exactly once (see the module docstring). True if this
    call built it; False if it is ready already or another worker is building it now."""
    # First mark it "building" (committed, so the page can show progress)…
    with transaction.atomic():
        claimed = (
            Dossier.objects.select_for_update(skip_locked=True)
            .filter(pk=dossier_id, state__in=CLAIMABLE)
            .values_list("pk", flat=True)
            .first()
        )
        if claimed is None:  # ready, or locked by a worker building it right now
            return False
        Dossier.objects.filter(pk=claimed).update(state=State.BUILDING)
    # …then build it holding the row lock, and store it in the same transaction.
    with transaction.atomic():
        dossier = (
            Dossier.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=dossier_id, state=State.BUILDING)
            .select_related("requested_by")
            .first()
        )
        if dossier is None:  # built (or being built) by another worker in between
            return False
        pdf, pages = render_pdf(dossier)
        dossier.pdf = pdf
        dossier.pages = pages
        dossier.state = State.READY
        dossier.completed_at = timezone.now()
        dossier.error = ""
        with pghistory.context(actor="worker"):
            dossier.save(update_fields=["pdf", "pages", "state", "completed_at", "error"])
    log.info("dossier %s built: %s pages", dossier_id, pages)
    return True


def _mark_failed(dossier_id: int, exc: BaseException) -> None:
    # The error names the exception type only: its message could quote personal data.
    with pghistory.context(actor="worker"):
        Dossier.objects.filter(pk=dossier_id).exclude(state=State.READY).update(
            state=State.FAILED, error=type(exc).__name__
        )


@functools.cache
def _font_config() -> Any:
    """The process's one WeasyPrint font configuration (issue 18), shared by every PDF it
    renders. Without it WeasyPrint makes a new one for each PDF: fontconfig loads its
    configuration and the fonts again and pango makes a new font map, which the C libraries
    keep (the worker grew about 0.4 MiB a PDF; docs/operations.md, "Worker memory"). Safe to
    share: the templates declare no ``@font-face``, so nothing is added to it per document."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _weasyprint_html(html: str, base_url: str | None = None) -> Any:
    """WeasyPrint's document for ``html``. WeasyPrint is imported here, and only here: it loads
    pango, which only PDFs need."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url)


def pdf_from_html(html: str, *, base_url: str | None = None) -> bytes:
    """A PDF made at once from ``html`` (the decision-not-to-recall letter); ``base_url``
    resolves the page's relative links."""
    pdf = _weasyprint_html(html, base_url).write_pdf(font_config=_font_config())
    if pdf is None:  # write_pdf returns None only when given a target to write to
        raise RuntimeError("WeasyPrint produced no PDF")
    return bytes(pdf)


def render_pdf(dossier: Dossier, *, now: dt.datetime | None = None) -> tuple[bytes, int]:
    """The PDF bytes and page count for ``dossier`` (its recommendation loaded here)."""
    context = dossier_context(dossier, now=now)
    html = render_to_string(template_for(dossier.kind, context["person"]), context)
    document = _weasyprint_html(html).render(pdf_variant=PDF_VARIANT, font_config=_font_config())
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    if pdf is None:  # write_pdf returns None only when given a target to write to
        raise RuntimeError("WeasyPrint produced no PDF")
    if context.get("evidence") is not None:  # the PDF evidence appended (recall.evidence.merge)
        return merge.append_evidence(pdf, context["evidence"])
    return pdf, len(document.pages)


# ---------------------------------------------------------------------------------------------
# What the templates see


@dataclass(frozen=True)
class Deadlines:
    recall_date: dt.date | None
    returned_to_custody: dt.date | None
    custody_prison: str
    report_due: dt.date | None
    status: deadlines.DeadlineStatus | None
    dossier_served_on: dt.date | None
    report_submitted_on: dt.date | None


def recommendation_for_dossier(rec_id: int) -> RecallRecommendation:
    """The recommendation with everything a dossier shows, in a fixed number of queries
    whatever the size of the case (concerns, actions, releases, conditions…)."""
    rec = (
        RecallRecommendation.objects.select_related(
            "created_by", "submitted_by", "assigned_to", "recall"
        )
        .prefetch_related(
            Prefetch("oversights", queryset=Oversight.objects.select_related("signed_by")),
            Prefetch("ppcs_decisions", queryset=PpcsDecision.objects.select_related("decided_by")),
        )
        .get(pk=rec_id)
    )
    rec.person = case_selectors.person_with_history(Person(pk=rec.person_id))
    rec.person_actions = list(selectors.actions_for(rec.person))
    rec.person_concerns = list(selectors.concerns_for(rec.person))
    rec.person_meetings = list(meeting_records.meetings_for(rec.person))
    return rec


def _calendar() -> deadlines.Calendar:
    """Bank holidays with the administrator's overrides, as everywhere else."""
    return calendar()


def _deadlines(rec: RecallRecommendation, today: dt.date) -> Deadlines:
    recall = rec.recall
    if recall is None:
        return Deadlines(None, None, "", None, None, None, None)
    due = status = None
    if recall.returned_to_custody:
        calendar = _calendar()
        due = deadlines.report_due_date(recall.returned_to_custody, calendar)
        status = deadlines.deadline_status(due, today, recall.report_submitted_on, calendar)
    return Deadlines(
        recall_date=recall.recall_date,
        returned_to_custody=recall.returned_to_custody,
        custody_prison=recall.custody_prison,
        report_due=due,
        status=status,
        dossier_served_on=recall.dossier_served_on,
        report_submitted_on=recall.report_submitted_on,
    )


_LINKED_TEST = (
    "We can only recall you if what you are doing now is linked to your offence and the risk "
    "to other people has gone up."
)


@dataclass(frozen=True)
class LetterSentence:
    """What the reasons-for-recall letter says of the person's sentence (issue 12): what they
    are serving, the test for recalling it, and whether the Secretary of State may re-release
    them through a risk-assessed recall review (IPP and DPP only: Victims and Prisoners Act
    2024; docs/parole.md)."""

    serving: str
    test: str
    rarr: bool = False


LETTER_SENTENCES = {
    "IPP": LetterSentence(
        "a sentence of imprisonment for public protection (IPP)", _LINKED_TEST, rarr=True
    ),
    "DPP": LetterSentence(
        "a sentence of detention for public protection (DPP)", _LINKED_TEST, rarr=True
    ),
    "LIFE": LetterSentence("a life sentence", _LINKED_TEST),
    "EDS": LetterSentence("an extended determinate sentence (EDS)", _LINKED_TEST),
    "SDS": LetterSentence(
        "a standard determinate sentence",
        "We can recall you if you have not kept to your licence and the risk to other people "
        "has gone up, or to stop you committing more offences.",
    ),
}


def _behaviours(values: list[str]) -> list[str]:
    return labels(case_vocab.Behaviour, values)


def dossier_context(dossier: Dossier, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything both templates show, loaded in a fixed number of queries."""
    now = (now or timezone.now()).astimezone(LONDON)
    rec = recommendation_for_dossier(dossier.recommendation_id)
    person: Person = rec.person
    sentence = getattr(person, "sentence", None)
    offences = list(sentence.offences.all()) if sentence else []
    index_behaviours = sorted({b for o in offences for b in o.behaviours})
    timeline = case_selectors.build_timeline(person, today=now.date())
    allocation = case_selectors.current_allocation(person)
    findings, _kept = selectors.findings_at_decision(rec, today=now.date())
    statuses = dict(vocab.AlternativeStatus.choices)
    oversights: list[Oversight] = list(rec.oversights.all())
    decisions: list[PpcsDecision] = list(rec.ppcs_decisions.all())
    conditions = list(person.licence_conditions.all())
    in_force = [c for c in conditions if c.in_force_on(now.date())]
    context = {
        "dossier": dossier,
        "rec": rec,
        "person": person,
        "sentence": sentence,
        # A recall needs a sentence (recall.services.recommendation_start): never a default.
        "letter_sentence": LETTER_SENTENCES.get(sentence.sentence_type) if sentence else None,
        "offences": offences,
        "index_behaviours": _behaviours(index_behaviours),
        "current_behaviours": [
            (label, value in index_behaviours)
            for value, label in zip(
                rec.current_behaviours, _behaviours(rec.current_behaviours), strict=True
            )
        ],
        "conditions_in_force": in_force,
        "conditions_ended": [c for c in conditions if not c.in_force_on(now.date())],
        "releases": list(person.releases.all()),
        "timeline": timeline,
        "com": allocation.practitioner if allocation else rec.created_by,
        "concerns": rec.person_concerns,
        "actions": rec.person_actions,
        "meetings": meeting_records.records_for(rec, today=now.date()),
        "criteria": [
            (key, CRITERIA_LABELS[key], CRITERIA_PLAIN[key], rec.criteria[key])
            for key in CRITERIA_LABELS
            if key in rec.criteria
        ],
        "alternatives": [
            (
                vocab.ALTERNATIVE_LABELS.get(key, key),
                statuses.get((value or {}).get("status", ""), "Not answered"),
                (value or {}).get("details", ""),
            )
            for key, value in rec.alternatives.items()
        ],
        "findings": [(f, str(rec.acknowledgements.get(f.code, "")).strip()) for f in findings],
        "oversights": oversights,
        "decision": decisions[-1] if decisions else None,
        "decisions": decisions,
        "deadlines": _deadlines(rec, now.date()),
        # The submitted recall report (Part B), in the dossier and its own PDF.
        "part_b": submitted_report_for(rec),
        "report_working_days": deadlines.RECALL_REPORT_WORKING_DAYS,
        "generated_at": now,
        "requested_by": dossier.requested_by,
        "marking": "OFFICIAL-SENSITIVE",
        **merge.index_context(rec.pk, dossier.kind),
    }
    if dossier.kind == Kind.PART_A:
        context.update(_part_a_context(rec, in_force))
    return context


def _part_a_context(rec: RecallRecommendation, in_force: list[Any]) -> dict[str, Any]:
    """What only the recall request (Part A) shows: one more query, for the evidence."""
    person: Person = rec.person
    return {
        "breached": part_a.breached_rows(rec, in_force),
        "victim_safety": part_a.victim_safety_conditions(in_force),
        "vulnerabilities": part_a.vulnerability_labels(person),
        "part_a_evidence": list(rec.evidence.filter(part="part_a", removed_at__isnull=True)),
    }
