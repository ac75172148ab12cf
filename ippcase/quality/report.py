"""The QA report of a sample, and the trend across samples (issue 19; docs/quality-assurance.md,
"The report"). Pure reads, a fixed number of queries whatever the sample's size: one for the
sample's items with their reviews, cases, teams and PDUs (everything else is counted here in
Python), one for the trend.

Decisions, written down in docs/quality-assurance.md:

- Only **published** reviews are counted. A draft is "not yet reviewed", as is a decision with
  no review at all.
- The percentages of the judgements are of the published reviews ("Reviewed: N of M"); the
  "not yet reviewed" line's is of the whole sample.
- The team and PDU of a decision are the case's **when the sample was drawn** (its team's PDU,
  or the PDU whose unallocated list it was on), kept on the item: a report read again a year on
  gives the same figures though cases have moved. Items drawn before they were kept (both null)
  use the case's today.
- The acknowledged warnings are the ones the reviewer judged (``QaReview.override_verdicts``):
  the review form asks for a verdict on every warning the decision went on past, and publishing
  needs one for each (ippcase/quality/services.py), so a published review holds all of them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.safestring import SafeString

from ippcase.core import charts
from ippcase.models import User
from ippcase.quality import selectors, vocab
from ippcase.quality.models import QUESTION_FIELDS, QaItem, QaReview, QaSample
from recall import rules

PUBLISHED = vocab.ReviewStatus.PUBLISHED
NOT_REVIEWED = "Not yet reviewed"
UNALLOCATED = "Awaiting allocation"


def percent(n: int, of: int) -> int | None:
    """``n`` as a whole percentage of ``of``, half rounded up; None when ``of`` is nought."""
    if of <= 0:
        return None
    return (200 * n + of) // (2 * of)


def rule_title(code: str) -> str:
    """A rule's title: the first sentence of its message (the code itself for a rule since
    retired)."""
    for rule in (*rules.RULES, *rules.PART_A_RULES):
        if rule.code == code:
            first, _, _ = rule.message.partition(". ")
            return first.rstrip(".")
    return code


@dataclass(frozen=True)
class Line:
    """One row of a count table: a label, a count and its percentage."""

    key: str
    label: str
    n: int
    pct: int | None


@dataclass(frozen=True)
class Override:
    """An acknowledged warning, in the avoidable decisions: the reviewers' verdicts on it."""

    code: str
    title: str
    verdicts: list[Line]  # one a vocab.OverrideVerdict, in its order
    total: int


@dataclass(frozen=True)
class QuestionLine:
    key: str
    label: str
    answers: list[int]  # one a vocab.Answer, in its order
    not_answered: int


@dataclass(frozen=True)
class Group:
    """A team's or PDU's decisions: how many, how many reviewed, and the judgements."""

    name: str
    items: int
    reviewed: int
    judgements: list[Line]


@dataclass(frozen=True)
class ItemRow:
    """One sampled decision, for the CSV."""

    position: int
    crn: str
    team: str
    pdu: str
    kind: str
    decided_on: dt.date | None
    judgement: str
    avoidable_reasons: list[str]
    answers: list[str]  # one a vocab.Question, in its order ("" when not reviewed)


@dataclass
class Report:
    sample: QaSample
    items: int
    reviewed: int
    not_reviewed: Line
    judgements: list[Line]
    reasons: list[Line]  # of the avoidable decisions, largest first
    avoidable: int
    overrides: list[Override]
    questions: list[QuestionLine]
    by_team: list[Group]
    by_pdu: list[Group]
    rows: list[ItemRow] = field(default_factory=list)


def _published(item: QaItem) -> QaReview | None:
    review = selectors.review_of(item)
    return review if review is not None and review.status == PUBLISHED else None


def _judgement_lines(reviews: list[QaReview]) -> list[Line]:
    counts = Counter(r.judgement for r in reviews)
    return [
        Line(key, str(label), counts[key], percent(counts[key], len(reviews)))
        for key, label in vocab.Judgement.choices
    ]


def _team_and_pdu(item: QaItem) -> tuple[str, str]:
    if item.team_id is not None or item.pdu_id is not None:  # kept when it was drawn
        team, pdu = item.team, item.pdu
    else:
        person = item.recommendation.person
        team = person.team
        pdu = team.pdu if team is not None else person.awaiting_pdu
    return (
        team.name if team is not None else UNALLOCATED,
        pdu.name if pdu is not None else "Not known",
    )


def _groups(pairs: list[tuple[str, QaReview | None]]) -> list[Group]:
    names = sorted({name for name, _ in pairs})
    groups = []
    for name in names:
        reviews = [r for n, r in pairs if n == name and r is not None]
        groups.append(
            Group(
                name=name,
                items=sum(1 for n, _ in pairs if n == name),
                reviewed=len(reviews),
                judgements=_judgement_lines(reviews),
            )
        )
    return groups


