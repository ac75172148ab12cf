"""Parsing the releases of a person record: each release, its recall, and the recall's parole
parts (Parole Board reviews and their adjournments, the RARR, the re-release), with the checks
that put them in order; and the person's licence termination referrals, decided as a review is.

Called by :mod:`.parse` for one record at a time; the same :class:`~.reader.Reader` collects the
problems.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.db import models

from ippcase import vocab
from ippcase.cases.release_checks import release_history_problems
from ippcase.exchange.reader import Reader, join
from ippcase.exchange.rows import (
    UNSET,
    AdjournmentRow,
    ParoleReviewRow,
    RarrRow,
    RecallRow,
    ReleaseRow,
    TerminationReferralRow,
    Unset,
)
from parole import vocab as parole_vocab

# Field lengths of the models, checked here so that the database never rejects a valid file.
_PRISON_MAX = 100
# Sentences whose licence may be referred for termination.
_TERMINABLE: Final = frozenset({vocab.SentenceType.IPP, vocab.SentenceType.DPP})


@dataclass
class PartialRelease:
    date: dt.date | None
    prison: Any
    approved_premises: Any
    recall: _PartialRecall | None  # None: no recall (absent or null)

    def row(self) -> ReleaseRow:
        assert self.date is not None  # noqa: S101 - only called when the record has no problems
        return ReleaseRow(
            self.date,
            self.prison,
            self.approved_premises,
            self.recall.row() if self.recall else None,
        )


@dataclass
class _PartialRecall:
    recall_date: dt.date | None
    returned_to_custody: dt.date | None
    reasons: Any
    criteria: Any
    # The parole parts: UNSET when left out; None when null (or, with problems, invalid).
    re_released: dt.date | Unset | None = UNSET
    parole_reviews: list[ParoleReviewRow] | Unset | None = UNSET
    rarr: RarrRow | Unset | None = UNSET

    def row(self) -> RecallRow:
        assert self.recall_date is not None  # noqa: S101
        assert self.parole_reviews is not None  # noqa: S101
        return RecallRow(
            self.recall_date,
            self.returned_to_custody,
            self.reasons,
            self.criteria,
            re_released_on=self.re_released,
            parole_reviews=self.parole_reviews,
            rarr=self.rarr,
        )


def parse_releases(r: Reader, value: object) -> list[PartialRelease] | None:
    items = r.array(value, "releases")
    if items is None:
        return None
    releases: list[PartialRelease] = []
    for i, item in enumerate(items):
        path = f"releases[{i}]"
        obj = r.obj(item, path)
        if obj is None:
            releases.append(
                PartialRelease(None, None, None, _PartialRecall(None, None, None, None))
            )
            continue
        r.keys(obj, path, ("date", "prison", "approved_premises"), ("recall",))
        date = r.get(obj, "date", path, r.date)
        prison = r.get(
            obj, "prison", path, lambda v, p: r.text(v, p, max_length=_PRISON_MAX, blank=False)
        )
        approved = r.get(obj, "approved_premises", path, r.boolean)
        recall = None
        if obj.get("recall") is not None:
            recall = _parse_recall(r, obj["recall"], f"{path}.recall")
        releases.append(
            PartialRelease(date if isinstance(date, dt.date) else None, prison, approved, recall)
        )
    _check_release_order(r, releases)
    return releases


def _parse_recall(r: Reader, value: object, path: str) -> _PartialRecall:
    obj = r.obj(value, path)
    if obj is None:
        # Still "a recall" for the order checks, so that it is not also reported as missing.
        return _PartialRecall(None, None, None, None)
    r.keys(
        obj,
        path,
        ("date", "reasons", "criteria"),
        ("returned_to_custody", "parole_reviews", "rarr", "re_released"),
    )
    date = r.get(obj, "date", path, r.date)
    rtc = r.get(obj, "returned_to_custody", path, r.date, nullable=True)
    reasons = r.get(obj, "reasons", path, r.choice_list(vocab.RecallReason))
    criteria = r.get(obj, "criteria", path, r.choice_list(vocab.RecallCriterion))
    recall_date = date if isinstance(date, dt.date) else None
    returned = rtc if isinstance(rtc, dt.date) else None

    reviews: list[ParoleReviewRow] | Unset | None = UNSET
    if "parole_reviews" in obj:
        reviews = _parse_reviews(r, obj["parole_reviews"], f"{path}.parole_reviews", recall_date)
    rarr: RarrRow | Unset | None = UNSET
    if "rarr" in obj:
        rarr = None
        if obj["rarr"] is not None:  # null: no RARR on this recall
            rarr = _parse_rarr(r, obj["rarr"], f"{path}.rarr", recall_date, returned)
    re_released = r.get(obj, "re_released", path, r.date, nullable=True)
    if isinstance(re_released, dt.date):
        _check_after_recall(r, re_released, f"{path}.re_released", recall_date, returned)
    return _PartialRecall(
        recall_date,
        returned,
        reasons,
        criteria,
        re_released=re_released if isinstance(re_released, dt.date | Unset) else None,
        parole_reviews=reviews,
        rarr=rarr,
    )


def _check_after_recall(
    r: Reader,
    day: dt.date,
    path: str,
    recall_date: dt.date | None,
    returned: dt.date | None,
) -> None:
    """``day`` (a RARR decision, a re-release) comes on or after the recall and the return to
    custody; only the first of the two is reported, as the return is on or after the recall."""
    if recall_date is not None and day < recall_date:
        r.problem(path, f"{day} is before the recall date ({recall_date})")
    elif returned is not None and day < returned:
        r.problem(path, f"{day} is before the return to custody ({returned})")


def _decided(
    r: Reader, obj: Mapping[str, Any], path: str, choices: type[models.Choices]
) -> tuple[dt.date | None, str]:
    """A decision's ``decided`` date and ``outcome`` (``""`` for none): both given or neither.
    Each may be null or left out while the decision is awaited."""
    decided = r.get(obj, "decided", path, r.date, nullable=True)
    outcome = r.get(obj, "outcome", path, r.choice(choices), nullable=True)
    has_decided, has_outcome = obj.get("decided") is not None, obj.get("outcome") is not None
    if has_decided and not has_outcome:
        r.problem(join(path, "outcome"), 'required when "decided" is given (give both or neither)')
    elif has_outcome and not has_decided:
        r.problem(join(path, "decided"), 'required when "outcome" is given (give both or neither)')
    return (
        decided if isinstance(decided, dt.date) else None,
        outcome if isinstance(outcome, str) else "",
    )


def _check_decided_after_referral(
    r: Reader, path: str, decided: dt.date | None, referred: object
) -> None:
    if decided is not None and isinstance(referred, dt.date) and decided < referred:
        r.problem(join(path, "decided"), f"{decided} is before the referral ({referred})")


def _parse_reviews(
    r: Reader, value: object, path: str, recall_date: dt.date | None
) -> list[ParoleReviewRow] | None:
    items = r.array(value, path)
    if items is None:
        return None
    rows: list[ParoleReviewRow] | None = []
    seen: dict[tuple[dt.date, str], int] = {}
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]"
        row, key = _parse_review(r, item, item_path, recall_date)
        # Checked on the key alone, so that a duplicate is reported even if either is invalid.
        if key is not None:
            first = seen.setdefault(key, i)
            if first != i:
                r.problem(item_path, f"same referral date and kind as {path}[{first}]")
        if row is None:
            rows = None
        elif rows is not None:
            rows.append(row)
    return rows


def _parse_review(
    r: Reader, value: object, path: str, recall_date: dt.date | None
) -> tuple[ParoleReviewRow | None, tuple[dt.date, str] | None]:
    """One review and its natural key (None where unreadable)."""
    obj = r.obj(value, path)
    if obj is None:
        return None, None
    before = len(r.problems)
    r.keys(
        obj,
        path,
        ("referred", "kind"),
        ("decided", "outcome", "adjournments", "hearing_date", "calder"),
    )
    referred = r.get(obj, "referred", path, r.date)
    kind = r.get(obj, "kind", path, r.choice(parole_vocab.ReviewKind))
    if isinstance(referred, dt.date) and recall_date is not None and referred < recall_date:
        r.problem(f"{path}.referred", f"{referred} is before the recall date ({recall_date})")
    decided, outcome = _decided(r, obj, path, parole_vocab.ReviewOutcome)
    _check_decided_after_referral(r, path, decided, referred)
    if kind == parole_vocab.ReviewKind.ORAL and outcome == parole_vocab.ReviewOutcome.ORAL_HEARING:
        r.problem(
            f"{path}.outcome",
            '"oral_hearing" is only for a paper review: an oral hearing cannot direct another',
        )
    # A hearing is listed ahead, so its date may be in the future.
    hearing_date = r.get(obj, "hearing_date", path, r.future_date, nullable=True)
    if isinstance(hearing_date, dt.date) and kind == parole_vocab.ReviewKind.PAPER:
        r.problem(f"{path}.hearing_date", "only an oral review has a hearing date, not a paper one")
    calder = r.get(obj, "calder", path, r.choice(parole_vocab.CalderAnswer), nullable=True)
    adjournments: list[AdjournmentRow] | Unset | None = UNSET
    if "adjournments" in obj:
        adjournments = _parse_adjournments(r, obj["adjournments"], f"{path}.adjournments", referred)
    key = (referred, kind) if isinstance(referred, dt.date) and isinstance(kind, str) else None
    if len(r.problems) != before or key is None or adjournments is None:
        return None, key
    return (
        ParoleReviewRow(
            referred_on=key[0],
            kind=key[1],
            calder_answer=calder if isinstance(calder, str) else "",
            hearing_date=hearing_date if isinstance(hearing_date, dt.date) else None,
            decided_on=decided,
            outcome=outcome,
            adjournments=adjournments,
        ),
        key,
    )


def _parse_adjournments(
    r: Reader, value: object, path: str, referred: object
) -> list[AdjournmentRow] | None:
    items = r.array(value, path)
    if items is None:
        return None
    rows: list[AdjournmentRow] | None = []
    seen: dict[dt.date, int] = {}
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]"
        obj = r.obj(item, item_path)
        if obj is None:
            rows = None
            continue
        before = len(r.problems)
        r.keys(obj, item_path, ("date", "reason"), ("prisoner_informed", "kind", "new_date"))
        date = r.get(obj, "date", item_path, r.date)
        reason = r.get(obj, "reason", item_path, lambda v, p: r.text(v, p, blank=False))
        kind = r.get(obj, "kind", item_path, r.choice(parole_vocab.DelayKind))
        kind = parole_vocab.DelayKind.ADJOURNMENT.value if kind is UNSET else kind
        # The new date of an adjourned or deferred review lies ahead.
        new_date = r.get(obj, "new_date", item_path, r.future_date, nullable=True)
        informed = r.get(obj, "prisoner_informed", item_path, r.date, nullable=True)
        label = kind if isinstance(kind, str) else parole_vocab.DelayKind.ADJOURNMENT.value
        if isinstance(date, dt.date):
            if isinstance(referred, dt.date) and date < referred:
                r.problem(f"{item_path}.date", f"{date} is before the referral ({referred})")
            if isinstance(new_date, dt.date) and new_date <= date:
                r.problem(f"{item_path}.new_date", f"{new_date} is not after the {label} ({date})")
            if isinstance(informed, dt.date) and informed < date:
                r.problem(
                    f"{item_path}.prisoner_informed", f"{informed} is before the {label} ({date})"
                )
            first = seen.setdefault(date, i)
            if first != i:
                r.problem(item_path, f"same date as {path}[{first}]")
        # A reason that is not text has been reported (after ``before``): the test only narrows.
        if (
            len(r.problems) != before
            or not isinstance(date, dt.date)
            or not isinstance(reason, str)
        ):
            rows = None
        elif rows is not None:
            rows.append(
                AdjournmentRow(
                    date=date,
                    kind=label,
                    reason=reason,
                    new_date=new_date if isinstance(new_date, dt.date) else None,
                    prisoner_informed_on=informed if isinstance(informed, dt.date) else None,
                )
            )
    return rows


def _parse_rarr(
    r: Reader,
    value: object,
    path: str,
    recall_date: dt.date | None,
    returned: dt.date | None,
) -> RarrRow | None:
    obj = r.obj(value, path)
    if obj is None:
        return None
    r.keys(obj, path, ("decided", "outcome"))
    decided = r.get(obj, "decided", path, r.date)
    outcome = r.get(obj, "outcome", path, r.choice(parole_vocab.RarrOutcome))
    if isinstance(decided, dt.date):
        _check_after_recall(r, decided, f"{path}.decided", recall_date, returned)
    if isinstance(decided, dt.date) and isinstance(outcome, str):
        return RarrRow(decided, outcome)
    return None


def parse_termination_referrals(
    r: Reader, value: object, sentence_type: object
) -> list[TerminationReferralRow] | None:
    path = "licence_termination_referrals"
    items = r.array(value, path)
    if items is None:
        return None
    # The licence of an IPP or DPP sentence may be terminated (s.31A); others are out of scope.
    if items and isinstance(sentence_type, str) and sentence_type not in _TERMINABLE:
        r.problem(
            path,
            f"only an IPP or DPP licence can be referred for termination, not {sentence_type}",
        )
    rows: list[TerminationReferralRow] | None = []
    seen: dict[dt.date, int] = {}
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]"
        obj = r.obj(item, item_path)
        if obj is None:
            rows = None
            continue
        before = len(r.problems)
        r.keys(obj, item_path, ("referred",), ("decided", "outcome"))
        referred = r.get(obj, "referred", item_path, r.date)
        decided, outcome = _decided(r, obj, item_path, parole_vocab.TerminationOutcome)
        _check_decided_after_referral(r, item_path, decided, referred)
        if isinstance(referred, dt.date):
            first = seen.setdefault(referred, i)
            if first != i:
                r.problem(item_path, f"same referral date as {path}[{first}]")
        if len(r.problems) != before or not isinstance(referred, dt.date):
            rows = None
        elif rows is not None:
            rows.append(TerminationReferralRow(referred, decided, outcome))
    return rows


def _check_release_order(r: Reader, releases: list[PartialRelease]) -> None:
    """The shared date checks of a release history (ippcase.cases.release_checks)."""
    for path, message in release_history_problems(releases):
        r.problem(path, message)
