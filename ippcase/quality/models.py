"""Quality assurance of recall decisions (issue 19; docs/quality-assurance.md): a sample of
decisions drawn at random from a recorded seed, one review per sampled decision."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ippcase.models import Pdu, Region, Team, audited, choices_array
from ippcase.quality import vocab

# One column a question, so that the report counts them in SQL.
QUESTION_FIELDS = tuple(vocab.Question.values)


@audited()
class QaSample(models.Model):
    """Decisions to recall and not to recall made in a period and scope, drawn at random.

    The draw is reproducible: the population is ordered by the recommendation's id and shuffled
    with ``random.Random(seed)`` (ippcase/quality/sampling.py); the seed is kept here."""

    name = models.CharField("Name of the sample", max_length=200)
    period_start = models.DateField("Decisions made from")
    period_end = models.DateField("Decisions made to")
    # The scope: a team, a PDU or a region; none of them is national (administrators only).
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True)
    pdu = models.ForeignKey(Pdu, on_delete=models.PROTECT, null=True, blank=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True)
    include_recalls = models.BooleanField("Recalls", default=True)
    include_not_recalled = models.BooleanField("Decisions not to recall", default=True)
    strata = choices_array(vocab.Stratum, verbose_name="Only these kinds of recall")
    size = models.PositiveIntegerField("Number of decisions to sample")
    seed = models.BigIntegerField()
    population = models.PositiveIntegerField("Decisions the sample was drawn from")
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-drawn_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="qa_sample_period_in_order",
            ),
            models.CheckConstraint(
                condition=Q(include_recalls=True) | Q(include_not_recalled=True),
                name="qa_sample_some_decisions",
            ),
            models.CheckConstraint(condition=Q(size__gte=1), name="qa_sample_size_positive"),
        ]

    def __str__(self) -> str:
        return self.name


@audited()
class QaItem(models.Model):
    """One sampled decision: a recommendation that became a recall, or a decision not to
    recall."""

    sample = models.ForeignKey(QaSample, on_delete=models.PROTECT, related_name="items")
    recommendation = models.ForeignKey(
        "recall.RecallRecommendation", on_delete=models.PROTECT, related_name="qa_items"
    )
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=vocab.DecisionKind.choices)
    # The strata the decision falls in, worked out when it was drawn.
    strata = choices_array(vocab.Stratum)
    # The case's team and PDU when it was drawn (the report groups by them, so a case moved
    # since does not move its decision to another team's figures). A case with no team: the PDU
    # whose unallocated list it was on, if any. Both null on items drawn before they were kept.
    team = models.ForeignKey(
        "ippcase.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pdu = models.ForeignKey(
        "ippcase.Pdu", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["sample", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "recommendation"], name="qa_item_once"),
            models.UniqueConstraint(fields=["sample", "position"], name="qa_item_position"),
        ]

    def __str__(self) -> str:
        return f"Decision {self.position} of {self.sample}"


def _answer() -> models.CharField:
    return models.CharField(max_length=20, choices=vocab.Answer.choices, blank=True)


@audited()
class QaReview(models.Model):
    """A reviewer's answers on one sampled decision. Published, it is shown on the case to the
    practitioner and the managers of the decision, and counted in the sample's report."""

    item = models.OneToOneField(QaItem, on_delete=models.PROTECT, related_name="review")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    legal_test = _answer()
    causal_link = _answer()
    risk_evidence = _answer()
    alternatives = _answer()
    agencies = _answer()
    oversight = _answer()
    person_told = _answer()
    # What the reviewer wrote beside each answer: {"legal_test": "..."}.
    notes = models.JSONField(default=dict, blank=True)
    judgement = models.CharField(max_length=30, choices=vocab.Judgement.choices, blank=True)
    reasons = models.TextField("Reasons for the judgement", blank=True)
    avoidable_reasons = choices_array(vocab.AvoidableReason)
    # The rules' warnings the decision went on past, judged: {"NO_PROGRESSION_PANEL": "wrong"}.
    override_verdicts = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=20, choices=vocab.ReviewStatus.choices, default=vocab.ReviewStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status=vocab.ReviewStatus.DRAFT)
                | (Q(published_at__isnull=False) & ~Q(judgement="")),
                name="qa_review_published_with_judgement",
            ),
            models.CheckConstraint(
                condition=Q(avoidable_reasons=[]) | Q(judgement=vocab.Judgement.AVOIDABLE),
                name="qa_review_reasons_only_when_avoidable",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.item}"

    @property
    def is_published(self) -> bool:
        return self.status == vocab.ReviewStatus.PUBLISHED