def _overrides(avoidable: list[QaReview]) -> list[Override]:
    by_code: dict[str, Counter[str]] = {}
    for review in avoidable:
        for code, verdict in review.override_verdicts.items():
            by_code.setdefault(code, Counter())[verdict] += 1
    result = []
    for code in sorted(by_code, key=lambda c: (-sum(by_code[c].values()), c)):
        counts = by_code[code]
        total = sum(counts.values())
        result.append(
            Override(
                code=code,
                title=rule_title(code),
                verdicts=[
                    Line(key, str(label), counts[key], percent(counts[key], total))
                    for key, label in vocab.OverrideVerdict.choices
                ],
                total=total,
            )
        )
    return result


def report_items(sample: QaSample) -> list[QaItem]:
    """The sample's decisions with their reviews, cases, teams and PDUs (one query)."""
    return selectors.sample_items(
        sample,
        related=(
            "team",
            "pdu",
            "recommendation__person__team__pdu",
            "recommendation__person__awaiting_pdu",
            "review",
        ),
    )


def sample_report(sample: QaSample) -> Report:
    """The report of ``sample`` (one query)."""
    items = report_items(sample)
    published = [(item, _published(item)) for item in items]
    reviews = [r for _, r in published if r is not None]
    avoidable = [r for r in reviews if r.judgement == vocab.Judgement.AVOIDABLE]
    reasons = Counter(reason for r in avoidable for reason in r.avoidable_reasons)
    reason_names = dict(vocab.AvoidableReason.choices)
    answer_keys = vocab.Answer.values
    questions = []
    for code, label in vocab.Question.choices:
        given = Counter(getattr(r, code) for r in reviews)
        questions.append(
            QuestionLine(
                code, str(label), [given[a] for a in answer_keys], given[""] if reviews else 0
            )
        )
    places = [(_team_and_pdu(item), review) for item, review in published]
    judgement_names = dict(vocab.Judgement.choices)
    answer_names = dict(vocab.Answer.choices)
    rows = []
    for (item, review), ((team, pdu), _) in zip(published, places, strict=True):
        rows.append(
            ItemRow(
                position=item.position,
                crn=item.recommendation.person.crn,
                team=team,
                pdu=pdu,
                kind=str(item.get_kind_display()),
                decided_on=getattr(item, "decided_on", None),
                judgement=str(judgement_names.get(review.judgement, review.judgement))
                if review
                else NOT_REVIEWED,
                avoidable_reasons=[str(reason_names.get(a, a)) for a in review.avoidable_reasons]
                if review
                else [],
                answers=[
                    str(answer_names.get(getattr(review, q), "")) if review else ""
                    for q in QUESTION_FIELDS
                ],
            )
        )
    not_reviewed = len(items) - len(reviews)
    return Report(
        sample=sample,
        items=len(items),
        reviewed=len(reviews),
        not_reviewed=Line("", NOT_REVIEWED, not_reviewed, percent(not_reviewed, len(items))),
        judgements=_judgement_lines(reviews),
        reasons=sorted(
            (
                Line(key, str(reason_names.get(key, key)), n, percent(n, len(avoidable)))
                for key, n in reasons.items()
            ),
            key=lambda line: (-line.n, line.label),
        ),
        avoidable=len(avoidable),
        overrides=_overrides(avoidable),
        questions=questions,
        by_team=_groups([(team, r) for (team, _), r in places]),
        by_pdu=_groups([(pdu, r) for (_, pdu), r in places]),
        rows=rows,
    )


# ---------------------------------------------------------------------------------------------
# The trend across samples


@dataclass(frozen=True)
class TrendRow:
    sample: QaSample
    items: int
    reviewed: int
    judgements: list[Line]


def _trend_queryset(user: User) -> QuerySet[QaSample]:
    published = Q(items__review__status=PUBLISHED)
    return selectors.samples_for(user).annotate(
        **{
            f"n_{key}": Count(
                "items__review", filter=published & Q(items__review__judgement=key), distinct=True
            )
            for key in vocab.Judgement.values
        }
    )


def trend(user: User) -> list[TrendRow]:
    """One row a sample in the user's scope, oldest drawn first (one query)."""
    rows = []
    for sample in _trend_queryset(user).order_by("drawn_at", "id"):
        reviewed: int = sample.n_published  # type: ignore[attr-defined]
        lines = []
        for key, label in vocab.Judgement.choices:
            n: Any = getattr(sample, f"n_{key}")
            lines.append(Line(key, str(label), n, percent(n, reviewed)))
        rows.append(TrendRow(sample, sample.n_items, reviewed, lines))  # type: ignore[attr-defined]
    return rows


def trend_chart(rows: list[TrendRow]) -> SafeString | None:
    """The trend as a chart: a stacked bar a sample with published reviews, the percentage of
    them with each judgement (the table beside it gives the same numbers); None with none."""
    charted = [row for row in rows if row.reviewed]
    if not charted:
        return None
    return charts.bar_chart(
        [
            (f"{row.sample.name} ({row.sample.drawn_at:%b %Y})", [j.pct for j in row.judgements])
            for row in charted
        ],
        series=[str(label) for label in vocab.Judgement.labels],
        title="Judgements by sample: bar chart",
        description="For each sample with published reviews, oldest drawn first, the percentage "
        "of its published reviews judged proportionate, could have been avoided, or not enough "
        "information. The table gives the same numbers.",
        chart_id="trend-chart",
        stacked=True,
        unit="%",
    )
