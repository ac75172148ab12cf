"""The words of quality assurance (issue 19; docs/quality-assurance.md): the inspection's
questions, the judgements and the reasons a recall could have been avoided."""

from __future__ import annotations

from django.db import models


class Stratum(models.TextChoices):
    """Kinds of decision a sample can be drawn from (HMIP 2023 Annexe 2's lines of enquiry and
    section 5.1: emergency recalls, recalls from approved premises, early recalls, a charge)."""

    EMERGENCY = "emergency", "Emergency recalls"
    APPROVED_PREMISES = "approved_premises", "Recalls from approved premises"
    EARLY = "early", "Recalls within 3 months of release"
    ON_CHARGE = "on_charge", "Recalls on a charge"


class DecisionKind(models.TextChoices):
    RECALL = "recall", "Recall"
    NOT_TO_RECALL = "not_to_recall", "Decision not to recall"


class Question(models.TextChoices):
    """The review's questions, in the inspection's order (docs/quality-assurance.md gives the
    source of each)."""

    LEGAL_TEST = "legal_test", "Was the legal test for recall met?"
    CAUSAL_LINK = "causal_link", "Was the causal link to the index offence shown?"
    RISK_EVIDENCE = "risk_evidence", "Was the evidence of increased risk of harm real and current?"
    ALTERNATIVES = "alternatives", "Were alternatives to recall considered and tried?"
    AGENCIES = "agencies", "Were other agencies heard?"
    OVERSIGHT = "oversight", "Was management oversight effective?"
    PERSON_TOLD = "person_told", "Was the person told (warned before, given reasons after)?"


class Answer(models.TextChoices):
    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"
    NOT_KNOWN = "not_known", "Not enough information"


class Judgement(models.TextChoices):
    PROPORTIONATE = "proportionate", "Proportionate"
    AVOIDABLE = "avoidable", "Could have been avoided"
    NOT_ENOUGH_INFORMATION = "not_enough_information", "Not enough information"


class AvoidableReason(models.TextChoices):
    """Why a decision could have been avoided, grouped as the inspection's three avoidable
    recalls were (HMIP 2023 section 5.2) and its findings on alternatives (section 5.1)."""

    ADDRESSES_NOT_CHECKED = "addresses_not_checked", "Known addresses not checked"
    AGENCIES_NOT_HEARD = "agencies_not_heard", "Other agencies not heard"
    STALE_ALLEGATION = "stale_allegation", "An old allegation with no further complaints"
    SPECULATIVE_RISK = "speculative_risk", "Risk speculative, not evidenced"
    ALTERNATIVES_NOT_TRIED = "alternatives_not_tried", "Alternatives to recall not tried"
    NO_CAUSAL_LINK = "no_causal_link", "No causal link to the index offence"
    SUPPORT_GAP = "support_gap", "A gap in support (housing, health, substance misuse)"
    OTHER = "other", "Other"


class OverrideVerdict(models.TextChoices):
    """Was it right to go on past an acknowledged warning of the rules?"""

    RIGHT = "right", "Right to go on"
    WRONG = "wrong", "Should have been heeded"
    UNCLEAR = "unclear", "Cannot tell"


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "In progress"
    PUBLISHED = "published", "Published"
