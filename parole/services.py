"""Writes of parole work. As in recall.services: one function per action, keyword-only
arguments, one transaction, the row locked, the actor in the audit context, and a typed error
for anything refused — the caller shows its message and nothing changes.

Who may do what (ippcase.core.permissions): PPCS and the case team record Parole Board reviews,
adjournments and the re-release; only PPCS records RARR, termination referrals and supervision
decisions.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pghistory
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ippcase.cases import licence
from ippcase.core import once
from ippcase.core.notifications import notify
from ippcase.models import Allocation, LicenceCondition, Person, Recall, Release, User
from parole import law, selectors, vocab
from parole.models import Adjournment, ParoleReview, RiskAssessedRecallReview, TerminationReferral
from recall.deadlines import long_date


class ParoleError(Exception):
    """A refused action. ``str(error)`` is a message for the person who tried it."""


class NotAllowed(ParoleError):
    pass


def _today() -> dt.date:
    return timezone.localdate()


def _require(actor: User, perm: str, obj: Any, message: str) -> None:
    if not actor.has_perm(perm, obj):
        raise NotAllowed(message)


def _not_future(day: dt.date, what: str) -> None:
    if day > _today():
        raise ParoleError(f"The {what} cannot be in the future.")


def _not_before(day: dt.date, earliest: dt.date | None, what: str, other: str) -> None:
    if earliest is not None and day < earliest:
        raise ParoleError(f"The {what} cannot be before {other} ({long_date(earliest)}).")


def _locked_recall(recall_id: int, actor: User, perm: str = "parole.record_review") -> Recall:
    recall = (
        Recall.objects.select_for_update(of=("self",))
        .select_related("release__person__team__pdu", "release__person__sentence")
        .get(pk=recall_id)
    )
    _require(actor, perm, recall.release.person, "You cannot record parole work on this case.")
    return recall


def _open(recall: Recall) -> None:
    if recall.re_released_on is not None:
        raise ParoleError(
            f"The person was re-released on {long_date(recall.re_released_on)}: the parole work "
            "on this recall is closed."
        )


def _locked_review(review_id: int, actor: User) -> ParoleReview:
    review = (
        ParoleReview.objects.select_for_update(of=("self",))
        .select_related("recall__release__person__team__pdu")
        .get(pk=review_id)
    )
    _require(
        actor,
        "parole.record_review",
        review.recall.release.person,
        "You cannot record parole work on this case.",
    )
    _open(review.recall)
    return review


# ---------------------------------------------------------------------------------------------
# Parole Board reviews


@once.keyed(ParoleReview, ParoleError)  # issue 18: a replay gets the first
@transaction.atomic
def review_refer(
    *,
    recall_id: int,
    actor: User,
    kind: str,
    referred_on: dt.date,
    hearing_date: dt.date | None = None,
    submission_key: uuid.UUID | None = None,
) -> ParoleReview:
    """Record a referral to the Parole Board: a member case assessment on the papers, or an
    oral hearing (with its date when listed)."""
    recall = _locked_recall(recall_id, actor)
    _open(recall)
    if kind not in vocab.ReviewKind.values:
        raise ParoleError("Choose whether the review is on the papers or at an oral hearing.")
    _not_future(referred_on, "referral date")
    _not_before(referred_on, recall.recall_date, "referral date", "the recall")
    if kind == vocab.ReviewKind.PAPER and hearing_date is not None:
        raise ParoleError("Only an oral hearing has a hearing date.")
    if hearing_date is not None:
        _not_before(hearing_date, referred_on, "hearing date", "the referral")
    if recall.parole_reviews.filter(decided_on__isnull=True).exists():
        raise ParoleError("This recall already has a review waiting for a decision.")
    if recall.parole_reviews.filter(kind=kind, referred_on=referred_on).exists():
        raise ParoleError("This review was already recorded.")
    with pghistory.context(user=actor.pk):
        return ParoleReview.objects.create(
            recall=recall,
            kind=kind,
            referred_on=referred_on,
            hearing_date=hearing_date,
            recorded_by=actor,
        )


@transaction.atomic
def review_update(
    *,
    review_id: int,
    actor: User,
    calder_answer: str = "",
    hearing_date: dt.date | None = None,
    pca_n_directed_on: dt.date | None = None,
    pca_n_recommendation: str = "",
    pra_directed_on: dt.date | None = None,
    pra_recommendation: str = "",
    notes: str = "",
) -> ParoleReview:
    """Record the Calder answer, the hearing date and the psychology directions (PCA-N, PRA)."""
    review = _locked_review(review_id, actor)
    if hearing_date is not None:
        if review.kind != vocab.ReviewKind.ORAL:
            raise ParoleError("Only an oral hearing has a hearing date.")
        _not_before(hearing_date, review.referred_on, "hearing date", "the referral")
    for day, what in ((pca_n_directed_on, "PCA-N direction"), (pra_directed_on, "PRA direction")):
        if day is not None:
            _not_future(day, f"date of the {what}")
            _not_before(day, review.referred_on, f"date of the {what}", "the referral")
    if pca_n_recommendation and pca_n_directed_on is None:
        raise ParoleError("Give the date the PCA-N was directed before its recommendation.")
    if pra_recommendation and pra_directed_on is None:
        raise ParoleError("Give the date the PRA was directed before its recommendation.")
    first = review.recall.parole_reviews.order_by("referred_on", "id").first()
    if calder_answer and first is not None and first.pk != review.pk:
        raise ParoleError(
            "The Calder question is answered at the first review after the recall only."
        )
    review.calder_answer = calder_answer
    review.hearing_date = hearing_date
    review.pca_n_directed_on = pca_n_directed_on
    review.pca_n_recommendation = pca_n_recommendation
    review.pra_directed_on = pra_directed_on
    review.pra_recommendation = pra_recommendation
    review.notes = notes.strip()
    with pghistory.context(user=actor.pk):
        review.save()
    return review


@transaction.atomic
def review_decide(
    *,
    review_id: int,
    actor: User,
    decided_on: dt.date,
    outcome: str,
    hearing_date: dt.date | None = None,
) -> ParoleReview:
    """Record the Parole Board's decision. A paper decision directing an oral hearing opens the
    oral hearing review at once (referred on the decision date, with its hearing date if
    known)."""
    review = _locked_review(review_id, actor)
    if review.decided_on is not None:
        raise ParoleError(f"This review was already decided on {long_date(review.decided_on)}.")
    allowed = (
        vocab.ORAL_OUTCOMES if review.kind == vocab.ReviewKind.ORAL else vocab.ReviewOutcome.values
    )
    if outcome not in allowed:
        raise ParoleError(
            "An oral hearing decides release, no release or open conditions."
            if review.kind == vocab.ReviewKind.ORAL
            else "Choose the decision."
        )
    _not_future(decided_on, "decision date")
    _not_before(decided_on, review.referred_on, "decision date", "the referral")
    if hearing_date is not None and outcome != vocab.ReviewOutcome.ORAL_HEARING:
        raise ParoleError("A hearing date is given only when an oral hearing is directed.")
    review.decided_on = decided_on
    review.outcome = outcome
    with pghistory.context(user=actor.pk):
        review.save(update_fields=["decided_on", "outcome"])
        if outcome == vocab.ReviewOutcome.ORAL_HEARING:
            if hearing_date is not None:
                _not_before(hearing_date, decided_on, "hearing date", "the decision")
            ParoleReview.objects.create(
                recall=review.recall,
                kind=vocab.ReviewKind.ORAL,
                referred_on=decided_on,
                hearing_date=hearing_date,
                recorded_by=actor,
            )
    _notify_team(
        review.recall.release.person,
        subject="A Parole Board decision has been recorded",
        text=(
            f"{review.recall.release.person.crn}: {review.get_kind_display()}: "
            f"{review.get_outcome_display()} ({long_date(decided_on)})."
        ),
        actor=actor,
    )
    return review


@once.keyed(Adjournment, ParoleError)
@transaction.atomic
def delay_add(
    *,
    review_id: int,
    actor: User,
    kind: str,
    date: dt.date,
    reason: str,
    new_date: dt.date | None = None,
    prisoner_informed_on: dt.date | None = None,
    submission_key: uuid.UUID | None = None,
) -> Adjournment:
    """Record an adjournment or deferral. A new date for an oral hearing becomes its hearing
    date."""
    review = _locked_review(review_id, actor)
    if review.decided_on is not None:
        raise ParoleError("This review is decided: it can no longer be adjourned or deferred.")
    if kind not in vocab.DelayKind.values:
        raise ParoleError("Choose adjournment or deferral.")
    if not reason.strip():
        raise ParoleError("Give the reason for the adjournment or deferral.")
    _not_future(date, "date of the adjournment or deferral")
    _not_before(date, review.referred_on, "date of the adjournment or deferral", "the referral")
    if new_date is not None and new_date <= date:
        raise ParoleError("The new date must be after the date of the adjournment or deferral.")
    if prisoner_informed_on is not None:
        _not_future(prisoner_informed_on, "date the prisoner was told")
        _not_before(
            prisoner_informed_on,
            date,
            "date the prisoner was told",
            "the adjournment or deferral",
        )
    if review.delays.filter(date=date).exists():
        raise ParoleError(f"An adjournment or deferral on {long_date(date)} is already recorded.")
    with pghistory.context(user=actor.pk):
        delay = Adjournment.objects.create(
            review=review,
            kind=kind,
            date=date,
            reason=reason.strip(),
            new_date=new_date,
            prisoner_informed_on=prisoner_informed_on,
            recorded_by=actor,
        )
        if new_date is not None and review.kind == vocab.ReviewKind.ORAL:
            review.hearing_date = new_date
            review.save(update_fields=["hearing_date"])
    return delay


@transaction.atomic
def delay_record_told(*, delay_id: int, actor: User, informed_on: dt.date) -> Adjournment:
    """Record the date the prisoner was told of an adjournment or deferral."""
    delay = Adjournment.objects.select_for_update(of=("self",)).get(pk=delay_id)
    _locked_review(delay.review_id, actor)
    if delay.prisoner_informed_on is not None:
        raise ParoleError(
            f"The prisoner was already recorded as told on {long_date(delay.prisoner_informed_on)}."
        )
    _not_future(informed_on, "date the prisoner was told")
    _not_before(informed_on, delay.date, "date the prisoner was told", "the adjournment")
    delay.prisoner_informed_on = informed_on
    with pghistory.context(user=actor.pk):
        delay.save(update_fields=["prisoner_informed_on"])
    return delay


# ---------------------------------------------------------------------------------------------
# RARR and re-release


@once.keyed(RiskAssessedRecallReview, ParoleError)
@transaction.atomic
def rarr_record(
    *,
    recall_id: int,
    actor: User,
    decided_on: dt.date,
    outcome: str,
    rationale: str,
    submission_key: uuid.UUID | None = None,
) -> RiskAssessedRecallReview:
    """PPCS records a risk-assessed recall review and its outcome (one per recall)."""
    recall = _locked_recall(recall_id, actor, "parole.record_rarr")
    _require(
        actor,
        "parole.review_recall",
        recall,
        "You cannot review a recall you asked for, countersigned or authorised: another PPCS "
        "caseworker records its risk-assessed review.",
    )
    _open(recall)
    sentence = getattr(recall.release.person, "sentence", None)
    if sentence is None or sentence.sentence_type not in law.PREVENTIVE_SENTENCES:
        raise ParoleError(
            "A risk-assessed recall review is only for a recalled IPP or DPP sentence (the "
            "Secretary of State's power of executive re-release, Victims and Prisoners Act 2024)"
            + (
                f"; this is {sentence.get_sentence_type_display()}."
                if sentence is not None
                else "; no sentence is recorded for this person."
            )
        )
    if outcome not in vocab.RarrOutcome.values:
        raise ParoleError("Choose the outcome of the review.")
    if not rationale.strip():
        raise ParoleError("Give the rationale for the decision.")
    _not_future(decided_on, "decision date")
    _not_before(
        decided_on,
        recall.returned_to_custody or recall.recall_date,
        "decision date",
        "the return to custody" if recall.returned_to_custody else "the recall",
    )
    if RiskAssessedRecallReview.objects.filter(recall=recall).exists():
        raise ParoleError("A risk-assessed recall review is already recorded for this recall.")
    with pghistory.context(user=actor.pk):
        rarr = RiskAssessedRecallReview.objects.create(
            recall=recall,
            decided_on=decided_on,
            outcome=outcome,
            rationale=rationale.strip(),
            recorded_by=actor,
        )
    person = recall.release.person
    _notify_team(
        person,
        subject="A risk-assessed recall review decision has been recorded",
        text=f"{person.crn}: PPCS decided {rarr.get_outcome_display()} ({long_date(decided_on)}).",
        actor=actor,
    )
    return rarr


@once.keyed(Recall, ParoleError)  # the key names the recall the re-release closes
@transaction.atomic
def record_re_release(
    *,
    recall_id: int,
    actor: User,
    released_on: dt.date,
    prison: str,
    approved_premises: bool = False,
    submission_key: uuid.UUID | None = None,
) -> Recall:
    """Record the re-release that follows a release decision: the recall's parole work closes
    and a new period on licence starts (a new release)."""
    recall = _locked_recall(recall_id, actor)
    _open(recall)
    decided = selectors.release_decision(recall)
    if decided is None:
        raise ParoleError(
            "Record the decision to re-release first (a Parole Board release decision or a "
            "risk-assessed recall review)."
        )
    if recall.returned_to_custody is None:
        raise ParoleError("The return to custody is not recorded: record it first.")
    if not prison.strip():
        raise ParoleError("Enter the prison the person was released from.")
    _not_future(released_on, "re-release date")
    _not_before(released_on, decided, "re-release date", "the decision")
    _not_before(released_on, recall.returned_to_custody, "re-release date", "the return to custody")
    person = recall.release.person
    if Release.objects.filter(person=person, date__gt=recall.release.date).exists():
        raise ParoleError("A later release is already recorded for this person.")
    recall.re_released_on = released_on
    with pghistory.context(user=actor.pk):
        recall.save(update_fields=["re_released_on"])
        try:
            with transaction.atomic():
                Release.objects.create(
                    person=person,
                    date=released_on,
                    prison=prison.strip(),
                    approved_premises=approved_premises,
                )
        except IntegrityError:
            raise ParoleError("A release on that date is already recorded.") from None
    _notify_team(
        person,
        subject="A re-release from custody has been recorded",
        text=f"{person.crn} was re-released on {long_date(released_on)} from {prison.strip()}.",
        actor=actor,
    )
    return recall


# ---------------------------------------------------------------------------------------------
# Licence termination and suspension of supervision


def _locked_person(person_id: int, actor: User, perm: str) -> Person:
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("sentence", "team__pdu")
        .prefetch_related("releases__recall", "termination_referrals")
        .get(pk=person_id)
    )
    _require(actor, perm, person, "Only PPCS records this, on a case in its work.")
    return person


@once.keyed(TerminationReferral, ParoleError)
@transaction.atomic
def termination_refer(
    *, person_id: int, actor: User, referred_on: dt.date, submission_key: uuid.UUID | None = None
) -> TerminationReferral:
    """PPCS refers the licence to the Parole Board for termination."""
    person = _locked_person(person_id, actor, "parole.record_termination")
    position = licence.licence_position(person, referred_on)
    if not position.applies or position.qualifying_date is None:
        raise ParoleError("Only a released IPP or DPP licence can be referred.")
    if position.ended and position.end is not None:
        raise ParoleError(f"{position.end.sentence(referred_on)} There is no licence to refer.")
    _not_future(referred_on, "referral date")
    _not_before(referred_on, position.qualifying_date, "referral date", "the qualifying date")
    referrals = person.termination_referrals.all()
    if any(r.decided_on is None for r in referrals):
        raise ParoleError("A referral is already waiting for the Parole Board's decision.")
    if any(r.referred_on == referred_on for r in referrals):
        raise ParoleError(f"A referral on {long_date(referred_on)} is already recorded.")
    with pghistory.context(user=actor.pk):
        return TerminationReferral.objects.create(
            person=person, referred_on=referred_on, recorded_by=actor
        )


@transaction.atomic
def termination_decide(
    *, referral_id: int, actor: User, decided_on: dt.date, outcome: str
) -> TerminationReferral:
    """Record the Parole Board's decision. Termination ends every licence condition in force."""
    referral = TerminationReferral.objects.select_for_update(of=("self",)).get(pk=referral_id)
    person = _locked_person(referral.person_id, actor, "parole.record_termination")
    if referral.decided_on is not None:
        raise ParoleError(f"This referral was already decided on {long_date(referral.decided_on)}.")
    if outcome not in vocab.TerminationOutcome.values:
        raise ParoleError("Choose the Parole Board's decision.")
    _not_future(decided_on, "decision date")
    _not_before(decided_on, referral.referred_on, "decision date", "the referral")
    referral.decided_on = decided_on
    referral.outcome = outcome
    with pghistory.context(user=actor.pk):
        referral.save(update_fields=["decided_on", "outcome"])
        if outcome == vocab.TerminationOutcome.TERMINATED:
            for condition in LicenceCondition.objects.filter(
                person=person, end_date__isnull=True, start_date__lte=decided_on
            ):
                condition.end_date = decided_on
                condition.save(update_fields=["end_date"])
    _notify_team(
        person,
        subject="A licence termination decision has been recorded",
        text=f"{person.crn}: {referral.get_outcome_display()} ({long_date(decided_on)}).",
        actor=actor,
    )
    return referral


def _notify_team(person: Person, *, subject: str, text: str, actor: User) -> None:
    """Tell the person's current COM (not the actor) what was recorded."""
    allocation = (
        Allocation.objects.filter(person=person, end_date__isnull=True)
        .select_related("practitioner")
        .first()
    )
    if allocation is not None and allocation.practitioner_id != actor.pk:
        notify(
            recipients=[allocation.practitioner],
            subject=subject,
            text=text,
            link=reverse("parole:person_parole", args=[person.crn]),
        )
