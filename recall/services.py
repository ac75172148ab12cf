"""Writes of the recall decision. One function per action or workflow transition: keyword-only
arguments, one transaction, the row locked (select_for_update), the actor in the audit context,
and a typed error for anything refused — the caller shows its message and nothing changes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pghistory
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ippcase import vocab as case_vocab
from ippcase.cases import licence
from ippcase.core import once, words
from ippcase.core.notifications import notify
from ippcase.core.permissions import person_in_own_pdu
from ippcase.models import Person, Release, User
from ippcase.models import Recall as CaseRecall
from recall import part_a, reminders, rules, selectors, vocab
from recall.deadlines import long_date
from recall.models import (
    EDITABLE_FIELDS,
    Oversight,
    PpcsDecision,
    RecallRecommendation,
)
from recall.permissions import is_recommender

Status = vocab.RecommendationStatus
Outcome = vocab.PpcsOutcome

# The status a recommendation moves to on each PPCS decision (the two enums share no values by
# design; the mapping is spelt out, never read from a shared string).
STATUS_AFTER_DECISION: dict[vocab.PpcsOutcome, vocab.RecommendationStatus] = {
    Outcome.AUTHORISED: Status.AUTHORISED,
    Outcome.REJECTED: Status.REJECTED,
    Outcome.INFO_REQUESTED: Status.INFO_REQUESTED,
}


class RecallError(Exception):
    """A refused action. ``str(error)`` is a message for the person who tried it."""


class NotAllowed(RecallError):
    pass


class IllegalTransition(RecallError):
    pass


class StaleRecommendation(RecallError):
    def __init__(self) -> None:
        super().__init__(
            "Someone else changed this recommendation while you were working on it. "
            "Your changes were not saved: reload the page to see the latest version."
        )


class PartAIncomplete(RecallError):
    """A recall sent on before each Part A section was saved; ``missing``: (slug, title)."""

    def __init__(self, missing: list[tuple[str, str]]) -> None:
        self.missing = missing
        super().__init__(
            "Complete every section of the recall request (Part A) before you send the recall "
            "for countersignature."
        )


class RulesRefused(RecallError):
    """Block findings, or warn findings without a written justification."""

    def __init__(self, message: str, findings: list[rules.Finding]) -> None:
        self.findings = findings
        super().__init__(message)


def _require(actor: User, perm: str, obj: Any, message: str) -> None:
    if not actor.has_perm(perm, obj):
        raise NotAllowed(message)


def _today() -> dt.date:
    return timezone.localdate()


# ---------------------------------------------------------------------------------------------
# Concerns and actions short of recall


# concern_add and action_add are in recall/entries.py (with their one-time form keys).


# ---------------------------------------------------------------------------------------------
# The recommendation


def _locked(rec_id: int, expected_version: int | None) -> RecallRecommendation:
    rec = (
        RecallRecommendation.objects.select_for_update(of=("self",))
        .select_related("person__team")
        .get(pk=rec_id)
    )
    if expected_version is not None and rec.version != expected_version:
        raise StaleRecommendation
    return rec


def _guard_status(rec: RecallRecommendation, *allowed: str, doing: str) -> None:
    if rec.status not in allowed:
        raise IllegalTransition(
            f"You cannot {doing}: the recommendation is {words.lower(rec.get_status_display())}."
        )


def _move(rec: RecallRecommendation, status: vocab.RecommendationStatus) -> None:
    """Set the status, if :data:`recall.vocab.TRANSITIONS` allows the move (IllegalTransition
    otherwise: a check behind each action's own, so no path can skip a step)."""
    if status not in vocab.TRANSITIONS[Status(rec.status)]:
        raise IllegalTransition(
            f"A recommendation cannot go from {words.lower(rec.get_status_display())} to "
            f"{words.lower(Status(status).label)}."
        )
    rec.status = status


def _save(rec: RecallRecommendation, actor: User, **changes: Any) -> RecallRecommendation:
    if "status" in changes:
        _move(rec, changes.pop("status"))
    for name, value in changes.items():
        setattr(rec, name, value)
    rec.version += 1
    with pghistory.context(user=actor.pk):
        rec.save()
    return rec


def _refuse_on_ended_licence(person: Person, *, doing: str) -> None:
    """No recall on a licence that has ended, by law or by the Parole Board (docs/parole.md):
    the refusal says when and why it ended."""
    person = (
        Person.objects.select_related("sentence")
        .prefetch_related("releases__recall", "termination_referrals")
        .get(pk=person.pk)
    )
    end = licence.licence_end(person)
    today = _today()
    if end is not None and end.has_ended(today):
        raise IllegalTransition(
            f"You cannot {doing}. {end.sentence(today)} There is no licence to recall on."
        )


@once.keyed(RecallRecommendation, RecallError)  # a replay gets the first (issue 18)
@transaction.atomic
def recommendation_start(
    *, person: Person, actor: User, submission_key: uuid.UUID | None = None
) -> RecallRecommendation:
    """Open a recommendation for ``person``, its alternatives prefilled from the actions already
    recorded. One open recommendation per person (a database constraint backs this check)."""
    _require(
        actor, "recall.record_on_case", person, "You cannot start a recommendation on this case."
    )
    if not actor.has_role(case_vocab.Role.PRACTITIONER):
        raise NotAllowed("Only a probation practitioner can start a recall recommendation.")
    Person.objects.select_for_update().get(pk=person.pk)  # serialise starts for one person
    if getattr(person, "sentence", None) is None:
        raise IllegalTransition(
            "No sentence is recorded for this person, so the legal test for recall cannot be "
            "applied. Add the sentence (type, date and tariff) to the case record first."
        )
    _refuse_on_ended_licence(person, doing="start a recall recommendation")
    if selectors.open_recommendation(person) is not None:
        raise IllegalTransition(
            "This person already has a recall recommendation that PPCS has not yet decided."
        )
    actions = list(selectors.actions_for(person))
    with pghistory.context(user=actor.pk):
        return RecallRecommendation.objects.create(
            person=person,
            created_by=actor,
            alternatives=selectors.prefilled_alternatives(actions),
            current_behaviours=sorted(
                {b for c in selectors.concerns_for(person)[:20] for b in c.behaviours}
            ),
        )


@transaction.atomic
def recommendation_update(
    *,
    rec_id: int,
    actor: User,
    expected_version: int,
    changes: dict[str, Any],
    section: str = "",
) -> RecallRecommendation:
    """Save answers to the recommendation's questions (draft only); ``section`` names the
    task-list section they were given on, which then counts as looked at."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise RecallError(f"These answers cannot be changed here: {', '.join(sorted(unknown))}.")
    rec = _locked(rec_id, expected_version)
    _require(actor, "recall.edit_recommendation", rec, "You cannot change this recommendation.")
    _guard_status(rec, Status.DRAFT, doing="change it")
    problem = part_a.changes_problem(rec.person, changes, _today())
    if problem:
        raise RecallError(problem)
    if section and section not in rec.sections_saved:
        changes = {**changes, "sections_saved": [*rec.sections_saved, section]}
    return _save(rec, actor, **changes)


def _check_rules(rec: RecallRecommendation, *, stage: str) -> list[rules.Finding]:
    """Refuse on any block finding or on a warn finding without a written justification."""
    findings = selectors.findings_for(selectors.recommendation_with_context(rec.pk), stage=stage)
    blocks = [f for f in findings if f.severity == "block"]
    if blocks:
        raise RulesRefused(
            "Resolve the problems marked 'must be resolved' before you continue.", blocks
        )
    unjustified = [
        f
        for f in findings
        if f.severity == "warn" and not str(rec.acknowledgements.get(f.code, "")).strip()
    ]
    if unjustified:
        raise RulesRefused(
            "Write why you are going ahead despite each prompt marked 'needs a justification'.",
            unjustified,
        )
    return findings


@transaction.atomic
def recommendation_send_for_countersignature(
    *, rec_id: int, actor: User, expected_version: int
) -> RecallRecommendation:
    rec = _locked(rec_id, expected_version)
    _require(actor, "recall.edit_recommendation", rec, "You cannot send this recommendation.")
    _guard_status(rec, Status.DRAFT, doing="send it for countersignature")
    if rec.is_recall:
        _refuse_on_ended_licence(rec.person, doing="send this recall for countersignature")
    _check_rules(rec, stage="draft")
    missing = part_a.missing_sections(rec)
    if missing:
        raise PartAIncomplete(missing)
    rec = _save(rec, actor, status=Status.AWAITING_SPO)
    notify(
        recipients=_managers(rec, role=case_vocab.Role.MANAGER),
        subject="A recall recommendation is waiting for your countersignature",
        text=(
            f"{actor.display_name} has sent a recommendation on {rec.person.crn} "
            f"({rec.get_recall_type_display()}) for your oversight."
        ),
        link=_link(rec),
    )
    return rec


def _link(rec: RecallRecommendation) -> str:  # where an in-app notification takes its reader
    return reverse("recall:recommendation", args=[rec.pk])


def _managers(rec: RecallRecommendation, *, role: str) -> list[User]:
    pdu_id = rec.person.pdu_id
    if pdu_id is None:  # a case on the national unallocated list has no PDU managers yet
        return []
    return list(
        User.objects.filter(is_active=True, roles__contains=[role], team__pdu_id=pdu_id).exclude(
            pk=rec.created_by_id
        )
    )


@transaction.atomic
def recommendation_countersign(
    *,
    rec_id: int,
    actor: User,
    expected_version: int,
    level: str,
    decision: str,
    rationale: str,
    alternatives_explored: bool = False,
    recall_type_correct: bool = False,
    report_quality: bool = False,
    not_manageable_in_community: bool = False,
) -> RecallRecommendation:
    """Record an SPO or ACO rationale and decision.

    A decision to recall needs all four confirmations. SPO "recall" moves a recall
    recommendation on to the ACO; SPO "do not recall" on a no-recall recommendation ends it as
    a decision not to recall; any other disagreement returns it to the practitioner as a draft.
    """
    rec = _locked(rec_id, expected_version)
    if level == vocab.SignatureLevel.SPO:
        _guard_status(rec, Status.AWAITING_SPO, doing="give SPO oversight")
    elif level == vocab.SignatureLevel.ACO:
        _guard_status(rec, Status.AWAITING_ACO, doing="give ACO oversight")
    else:
        raise RecallError("Unknown level of oversight.")
    if is_recommender(actor, rec):  # started it or wrote some of its answers
        raise NotAllowed("You cannot countersign your own recommendation.")
    # A manager from another PDU acts only as a duty manager, and only when the clock (not the
    # recommendation) says it is out of hours.
    duty = not person_in_own_pdu(actor, rec.person)
    role = (
        case_vocab.Role.MANAGER
        if level == vocab.SignatureLevel.SPO
        else case_vocab.Role.SENIOR_MANAGER
    )
    if duty and role in (actor.roles or []) and not reminders.out_of_hours():
        hours = reminders.office_hours()
        raise NotAllowed(
            f"It is within office hours (Monday to Friday, {hours}, except bank holidays): "
            f"only {'an SPO' if level == vocab.SignatureLevel.SPO else 'an ACO or head of PDU'} "
            "of the case's PDU may countersign it now. A duty manager from another PDU may "
            "countersign only out of hours."
        )
    _require(
        actor,
        f"recall.countersign_{level}",
        rec,
        "You cannot countersign this recommendation: it needs "
        + (
            "an SPO"
            if level == vocab.SignatureLevel.SPO
            else "an ACO or head of PDU, other than the SPO who signed,"
        )
        + " in the case's PDU (or a duty manager out of hours).",
    )
    if rec.is_recall:
        _refuse_on_ended_licence(rec.person, doing="countersign this recall")
    if not rationale.strip():
        raise RecallError("Write your rationale for the decision.")
    confirmations = [
        alternatives_explored,
        recall_type_correct,
        report_quality,
        not_manageable_in_community,
    ]
    if decision == vocab.OversightDecision.RECALL and not all(confirmations):
        raise RecallError(
            "To agree a recall, confirm that alternatives were explored, the recall type is right, "
            "the report is of good quality and the person is no longer manageable in the community."
        )
    with pghistory.context(user=actor.pk):
        Oversight.objects.create(
            recommendation=rec,
            level=level,
            decision=decision,
            rationale=rationale.strip(),
            alternatives_explored=alternatives_explored,
            recall_type_correct=recall_type_correct,
            report_quality=report_quality,
            not_manageable_in_community=not_manageable_in_community,
            duty_manager=duty,
            signed_by=actor,
            recommendation_version=rec.version,
        )
    if duty:
        # The PDU's own managers hear that someone from elsewhere signed for their case.
        notify(
            recipients=_managers(rec, role=case_vocab.Role.MANAGER)
            + _managers(rec, role=case_vocab.Role.SENIOR_MANAGER),
            subject="A recall recommendation was countersigned out of hours by a duty manager",
            text=(
                f"{actor.display_name} countersigned the recommendation on {rec.person.crn} as "
                f"{level.upper()} (duty manager, out of hours) for your PDU."
            ),
            link=_link(rec),
        )
    agrees_recall = decision == vocab.OversightDecision.RECALL and rec.is_recall
    agrees_no_recall = decision == vocab.OversightDecision.DO_NOT_RECALL and not rec.is_recall
    if level == vocab.SignatureLevel.SPO and agrees_no_recall:
        findings = selectors.findings_for(
            selectors.recommendation_with_context(rec.pk), stage="submit"
        )
        rec = _save(
            rec,
            actor,
            status=Status.NOT_RECALLED,
            decision_findings=[f.to_dict() for f in findings],
        )
        notify(
            recipients=[rec.created_by],
            subject="A decision not to recall has been agreed",
            text=f"Your SPO agreed not to recall {rec.person.crn}. The letter to them is ready.",
            link=_link(rec),
        )
    elif agrees_recall:
        # The signature is of this version: the status moves on without bumping it.
        nxt = Status.AWAITING_ACO if level == vocab.SignatureLevel.SPO else Status.READY
        _move(rec, nxt)
        with pghistory.context(user=actor.pk):
            rec.save(update_fields=["status", "updated_at"])
        to_aco = nxt == Status.AWAITING_ACO
        notify(
            recipients=_managers(rec, role=case_vocab.Role.SENIOR_MANAGER)
            if to_aco
            else [rec.created_by],
            subject="A recall recommendation "
            + ("is waiting for your countersignature" if to_aco else "has been countersigned"),
            text=f"{actor.display_name} countersigned on {rec.person.crn} as {level.upper()}.",
            link=_link(rec),
        )
    else:
        rec = _save(rec, actor, status=Status.DRAFT)
        notify(
            recipients=[rec.created_by],
            subject="A recall recommendation has been returned to you",
            text=(
                f"{actor.display_name} ({level.upper()}) returned the recommendation on "
                f"{rec.person.crn}: {rationale.strip()}"
            ),
            link=_link(rec),
        )
    return rec


@transaction.atomic
def recommendation_submit(
    *, rec_id: int, actor: User, expected_version: int
) -> RecallRecommendation:
    """Submit a countersigned recall recommendation to PPCS."""
    rec = _locked(rec_id, expected_version)
    _require(actor, "recall.edit_recommendation", rec, "You cannot submit this recommendation.")
    _guard_status(rec, Status.READY, doing="submit it to PPCS")
    _refuse_on_ended_licence(rec.person, doing="submit this recall to PPCS")
    findings = _check_rules(rec, stage="submit")
    _move(rec, Status.SUBMITTED)
    rec.submitted_at = timezone.now()
    rec.submitted_by = actor
    rec.decision_findings = [f.to_dict() for f in findings]
    with pghistory.context(user=actor.pk):
        rec.save(
            update_fields=[
                "status",
                "submitted_at",
                "submitted_by",
                "decision_findings",
                "updated_at",
            ]
        )
    notify(
        recipients=User.objects.filter(is_active=True, roles__contains=[case_vocab.Role.PPCS]),
        subject="A recall request has been submitted" + (" (emergency)" if rec.emergency else ""),
        text=f"{actor.display_name} submitted a countersigned recall on {rec.person.crn}.",
        link=_link(rec),
    )
    return rec


@transaction.atomic
def recommendation_withdraw(
    *, rec_id: int, actor: User, expected_version: int, reason: str
) -> RecallRecommendation:
    rec = _locked(rec_id, expected_version)
    _require(actor, "recall.edit_recommendation", rec, "You cannot withdraw this recommendation.")
    _guard_status(rec, *vocab.OPEN_STATUSES, doing="withdraw it")
    if not reason.strip():
        raise RecallError("Say why the recommendation is being withdrawn.")
    return _save(rec, actor, status=Status.WITHDRAWN, withdrawn_reason=reason.strip())


@transaction.atomic
def recommendation_record_charge_outcome(
    *, rec_id: int, actor: User, outcome: str
) -> RecallRecommendation:
    """Record what became of the allegation behind a recall once it is known, after the
    request went to PPCS (a draft records it in its allegations section). The case team
    (``recall.record_on_case``) or PPCS may record it; the version is not bumped, so the
    countersignatures of the submitted version stay current. An outcome that drops the
    allegation prompts a review of continued detention (the ALLEGATION_NOT_PURSUED finding and
    the warning on the recall and parole tabs)."""
    rec = _locked(rec_id, None)
    if not (
        actor.has_role(case_vocab.Role.PPCS) or actor.has_perm("recall.record_on_case", rec.person)
    ):
        raise NotAllowed("You cannot record the outcome of the allegation on this case.")
    if outcome not in vocab.ChargeOutcome.values:
        raise RecallError(
            "Choose what happened to the allegation: pending, no further action, discontinued, "
            "acquitted or convicted."
        )
    _guard_status(
        rec,
        Status.SUBMITTED,
        Status.INFO_REQUESTED,
        Status.AUTHORISED,
        doing="record the outcome of the allegation",
    )
    if rec.allegation_status == vocab.AllegationStatus.NONE:
        raise IllegalTransition(
            "This recall was not made on an allegation of an offence: there is no outcome to "
            "record."
        )
    rec.charge_outcome = outcome
    with pghistory.context(user=actor.pk):
        rec.save(update_fields=["charge_outcome", "updated_at"])
    return rec


# ---------------------------------------------------------------------------------------------
# PPCS: the decision on behalf of the Secretary of State, return to custody, stopping a recall


def recall_reasons(rec: RecallRecommendation) -> list[str]:
    """The recall-history reasons (ippcase.vocab.RecallReason) a recommendation amounts to,
    derived from its answers so that the person's history reads like the imported one."""
    behaviours = set(rec.current_behaviours)
    reasons: list[str] = []
    if rec.allegation_status in (vocab.AllegationStatus.CHARGED, vocab.AllegationStatus.CONVICTED):
        reasons.append(case_vocab.RecallReason.FURTHER_CHARGE)
    if "out_of_contact" in behaviours or "iv" in rec.criteria:
        reasons.append(case_vocab.RecallReason.FAILED_TO_KEEP_IN_TOUCH)
    if behaviours & {"drugs", "alcohol"}:
        reasons.append(case_vocab.RecallReason.DRUGS_ALCOHOL)
    if "non_compliance" in behaviours:
        reasons.append(case_vocab.RecallReason.NON_COMPLIANCE)
    return reasons or [case_vocab.RecallReason.POOR_BEHAVIOUR]


@transaction.atomic
def ppcs_assign(*, rec_id: int, actor: User) -> RecallRecommendation:
    """A PPCS caseworker takes a submitted request (or takes it over from a colleague)."""
    rec = _locked(rec_id, None)
    _require(actor, "recall.decide", rec, "Only a PPCS caseworker can take a recall request.")
    _guard_status(rec, Status.SUBMITTED, doing="take it")
    rec.assigned_to = actor
    rec.assigned_at = timezone.now()
    with pghistory.context(user=actor.pk):
        rec.save(update_fields=["assigned_to", "assigned_at", "updated_at"])
    return rec


@transaction.atomic
def ppcs_decide(
    *, rec_id: int, actor: User, outcome: str, reason: str = ""
) -> RecallRecommendation:
    """Authorise, reject (reason required) or ask for more information (what is needed).

    The row lock makes two caseworkers deciding at the same moment record exactly one decision:
    the second finds the request no longer submitted and is told so.
    Authorising revokes the licence: a Recall is added to the person's latest release, so the
    person shows as recalled, not yet in custody, until the return to custody is recorded.
    """
    rec = _locked(rec_id, None)
    _require(actor, "recall.decide", rec, "Only a PPCS caseworker can decide a recall request.")
    _guard_status(rec, Status.SUBMITTED, doing="decide it")
    _require(
        actor,
        "recall.decide_request",
        rec,
        "You cannot decide a recall request you made or countersigned.",
    )
    if outcome not in Outcome.values:
        raise RecallError("Choose to authorise, reject or ask for more information.")
    decision = Outcome(outcome)
    if decision != Outcome.AUTHORISED and not reason.strip():
        raise RecallError(
            "Give the reason for rejecting the request."
            if decision == Outcome.REJECTED
            else "Say what more information is needed."
        )
    changes: dict[str, Any] = {"status": STATUS_AFTER_DECISION[decision], "assigned_to": actor}
    if decision == Outcome.AUTHORISED:
        _refuse_on_ended_licence(rec.person, doing="authorise this recall")
        release = rec.person.releases.select_for_update().order_by("-date").first()
        if release is None or CaseRecall.objects.filter(release=release).exists():
            raise IllegalTransition(
                "The person is not on licence from a release without a recall, so there is no "
                "licence to revoke. Check their releases and recalls."
            )
        with pghistory.context(user=actor.pk):
            changes["recall"] = CaseRecall.objects.create(
                release=release,
                recall_date=timezone.localdate(),
                reasons=recall_reasons(rec),
                criteria=sorted(rec.criteria),
            )
    with pghistory.context(user=actor.pk):
        PpcsDecision.objects.create(
            recommendation=rec, outcome=decision, reason=reason.strip(), decided_by=actor
        )
        for name, value in changes.items():
            setattr(rec, name, value)
        rec.save()
    told = [
        rec.created_by,
        *(o.signed_by for o in rec.oversights.all() if o.level == vocab.SignatureLevel.SPO),
    ]
    notify(
        recipients=told if decision == Outcome.AUTHORISED else [rec.created_by],
        subject=f"PPCS decision on a recall request: {rec.get_status_display().lower()}",
        text=(
            f"The licence of {rec.person.crn} is revoked. Record the return to custody."
            if decision == Outcome.AUTHORISED
            else f"{rec.person.crn}. PPCS ({actor.display_name}): {reason.strip()}"
        ),
        link=_link(rec),
    )
    return rec


@transaction.atomic
def recommendation_resubmit(
    *, rec_id: int, actor: User, expected_version: int, further_information: str
) -> RecallRecommendation:
    """Answer PPCS's request for more information and send the request back to PPCS."""
    rec = _locked(rec_id, expected_version)
    _require(actor, "recall.edit_recommendation", rec, "You cannot resubmit this request.")
    _guard_status(rec, Status.INFO_REQUESTED, doing="resubmit it")
    if not further_information.strip():
        raise RecallError("Give the further information PPCS asked for.")
    rec = _save(
        rec,
        actor,
        status=Status.SUBMITTED,
        further_information=further_information.strip(),
        submitted_at=timezone.now(),
    )
    notify(
        recipients=[rec.assigned_to] if rec.assigned_to else [],
        subject="Further information has been given on a recall request",
        text=f"{actor.display_name} answered your request on {rec.person.crn} and resubmitted.",
        link=_link(rec),
    )
    return rec


def _locked_recall(recall_id: int, actor: User) -> tuple[CaseRecall, RecallRecommendation]:
    recall = (
        CaseRecall.objects.select_for_update(of=("self",))
        .select_related("release__person__team")
        .get(pk=recall_id)
    )
    rec = RecallRecommendation.objects.filter(recall=recall).first()
    person = recall.release.person
    if rec is None:
        raise IllegalTransition("This recall was not made through the service; it is history only.")
    if not (
        actor.has_role(case_vocab.Role.PPCS) or actor.has_perm("recall.record_on_case", person)
    ):
        raise NotAllowed("You cannot record this for the person's recall.")
    return recall, rec


def _check_recall_date(recall: CaseRecall, day: dt.date, what: str) -> None:
    if day > _today():
        raise RecallError(f"The {what} cannot be in the future.")
    if day < recall.recall_date:
        raise RecallError(
            f"The {what} cannot be before the recall ({long_date(recall.recall_date)})."
        )


@transaction.atomic
def recall_record_return_to_custody(
    *, recall_id: int, actor: User, returned_on: dt.date, prison: str
) -> CaseRecall:
    """Record the return to custody: the 15-working-day report deadline starts from it."""
    recall, _rec = _locked_recall(recall_id, actor)
    _check_recall_date(recall, returned_on, "return to custody date")
    if not prison.strip():
        raise RecallError("Enter the prison the person was returned to.")
    if recall.returned_to_custody is not None:
        raise IllegalTransition(
            f"The return to custody was already recorded ({long_date(recall.returned_to_custody)})."
        )
    recall.returned_to_custody = returned_on
    recall.custody_prison = prison.strip()
    with pghistory.context(user=actor.pk):
        recall.save(update_fields=["returned_to_custody", "custody_prison"])
    return recall


@transaction.atomic
def recall_record_progress(
    *, recall_id: int, actor: User, dossier_served_on: dt.date
) -> CaseRecall:
    """Record that the dossier (the reasons for recall) was served on the prisoner. The date
    the report was submitted is not typed: submitting the report records it (recall.report)."""
    recall, _rec = _locked_recall(recall_id, actor)
    if recall.returned_to_custody is None:
        raise IllegalTransition("Record the return to custody first.")
    _check_recall_date(recall, dossier_served_on, "dossier served date")
    if dossier_served_on < recall.returned_to_custody:
        raise RecallError(
            "The dossier served date cannot be before the return to custody "
            f"({long_date(recall.returned_to_custody)})."
        )
    recall.dossier_served_on = dossier_served_on
    with pghistory.context(user=actor.pk):
        recall.save(update_fields=["dossier_served_on"])
    return recall


@transaction.atomic
def recall_stop(
    *, rec_id: int, actor: User, reason: str, released_on: dt.date | None = None
) -> RecallRecommendation:
    """Stop a recall before the return to custody (the revocation is withdrawn: the recall row
    is deleted, its audit history kept), or rescind it afterwards, which needs the date the
    person was re-released (a new release starts)."""
    rec = _locked(rec_id, None)
    _require(actor, "recall.decide", rec, "Only a PPCS caseworker can stop or rescind a recall.")
    _guard_status(rec, Status.AUTHORISED, doing="stop it")
    if not reason.strip():
        raise RecallError("Give the reason for stopping or rescinding the recall.")
    if rec.recall_id is None:
        raise IllegalTransition("This recommendation has no recall to stop.")
    recall = (
        CaseRecall.objects.select_for_update(of=("self",))
        .select_related("release")
        .get(pk=rec.recall_id)
    )
    with pghistory.context(user=actor.pk):
        if recall.returned_to_custody is None:
            rec.recall = None
            _move(rec, Status.RESCINDED)
            rec.rescinded_reason = reason.strip()
            rec.save()
            recall.delete()
        else:
            if released_on is None:
                raise RecallError(
                    "The person is back in custody: give the date they were re-released."
                )
            _check_recall_date(recall, released_on, "re-release date")
            if released_on < recall.returned_to_custody:
                raise RecallError(
                    "The re-release date cannot be before the return to custody "
                    f"({long_date(recall.returned_to_custody)})."
                )
            Release.objects.create(
                person=rec.person,
                date=released_on,
                prison=recall.custody_prison or recall.release.prison,
                approved_premises=False,
            )
            recall.re_released_on = released_on  # closes its parole work (parole app)
            recall.save(update_fields=["re_released_on"])
            _move(rec, Status.RESCINDED)
            rec.rescinded_reason = reason.strip()
            rec.save()
    notify(
        recipients=[rec.created_by],
        subject="A recall has been stopped or rescinded",
        text=f"{rec.person.crn}. PPCS ({actor.display_name}): {reason.strip()}",
        link=_link(rec),
    )
    return rec
