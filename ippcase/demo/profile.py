"""The published share of every category beside the generated one: docs/demo-data.md and
``manage.py seed_demo --profile``."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ippcase.demo.parole_work import ORAL, PAPER
from ippcase.demo.sampling import age_on
from ippcase.demo.specs import PersonSpec, SentenceSpec, status_of
from ippcase.demo.tables import (
    AGE_BANDS,
    AP_SHARE,
    COMMUNITY_FIVE_YEARS_PLUS,
    COMMUNITY_TIME_SAMPLE,
    ETHNICITY,
    FIRST_RELEASE_YEARS,
    GENDER,
    IN_CUSTODY_SHARE,
    INDEX_OFFENCE,
    MAPPA_CATEGORY_1_SAMPLE,
    MAPPA_LEVELS,
    MAPPA_SAMPLE,
    NEEDS,
    NEEDS_SAMPLE,
    OPD,
    ORAL_OUTCOMES,
    PAPER_OUTCOMES,
    PROFILE_DATE,
    RECALL_COUNTS,
    RECALL_CRITERIA,
    RECALL_CRITERIA_SAMPLE,
    RECALL_REASONS,
    RECALL_REASONS_SAMPLE,
    ROSH,
    SENTENCE_YEARS,
    TARIFF_BANDS,
    TERMINATION_OUTCOMES,
)


@dataclass(frozen=True, slots=True)
class ProfileRow:
    """One category of one dimension: the published share beside the generated one."""

    dimension: str
    category: str
    published: float | None  # None: not published (an assumption of ours)
    generated: float
    source: str


def _shares(rows: Sequence[tuple[Any, float]]) -> dict[str, float]:
    total = sum(weight for _, weight in rows)
    return {_label(value): weight / total for value, weight in rows}


def _label(value: Any) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, tuple):
        return f"{value[0]}-{value[1]}"
    return str(value)


def _band(value: int, bands: Sequence[tuple[tuple[int, int], float]]) -> str:
    for (low, high), _ in bands:
        if low <= value <= high:
            return f"{low}-{high}"
    return "outside"


def _tariff_band(s: SentenceSpec) -> str:
    months = 12 * s.tariff_years + s.tariff_months
    if months < 24:
        return "under 2 years"
    if months < 48 or (months == 48 and not s.tariff_days):
        return "2 to 4 years"
    if months < 72 or (months == 72 and not s.tariff_days):
        return "over 4 to 6 years"
    if months < 120 or (months == 120 and not s.tariff_days):
        return "over 6 to 10 years"
    return "over 10 years"


TARIFF_LABELS = (
    "under 2 years",
    "2 to 4 years",
    "over 4 to 6 years",
    "over 6 to 10 years",
    "over 10 years",
)
COMMUNITY_LABELS = (
    "under 3 months",
    "3 to 12 months",
    "12 months to 2 years",
    "2 to 5 years",
    "5 years or more",
)


def _community_band(days: int) -> str:
    for limit, label in zip((91, 365, 730, 1826), COMMUNITY_LABELS, strict=False):
        if days < limit:
            return label
    return COMMUNITY_LABELS[-1]


def profile_comparison(people: Sequence[PersonSpec]) -> list[ProfileRow]:
    """The published share of every category next to the share among ``people`` (all shares
    of people, except where the dimension says otherwise). Used for docs/demo-data.md and
    ``seed_demo --profile``."""
    n = len(people) or 1
    rows: list[ProfileRow] = []

    def compare(
        dimension: str,
        source: str,
        published: Mapping[str, float | None],
        generated: Sequence[str] | Sequence[Sequence[str]],
        *,
        multi: bool = False,
    ) -> None:
        counts: dict[str, int] = dict.fromkeys(published, 0)
        for item in generated:
            keys: Sequence[str] = item if multi else [item]  # type: ignore[assignment,list-item]  # item is a str or a list by ``multi``
            for key in keys:
                counts[key] = counts.get(key, 0) + 1
        total = n if multi else (len(generated) or 1)
        for key, count in counts.items():
            rows.append(ProfileRow(dimension, key, published.get(key), count / total, source))

    compare("Gender", "Table 2", _shares(GENDER), [p.gender for p in people])
    compare("Ethnicity", "Table 3", _shares(ETHNICITY), [p.ethnicity for p in people])
    compare(
        "Age on 30 June 2023",
        "Table 4",
        _shares(AGE_BANDS),
        [_band(age_on(p.date_of_birth, PROFILE_DATE), AGE_BANDS) for p in people],
    )
    compare(
        "Year of sentence",
        "Table 5",
        _shares(SENTENCE_YEARS),
        [_band(p.sentence.sentence_date.year, SENTENCE_YEARS) for p in people],
    )
    compare(
        "Tariff",
        "Table 6",
        dict(zip(TARIFF_LABELS, _shares(TARIFF_BANDS).values(), strict=True)),
        [_tariff_band(p.sentence) for p in people],
    )
    compare(
        "Year of first release",
        "Table 7",
        _shares(FIRST_RELEASE_YEARS),
        [_band(p.releases[0].date.year, FIRST_RELEASE_YEARS) for p in people],
    )
    recall_shares = _shares([(min(k, 5), w) for k, w in RECALL_COUNTS[:4]] + [(5, 75)])
    recall_shares = {("5 or more" if k == "5" else k): v for k, v in recall_shares.items()}
    compare(
        "Number of recalls",
        "Table 8",
        recall_shares,
        [
            str(k) if k < 5 else "5 or more"
            for k in (sum(r.recall is not None for r in p.releases) for p in people)
        ],
    )
    under_five = sum(w for _, w in COMMUNITY_TIME_SAMPLE)
    community_published = {
        label: (1 - COMMUNITY_FIVE_YEARS_PLUS[1]) * w / under_five
        for label, (_, w) in zip(COMMUNITY_LABELS, COMMUNITY_TIME_SAMPLE, strict=False)
    }
    community_published[COMMUNITY_LABELS[-1]] = COMMUNITY_FIVE_YEARS_PLUS[1]
    latest_recalls = [next(r for r in reversed(p.releases) if r.recall is not None) for p in people]
    compare(
        "Time in the community before the most recent recall",
        "Figure 4 (5 years+: section 4.3), annexe 3",
        community_published,
        [_community_band((r.recall.date - r.date).days) for r in latest_recalls if r.recall],
    )
    compare(
        "Index offence",
        "Annexe 3 (sample)",
        _shares(INDEX_OFFENCE),
        [p.sentence.index_offence.category for p in people],
    )
    compare(
        "Reasons for the most recent recall (several may apply)",
        "Annexe 3 (sample)",
        {_label(r): c / RECALL_REASONS_SAMPLE for r, c in RECALL_REASONS},
        [r.recall.reasons for r in latest_recalls if r.recall],
        multi=True,
    )
    compare(
        "Criteria of the most recent recall (several may apply)",
        "Table 10 (sample)",
        {
            **{_label(c): k / RECALL_CRITERIA_SAMPLE for c, k in RECALL_CRITERIA},
            "iv": 5 / RECALL_CRITERIA_SAMPLE,
        },
        [r.recall.criteria for r in latest_recalls if r.recall],
        multi=True,
    )
    compare(
        "Released to approved premises (most recent recall's release)",
        "Section 4.1 (sample)",
        {"yes": AP_SHARE, "no": 1 - AP_SHARE},
        ["yes" if r.approved_premises else "no" for r in latest_recalls],
    )
    compare(
        "MAPPA category",
        "Section 3.2 (sample)",
        {"1": MAPPA_CATEGORY_1_SAMPLE / MAPPA_SAMPLE, "2": 1 - MAPPA_CATEGORY_1_SAMPLE / 26},
        [str(p.mappa_category) for p in people],
    )
    compare(
        "MAPPA level",
        "Section 4.2 (national: 98.4% level 1); levels 2 and 3 split by assumption",
        _shares(MAPPA_LEVELS),
        [str(p.mappa_level) for p in people],
    )
    compare(
        "RoSH",
        "Section 3.2 (sample); very high 3%: assumption",
        _shares(ROSH),
        [p.rosh_level for p in people],
    )
    compare(
        "OPD screening",
        "Section 4.1 (sample: 14 of 26 screened in); the rest split 2:1 by assumption",
        _shares(OPD),
        [p.opd_screening for p in people],
    )
    compare(
        "Needs (several apply)",
        "Table 9 (sample); emotional wellbeing: section 4.1",
        {_label(k): c / NEEDS_SAMPLE for k, c in NEEDS},
        [p.needs for p in people],
        multi=True,
    )
    compare(
        "Where the person is on the reference date",
        "Contextual facts (national); at large: assumption",
        {"custody": IN_CUSTODY_SHARE, "licence": 1 - IN_CUSTODY_SHARE, "at_large": None},
        [status_of(p) for p in people],
    )
    compare(
        "COMs during the licence",
        "Section 4.1 (sample)",
        {"1 or 2": 12 / 26, "3 or more": 14 / 26},
        ["1 or 2" if len(p.allocations) <= 2 else "3 or more" for p in people],
    )
    compare(
        "Additional conditions in force at release",
        "Section 3.2 (sample)",
        {"3 or 4": 8 / 26, "5 to 9": 18 / 26},
        [
            "3 or 4"
            if sum(
                c.kind != "standard" and c.start == p.releases[-1].date
                for c in p.licence_conditions
            )
            < 5
            else "5 to 9"
            for p in people
        ],
    )
    compare(
        "Sentence type",
        "not published",
        {"IPP": None, "DPP": None},
        [p.sentence.sentence_type for p in people],
    )
    reviews = [
        review
        for p in people
        for release in p.releases
        if release.recall is not None
        for review in release.recall.parole_reviews
        if review.decided is not None
    ]
    compare(
        "Paper decisions (share of decisions)",
        "Table 12 (national)",
        _shares(PAPER_OUTCOMES),
        [r.outcome for r in reviews if r.kind == PAPER],
    )
    compare(
        "Oral hearing decisions (share of decisions)",
        "Table 12 (national)",
        _shares(ORAL_OUTCOMES),
        [r.outcome for r in reviews if r.kind == ORAL],
    )
    compare(
        "Licence termination decisions (share of decisions)",
        "2025 stakeholder minutes, item 5",
        _shares(TERMINATION_OUTCOMES),
        [t.outcome for p in people for t in p.termination_referrals if t.decided is not None],
    )
    return rows
