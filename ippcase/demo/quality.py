"""The demo's quality-assurance sample (issue 19): ``seed_demo`` has the demo QA lead draw one
sample of the decisions in their region, with a fixed seed, and publish three reviews of it
(one judging the decision avoidable, with reasons). Driven through the real services
(``ippcase.quality.services``), so the rows are as the product makes them."""

from __future__ import annotations

from ippcase.demo.tables import DEMO_EMAIL_DOMAIN, QA_PERIOD_START, QA_SAMPLE_SEED, QA_SAMPLE_SIZE
from ippcase.demo.tables import REFERENCE_DATE as QA_PERIOD_END
from ippcase.models import User
from ippcase.quality import services, vocab
from ippcase.quality.models import QaSample
from ippcase.vocab import Role

QA_SAMPLE_NAME = "Demo: recalls and decisions not to recall since 2023"
_Q, _A, _J = vocab.Question, vocab.Answer, vocab.Judgement

# The three published reviews: (judgement, reasons, avoidable reasons, answers that differ
# from "yes").
_REVIEWS: tuple[tuple[str, str, list[str], dict[str, str]], ...] = (
    (
        _J.PROPORTIONATE,
        "The legal test was met and the evidence of risk was recent and corroborated by police.",
        [],
        {},
    ),
    (
        _J.AVOIDABLE,
        "No multi-agency panel was held and the housing officer was not asked; the drinking "
        "could have been managed with increased contact and a referral.",
        [vocab.AvoidableReason.AGENCIES_NOT_HEARD, vocab.AvoidableReason.ALTERNATIVES_NOT_TRIED],
        {_Q.ALTERNATIVES: _A.NO, _Q.AGENCIES: _A.NO, _Q.RISK_EVIDENCE: _A.PARTLY},
    ),
    (
        _J.NOT_ENOUGH_INFORMATION,
        "The record does not say whether the person was warned before the decision.",
        [],
        {_Q.PERSON_TOLD: _A.NOT_KNOWN, _Q.OVERSIGHT: _A.PARTLY},
    ),
)


def demo_qa_lead() -> User | None:
    return (
        User.objects.filter(roles__contains=[Role.QA_LEAD], email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
        .select_related("team__pdu")
        .order_by("pk")
        .first()
    )


def create_qa_sample() -> QaSample | None:
    """Draw the demo sample (size :data:`QA_SAMPLE_SIZE`, seed :data:`QA_SAMPLE_SEED`, the QA
    lead's region, from :data:`QA_PERIOD_START` to the reference date) and publish a review of
    its first three decisions. None, with nothing written, when there is no demo QA lead or no
    decision in the region (a very small seed)."""
    lead = demo_qa_lead()
    if lead is None or lead.team is None:
        return None
    region_key = f"region:{lead.team.pdu.region_id}"
    try:
        sample = services.sample_draw(
            actor=lead,
            name=QA_SAMPLE_NAME,
            scope_key=region_key,
            period_start=QA_PERIOD_START,
            period_end=QA_PERIOD_END,
            include_recalls=True,
            include_not_recalled=True,
            strata=[],
            size=QA_SAMPLE_SIZE,
            seed=QA_SAMPLE_SEED,
        )
    except services.QualityError:
        return None
    items = list(sample.items.select_related("recommendation").order_by("position"))
    for item, (judgement, reasons, avoidable, answers) in zip(items, _REVIEWS, strict=False):
        codes = list(item.recommendation.acknowledgements or {})
        services.review_save(
            item_id=item.pk,
            actor=lead,
            expected_version=0,
            answers=services.ReviewAnswers(
                answers={q: answers.get(q, _A.YES) for q in _Q.values},
                judgement=judgement,
                reasons=reasons,
                avoidable_reasons=list(avoidable),
                override_verdicts=dict.fromkeys(codes, vocab.OverrideVerdict.RIGHT.value),
            ),
            publish=True,
        )
    return sample
