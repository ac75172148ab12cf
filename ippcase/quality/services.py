"""Writes of quality assurance (issue 19; docs/quality-assurance-workflow.md): drawing a sample,
saving a review as a draft, publishing it (and telling the practitioner and the SPO)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import pghistory
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ippcase.core import once
from ippcase.core.notifications import notify
from ippcase.models import User
from ippcase.quality import sampling, selectors, vocab
from ippcase.quality.models import QaItem, QaReview, QaSample
from recall import vocab as recall_vocab


class QualityError(Exception):
    """A refused action: ``str(error)`` is the message for the user."""


class NotAllowed(QualityError):
    pass


class StaleReview(QualityError):
    def __init__(self) -> None:
        super().__init__(
            "Someone else saved this review since you opened it. Reload the page to see their "
            "answers, then make your changes again."
        )


def _require(actor: User, perm: str, obj: Any, message: str) -> None:
    if not actor.has_perm(perm, obj):
        raise NotAllowed(message)


# ---------------------------------------------------------------------------------------------
# Drawing a sample


@once.keyed(QaSample, QualityError)  # issue 18: a double submit draws once
@transaction.atomic
def sample_draw(
    *,
    actor: User,
    name: str,
    scope_key: str,
    period_start: dt.date,
    period_end: dt.date,
    include_recalls: bool,
    include_not_recalled: bool,
    strata: list[str],
    size: int,
    seed: int | None = None,
    submission_key: uuid.UUID | None = None,
) -> QaSample:
    """Draw a sample of the decisions in the period and scope: ``size`` of them at random from
    ``seed`` (a new one unless given), recorded with the population's size. Refused, with
    nothing written, when the population is empty."""
    _require(actor, "quality.draw_sample", None, "You cannot draw quality-assurance samples.")
    scopes = {s.key: s for s in selectors.scopes_for(actor)}
    scope = scopes.get(scope_key)
    if scope is None:
        raise QualityError("Choose a team, PDU or region within your own scope.")
    if not name.strip():
        raise QualityError("Enter a name for the sample.")
    if period_end < period_start:
        raise QualityError("The end of the period must be on or after its start.")
    if not (include_recalls or include_not_recalled):
        raise QualityError("Choose recalls, decisions not to recall, or both.")
    if set(strata) - set(vocab.Stratum.values):
        raise QualityError("Choose kinds of recall from the list.")
    if strata and not include_recalls:
        raise QualityError("The kinds of recall narrow the recalls: include recalls to use them.")
    if size < 1:
        raise QualityError("The number of decisions to sample must be 1 or more.")
    if seed is None:
        seed = sampling.new_seed()
    elif not 0 <= seed <= sampling.MAX_SEED:
        raise QualityError(f"The seed must be a whole number from 0 to {sampling.MAX_SEED}.")
    decisions = list(
        selectors.population(
            actor,
            scope,
            period_start=period_start,
            period_end=period_end,
            include_recalls=include_recalls,
            include_not_recalled=include_not_recalled,
            strata=strata,
        )
    )
    if not decisions:
        raise QualityError(
            "There are no decisions of these kinds in this period and scope: choose a longer "
            "period, a wider scope or other kinds of decision."
        )
    by_id = {d.pk: d for d in decisions}
    chosen = sampling.draw(by_id, size, seed)
    with pghistory.context(user=actor.pk):
        sample = QaSample.objects.create(
            name=name.strip(),
            period_start=period_start,
            period_end=period_end,
            include_recalls=include_recalls,
            include_not_recalled=include_not_recalled,
            strata=sorted(strata, key=vocab.Stratum.values.index),
            size=size,
            seed=seed,
            population=len(decisions),
            drawn_by=actor,
            **scope.fields(),
        )
        QaItem.objects.bulk_create(
            [
                QaItem(
                    sample=sample,
                    recommendation_id=rec_id,
                    position=position,
                    kind=by_id[rec_id].decision_kind,
                    strata=selectors.strata_of(by_id[rec_id]),
                    team_id=by_id[rec_id].team_now,
                    pdu_id=by_id[rec_id].pdu_now,
                )
                for position, rec_id in enumerate(chosen, start=1)
            ]
        )
    return sample


# ---------------------------------------------------------------------------------------------
# Reviewing a decision


@dataclass
class ReviewAnswers:
    """What the review form posts."""

    answers: dict[str, str] = field(default_factory=dict)  # question -> vocab.Answer or ""
    notes: dict[str, str] = field(default_factory=dict)  # question -> text
    judgement: str = ""
    reasons: str = ""
    avoidable_reasons: list[str] = field(default_factory=list)
    override_verdicts: dict[str, str] = field(default_factory=dict)  # finding code -> verdict


class ReviewIncomplete(QualityError):
    """Publishing refused: ``missing`` lists (field, message) for the error summary."""

    def __init__(self, missing: list[tuple[str, str]]) -> None:
        self.missing = missing
        super().__init__("Answer every question before you publish the review.")


def _locked_item(item_id: int) -> QaItem:
    item = (
        QaItem.objects.select_for_update(of=("self",))
        .select_related("sample", "recommendation")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise QualityError("This sampled decision no longer exists.")
    return item


def _missing(item: QaItem, answers: ReviewAnswers, warn_codes: list[str]) -> list[tuple[str, str]]:
    missing = [
        (q, f"Answer: {label}") for q, label in vocab.Question.choices if not answers.answers.get(q)
    ]
    missing += [
        (f"verdict_{code}", f"Say whether it was right to go on past the warning {code}")
        for code in warn_codes
        if not answers.override_verdicts.get(code)
    ]
    if not answers.judgement:
        missing.append(("judgement", "Choose the overall judgement"))
    if not answers.reasons.strip():
        missing.append(("reasons", "Give the reasons for the judgement"))
    if answers.judgement == vocab.Judgement.AVOIDABLE and not answers.avoidable_reasons:
        missing.append(("avoidable_reasons", "Choose why the decision could have been avoided"))
    return missing


@transaction.atomic
def review_save(
    *,
    item_id: int,
    actor: User,
    expected_version: int,
    answers: ReviewAnswers,
    publish: bool = False,
) -> QaReview:
    """Save the reviewer's answers as a draft or, with ``publish``, publish them (every question
    answered, a judgement and its reasons; then read-only, and the practitioner and the SPO of
    the decision are told). ``expected_version`` is the review's version the form was rendered
    from (0 before the first save): a save against another version is refused as stale."""
    item = _locked_item(item_id)
    _require(
        actor,
        "quality.review_item",
        item,
        "You cannot review this decision: you made or signed it, or the case is no longer in "
        "your scope.",
    )
    review = QaReview.objects.select_for_update().filter(item=item).first()
    if review is not None and review.is_published:
        raise QualityError("This review is published and can no longer be changed.")
    if (review.version if review is not None else 0) != expected_version:
        raise StaleReview()
    if review is not None and review.reviewer_id != actor.pk:
        raise NotAllowed(
            f"{review.reviewer.display_name} is reviewing this decision: only they can change "
            "the review."
        )
    _check_values(answers)
    record = selectors.decision_record(_with_date(item))
    warn_codes = [f.code for f, _ in record.acknowledged]
    verdicts = {k: v for k, v in answers.override_verdicts.items() if k in warn_codes and v}
    reasons = answers.avoidable_reasons if answers.judgement == vocab.Judgement.AVOIDABLE else []
    if publish:
        missing = _missing(item, answers, warn_codes)
        if missing:
            raise ReviewIncomplete(missing)
    fields: dict[str, Any] = {
        **{q: answers.answers.get(q, "") for q in vocab.Question.values},
        "notes": {q: t.strip() for q, t in answers.notes.items() if t.strip()},
        "judgement": answers.judgement,
        "reasons": answers.reasons.strip(),
        "avoidable_reasons": sorted(reasons, key=vocab.AvoidableReason.values.index),
        "override_verdicts": verdicts,
    }
    if publish:
        fields.update(status=vocab.ReviewStatus.PUBLISHED, published_at=timezone.now())
    with pghistory.context(user=actor.pk):
        if review is None:
            review = QaReview.objects.create(item=item, reviewer=actor, **fields)
        else:
            for name, value in fields.items():
                setattr(review, name, value)
            review.version += 1
            review.save()
    if publish:
        _tell_decision_makers(item, record.rec)
    return review


def _with_date(item: QaItem) -> QaItem:
    decided = selectors.decisions().filter(pk=item.recommendation_id).values("decided_on").first()
    item.decided_on = decided["decided_on"] if decided else None  # type: ignore[attr-defined]
    return item


def _check_values(answers: ReviewAnswers) -> None:
    if set(answers.answers) - set(vocab.Question.values) or not set(answers.answers.values()) <= {
        "",
        *vocab.Answer.values,
    }:
        raise QualityError("Choose an answer from the list for each question.")
    if answers.judgement not in ("", *vocab.Judgement.values):
        raise QualityError("Choose a judgement from the list.")
    if set(answers.avoidable_reasons) - set(vocab.AvoidableReason.values):
        raise QualityError("Choose reasons from the list.")
    if not set(answers.override_verdicts.values()) <= {"", *vocab.OverrideVerdict.values}:
        raise QualityError("Choose a verdict from the list for each warning.")


def _tell_decision_makers(item: QaItem, rec: Any) -> None:
    """The practitioner who made the recommendation and the SPO who countersigned it see the
    review on the case (its link), and hear of it in their notifications."""
    spos = [o.signed_by for o in rec.oversights.all() if o.level == recall_vocab.SignatureLevel.SPO]
    notify(
        recipients=[rec.created_by, *spos],
        subject="A quality-assurance review of a decision you made has been published",
        text=(
            f"The review of the {item.get_kind_display().lower()} on {rec.person.crn} is "
            "published. Read it on the case."
        ),
        link=reverse("quality:person_reviews", args=[rec.person.crn]),
    )
