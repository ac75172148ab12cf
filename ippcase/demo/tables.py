"""The published figures the demo follows, with the generator's fixed dates, formats and
assumptions.

Mostly HM Inspectorate of Probation, *A thematic inspection of the recall of IPP-sentenced
individuals* (December 2023), chapter 2 and annexe 3
(shared/seeds/hmip-ipp-recall-thematic-2023-12.txt). Each table cites its source and
docs/demo-data.md lists them beside the figures the generator produces; where nothing is
published, the comment says so (an assumption). Plain data: no randomness, no database.
"""

from __future__ import annotations

import datetime as dt

from ippcase import vocab
from recall import vocab as recall_vocab

# All dates are relative to this fixed day, so that the same seed gives the same data whenever it
# runs (and so that imported fixtures are never "in the future").
REFERENCE_DATE = dt.date(2026, 10, 1)
# Table 4 gives ages "on 30 June 2023": ages are drawn for that day, then become dates of birth.
PROFILE_DATE = dt.date(2023, 6, 30)
IPP_COMMENCEMENT = dt.date(2005, 4, 4)  # the first day an IPP could be passed
# The showcase team's current spells on licence are at most this long
# (see parole_work.licence_in_force).
LICENCE_IN_FORCE_DAYS = 330

DEFAULT_SEED = 2025
FIXTURE_PEOPLE = 60
# fixtures/: the first seed from 2025 whose 60 people show every case state, a woman and a DPP
# (found with generator.fixture_seed, fixed here so that the fixtures never change by accident).
FIXTURE_SEED = 2025
DEMO_EMAIL_DOMAIN = "demo.ippcase.example"  # .example is reserved: demo mail can reach nobody
ORG_FORMAT = "ippcase-demo-org/1"
IMPORT_FORMAT = "ippcase-import/1"


# --- published distributions ------------------------------------------------------------------
# Counts are kept as published (the generator normalises them), so each can be checked against
# the report. "sample" = the 26 cases reviewed (annexe 3 and chapters 3-5); "national" = the
# 2,058 people recalled between 1 January 2019 and 31 March 2023 (chapter 2).

# Table 2 (national): gender of people recalled.
GENDER = ((vocab.Gender.MALE, 2012), (vocab.Gender.FEMALE, 46))

# Table 3 (national): ethnicity of people recalled.
ETHNICITY = (
    (vocab.Ethnicity.WHITE, 1613),
    (vocab.Ethnicity.ASIAN, 69),
    (vocab.Ethnicity.BLACK, 275),
    (vocab.Ethnicity.MIXED, 92),
    (vocab.Ethnicity.NOT_STATED, 4),
    (vocab.Ethnicity.OTHER, 5),
)

# Table 4 (national): age on 30 June 2023, as (youngest, oldest) in years. "Under 30" starts at 24
# because nobody younger could have been sentenced (aged 15 or more) before the sentence ended in
# 2012-13; "70 and over" is capped at 80.
AGE_BANDS = (
    ((24, 29), 21),
    ((30, 39), 793),
    ((40, 49), 725),
    ((50, 59), 396),
    ((60, 69), 102),
    ((70, 80), 21),
)

# Table 5 (national): year the IPP was imposed, as (first year, last year).
SENTENCE_YEARS = (
    ((2005, 2005), 119),
    ((2006, 2006), 414),
    ((2007, 2007), 490),
    ((2008, 2008), 353),
    ((2009, 2009), 223),
    ((2010, 2010), 194),
    ((2011, 2011), 165),
    ((2012, 2013), 91),
)

# Table 6 (national): tariff imposed, as (shortest, longest) in whole months; a band whose upper
# limit is "less than or equal to" ends exactly on it (no extra days).
TARIFF_BANDS = (
    ((3, 23), 461),  # less than 2 years (the shortest IPP tariffs were months, not years)
    ((24, 48), 1107),  # 2 years to 4 years inclusive
    ((49, 72), 367),  # over 4 to 6 years inclusive
    ((73, 120), 110),  # over 6 to 10 years inclusive
    ((121, 180), 4),  # over 10 years
)

