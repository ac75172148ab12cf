"""Concerns, actions short of recall, and the recall recommendation with its management
oversight. Workflow state changes go through recall.services (one guarded, locked function per
transition); the database enforces what one row can check."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from ippcase import vocab as case_vocab
from ippcase.models import LicenceCondition, Person, audited, choices_array, labels
from recall import vocab

ACTION_KIND_CHOICES = [
    (code, label)
    for code, label in vocab.ALTERNATIVE_CHOICES
    if code
    in {
        "warning_letter",
        "increased_contact",
        "licence_variation",
        "drug_testing",
        "alcohol_monitoring",
        "referral_partner_agency",
        "mappa_referral",
        "approved_premises",
        "progression_panel",
        "other",
    }
]


@audited()
class Concern(models.Model):
    """Something that happened which worries the practitioner, tagged with the same behaviour
    vocabulary as the index offence so that the causal link can be compared."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="concerns")
    occurred_on = models.DateField("Date")
    description = models.TextField("What happened")
    source = models.CharField(max_length=30, choices=vocab.ConcernSource.choices)
    behaviours = choices_array(case_vocab.Behaviour)
    conditions = models.ManyToManyField(
        LicenceCondition, blank=True, related_name="concerns", verbose_name="Licence conditions"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # Corrections (issue 14): an entry is never deleted; it is struck out with a reason and
    # stays in the log, shown struck through.
    struck_out_at = models.DateTimeField(null=True, blank=True)
    struck_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    struck_out_reason = models.TextField("Why it is struck out", blank=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["person", "-occurred_on"], name="concern_person_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(struck_out_at__isnull=True, struck_out_reason="")
                | (Q(struck_out_at__isnull=False) & ~Q(struck_out_reason="")),
                name="concern_struck_out_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Concern on {self.occurred_on:%d %b %Y}"

    @property
    def behaviour_labels(self) -> list[str]:
        return labels(case_vocab.Behaviour, self.behaviours)


@audited()
class ActionShortOfRecall(models.Model):
    """An action taken instead of recall. ``kind`` uses the rules module's alternative codes,
    so recorded actions prefill the alternatives of a recommendation."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=40, choices=ACTION_KIND_CHOICES)
    referral = models.CharField(
        "Referred to", max_length=40, choices=vocab.REFERRAL_CHOICES, blank=True
    )
    taken_on = models.DateField("Date")
    details = models.TextField()
    outcome = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # Corrections (issue 14): an entry is never deleted; it is struck out with a reason and
    # stays in the log, shown struck through.
    struck_out_at = models.DateTimeField(null=True, blank=True)
    struck_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    struck_out_reason = models.TextField("Why it is struck out", blank=True)

    class Meta:
        ordering = ["-taken_on", "-id"]
        verbose_name = "action short of recall"
        verbose_name_plural = "actions short of recall"
        constraints = [
            models.CheckConstraint(
                condition=Q(referral="") | Q(kind="referral_partner_agency"),
                name="action_referral_only_for_referrals",
            ),
            models.CheckConstraint(
                condition=Q(struck_out_at__isnull=True, struck_out_reason="")
                | (Q(struck_out_at__isnull=False) & ~Q(struck_out_reason="")),
                name="action_struck_out_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.taken_on:%d %b %Y}"


@audited()
class RecallRecommendation(models.Model):
    """A practitioner's recommendation to recall, or not to recall, with its evidence.

    ``version`` increases with every save through the services: a form carries the version it
    was rendered from, and a save against another version is refused as stale.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="recommendations")
    status = models.CharField(
        max_length=20,
        choices=vocab.RecommendationStatus.choices,
        default=vocab.RecommendationStatus.DRAFT,
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    why_considered = models.TextField("Why recall is being considered", blank=True)
    recall_type = models.CharField(
        max_length=20, choices=vocab.RecallType.choices, default=vocab.RecallType.STANDARD
    )
    emergency = models.BooleanField(default=False)
    # Historic: the practitioner's own "made out of hours?" answer, asked until issue 12. It is
    # shown on old records and grants nothing; the clock decides when a duty manager may act.
    out_of_hours = models.BooleanField(default=False)
    # Evidence for each criterion given: {"i": "...", "iv": "..."}; a key present = criterion given.
    criteria = models.JSONField(default=dict, blank=True)
    current_behaviours = choices_array(case_vocab.Behaviour)
    causal_link = models.TextField(blank=True)
    increased_risk_of_harm = models.TextField("Evidence of increased risk of harm", blank=True)
    # {"warning_letter": {"status": "tried", "details": "..."}, ...}
    alternatives = models.JSONField(default=dict, blank=True)
    other_agencies_consulted = models.BooleanField(default=False)
    multi_agency_input = models.TextField(blank=True)
    last_contact_date = models.DateField(null=True, blank=True)
    alternative_addresses_known = models.BooleanField(default=False)
    alternative_addresses_checked = models.BooleanField(default=False)
    out_of_contact_details = models.TextField(blank=True)
    allegation_status = models.CharField(
        max_length=30, choices=vocab.AllegationStatus.choices, default=vocab.AllegationStatus.NONE
    )
    allegation_incident_date = models.DateField(null=True, blank=True)
    further_complaints = models.BooleanField(default=False)
    # What became of the allegation, often known only after the recall (recorded on the draft,
    # or later through services.recommendation_record_charge_outcome).
    charge_outcome = models.CharField(
        "Outcome of the allegation", max_length=20, choices=vocab.ChargeOutcome.choices, blank=True
    )
    progression_panel_held = models.BooleanField(default=False)
    # Written justifications of acknowledged warn findings: {"NO_PROGRESSION_PANEL": "..."}
    acknowledgements = models.JSONField(default=dict, blank=True)
    # Task-list sections the practitioner has saved at least once: a section whose answers have
    # defaults (recall type, allegations…) is not "completed" until someone has looked at it.
    sections_saved = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    withdrawn_reason = models.TextField(blank=True)
    # PPCS: who is working on the request, what more they asked for, and the recall it became.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    further_information = models.TextField(blank=True)
    recall = models.OneToOneField(
        "ippcase.Recall",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recommendation",
    )
    rescinded_reason = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Not columns: the person's record of actions and concerns, loaded with the recommendation
    # for a page or a dossier (recall.selectors.recommendation_for_page, recall.dossiers).
    person_actions: list[ActionShortOfRecall]
    person_concerns: list[Concern]

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=vocab.ACTIVE_STATUSES),
                name="one_active_recommendation_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"Recommendation {self.pk} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        """Still with the practitioner and managers (editable, or awaiting countersignature)."""
        return self.status in vocab.OPEN_STATUSES

    @property
    def is_active(self) -> bool:
        """Not yet decided by PPCS: the person's one current recommendation."""
        return self.status in vocab.ACTIVE_STATUSES

    @property
    def is_recall(self) -> bool:
        return self.recall_type != vocab.RecallType.NONE


@audited()
class Oversight(models.Model):
    """A manager's rationale and countersignature on a recommendation (SPO, then ACO).

    ``duty_manager`` marks a manager acting out of hours outside their own line of management.
    """

    recommendation = models.ForeignKey(
        RecallRecommendation, on_delete=models.PROTECT, related_name="oversights"
    )
    level = models.CharField(max_length=3, choices=vocab.SignatureLevel.choices)
    decision = models.CharField(max_length=20, choices=vocab.OversightDecision.choices)
    rationale = models.TextField()
    alternatives_explored = models.BooleanField(default=False)
    recall_type_correct = models.BooleanField(default=False)
    report_quality = models.BooleanField(default=False)
    not_manageable_in_community = models.BooleanField(default=False)
    duty_manager = models.BooleanField(default=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(auto_now_add=True)
    # The version of the recommendation that was read and signed.
    recommendation_version = models.PositiveIntegerField()

    class Meta:
        ordering = ["signed_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.get_decision_display()}"

    def confirmations(self) -> dict[str, Any]:
        return {
            "alternatives_explored": self.alternatives_explored,
            "recall_type_correct": self.recall_type_correct,
            "report_quality": self.report_quality,
            "not_manageable_in_community": self.not_manageable_in_community,
        }


@audited()
class PpcsDecision(models.Model):
    """A PPCS caseworker's decision on a submitted request, on behalf of the Secretary of State."""

    recommendation = models.ForeignKey(
        RecallRecommendation, on_delete=models.PROTECT, related_name="ppcs_decisions"
    )
    outcome = models.CharField(max_length=20, choices=vocab.PpcsOutcome.choices)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome=vocab.PpcsOutcome.AUTHORISED) | ~Q(reason=""),
                name="ppcs_decision_reason_unless_authorised",
            )
        ]

    def __str__(self) -> str:
        return self.get_outcome_display()


