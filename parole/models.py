"""Parole work after recall and on licence: Parole Board reviews of a recall with their
adjournments and deferrals, risk-assessed recall review (RARR), licence termination referrals and
suspension of supervision. Writes go through parole.services; the database enforces what one row
can check. The shape follows the import format (docs/import-format.md) so an import round-trips.

A Parole Board review here is ONE decision stage: a member case assessment on the papers
(``kind="paper"``), or an oral hearing (``kind="oral"``), usually directed by the paper review
before it. The report counts paper and oral decisions separately, as the Parole Board does
(inspection table 12). The re-release date lives on the recall (``Recall.re_released_on``) and
closes the parole work on it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ippcase.models import Person, Recall, audited
from parole import vocab


def _decided_together(prefix: str) -> Q:
    """``<prefix>decided_on`` and ``<prefix>outcome`` are both set or both empty."""
    return Q(**{f"{prefix}decided_on__isnull": True, f"{prefix}outcome": ""}) | Q(
        Q(**{f"{prefix}decided_on__isnull": False}) & ~Q(**{f"{prefix}outcome": ""})
    )


def _recorded_by() -> models.ForeignKey[Any, Any]:
    """Who recorded the row in the app; NULL for rows from an import."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )


@audited()
class ParoleReview(models.Model):
    recall = models.ForeignKey(Recall, on_delete=models.CASCADE, related_name="parole_reviews")
    kind = models.CharField(max_length=10, choices=vocab.ReviewKind.choices)
    referred_on = models.DateField("Referred to the Parole Board")
    # The Calder question: on the first review after a recall the panel considers whether the
    # recall was appropriate (R (Calder) v SSJ [2015] EWCA Civ 1050).
    calder_answer = models.CharField(
        "Was the recall appropriate?",
        max_length=20,
        choices=vocab.CalderAnswer.choices,
        blank=True,
    )
    hearing_date = models.DateField("Oral hearing date", null=True, blank=True)
    decided_on = models.DateField("Decision date", null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=vocab.ReviewOutcome.choices, blank=True)
    pca_n_directed_on = models.DateField("PCA-N directed on", null=True, blank=True)
    pca_n_recommendation = models.CharField(
        "PCA-N recommendation",
        max_length=10,
        choices=vocab.PcaNRecommendation.choices,
        blank=True,
    )
    pra_directed_on = models.DateField("PRA directed on", null=True, blank=True)
    pra_recommendation = models.CharField(
        "PRA recommendation", max_length=20, choices=vocab.PraRecommendation.choices, blank=True
    )
    notes = models.TextField(blank=True)
    recorded_by = _recorded_by()

    class Meta:
        ordering = ["referred_on", "id"]
        indexes = [
            models.Index(fields=["decided_on"], name="parole_review_decided_idx"),
            # A recall's latest review with a given outcome (the parole report's "released after
            # a recall" figures, one lookup per recall): no sort per lookup (docs/performance.md).
            models.Index(
                fields=["recall", "outcome", "-decided_on", "-id"],
                name="parole_review_recall_out_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=_decided_together(""), name="review_decided_together"),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=F("referred_on")),
                name="review_decided_after_referral",
            ),
            models.CheckConstraint(
                condition=~Q(kind=vocab.ReviewKind.ORAL, outcome=vocab.ReviewOutcome.ORAL_HEARING),
                name="review_oral_cannot_direct_oral",
            ),
            models.CheckConstraint(
                condition=Q(kind=vocab.ReviewKind.ORAL) | Q(hearing_date__isnull=True),
                name="review_hearing_date_only_oral",
            ),
            models.CheckConstraint(
                condition=Q(pra_directed_on__isnull=False) | Q(pra_recommendation=""),
                name="review_pra_recommendation_needs_direction",
            ),
            models.CheckConstraint(
                condition=Q(pca_n_directed_on__isnull=False) | Q(pca_n_recommendation=""),
                name="review_pcan_recommendation_needs_direction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} referred {self.referred_on:%d %b %Y}"

    @property
    def is_open(self) -> bool:
        return self.decided_on is None


@audited()
class Adjournment(models.Model):
    """An adjournment or deferral of a review, and whether (and when) the prisoner was told."""

    review = models.ForeignKey(ParoleReview, on_delete=models.CASCADE, related_name="delays")
    kind = models.CharField(
        max_length=20, choices=vocab.DelayKind.choices, default=vocab.DelayKind.ADJOURNMENT
    )
    date = models.DateField("Date adjourned or deferred")
    reason = models.TextField()
    new_date = models.DateField("New date", null=True, blank=True)
    prisoner_informed_on = models.DateField("Prisoner told on", null=True, blank=True)
    recorded_by = _recorded_by()

    class Meta:
        ordering = ["date", "id"]
        indexes = [
            models.Index(
                fields=["date"],
                condition=Q(prisoner_informed_on__isnull=True),
                name="adjournment_untold_idx",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["review", "date"], name="adjournment_review_date"),
            models.CheckConstraint(
                condition=Q(prisoner_informed_on__isnull=True)
                | Q(prisoner_informed_on__gte=F("date")),
                name="adjournment_told_after_date",
            ),
            models.CheckConstraint(
                condition=Q(new_date__isnull=True) | Q(new_date__gt=F("date")),
                name="adjournment_new_date_after_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.date:%d %b %Y}"


@audited()
class RiskAssessedRecallReview(models.Model):
    """A risk-assessed recall review: the Secretary of State (PPCS) may re-release a recalled
    IPP/DPP prisoner without the Parole Board (Victims and Prisoners Act 2024). One per recall."""

    recall = models.OneToOneField(Recall, on_delete=models.CASCADE, related_name="rarr")
    decided_on = models.DateField("Decision date")
    outcome = models.CharField(max_length=20, choices=vocab.RarrOutcome.choices)
    rationale = models.TextField(blank=True)
    recorded_by = _recorded_by()

    class Meta:
        verbose_name = "risk-assessed recall review"

    def __str__(self) -> str:
        return f"RARR {self.decided_on:%d %b %Y}: {self.get_outcome_display()}"


@audited()
class TerminationReferral(models.Model):
    """A referral to the Parole Board to consider ending the licence (s.31A Crime (Sentences)
    Act 1997)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="termination_referrals"
    )
    referred_on = models.DateField("Referred on")
    decided_on = models.DateField("Decision date", null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=vocab.TerminationOutcome.choices, blank=True)
    recorded_by = _recorded_by()

    class Meta:
        ordering = ["referred_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "referred_on"], name="termination_referral_person_date"
            ),
            models.CheckConstraint(
                condition=_decided_together(""), name="termination_decided_together"
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=F("referred_on")),
                name="termination_decided_after_referral",
            ),
        ]

    def __str__(self) -> str:
        return f"Termination referral {self.referred_on:%d %b %Y}"


@audited()
class SupervisionSuspension(models.Model):
    """Suspension of the supervision conditions of a licence: a panel recommends, PPCS decides."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="supervision_suspensions"
    )
    panel_date = models.DateField("Panel date")
    panel_recommendation = models.CharField(
        max_length=20, choices=vocab.PanelRecommendation.choices
    )
    decided_on = models.DateField("PPCS decision date", null=True, blank=True)
    outcome = models.CharField(
        "PPCS decision", max_length=20, choices=vocab.SuspensionDecision.choices, blank=True
    )
    rationale = models.TextField(blank=True)
    recorded_by = _recorded_by()

    class Meta:
        ordering = ["panel_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=_decided_together(""), name="suspension_decided_together"
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=F("panel_date")),
                name="suspension_decided_after_panel",
            ),
        ]

    def __str__(self) -> str:
        return f"Supervision panel {self.panel_date:%d %b %Y}"


class ParoleReminder(models.Model):
    """One parole reminder: at most one per kind, subject row and key date (a constraint, as for
    report reminders), so a scan that runs twice, late or in two workers sends nothing twice.
    ``subject_id`` is the review (hearing), the adjournment (untold) or the person (eligible)."""

    kind = models.CharField(max_length=30, choices=vocab.ReminderKind.choices)
    subject_id = models.PositiveBigIntegerField()
    key_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_id", "key_date"], name="one_parole_reminder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.key_date:%d %b %Y})"