# Table 7 (national): year of first release from prison.
FIRST_RELEASE_YEARS = (
    ((2007, 2010), 49),
    ((2011, 2011), 78),
    ((2012, 2012), 167),
    ((2013, 2013), 161),
    ((2014, 2014), 137),
    ((2015, 2015), 184),
    ((2016, 2016), 226),
    ((2017, 2017), 281),
    ((2018, 2018), 259),
    ((2019, 2019), 204),
    ((2020, 2020), 126),
    ((2021, 2021), 111),
    ((2022, 2023), 65),
)

# Table 8 (national): number of times each person had ever been recalled. "More than four" (75)
# is spread over 5-8 recalls in falling proportions (our assumption: the report gives no split).
RECALL_COUNTS = ((1, 894), (2, 598), (3, 336), (4, 155), (5, 40), (6, 20), (7, 10), (8, 5))

# Time in the community before the most recent recall, in days. Figure 4 (national) is a chart
# with no figures in the text except "around 12 per cent ... five years or more" (section 4.3);
# the other 88% is split as the sample's annexe 3 table (4, 6, 3, 6 of the 19 under five years).
COMMUNITY_TIME_SAMPLE = (((14, 90), 4), ((91, 364), 6), ((365, 729), 3), ((730, 1825), 6))
COMMUNITY_FIVE_YEARS_PLUS = ((1826, 3650), 0.12)

# Annexe 3 (sample): reasons for the most recent recall, out of 26 people (more than one may
# apply). Each reason is drawn independently with probability count/26, at least one per recall;
# figure 1 says more than one reason was given in over half of recalls, which this reproduces.
RECALL_REASONS_SAMPLE = 26
RECALL_REASONS = (
    (vocab.RecallReason.FURTHER_CHARGE, 14),
    (vocab.RecallReason.NON_COMPLIANCE, 16),
    (vocab.RecallReason.FAILED_TO_RESIDE, 3),
    (vocab.RecallReason.POOR_BEHAVIOUR, 7),
    (vocab.RecallReason.DRUGS_ALCOHOL, 5),
    (vocab.RecallReason.FAILED_TO_KEEP_IN_TOUCH, 6),
    (vocab.RecallReason.OTHER, 0),
)

# Table 10 (sample): the criteria the recall decision was based on, out of 26 people. Criterion
# (iv) (out of touch) goes with the "failed to keep in touch" reason: 5 of the 6 such people.
RECALL_CRITERIA_SAMPLE = 26
RECALL_CRITERIA = (
    (vocab.RecallCriterion.I, 14),
    (vocab.RecallCriterion.II, 14),
    (vocab.RecallCriterion.III, 6),
)
CRITERION_IV_GIVEN_OUT_OF_TOUCH = 5 / 6

# Annexe 3 (sample): index offence. Figure 3 (national) is a chart without figures. The sample
# has no non-contact sexual offence; half a case is added so that the demo shows one (~2%).
INDEX_OFFENCE = (
    (vocab.OffenceCategory.VIOLENCE, 11),
    (vocab.OffenceCategory.SEXUAL_CONTACT, 6),
    (vocab.OffenceCategory.SEXUAL_NON_CONTACT, 0.5),
    (vocab.OffenceCategory.ROBBERY, 6),
    (vocab.OffenceCategory.BURGLARY, 1),
    (vocab.OffenceCategory.ARSON, 1),
    (vocab.OffenceCategory.OTHER_INDICTABLE, 1),
)

# Section 4.1 (sample): 22 of 26 released to approved premises; section 5 / executive summary:
# all four people recalled within three months were recalled from APs. So a release followed by
# under 91 days in the community is always to an AP, the others with the probability that keeps
# the overall share at 22/26.
AP_SHARE = 22 / 26