@audited()
class HolidayOverride(models.Model):
    """An England and Wales bank holiday added (a one-off, such as a coronation) or cancelled,
    on top of the ``holidays`` package: an administrator edits these, no release needed."""

    date = models.DateField(unique=True)
    kind = models.CharField(max_length=10, choices=vocab.HolidayOverrideKind.choices)
    description = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d %b %Y}: {self.get_kind_display()} ({self.description})"


class ReportReminder(models.Model):
    """One reminder about a recall report: at most one per recall, milestone and key date (the
    due date for the reminders before it; each working day once overdue) — a constraint, so a
    scan that runs twice, late or in two workers at once sends nothing twice."""

    recall = models.ForeignKey("ippcase.Recall", on_delete=models.CASCADE, related_name="+")
    milestone = models.CharField(max_length=10, choices=vocab.ReminderMilestone.choices)
    key_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recall", "milestone", "key_date"], name="one_reminder_per_milestone_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_milestone_display()} ({self.key_date:%d %b %Y})"


@audited(exclude=["pdf"])  # the audit keeps who asked and when, not a copy of every PDF
class Dossier(models.Model):
    """A generated PDF (the recall dossier or the prisoner's reasons letter). Every version is
    kept with who asked for it; a request is built once by a Celery task."""

    recommendation = models.ForeignKey(
        RecallRecommendation, on_delete=models.PROTECT, related_name="dossiers"
    )
    kind = models.CharField(max_length=20, choices=vocab.DossierKind.choices)
    version = models.PositiveIntegerField()
    state = models.CharField(
        max_length=10, choices=vocab.DossierState.choices, default=vocab.DossierState.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pages = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "kind", "version"], name="dossier_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


# The answers of a recommendation its author writes (recommendation_update refuses any other
# field); a change to one of them makes whoever made it an author (recall/permissions.py).
EDITABLE_FIELDS = frozenset(
    {
        "why_considered",
        "recall_type",
        "emergency",
        "out_of_hours",
        "criteria",
        "current_behaviours",
        "causal_link",
        "increased_risk_of_harm",
        "alternatives",
        "other_agencies_consulted",
        "multi_agency_input",
        "last_contact_date",
        "alternative_addresses_known",
        "alternative_addresses_checked",
        "out_of_contact_details",
        "allegation_status",
        "allegation_incident_date",
        "further_complaints",
        "charge_outcome",
        "progression_panel_held",
        "acknowledgements",
    }
)
