"""Concerns, actions short of recall, and the recall recommendation with its management
oversight. Workflow state changes go through recall.services (one guarded, locked function per
transition); the database enforces what one row can check."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.files.storage import storages
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
    # Set by every correction (recall/corrections.py), so that a correction of the licence
    # conditions alone (a many-to-many, not audited itself) still leaves an audit event.
    corrected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["person", "-occurred_on"], name="concern_person_date_idx"),
            # Concerns in a period, across people (the headline figures; issue 17).
            models.Index(
                fields=["occurred_on"],
                condition=Q(struck_out_at__isnull=True),
                name="concern_date_idx",
            ),
        ]
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
        # Actions in a period, across people (the headline figures; issue 17).
        indexes = [
            models.Index(
                fields=["taken_on"], condition=Q(struck_out_at__isnull=True), name="action_date_idx"
            )
        ]
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
    # The recall request (Part A; issue 15, docs/recall-paperwork.md). The person's address,
    # IOM, MAPPA, RoSH, vulnerabilities and victims are facts of the case (ippcase.Person), kept
    # there and only shown here; what belongs to this recall is below.
    custody_status = models.CharField(
        "Is the person in custody now?",
        max_length=10,
        choices=vocab.CustodyStatus.choices,
        blank=True,
    )
    custody_details = models.TextField("Where they are held", blank=True)
    # None: not answered yet.
    found_at_main_address = models.BooleanField(
        "Can the person be found at their main address?", null=True, blank=True
    )
    other_addresses = models.TextField(
        "Other addresses where they may be found, including any they have given", blank=True
    )
    police_contact_name = models.CharField("Local police contact", max_length=200, blank=True)
    police_contact_phone = models.CharField("Telephone", max_length=40, blank=True)
    police_contact_email = models.EmailField("Email", blank=True)
    arrest_issues = models.BooleanField(
        "Are there arrest issues (risk to officers, weapons, dogs)?", null=True, blank=True
    )
    arrest_issues_details = models.TextField(blank=True)
    contraband_risk = models.BooleanField(
        "Is there a risk they will bring contraband into prison?", null=True, blank=True
    )
    contraband_details = models.TextField(blank=True)
    # The licence conditions breached and how: {"<LicenceCondition pk>": "how it was breached"}.
    conditions_breached = models.JSONField(default=dict, blank=True)
    vlo_informed_on = models.DateField(
        "Date the victim liaison officer was told", null=True, blank=True
    )
    # Written justifications of acknowledged warn findings: {"NO_PROGRESSION_PANEL": "..."}
    acknowledgements = models.JSONField(default=dict, blank=True)
    # The rules' findings as they stood when the decision was made ([Finding.to_dict(), ...]),
    # written once: on submission to PPCS, or when the SPO agrees not to recall. A quality review
    # reads them (ippcase/quality), so a panel recorded late or a rule changed since does not
    # rewrite what the decision-maker saw. Null (not an empty list, which is "no findings") on
    # the decisions made before December 2026.
    decision_findings = models.JSONField(null=True, blank=True)
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
    person_meetings: list[MultiAgencyMeeting]  # not struck out, newest first (issue 19)

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


@audited()
class RecallReport(models.Model):
    """The practitioner's 15-working-day report after return to custody (Part B): written in
    sections, countersigned by an SPO of the case's PDU, then submitted, which records
    ``Recall.report_submitted_on`` (the date the deadline badge and reminders read) and
    produces its PDF. ``version`` guards against stale pages as on the recommendation."""

    recall = models.OneToOneField("ippcase.Recall", on_delete=models.PROTECT, related_name="report")
    status = models.CharField(
        max_length=20, choices=vocab.ReportStatus.choices, default=vocab.ReportStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    persons_account = models.TextField("The person's account of the recall", blank=True)
    response_to_recall = models.TextField("Their response to the recall", blank=True)
    rosh_level = models.CharField(
        "Current risk of serious harm (RoSH)",
        max_length=10,
        choices=case_vocab.RoshLevel.choices,
        blank=True,
    )
    risk_assessment = models.TextField("Current risk assessment and why", blank=True)
    risk_management_plan = models.TextField("Risk management plan for re-release", blank=True)
    parole_recommendation = models.CharField(
        "Recommendation to the Parole Board",
        max_length=30,
        choices=vocab.ParoleRecommendation.choices,
        blank=True,
    )
    parole_recommendation_reasons = models.TextField(blank=True)
    rarr_suitability = models.CharField(
        "Suitability for a risk-assessed recall review",
        max_length=20,
        choices=vocab.RarrSuitability.choices,
        blank=True,
    )
    rarr_reasons = models.TextField(blank=True)
    proposed_conditions = models.TextField("Proposed licence conditions", blank=True)
    # Sections saved at least once (as on the recommendation's task list).
    sections_saved = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    # Asked when the report is submitted after the 15th working day.
    delay_reason = models.TextField("Why the report is late", blank=True)

    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    countersigned_at = models.DateTimeField(null=True, blank=True)
    countersigned_version = models.PositiveIntegerField(null=True, blank=True)
    countersign_comments = models.TextField(blank=True)
    # A manager's reasons for sending it back to be rewritten (the latest).
    returned_reason = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # When the report was served on (disclosed to) the person.
    served_on = models.DateField("Report served on the person", null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=vocab.ReportStatus.SUBMITTED)
                | Q(submitted_at__isnull=False, submitted_by__isnull=False),
                name="report_submitted_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"Recall report ({self.get_status_display()})"


def evidence_storage() -> Any:
    """The evidence file storage, ``STORAGES["evidence"]``: the data folder by default, S3 in
    production (settings). A callable, so the migration does not freeze the backend."""
    return storages["evidence"]


def evidence_path(instance: EvidenceDocument, filename: str) -> str:
    """Where a file is stored: a random name under the recommendation, never the uploaded name
    (which may hold personal data or path tricks); the original name is kept in the row."""
    return f"evidence/{instance.recommendation_id}/{uuid.uuid4().hex}"


@audited()
class EvidenceDocument(models.Model):
    """A document uploaded to a recall request (Part A) or report (Part B): checked on the way
    in (type by content, size, active PDF content), stored in ``evidence_storage``, downloaded
    only through a permission-checked, audited view. Never deleted: removing one keeps the row
    and the file, out of the dossiers. ``withheld`` keeps it out of what is served on the person
    (the Parole Board Rules' non-disclosure), with the reason."""

    recommendation = models.ForeignKey(
        RecallRecommendation, on_delete=models.PROTECT, related_name="evidence"
    )
    part = models.CharField(max_length=10, choices=vocab.EvidencePart.choices)
    kind = models.CharField("Type of document", max_length=30, choices=vocab.EvidenceKind.choices)
    document_date = models.DateField("Date of the document")
    description = models.TextField()
    withheld = models.BooleanField("Withhold from the person", default=False)
    withheld_reason = models.TextField("Why it is withheld", blank=True)
    file = models.FileField(storage=evidence_storage, upload_to=evidence_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(null=True, blank=True)  # PDFs only
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removed_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["document_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withheld=False, withheld_reason="")
                | (Q(withheld=True) & ~Q(withheld_reason="")),
                name="evidence_withheld_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True, removed_reason="")
                | (Q(removed_at__isnull=False) & ~Q(removed_reason="")),
                name="evidence_removed_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.document_date:%d %b %Y}"


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
        "custody_status",
        "custody_details",
        "found_at_main_address",
        "other_addresses",
        "police_contact_name",
        "police_contact_phone",
        "police_contact_email",
        "arrest_issues",
        "arrest_issues_details",
        "contraband_risk",
        "contraband_details",
        "conditions_breached",
        "vlo_informed_on",
    }
)


# Multi-agency panels and meetings (issue 19) live in their own module.
from recall.meeting_models import MeetingAction as MeetingAction  # noqa: E402
from recall.meeting_models import MultiAgencyMeeting as MultiAgencyMeeting  # noqa: E402
