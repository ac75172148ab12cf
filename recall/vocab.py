"""Vocabularies of the recall decision. Values the rules module checks come from recall.rules
(the pure-Python source of truth); this module only adds the labels people read."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from django.db import models

from recall import rules


def _choices(values: tuple[str, ...], labels: dict[str, str]) -> list[tuple[str, str]]:
    missing = set(values) - set(labels)
    if missing:  # a value added to the rules needs a label here; fail at import, not on a page
        raise ImproperlyConfiguredVocab(f"no label for {sorted(missing)}")
    return [(v, labels[v]) for v in values]


class ImproperlyConfiguredVocab(RuntimeError):
    pass


class ConcernSource(models.TextChoices):
    SELF_DISCLOSURE = "self_disclosure", "Self-disclosure"
    AP_STAFF = "ap_staff", "Approved premises staff"
    POLICE_INTELLIGENCE = "police_intelligence", "Police intelligence"
    DRUG_TEST = "drug_test", "Drug test"
    PARTNER_AGENCY = "partner_agency", "Partner agency"
    VICTIM_FAMILY = "victim_family", "Victim or family"
    OTHER = "other", "Other"


ALTERNATIVE_LABELS = {
    "warning_letter": "Warning letter",
    "increased_contact": "Increased contact (reporting, home visits)",
    "licence_variation": "Licence variation (curfew, GPS tag, polygraph, exclusion zone)",
    "referral_partner_agency": (
        "Referral to a partner agency (mental health, substance misuse, housing, OPD)"
    ),
    "mappa_referral": "MAPPA, IOM or police referral",
    "approved_premises": "Move to approved premises",
    "drug_testing": "Drug testing",
    "alcohol_monitoring": "Alcohol monitoring (alcohol tag)",
    "curfew": "Curfew",
    "electronic_monitoring": "Electronic monitoring (GPS tag)",
    "polygraph": "Polygraph",
    "home_visits": "Home visits",
    "iom_referral": "IOM referral",
    "programme_referral": "Programme referral",
    "behaviour_management_plan": "Behaviour management plan",
    "progression_panel": "Progression panel",
    "other": "Other",
}
ALTERNATIVE_CHOICES = _choices(rules.ALTERNATIVES, ALTERNATIVE_LABELS)
CORE_ALTERNATIVES = rules.CORE_ALTERNATIVES

REFERRAL_LABELS = {
    "mental_health": "Mental health",
    "opd": "Offender personality disorder (OPD) pathway",
    "substance_misuse": "Substance misuse",
    "housing": "Housing",
    "ete": "Education, training and employment",
    "psychology": "Psychology",
    "thinking_skills": "Thinking skills programme",
    "iom": "Integrated offender management (IOM)",
    "domestic_abuse_programme": "Domestic abuse programme",
    "social_care": "Social care",
    "other": "Other",
}
REFERRAL_CHOICES = _choices(rules.REFERRALS, REFERRAL_LABELS)


class AlternativeStatus(models.TextChoices):
    TRIED = "tried", "Tried"
    NOT_SUITABLE = "not_suitable", "Not suitable"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class RecallType(models.TextChoices):
    STANDARD = "standard", "Standard recall"
    FIXED_TERM = "fixed_term", "Fixed term recall"
    NONE = "none", "No recall (decision not to recall)"


class AllegationStatus(models.TextChoices):
    NONE = "none", "No allegation"
    ALLEGATION_ONLY = "allegation_only", "Allegation only"
    UNDER_INVESTIGATION = "under_investigation", "Under police investigation"
    CHARGED = "charged", "Charged"
    CONVICTED = "convicted", "Convicted"


class ChargeOutcome(models.TextChoices):
    """What became of the allegation behind a recall (values: ``recall.rules.CHARGE_OUTCOMES``,
    a test holds them equal)."""

    PENDING = "pending", "Pending (charged, awaiting the outcome)"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    DISCONTINUED = "discontinued", "Discontinued"
    ACQUITTED = "acquitted", "Acquitted"
    CONVICTED = "convicted", "Convicted"


# The allegation was not pursued or not proved: continued detention on the recall needs review.
CHARGE_NOT_PURSUED = tuple(o for o in ChargeOutcome.values if o in rules.CHARGE_NOT_PURSUED)


class RecommendationStatus(models.TextChoices):
    DRAFT = "draft", "Considering recall"
    AWAITING_SPO = "awaiting_spo", "Awaiting SPO countersignature"
    AWAITING_ACO = "awaiting_aco", "Awaiting ACO countersignature"
    READY = "ready", "Countersigned, ready to submit"
    SUBMITTED = "submitted", "Submitted to PPCS"
    INFO_REQUESTED = "info_requested", "More information requested by PPCS"
    AUTHORISED = "authorised", "Recall authorised"
    REJECTED = "rejected", "Recall request rejected by PPCS"
    RESCINDED = "rescinded", "Recall stopped or rescinded"
    NOT_RECALLED = "not_recalled", "Decision not to recall"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Being worked on before PPCS: the practitioner or the managers act.
OPEN_STATUSES = (
    RecommendationStatus.DRAFT,
    RecommendationStatus.AWAITING_SPO,
    RecommendationStatus.AWAITING_ACO,
    RecommendationStatus.READY,
)
# Not yet decided by PPCS either: one of these per person at a time.
ACTIVE_STATUSES = (
    *OPEN_STATUSES,
    RecommendationStatus.SUBMITTED,
    RecommendationStatus.INFO_REQUESTED,
)

# Submitted to PPCS, or decided by it: the person is PPCS work and PPCS may read the request.
PPCS_STATUSES = (
    RecommendationStatus.SUBMITTED,
    RecommendationStatus.INFO_REQUESTED,
    RecommendationStatus.AUTHORISED,
    RecommendationStatus.REJECTED,
    RecommendationStatus.RESCINDED,
)

# Which status may move to which: the one table of the workflow (docs/recall-workflow.md). Every
# change of status in recall/services.py goes through it (``_move``); the statuses with no way
# out are final.
_S = RecommendationStatus
TRANSITIONS: Mapping[RecommendationStatus, frozenset[RecommendationStatus]] = MappingProxyType(
    {
        _S.DRAFT: frozenset({_S.AWAITING_SPO, _S.WITHDRAWN}),
        # The SPO agrees a decision not to recall, signs a recall on, or returns it to draft.
        _S.AWAITING_SPO: frozenset({_S.AWAITING_ACO, _S.NOT_RECALLED, _S.DRAFT, _S.WITHDRAWN}),
        _S.AWAITING_ACO: frozenset({_S.READY, _S.DRAFT, _S.WITHDRAWN}),
        _S.READY: frozenset({_S.SUBMITTED, _S.WITHDRAWN}),
        _S.SUBMITTED: frozenset({_S.AUTHORISED, _S.REJECTED, _S.INFO_REQUESTED}),
        _S.INFO_REQUESTED: frozenset({_S.SUBMITTED}),
        _S.AUTHORISED: frozenset({_S.RESCINDED}),
        _S.REJECTED: frozenset(),
        _S.RESCINDED: frozenset(),
        _S.NOT_RECALLED: frozenset(),
        _S.WITHDRAWN: frozenset(),
    }
)


class PpcsOutcome(models.TextChoices):
    AUTHORISED = "authorised", "Authorise the recall"
    REJECTED = "rejected", "Reject the request"
    INFO_REQUESTED = "info_requested", "Ask for more information"


class DossierKind(models.TextChoices):
    DOSSIER = "dossier", "Recall dossier (PPCS and Parole Board)"
    PRISONER_LETTER = "prisoner_letter", "Reasons for recall letter to the prisoner"
    # Issue 15 (docs/recall-paperwork.md): the countersigned recall request, the practitioner's
    # 15-working-day report, and the dossier as served on the person (withheld evidence left out).
    PART_A = "part_a", "Recall request (Part A)"
    PART_B = "part_b", "Recall report (Part B)"
    SERVED_DOSSIER = "served_dossier", "Recall dossier as served on the person"


class DossierState(models.TextChoices):
    QUEUED = "queued", "Queued"
    BUILDING = "building", "Being built"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ReminderMilestone(models.TextChoices):
    FIVE_DAYS = "5_days", "Due in 5 working days"
    TWO_DAYS = "2_days", "Due in 2 working days"
    DUE_TODAY = "due_today", "Due today"
    OVERDUE = "overdue", "Overdue"


class HolidayOverrideKind(models.TextChoices):
    EXTRA = "extra", "Extra bank holiday"
    CANCELLED = "cancelled", "Cancelled bank holiday"


class SignatureLevel(models.TextChoices):
    SPO = "spo", "Senior probation officer (SPO)"
    ACO = "aco", "Assistant chief officer (ACO)"


class OversightDecision(models.TextChoices):
    RECALL = "recall", "Recall"
    DO_NOT_RECALL = "do_not_recall", "Do not recall"


# ---------------------------------------------------------------------------------------------
# The recall paperwork (issue 15; docs/recall-paperwork.md)


class CustodyStatus(models.TextChoices):
    """Part A: is the person in custody now? (make-recall-decision's ``custodyStatus``)."""

    AT_LARGE = "at_large", "No, at large in the community"
    POLICE = "police", "Yes, in police custody"
    PRISON = "prison", "Yes, in prison custody"


class ReportStatus(models.TextChoices):
    """The 15-working-day recall report (Part B): written, countersigned by an SPO, submitted."""

    DRAFT = "draft", "Being written"
    AWAITING_SPO = "awaiting_spo", "Awaiting SPO countersignature"
    COUNTERSIGNED = "countersigned", "Countersigned, ready to submit"
    SUBMITTED = "submitted", "Submitted"


class ParoleRecommendation(models.TextChoices):
    """The report's recommendation to the Parole Board."""

    RE_RELEASE = "re_release", "Re-release on the existing licence conditions"
    RE_RELEASE_NEW_CONDITIONS = "re_release_new_conditions", "Re-release with new conditions"
    NOT_RE_RELEASE = "not_re_release", "Do not re-release"


class RarrSuitability(models.TextChoices):
    """The report's view for PPCS on a risk-assessed recall review (2025 minutes)."""

    SUITABLE = "suitable", "Suitable for a risk-assessed recall review"
    NOT_SUITABLE = "not_suitable", "Not suitable for a risk-assessed recall review"


class EvidencePart(models.TextChoices):
    """Which document a piece of evidence supports."""

    PART_A = "part_a", "Recall request (Part A)"
    PART_B = "part_b", "Recall report (Part B)"


class EvidenceKind(models.TextChoices):
    POLICE_REPORT = "police_report", "Police report"
    TEST_RESULT = "test_result", "Drug or alcohol test result"
    LICENCE = "licence", "Licence"
    OASYS = "oasys", "OASys assessment"
    CPS_PAPERS = "cps_papers", "CPS papers"
    PRE_SENTENCE_REPORT = "pre_sentence_report", "Pre-sentence report"
    PHOTO = "photo", "Photograph"
    OTHER = "other", "Other"


# ---------------------------------------------------------------------------------------------
# Multi-agency panels and meetings (issue 19; docs/multi-agency-panels.md). HMIP 2023
# recommendation 3: people serving IPP sentences actively managed through multi-agency forums,
# IPP progression panels or MAPPA level 2 or 3.


class MeetingKind(models.TextChoices):
    PROGRESSION_PANEL = "progression_panel", "IPP progression panel"
    MAPPA_LEVEL_2 = "mappa_level_2", "MAPPA level 2 meeting"
    MAPPA_LEVEL_3 = "mappa_level_3", "MAPPA level 3 meeting"
    PROFESSIONALS = "professionals", "Professionals meeting"
    OPD_CONSULTATION = "opd_consultation", "OPD case consultation"


# The meetings that count as the multi-agency forum of recommendation 3 (the rules'
# NO_PROGRESSION_PANEL and the dashboards' "no panel in the last 12 months").
FORUM_KINDS = (
    MeetingKind.PROGRESSION_PANEL,
    MeetingKind.MAPPA_LEVEL_2,
    MeetingKind.MAPPA_LEVEL_3,
)


class Agency(models.TextChoices):
    POLICE = "police", "Police"
    PRISON = "prison", "Prison"
    HEALTH = "health", "Health"
    MENTAL_HEALTH = "mental_health", "Mental health"
    HOUSING = "housing", "Housing"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    OPD = "opd", "Offender personality disorder (OPD) pathway"
    SOCIAL_CARE = "social_care", "Social care"
    OTHER = "other", "Other"