# Section 3.2 (sample): "all 26 were eligible to be managed under MAPPA: eight under category 1
# and 18 under category 2. All 26 were managed at level 1"; section 4.2 (national, MAPPA annual
# report 2021/22): 98.4% of MAPPA cases are managed at level 1. Sexual offences are category 1
# (registered sex offenders); the remaining category 1 share goes to others.
MAPPA_CATEGORY_1_SAMPLE = 8
MAPPA_SAMPLE = 26
MAPPA_LEVELS = ((1, 98.4), (2, 1.4), (3, 0.2))  # the 1.6% above level 1 split by assumption

# Section 3.2 (sample): at release 22 high and 4 medium RoSH. Very high is not in the sample; 3%
# is taken from high (assumption) so the demo shows the level.
ROSH = (
    (vocab.RoshLevel.VERY_HIGH, 0.03),
    (vocab.RoshLevel.HIGH, 22 / 26 - 0.03),
    (vocab.RoshLevel.MEDIUM, 4 / 26),
)

# Section 4.1 (sample): 14 referred to the OPD pathway. The rest are split 2:1 between screened
# out and not screened (assumption: not published).
OPD = (
    (vocab.OpdScreening.SCREENED_IN, 14),
    (vocab.OpdScreening.SCREENED_OUT, 8),
    (vocab.OpdScreening.NOT_SCREENED, 4),
)

# Table 9 (sample): the most important factors linked to offending, out of 26 (several apply).
# Emotional wellbeing is not in table 9; section 4.1 says 21 of 26 had mental health problems.
NEEDS_SAMPLE = 26
NEEDS = (
    (vocab.Need.ACCOMMODATION, 8),
    (vocab.Need.EDUCATION_TRAINING_EMPLOYMENT, 7),
    (vocab.Need.FINANCE, 5),
    (vocab.Need.RELATIONSHIPS, 20),
    (vocab.Need.LIFESTYLE, 17),
    (vocab.Need.DRUG_MISUSE, 14),
    (vocab.Need.ALCOHOL_MISUSE, 17),
    (vocab.Need.EMOTIONAL_WELLBEING, 21),
    (vocab.Need.THINKING_BEHAVIOUR, 24),
    (vocab.Need.ATTITUDES, 21),
)

# Section 4.1 (sample): four months after release 14 of the 19 not recalled lived in stable
# accommodation and 5 in transient accommodation. The transient 5 are split over CAS3, other
# temporary and no fixed abode (assumption). Within 12 weeks of release to an AP (the usual
# maximum stay, section 3.1) the person still lives there.
ACCOMMODATION_ON_LICENCE = (
    (vocab.Accommodation.SETTLED, 14),
    (vocab.Accommodation.CAS3, 2),
    (vocab.Accommodation.TEMPORARY, 2),
    (vocab.Accommodation.NO_FIXED_ABODE, 1),
)
AP_STAY_DAYS = 84

# Section 3.1 (sample): 19 of 26 had needs to take into account (autism, ADHD, PTSD, learning
# difficulties, physical and mental health conditions, childhood trauma).
VULNERABLE_SHARE = 19 / 26
VULNERABILITIES = (
    "Autism spectrum condition",
    "ADHD",
    "Post-traumatic stress disorder",
    "Learning difficulties",
    "Type 2 diabetes",
    "Chronic obstructive pulmonary disease",
    "Depression and anxiety",
    "Significant childhood trauma, including neglect and abuse",
    "Sentenced at a young age; has spent most of adult life in custody",
)

# Section 4.1 (sample): 12 people had one or two COMs, 14 at least three. The split inside each
# group is our assumption.
COM_COUNTS = ((1, 6), (2, 6), (3, 7), (4, 4), (5, 2), (6, 1))

# Section 3.2 (sample): everyone had three to nine additional conditions, 18 of 26 at least five.
# The split inside the two groups is our assumption.
ADDITIONAL_CONDITION_COUNTS = ((3, 4), (4, 4), (5, 5), (6, 5), (7, 4), (8, 2), (9, 2))
BESPOKE_SHARE = 0.3  # people with one bespoke condition among them (assumption)

# Section 3.1 (sample): four of 26 were released from an open prison.
OPEN_PRISON_SHARE = 4 / 26

