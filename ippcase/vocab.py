"""Controlled vocabularies shared by the whole product.

``Behaviour`` is THE behaviour vocabulary: index-offence behaviours use it now, and concerns
about current behaviour use the same values, so that the causal-link check compares like with
like. Add a value here and nowhere else.
"""

from __future__ import annotations

from django.db import models


class Behaviour(models.TextChoices):
    ALCOHOL = "alcohol", "Alcohol"
    DRUGS = "drugs", "Drugs"
    VIOLENCE = "violence", "Violence"
    WEAPONS = "weapons", "Weapons"
    SEXUAL = "sexual", "Sexual behaviour"
    ONLINE_SEXUAL = "online_sexual", "Online sexual behaviour"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    HARASSMENT_STALKING = "harassment_stalking", "Harassment or stalking"
    THREATS = "threats", "Threats"
    ACQUISITIVE = "acquisitive", "Acquisitive offending"
    ARSON = "arson", "Arson or fire setting"
    CRIMINAL_ASSOCIATES = "criminal_associates", "Criminal associates"
    GRIEVANCE_RUMINATION = "grievance_rumination", "Grievance or rumination"
    MENTAL_HEALTH_DETERIORATION = "mental_health_deterioration", "Mental health deterioration"
    NON_DISCLOSURE = "non_disclosure", "Non-disclosure"
    NON_COMPLIANCE = "non_compliance", "Non-compliance"
    OUT_OF_CONTACT = "out_of_contact", "Out of contact"


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Probation practitioner (COM)"
    MANAGER = "manager", "Manager (SPO)"
    SENIOR_MANAGER = "senior_manager", "Senior manager (ACO / head of PDU)"
    PPCS = "ppcs", "PPCS caseworker"
    ADMIN = "admin", "Administrator"
    # Administers the organisation and staff of one PDU: the PDU of their own team
    # (docs/permissions.md). Gives no access to cases by itself.
    LOCAL_ADMIN = "local_admin", "Local administrator (PDU)"
    # Draws quality-assurance samples of recall decisions and reviews them, in the region of
    # their own team (issue 19, docs/quality-assurance.md). Sees the sampled decisions only.
    QA_LEAD = "qa_lead", "Quality assurance lead (region)"