# Contextual facts (national): 1,652 recalled IPP prisoners (30 September 2023) against 3,098 on
# licence in the community (30 June 2023): 35% of those ever released are in custody on recall.
# "Recalled, not yet in custody" is not published: 2% of people with two or more recalls
# (assumption; about 1% overall), so that the state appears in the demo.
IN_CUSTODY_SHARE = 1652 / (1652 + 3098)
AT_LARGE_SHARE = 0.02

# Section 1 / 6.1 (national): the Parole Board reviews a recall at an oral hearing 6-9 months
# after it and re-releases in 70-75% of cases; the others wait for a later review (1-2 years).
REVIEW_DAYS = (180, 300)
RE_RELEASE_AT_FIRST_REVIEW = 0.725
LATER_REVIEW_DAYS = (300, 730)

# Not published: days from the recall to the return to custody (most are arrested at once).
RTC_LAGS = (((0, 2), 75), ((3, 28), 20), ((29, 120), 5))

# Not published: the share of people who could have been sentenced from 15 (a DPP if under 18
# at sentence); the others were at least 18. The report gives no DPP figure (assumption).
DPP_ELIGIBLE_SHARE = 0.1

# Not published: a share of sentences with a second, non-principal offence (assumption).
OTHER_OFFENCE_SHARE = 0.25

# --- parole work after recall and on licence (issue 5) ---
# Drawn from a random stream of its own per person (after everything above), so that adding it
# changed none of the other generated fields.
#
# Table 12 (national, Parole Board): completed IPP recall decisions, 2018/19 to 2022/23 summed.
# On the papers (member case assessment): negative, directed to an oral hearing, open, release.
PAPER_OUTCOMES = (
    ("no_release", 126 + 155 + 120 + 115 + 105),
    ("oral_hearing", 476 + 545 + 506 + 450 + 449),
    ("open_conditions", 0 + 0 + 1 + 0 + 0),
    ("release", 17 + 28 + 25 + 29 + 18),
)
# At an oral hearing: negative, open, release.
ORAL_OUTCOMES = (
    ("no_release", 94 + 88 + 92 + 88 + 94),
    ("open_conditions", 27 + 43 + 46 + 41 + 20),
    ("release", 280 + 324 + 419 + 364 + 272),
)
# The re-release date is known (the next release), so each recall's parole history is planned
# backwards from it: one review cycle (paper decision, and the oral hearing it directs) for the
# first ~10 months in custody and one more per further year, all but the last ending without
# release (the outcomes drawn from table 12 without "release"), the last with it (paper release
# or an oral hearing that releases, in table 12's proportion). Natural gaps in days, scaled
# together to fit between the return to custody and the release decision:
# A cycle that ends without release ends on the papers more often than table 12's 20%: every
# final cycle goes on to release (paper release or an oral hearing), so the failing ones carry all
# the negative paper decisions. 45% brings all paper decisions together near table 12 (see
# docs/demo-data.md for the figures generated).
PAPER_NEGATIVE_IF_NOT_RELEASED = 0.45
PAPER_REFERRAL_DAYS = (21, 42)  # return to custody -> referral (3-6 weeks; assumption)
PAPER_DECISION_DAYS = (14, 42)  # referral -> decision on the papers (assumption)
HEARING_DAYS = (180, 270)  # paper decision -> oral hearing ("six to nine months", section 6.1)
HEARING_DECISION_DAYS = (7, 21)  # hearing -> decision (assumption)
NEXT_REVIEW_DAYS = (270, 450)  # a negative decision -> the next referral ("annual-ish")
RELEASE_ARRANGEMENT_DAYS = (14, 42)  # release decision -> re-release (assumption)
CYCLE_DAYS = (300, 600)  # custody covered by the first cycle, then by each further one
# Calder (section 6.1): "unusual" for a panel to find the recall not justified (assumption: 2%).
CALDER_NOT_APPROPRIATE = 0.02
# Adjournments and deferrals: the 2025 stakeholder minutes (item 2) say prisoners are often not
# told; the shares are assumptions.
ADJOURNED_HEARING_SHARE = 0.25  # oral hearings with 1-2 adjournments or deferrals
UNTOLD_SHARE = 0.3  # never told to the prisoner; the others told 1-10 days later
TOLD_DAYS = (1, 10)
ADJOURNMENT_REASONS = (
    "Report not ready",
    "Witness unavailable",
    "Psychology risk assessment directed",
    "Panel time ran out",
)
# Reviews still open on the reference date: a share with a recent (2-25 days) adjournment or
# deferral, most of them not yet told, so the warning shows in the demo (assumption).
OPEN_RECENT_DELAY_SHARE = 0.4
OPEN_RECENT_UNTOLD_SHARE = 0.6
# Victims and Prisoners Act 2024: from 1 November 2024 PPCS may re-release by a risk-assessed
# recall review (RARR) instead of the Parole Board (assumption: 15% of re-releases since).
VPA_COMMENCEMENT = dt.date(2024, 11, 1)
RARR_SHARE = 0.15
RARR_RELEASE_DAYS = (7, 28)  # RARR decision -> re-release (assumption)
RARR_AFTER_REVIEW_DAYS = (60, 240)  # an earlier negative decision -> the RARR (assumption)
# Licence termination (s.31A): the referral duty from 1 February 2025; qualifying period from
# the first release (parole.law). Of those on licence who qualify, 60% referred (assumption); of
# the referrals, 439 of 527 decided, with the outcomes of the 2025 stakeholder minutes (item 5),
# which also give the time to decide: "18 days in most cases, against a target of 6 weeks".
TERMINATION_DUTY_COMMENCEMENT = dt.date(2025, 2, 1)
TERMINATION_REFERRED_SHARE = 0.6
TERMINATION_DECIDED_SHARE = 439 / 527
TERMINATION_DECISION_DAYS = (14, 42)  # referral -> decision
TERMINATION_OUTCOMES = (
    ("terminated", 45),
    ("refused_varied", 15),
    ("refused", 31),
    ("adjourned", 8),
    ("oral_hearing", 0.5),
)

# --- recall work: concerns, actions short of recall, recommendations (issue 6) ---
# Drawn from a random stream of its own per person (after the parole work), so that adding it
# changed none of the other generated fields. Nothing here is published: the volumes are sized
# for national-scale dashboards and benchmarks (assumptions, see docs/demo-data.md).
CONCERN_MEAN = 20  # concerns per person, on average
CONCERN_SHAPE = 4  # people differ: the Poisson mean is itself drawn (gamma, mean 20, sd 10)
CONCERN_MAX = 60
CONCERN_LATEST_PERIOD_SHARE = 0.7  # in the current or latest period on licence
CONCERN_TRAIL_SHARE = 0.6  # of a period ending in recall: in the months before the recall
CONCERN_TRAIL_DAYS = 90
CONCERN_CAUSAL_SHARE = 0.6  # concerns tagged with one of the index-offence behaviours
CONCERN_BEHAVIOUR_COUNTS = ((1, 5), (2, 4), (3, 1))
# Behaviours seen on licence besides the index-offence ones (weights are assumptions).
CONCERN_BEHAVIOURS = (
    (vocab.Behaviour.NON_COMPLIANCE, 30),
    (vocab.Behaviour.DRUGS, 20),
    (vocab.Behaviour.ALCOHOL, 18),
    (vocab.Behaviour.OUT_OF_CONTACT, 10),
    (vocab.Behaviour.THREATS, 8),
    (vocab.Behaviour.CRIMINAL_ASSOCIATES, 8),
    (vocab.Behaviour.NON_DISCLOSURE, 8),
    (vocab.Behaviour.MENTAL_HEALTH_DETERIORATION, 8),
    (vocab.Behaviour.GRIEVANCE_RUMINATION, 5),
    (vocab.Behaviour.VIOLENCE, 5),
    (vocab.Behaviour.DOMESTIC_ABUSE, 3),
    (vocab.Behaviour.HARASSMENT_STALKING, 3),
    (vocab.Behaviour.ACQUISITIVE, 3),
    (vocab.Behaviour.WEAPONS, 2),
)
CONCERN_SOURCES = (
    (recall_vocab.ConcernSource.POLICE_INTELLIGENCE, 25),
    (recall_vocab.ConcernSource.PARTNER_AGENCY, 20),
    (recall_vocab.ConcernSource.SELF_DISCLOSURE, 15),
    (recall_vocab.ConcernSource.VICTIM_FAMILY, 8),
    (recall_vocab.ConcernSource.OTHER, 10),
)
ACTION_MEAN = 3  # actions short of recall per person, on average (Poisson)
ACTION_MAX = 12
ACTION_AFTER_CONCERN_DAYS = (0, 14)  # an action follows a concern
# recall.models.ACTION_KIND_CHOICES (a test checks the codes), with assumed weights.
ACTION_KINDS = (
    ("warning_letter", 30),
    ("increased_contact", 30),
    ("referral_partner_agency", 15),
    ("licence_variation", 10),
    ("drug_testing", 10),
    ("mappa_referral", 5),
    ("progression_panel", 4),
    ("approved_premises", 3),
    ("other", 3),
)
# Every recall from this date has the recommendation that led to it (AUTHORISED, linked).
RECOMMENDATIONS_FROM = dt.date(2023, 1, 1)
RECOMMENDATION_LEAD_DAYS = (2, 6)  # recommendation started -> recall
ACKNOWLEDGED_SHARE = 0.4  # authorised recommendations with 1-2 warn findings justified
ACTIVE_SHARE = 0.03  # people on licence with a recommendation under way on the reference date
ACTIVE_WITHIN_DAYS = 60
ACTIVE_RECOMMENDATION_STATUSES = (
    (recall_vocab.RecommendationStatus.DRAFT, 35),
    (recall_vocab.RecommendationStatus.AWAITING_SPO, 15),
    (recall_vocab.RecommendationStatus.AWAITING_ACO, 10),
    (recall_vocab.RecommendationStatus.READY, 10),
    (recall_vocab.RecommendationStatus.SUBMITTED, 20),
    (recall_vocab.RecommendationStatus.INFO_REQUESTED, 10),
)
CLOSED_SHARE = 0.02  # people with a recommendation that ended without recall
CLOSED_RECOMMENDATION_STATUSES = (
    (recall_vocab.RecommendationStatus.NOT_RECALLED, 60),
    (recall_vocab.RecommendationStatus.WITHDRAWN, 40),
)