class Gender(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Other"


class Ethnicity(models.TextChoices):
    WHITE = "white", "White"
    ASIAN = "asian_or_asian_british", "Asian or Asian British"
    BLACK = "black_or_black_british", "Black or Black British"
    MIXED = "mixed", "Mixed"
    OTHER = "other", "Other ethnic group"
    NOT_STATED = "not_stated", "Not stated"


class SentenceType(models.TextChoices):
    IPP = "IPP", "Imprisonment for public protection (IPP)"
    DPP = "DPP", "Detention for public protection (DPP)"
    LIFE = "LIFE", "Life sentence"
    EDS = "EDS", "Extended determinate sentence (EDS)"
    SDS = "SDS", "Standard determinate sentence (SDS)"


class OffenceCategory(models.TextChoices):
    VIOLENCE = "violence_against_the_person", "Violence against the person"
    SEXUAL_CONTACT = "sexual_contact", "Sexual offence (contact)"
    SEXUAL_NON_CONTACT = "sexual_non_contact", "Sexual offence (non-contact)"
    ROBBERY = "robbery", "Robbery"
    BURGLARY = "burglary", "Burglary"
    ARSON = "arson", "Arson"
    THEFT = "theft_and_handling", "Theft and handling"
    OTHER_INDICTABLE = "other_indictable", "Other indictable offence"
    OTHER_SUMMARY = "other_summary", "Other summary offence"


class RecallReason(models.TextChoices):
    FURTHER_CHARGE = "further_charge", "Further charge"
    NON_COMPLIANCE = "non_compliance", "Non-compliance"
    FAILED_TO_RESIDE = "failed_to_reside", "Failed to reside"
    POOR_BEHAVIOUR = "poor_behaviour", "Poor behaviour"
    DRUGS_ALCOHOL = "drugs_alcohol", "Drugs or alcohol"
    FAILED_TO_KEEP_IN_TOUCH = "failed_to_keep_in_touch", "Failed to keep in touch"
    OTHER = "other", "Other"


class RecallCriterion(models.TextChoices):
    I = "i", "(i) Behaviour similar to that surrounding the index offence"  # noqa: E741
    II = "ii", "(ii) Behaviour likely to give rise to a sexual or violent offence"
    III = "iii", "(iii) Behaviour associated with a sexual or violent offence"
    IV = "iv", "(iv) Out of touch, and (i)-(iii) may arise"


class ConditionKind(models.TextChoices):
    STANDARD = "standard", "Standard"
    ADDITIONAL = "additional", "Additional"
    BESPOKE = "bespoke", "Bespoke"


class StandardCondition(models.TextChoices):
    GOOD_BEHAVIOUR = (
        "good_behaviour",
        "Be of good behaviour and not behave in a way that undermines the licence",
    )
    NO_OFFENCE = "no_offence", "Not commit any offence"
    KEEP_IN_TOUCH = "keep_in_touch", "Keep in touch with the supervising officer as instructed"
    SUPERVISING_OFFICER_VISIT = (
        "supervising_officer_visit",
        "Receive visits from the supervising officer",
    )
    ADDRESS_APPROVED = (
        "address_approved",
        "Reside permanently at an address approved by the supervising officer",
    )
    NO_WORK_WITHOUT_APPROVAL = (
        "no_work_without_approval",
        "Undertake work only as approved by the supervising officer",
    )
    NO_TRAVEL_OUTSIDE_UK = (
        "no_travel_outside_uk",
        "Not travel outside the United Kingdom without permission",
    )
    NAME_CHANGE = "name_change", "Tell the supervising officer of any change of name"
    CONTACT_DETAILS = (
        "contact_details",
        "Tell the supervising officer of any change of contact details",
    )


class AdditionalCondition(models.TextChoices):
    """What an additional licence condition is about: the additional tags of the rules'
    licence condition vocabulary (must equal ``recall.rules.ADDITIONAL_CONDITIONS``, a test
    holds them equal), so that the rules see additional conditions, not only standard ones."""

    DRUG_TESTING = "drug_testing", "Drug testing"
    ALCOHOL_MONITORING = "alcohol_monitoring", "Alcohol monitoring (alcohol tag)"
    CURFEW = "curfew", "Curfew"
    ELECTRONIC_MONITORING = "electronic_monitoring", "Electronic monitoring (GPS tag)"
    POLYGRAPH = "polygraph", "Polygraph examinations"
    EXCLUSION_ZONE = "exclusion_zone", "Exclusion zone"
    NON_CONTACT = "non_contact", "No contact with a named person or the victim"
    RESIDENCE_REQUIREMENT = "residence_requirement", "Residence requirement"
    RESIDENCE_APPROVED_PREMISES = (
        "residence_approved_premises",
        "Reside at approved premises",
    )
    DISCLOSE_RELATIONSHIPS = "disclose_relationships", "Disclose developing relationships"
    INTERNET_MONITORING = "internet_monitoring", "Internet and device monitoring"
    PROGRAMME_ATTENDANCE = "programme_attendance", "Programme attendance"
    PSYCHOLOGY_APPOINTMENTS = "psychology_appointments", "Psychology or psychiatry appointments"
    OTHER = "other", "Other"


class MappaCategory(models.IntegerChoices):
    ONE = 1, "Category 1"
    TWO = 2, "Category 2"
    THREE = 3, "Category 3"


class MappaLevel(models.IntegerChoices):
    ONE = 1, "Level 1"
    TWO = 2, "Level 2"
    THREE = 3, "Level 3"


class RoshLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    VERY_HIGH = "very_high", "Very high"


class Accommodation(models.TextChoices):
    SETTLED = "settled", "Settled accommodation"
    APPROVED_PREMISES = "approved_premises", "Approved premises"
    CAS3 = "cas3", "Temporary accommodation (CAS3)"
    TEMPORARY = "temporary", "Other temporary accommodation"
    NO_FIXED_ABODE = "no_fixed_abode", "No fixed abode"
    UNKNOWN = "unknown", "Not known"


class Need(models.TextChoices):
    """OASys criminogenic need areas."""

    ACCOMMODATION = "accommodation", "Accommodation"
    EDUCATION_TRAINING_EMPLOYMENT = "ete", "Education, training and employment"
    FINANCE = "finance", "Finance"
    RELATIONSHIPS = "relationships", "Relationships"
    LIFESTYLE = "lifestyle", "Lifestyle and associates"
    DRUG_MISUSE = "drug_misuse", "Drug misuse"
    ALCOHOL_MISUSE = "alcohol_misuse", "Alcohol misuse"
    EMOTIONAL_WELLBEING = "emotional_wellbeing", "Emotional wellbeing"
    THINKING_BEHAVIOUR = "thinking_behaviour", "Thinking and behaviour"
    ATTITUDES = "attitudes", "Attitudes"


class Vulnerability(models.TextChoices):
    """Structured vulnerabilities (the Part A's list: make-recall-decision's "vulnerabilities"
    question); the details stay in ``Person.vulnerabilities`` as text."""

    SUICIDE_SELF_HARM = "suicide_self_harm", "Risk of suicide or self-harm"
    MENTAL_HEALTH = "mental_health", "Mental health concerns"
    LEARNING_DIFFICULTIES = "learning_difficulties", "Learning difficulties"
    PHYSICAL_HEALTH = "physical_health", "Physical health concerns"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse (as a victim)"
    BULLYING = "bullying", "Being bullied by others"
    CULTURAL_LANGUAGE = "cultural_language", "Cultural or language differences"
    OTHER = "other", "Other"


class RiskChangeKind(models.TextChoices):
    """Why a RoSH or MAPPA change was recorded: a new assessment or a correction of a mistake."""

    NEW_ASSESSMENT = "new_assessment", "A new assessment"
    CORRECTION = "correction", "A correction of what was recorded"


class OpdScreening(models.TextChoices):
    NOT_SCREENED = "not_screened", "Not screened"
    SCREENED_IN = "screened_in", "Screened in"
    SCREENED_OUT = "screened_out", "Screened out"


class YesNoUnknown(models.TextChoices):
    """A yes/no question whose answer may not be known yet (never guessed as no)."""

    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_KNOWN = "not_known", "Not known"