# --- Multi-agency meetings (issue 19; ippcase/demo/meetings.py) --------------------------------
# HMIP 2023, section 5 ("Recall"): "People on IPP licence should also be discussed at a
# progression panel when there is a risk of recall ... This only happened in seven of the cases
# we reviewed" (of the 26 in the sample; shared/seeds/hmip-ipp-recall-thematic-2023-12.txt).
FORUM_BEFORE_RECALL_SHARE = 7 / 26
# That panel is held 2 to 20 weeks before the recall: inside the 6 months the rules look at.
FORUM_BEFORE_RECALL_DAYS = (14, 140)
# Assumptions (not published): a panel on the current licence, after the move-on from an AP
# ("This happened in only two cases in our sample", section 4.1); an earlier panel in a period
# that ended in recall, more than 6 months before it; a professionals meeting or OPD case
# consultation (not a forum) in any period.
FORUM_ON_LICENCE_SHARE = 0.35
FORUM_EARLIER_SHARE = 0.15
FORUM_EARLIER_GAP_DAYS = 200  # at least this long before the recall
OTHER_MEETING_SHARE = 0.25
MEETING_ACTIONS = (1, 3)  # actions per meeting, uniform
MEETING_ACTION_DUE_DAYS = (14, 56)  # due this long after the meeting
MEETING_ACTION_DONE_SHARE = 0.7  # of actions due by the reference date; the rest are overdue

# --- The demo QA sample (ippcase/demo/quality.py) ------------------------------------------------
QA_SAMPLE_SEED = 2025  # a fixed seed: the same decisions every time
QA_SAMPLE_SIZE = 10
QA_PERIOD_START = dt.date(2023, 1, 1)  # the authorised recommendations start here
