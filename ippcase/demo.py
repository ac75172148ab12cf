"""Deterministic synthetic demo data that follows the published profile of recalled IPP people.

One generator, two outputs. :func:`generate` turns ``(people, seed)`` into plain dataclasses
(:class:`DemoData`); :func:`write_to_database` writes them in bulk (``manage.py seed_demo``) and
:func:`import_document` / :func:`org_document` serialise them into the case import format and the
demo organisation format (``fixtures/``, read back by ``manage.py load_demo`` through the import
service). So the synthetic profile has one source of truth, whichever way the data reaches the
database, and tests/test_seed_demo.py checks that both ways give the same rows.

Contract:

- the same ``(people, seed)`` always gives identical data: all randomness comes from
  ``random.Random`` instances seeded from ``seed`` (never the global generator, never Faker), and
  all dates are relative to the fixed :data:`REFERENCE_DATE`, never today;
- every person satisfies the invariants the services enforce: releases in date order, each recall
  on or after its release and before the next one, return to custody on or after the recall,
  only the last release without a recall, exactly one open allocation held by a practitioner of
  the person's team, the nine standard licence conditions from the latest release;
- the distributions follow HM Inspectorate of Probation, *A thematic inspection of the recall of
  IPP-sentenced individuals* (December 2023), chapter 2 and annexe 3
  (shared/seeds/hmip-ipp-recall-thematic-2023-12.txt). Each table below cites its source;
  docs/demo-data.md lists them with the figures the generator actually produces.

Everything here is synthetic: names come from fixed lists, CRNs/NOMIS/PNC numbers are random.
"""

from __future__ import annotations

import bisect
import calendar
import contextlib
import datetime as dt
import enum
import gc
import itertools
import math
import random
import re
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ippcase import vocab
from parole import law as parole_law
from parole import vocab as parole_vocab
from recall import rules as recall_rules
from recall import vocab as recall_vocab

T = TypeVar("T")

# All dates are relative to this fixed day, so that the same seed gives the same data whenever it
# runs (and so that imported fixtures are never "in the future").
REFERENCE_DATE = dt.date(2026, 10, 1)
# Table 4 gives ages "on 30 June 2023": ages are drawn for that day, then become dates of birth.
PROFILE_DATE = dt.date(2023, 6, 30)
IPP_COMMENCEMENT = dt.date(2005, 4, 4)  # the first day an IPP could be passed
# The showcase team's current spells on licence are at most this long (see _licence_in_force).
LICENCE_IN_FORCE_DAYS = 330

DEFAULT_SEED = 2025
FIXTURE_PEOPLE = 60
# fixtures/: the first seed from 2025 whose 60 people show every case state, a woman and a DPP
# (found with :func:`fixture_seed`, fixed here so that the fixtures never change by accident).
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

# --- fixed lists -------------------------------------------------------------------------------

MALE_FIRST_NAMES = (
    "James", "John", "David", "Michael", "Paul", "Mark", "Steven", "Andrew", "Robert",
    "Christopher", "Daniel", "Richard", "Peter", "Gary", "Lee", "Darren", "Wayne", "Craig",
    "Jason", "Dean", "Carl", "Shaun", "Kevin", "Anthony", "Thomas", "Matthew", "Jamie", "Liam",
    "Ryan", "Adam", "Scott", "Stuart", "Neil", "Ian", "Simon", "Martin", "Stephen", "Gareth",
    "Rhys", "Dylan", "Owen", "Callum", "Connor", "Kieran", "Nathan", "Ashley", "Ben", "Sam",
    "Joe", "Mohammed", "Imran", "Tariq", "Asif", "Kamran", "Hassan", "Delroy", "Leon", "Marcus",
    "Tyrone", "Kwame", "Femi", "Tunde", "Kofi", "Jermaine", "Winston", "Rajesh", "Sanjay",
    "Piotr", "Tomasz", "Patrick", "Sean", "Declan", "Aaron", "Ricky", "Terry",
)  # fmt: skip
FEMALE_FIRST_NAMES = (
    "Sarah", "Claire", "Emma", "Lisa", "Nicola", "Michelle", "Kelly", "Donna", "Joanne",
    "Rachel", "Louise", "Gemma", "Stacey", "Leanne", "Amy", "Laura", "Hannah", "Rebecca",
    "Charlotte", "Jade", "Danielle", "Samantha", "Natalie", "Kirsty", "Sian", "Rhian", "Bethan",
    "Aisha", "Fatima", "Nadia", "Priya", "Shanice", "Chantelle", "Abena", "Grace", "Siobhan",
    "Megan", "Zoe", "Helen", "Karen",
)  # fmt: skip
SURNAMES = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
    "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner",
    "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker",
    "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker",
    "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter",
    "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards",
    "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson",
    "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain",
    "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd",
    "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey",
    "Graham", "Pearson", "Ahmed", "Fletcher", "Walsh", "Kaur", "Gibson", "Howard", "Andrews",
    "Stewart", "Elliott", "Reynolds", "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day",
    "Brooks", "West", "Lawrence", "Cole", "Atkinson", "Bradley", "Spencer", "Gill", "Dawson",
    "Ball", "Burton", "O'Brien", "Watts", "Rose", "Booth", "Perry", "Grant", "Wells",
    "Armstrong", "Francis", "Rees", "Hayes", "Hart", "Hudson", "Newman", "Barrett", "Nowak",
    "Mensah", "Okafor", "Adeyemi", "Osei", "Kowalski", "McDonald", "O'Neill", "Doherty",
)  # fmt: skip

# HMPPS probation regions with three real PDU names each; ``place`` names a town for the wording
# of exclusion zones and other conditions. Codes are short so that team codes fit in 20 chars.
REGIONS: tuple[tuple[str, str, tuple[tuple[str, str, str], ...]], ...] = (
    ("yorkshire", "Yorkshire and the Humber", (
        ("leeds", "Leeds", "Leeds city centre"),
        ("sheffield", "Sheffield", "Sheffield city centre"),
        ("hull", "Hull and East Riding", "Hull city centre"),
    )),
    ("north-west", "North West", (
        ("liverpool", "Liverpool", "Liverpool city centre"),
        ("preston", "Lancashire Central", "Preston"),
        ("cumbria", "Cumbria", "Carlisle"),
    )),
    ("london", "London", (
        ("camden", "Camden and Islington", "the London Borough of Camden"),
        ("lambeth", "Lambeth", "Brixton"),
        ("hackney", "Hackney and City", "the London Borough of Hackney"),
    )),
    ("wales", "Wales", (
        ("cardiff", "Cardiff and the Vale", "Cardiff city centre"),
        ("swansea", "Swansea, Neath Port Talbot", "Swansea"),
        ("north-wales", "North Wales", "Wrexham"),
    )),
    ("north-east", "North East", (
        ("newcastle", "Newcastle upon Tyne", "Newcastle city centre"),
        ("sunderland", "Sunderland", "Sunderland"),
        ("durham", "County Durham and Darlington", "Darlington"),
    )),
    ("manchester", "Greater Manchester", (
        ("man-north", "Manchester North", "Manchester city centre"),
        ("salford", "Salford", "Salford"),
        ("bolton", "Bolton", "Bolton town centre"),
    )),
    ("west-mids", "West Midlands", (
        ("bham-south", "Birmingham Central and South", "Birmingham city centre"),
        ("coventry", "Coventry", "Coventry"),
        ("wolves", "Wolverhampton", "Wolverhampton"),
    )),
    ("east-mids", "East Midlands", (
        ("nottingham", "Nottingham City", "Nottingham city centre"),
        ("derby", "Derby City", "Derby"),
        ("leicester", "Leicester, Leicestershire and Rutland", "Leicester"),
    )),
    ("east", "East of England", (
        ("norfolk", "Norfolk", "Norwich"),
        ("essex-north", "Essex North", "Colchester"),
        ("cambs", "Cambridgeshire and Peterborough", "Peterborough"),
    )),
    ("kss", "Kent, Surrey and Sussex", (
        ("kent-north", "Kent North", "Medway"),
        ("brighton", "Brighton and East Sussex", "Brighton"),
        ("surrey", "Surrey", "Guildford"),
    )),
    ("south-west", "South West", (
        ("bristol", "Bristol and South Gloucestershire", "Bristol city centre"),
        ("devon", "Devon and Torbay", "Plymouth"),
        ("cornwall", "Cornwall and Isles of Scilly", "Truro"),
    )),
    ("south-central", "South Central", (
        ("hampshire", "Hampshire South and Isle of Wight", "Portsmouth"),
        ("oxford", "Oxfordshire", "Oxford"),
        ("southampton", "Southampton, Eastleigh and New Forest", "Southampton"),
    )),
)  # fmt: skip
TEAM_SUFFIXES = (("North", "n"), ("South", "s"), ("Central", "c"))
DEMO_REGION_CODES = tuple(code for code, _, _ in REGIONS)

MEN_CLOSED_PRISONS = (
    "HMP Leeds", "HMP Wakefield", "HMP Frankland", "HMP Full Sutton", "HMP Hull", "HMP Durham",
    "HMP Manchester", "HMP Liverpool", "HMP Altcourse", "HMP Risley", "HMP Garth", "HMP Wymott",
    "HMP Lancaster Farms", "HMP Birmingham", "HMP Long Lartin", "HMP Nottingham",
    "HMP Whatton", "HMP Lowdham Grange", "HMP Norwich", "HMP Highpoint", "HMP Whitemoor",
    "HMP Pentonville", "HMP Wandsworth", "HMP Belmarsh", "HMP Thameside", "HMP Swaleside",
    "HMP Elmley", "HMP Lewes", "HMP Bristol", "HMP Exeter", "HMP Channings Wood",
    "HMP Dartmoor", "HMP Guys Marsh", "HMP Winchester", "HMP Bullingdon", "HMP Grendon",
    "HMP Cardiff", "HMP Swansea", "HMP Parc", "HMP Berwyn", "HMP Buckley Hall", "HMP Hewell",
)  # fmt: skip
MEN_OPEN_PRISONS = (
    "HMP Leyhill", "HMP Hatfield", "HMP Kirkham", "HMP North Sea Camp", "HMP Ford",
    "HMP Sudbury", "HMP Standford Hill", "HMP Thorn Cross",
)  # fmt: skip
WOMEN_CLOSED_PRISONS = (
    "HMP Low Newton", "HMP New Hall", "HMP Styal", "HMP Foston Hall", "HMP Eastwood Park",
    "HMP Bronzefield", "HMP Downview", "HMP Send",
)  # fmt: skip
WOMEN_OPEN_PRISONS = ("HMP Askham Grange", "HMP East Sutton Park")

B = vocab.Behaviour
# Typical index offences per category, and behaviour tags: (tags always present, optional tags
# with their probability). Plausibility, not published data.
OFFENCES: dict[str, tuple[tuple[str, ...], tuple[B, ...], tuple[tuple[B, float], ...]]] = {
    vocab.OffenceCategory.VIOLENCE: (
        (
            "Wounding with intent to cause grievous bodily harm (s.18)",
            "Inflicting grievous bodily harm (s.20)",
            "Assault occasioning actual bodily harm",
            "Manslaughter",
            "Affray",
            "Violent disorder",
            "Threats to kill",
            "Attempted wounding with intent",
        ),
        (B.VIOLENCE,),
        (
            (B.ALCOHOL, 0.5), (B.DRUGS, 0.35), (B.WEAPONS, 0.35), (B.DOMESTIC_ABUSE, 0.25),
            (B.THREATS, 0.3), (B.CRIMINAL_ASSOCIATES, 0.15), (B.GRIEVANCE_RUMINATION, 0.1),
            (B.MENTAL_HEALTH_DETERIORATION, 0.15),
        ),
    ),
    vocab.OffenceCategory.SEXUAL_CONTACT: (
        (
            "Rape",
            "Sexual assault",
            "Assault by penetration",
            "Sexual activity with a child",
            "Rape of a child under 13",
        ),
        (B.SEXUAL,),
        (
            (B.VIOLENCE, 0.3), (B.ALCOHOL, 0.3), (B.DRUGS, 0.15), (B.THREATS, 0.1),
            (B.NON_DISCLOSURE, 0.3), (B.DOMESTIC_ABUSE, 0.1), (B.ONLINE_SEXUAL, 0.1),
        ),
    ),
    vocab.OffenceCategory.SEXUAL_NON_CONTACT: (
        (
            "Causing a child to watch a sexual act",
            "Arranging the commission of a child sex offence",
            "Exposure",
            "Voyeurism",
        ),
        (B.SEXUAL, B.ONLINE_SEXUAL),
        ((B.NON_DISCLOSURE, 0.4), (B.HARASSMENT_STALKING, 0.2)),
    ),
    vocab.OffenceCategory.ROBBERY: (
        ("Robbery", "Attempted robbery", "Robbery of a commercial premises", "Street robbery"),
        (B.ACQUISITIVE,),
        (
            (B.VIOLENCE, 0.6), (B.WEAPONS, 0.45), (B.DRUGS, 0.55), (B.CRIMINAL_ASSOCIATES, 0.4),
            (B.THREATS, 0.4), (B.ALCOHOL, 0.2),
        ),
    ),
    vocab.OffenceCategory.BURGLARY: (
        ("Aggravated burglary", "Burglary with intent to inflict grievous bodily harm"),
        (B.ACQUISITIVE,),
        (
            (B.DRUGS, 0.5), (B.VIOLENCE, 0.3), (B.WEAPONS, 0.25), (B.CRIMINAL_ASSOCIATES, 0.3),
            (B.ALCOHOL, 0.2),
        ),
    ),
    vocab.OffenceCategory.ARSON: (
        (
            "Arson being reckless as to whether life was endangered",
            "Arson with intent to endanger life",
        ),
        (B.ARSON,),
        (
            (B.MENTAL_HEALTH_DETERIORATION, 0.5), (B.ALCOHOL, 0.4), (B.GRIEVANCE_RUMINATION, 0.4),
            (B.THREATS, 0.3), (B.DOMESTIC_ABUSE, 0.15),
        ),
    ),
    vocab.OffenceCategory.OTHER_INDICTABLE: (
        (
            "Possession of a firearm with intent to endanger life",
            "Kidnapping",
            "False imprisonment",
            "Blackmail",
        ),
        (B.THREATS,),
        (
            (B.WEAPONS, 0.4), (B.VIOLENCE, 0.4), (B.DRUGS, 0.3), (B.CRIMINAL_ASSOCIATES, 0.4),
            (B.HARASSMENT_STALKING, 0.2),
        ),
    ),
}  # fmt: skip

# Second, non-principal offences passed at the same hearing: (category, description, behaviours).
OTHER_OFFENCES = (
    (vocab.OffenceCategory.OTHER_SUMMARY, "Possession of an offensive weapon", (B.WEAPONS,)),
    (vocab.OffenceCategory.OTHER_SUMMARY, "Criminal damage", ()),
    (vocab.OffenceCategory.OTHER_SUMMARY, "Common assault", (B.VIOLENCE,)),
    (vocab.OffenceCategory.OTHER_SUMMARY, "Breach of a restraining order",
     (B.HARASSMENT_STALKING,)),
    (vocab.OffenceCategory.OTHER_INDICTABLE, "Possession of a class A drug with intent to supply",
     (B.DRUGS,)),
    (vocab.OffenceCategory.THEFT, "Theft", (B.ACQUISITIVE,)),
    (vocab.OffenceCategory.THEFT, "Handling stolen goods", (B.ACQUISITIVE,)),
)  # fmt: skip

# Additional licence conditions (wording after the HMPPS standard list), keyed by what makes them
# relevant. "{place}" is the PDU's town.
CONDITIONS_AP = (
    "Reside at the approved premises in {place}, comply with its rules and not move without the "
    "prior approval of your supervising officer.",
    "Comply with a curfew at the approved premises between 23:00 and 07:00 unless otherwise "
    "authorised by your supervising officer.",
)
CONDITION_HOME_CURFEW = (
    "Confine yourself to an address approved by your supervising officer between 21:00 and 07:00 "
    "daily unless otherwise authorised by your supervising officer."
)
CONDITION_EXCLUSION = (
    "Not to enter {place} as defined by the attached map without the prior approval of your "
    "supervising officer."
)
CONDITION_EXCLUSION_VARIED = (
    "Not to enter {place} as defined by the attached map (varied: smaller zone) without the "
    "prior approval of your supervising officer."
)
CONDITIONS_GENERIC = (
    "Not to seek to approach or communicate with the victim of the index offence or their family "
    "without the prior approval of your supervising officer and the victim liaison unit.",
    "Participate in, or co-operate with, a programme or set of activities designed to address "
    "offending behaviour, as directed by your supervising officer.",
    "Attend all appointments arranged for you with a psychologist or psychiatrist and co-operate "
    "fully with any care or treatment they recommend.",
    "Notify your supervising officer of any developing intimate relationship with a woman or man.",
    "Provide your supervising officer with details of any vehicle you own, hire or have regular "
    "use of, before any journey takes place.",
    "Report to staff at the probation office in {place} as directed by your supervising officer.",
)
CONDITIONS_BY_BEHAVIOUR: dict[str, tuple[str, ...]] = {
    B.DRUGS: (
        "Attend appointments with a drug treatment service as directed and comply with the "
        "treatment plan.",
        "Attend a drug testing facility and provide a sample of urine or saliva when instructed.",
    ),
    B.ALCOHOL: (
        "Not to consume alcohol, and submit to electronic alcohol monitoring for the period "
        "specified by your supervising officer.",
        "Attend appointments with an alcohol treatment service as directed.",
    ),
    B.SEXUAL: (
        "Not to have unsupervised contact or communication with any child under 18 without the "
        "prior approval of your supervising officer and children's services.",
        "Not to undertake work or organised activity, paid or voluntary, that involves a person "
        "under 18 without the prior approval of your supervising officer.",
        "Comply with a polygraph examination as instructed by your supervising officer.",
    ),
    B.ONLINE_SEXUAL: (
        "Not to use or access any device capable of accessing the internet unless it has been "
        "approved by your supervising officer and monitoring software is installed.",
        "Not to delete the internet history of any device, and make it available for inspection "
        "on request by your supervising officer or a police officer.",
    ),
    B.WEAPONS: (
        "Not to possess a knife or any bladed article, other than for cooking in your home.",
    ),
    B.CRIMINAL_ASSOCIATES: (
        "Not to associate with any person currently or formerly associated with organised crime "
        "groups without the prior approval of your supervising officer.",
    ),
    B.DOMESTIC_ABUSE: (
        "Not to contact your former partner, directly or indirectly, without the prior approval "
        "of your supervising officer.",
    ),
    B.HARASSMENT_STALKING: (
        "Not to contact or attempt to contact the person named on your licence directly or "
        "indirectly, including through social media.",
    ),
    B.ARSON: (
        "Not to possess matches, lighters or other fire-lighting materials outside your home "
        "without the approval of your supervising officer.",
    ),
    B.MENTAL_HEALTH_DETERIORATION: (
        "Attend all appointments with the community mental health team and comply with any "
        "treatment they recommend.",
    ),
}
# What the recall rules see of an additional condition (LicenceCondition.additional_code, from
# ippcase.vocab.AdditionalCondition), by its wording: set where the wording is plainly one of the
# rules' tags. A wording not listed here stays uncoded, as free text.
ADDITIONAL_CONDITION_CODES: dict[str, str] = {
    CONDITIONS_AP[0]: vocab.AdditionalCondition.RESIDENCE_REQUIREMENT,
    CONDITIONS_AP[1]: vocab.AdditionalCondition.CURFEW,
    CONDITION_HOME_CURFEW: vocab.AdditionalCondition.CURFEW,
    CONDITION_EXCLUSION: vocab.AdditionalCondition.EXCLUSION_ZONE,
    CONDITION_EXCLUSION_VARIED: vocab.AdditionalCondition.EXCLUSION_ZONE,
    CONDITIONS_GENERIC[0]: vocab.AdditionalCondition.NON_CONTACT,
    CONDITIONS_GENERIC[1]: vocab.AdditionalCondition.PROGRAMME_ATTENDANCE,
    CONDITIONS_GENERIC[2]: vocab.AdditionalCondition.PSYCHOLOGY_APPOINTMENTS,
    CONDITIONS_GENERIC[3]: vocab.AdditionalCondition.DISCLOSE_RELATIONSHIPS,
    CONDITIONS_BY_BEHAVIOUR[B.DRUGS][1]: vocab.AdditionalCondition.DRUG_TESTING,
    CONDITIONS_BY_BEHAVIOUR[B.ALCOHOL][0]: vocab.AdditionalCondition.ALCOHOL_MONITORING,
    CONDITIONS_BY_BEHAVIOUR[B.SEXUAL][2]: vocab.AdditionalCondition.POLYGRAPH,
    CONDITIONS_BY_BEHAVIOUR[B.ONLINE_SEXUAL][0]: vocab.AdditionalCondition.INTERNET_MONITORING,
    CONDITIONS_BY_BEHAVIOUR[B.ONLINE_SEXUAL][1]: vocab.AdditionalCondition.INTERNET_MONITORING,
    CONDITIONS_BY_BEHAVIOUR[B.DOMESTIC_ABUSE][0]: vocab.AdditionalCondition.NON_CONTACT,
    CONDITIONS_BY_BEHAVIOUR[B.HARASSMENT_STALKING][0]: vocab.AdditionalCondition.NON_CONTACT,
}
CONDITIONS_BESPOKE = (
    "Not to enter licensed premises in {place} town centre.",
    "Not to attend {place} railway station except for travel approved by your supervising officer.",
    "Inform your supervising officer of any friendship with a person who has parental "
    "responsibility for a child.",
    "Engage with the OPD pathway consultation and formulation as directed by your supervising "
    "officer.",
    "Not to reside in a household that includes a child under 18 without the prior approval of "
    "your supervising officer.",
)


# Recall work wording: short, fixed, and keyed by the first behaviour of the concern.
CONCERN_PHRASES: dict[str, tuple[str, ...]] = {
    B.ALCOHOL: ("Smelt of alcohol at the office.", "Reported drinking heavily again."),
    B.DRUGS: ("Positive test for cocaine.", "Admitted using cannabis most days."),
    B.VIOLENCE: ("Arrested after a fight outside a pub.", "Pushed a resident at the hostel."),
    B.WEAPONS: ("Seen carrying a knife.", "Knife found in his room at a search."),
    B.SEXUAL: ("Seen loitering near a school.", "Unsupervised contact with a child."),
    B.ONLINE_SEXUAL: ("Undeclared smartphone found.", "Deleted browsing history on checks."),
    B.DOMESTIC_ABUSE: ("Police called to partner's address.", "Partner reports controlling."),
    B.HARASSMENT_STALKING: ("Repeated calls to a former partner.", "Followed a victim's family."),
    B.THREATS: ("Threatened staff at reception.", "Made threats to kill on the phone."),
    B.ACQUISITIVE: ("Arrested for shoplifting.", "Unexplained money and new phones."),
    B.ARSON: ("Lit a fire in the hostel bin.", "Talked about setting fires."),
    B.CRIMINAL_ASSOCIATES: ("Seen with known offenders.", "Associating with a local gang."),
    B.GRIEVANCE_RUMINATION: ("Fixated on a grievance with police.", "Ruminating on his recall."),
    B.MENTAL_HEALTH_DETERIORATION: ("Low mood and not sleeping.", "Stopped taking medication."),
    B.NON_DISCLOSURE: ("Did not disclose a new relationship.", "Hid a new address."),
    B.NON_COMPLIANCE: ("Missed an appointment.", "Broke the curfew by two hours."),
    B.OUT_OF_CONTACT: ("Not at the address; phone off.", "Missed two appointments; no contact."),
}
ACTION_DETAILS = {
    "warning_letter": "Licence warning letter issued after the missed appointments.",
    "increased_contact": "Reporting increased to twice weekly, with home visits.",
    "referral_partner_agency": "Referred to a partner agency for support.",
    "licence_variation": "Licence varied: curfew and exclusion zone added.",
    "drug_testing": "Drug testing added at each appointment.",
    "mappa_referral": "Referred to MAPPA for multi-agency management.",
    "progression_panel": "Discussed at the progression panel.",
    "approved_premises": "Moved to approved premises for closer oversight.",
    "other": "Three-way meeting with the key worker and the SPO.",
}
ACTION_OUTCOMES = (
    "Engaged well since.",
    "Some improvement; monitoring continues.",
    "No change; risk escalated to the SPO.",
    "Complied for now.",
)
ACTION_RECENT_DAYS = 28  # an action taken in the last four weeks has no outcome yet
CRITERION_EVIDENCE = {
    "i": "Behaviour mirrors that around the index offence.",
    "ii": "Escalating behaviour likely to lead to a violent or sexual offence.",
    "iii": "Behaviour associated with his previous sexual or violent offending.",
    "iv": "Out of touch; whereabouts unknown despite checks.",
}
RECOMMENDATION_SECTIONS = (  # recall.views.SECTIONS (a test checks the slugs)
    "why",
    "type",
    "criteria",
    "behaviours",
    "risk",
    "alternatives",
    "multi-agency",
    "contact",
    "allegation",
    "panel",
)
WITHDRAWN_REASONS = (
    "Concern resolved: the police took no further action.",
    "Back in touch and reporting as required.",
)
NOT_RECALLED_WHY = "Missed appointments and drinking; considered recall."

# --- the generated data ------------------------------------------------------------------------


@dataclass(slots=True)
class TeamSpec:
    code: str
    name: str


@dataclass(slots=True)
class PduSpec:
    code: str
    name: str
    place: str
    teams: list[TeamSpec]


@dataclass(slots=True)
class RegionSpec:
    code: str
    name: str
    pdus: list[PduSpec]


@dataclass(slots=True)
class UserSpec:
    username: str
    first_name: str
    last_name: str
    email: str
    team: str | None  # team code; PPCS caseworkers and administrators have none
    roles: list[str]


@dataclass(slots=True)
class OrgSpec:
    regions: list[RegionSpec]
    users: list[UserSpec]

    def teams(self) -> list[tuple[PduSpec, TeamSpec]]:
        return [(pdu, team) for region in self.regions for pdu in region.pdus for team in pdu.teams]

    def practitioners(self, team_code: str) -> list[str]:
        return [
            user.username
            for user in self.users
            if user.team == team_code and vocab.Role.PRACTITIONER in user.roles
        ]

    def sign_ins(self) -> list[tuple[str, str]]:
        """One (role, username) per role: the first user with it, the showcase team first."""
        result = []
        for role in vocab.Role:
            user = next((u for u in self.users if role in u.roles), None)
            if user is not None:
                result.append((role.value, user.username))
        return result


@dataclass(slots=True)
class OffenceSpec:
    category: str
    description: str
    behaviours: list[str]


@dataclass(slots=True)
class SentenceSpec:
    sentence_type: str
    sentence_date: dt.date
    tariff_years: int
    tariff_months: int
    tariff_days: int
    index_offence: OffenceSpec
    other_offences: list[OffenceSpec]

    @property
    def tariff_expiry(self) -> dt.date:
        return _add_months(
            self.sentence_date, 12 * self.tariff_years + self.tariff_months, self.tariff_days
        )


@dataclass(slots=True)
class AdjournmentSpec:
    date: dt.date
    kind: str  # parole.vocab.DelayKind
    reason: str
    new_date: dt.date | None
    prisoner_informed: dt.date | None


@dataclass(slots=True)
class ReviewSpec:
    """One Parole Board decision stage (parole.ParoleReview): paper, or oral hearing."""

    kind: str  # parole.vocab.ReviewKind
    referred: dt.date
    decided: dt.date | None
    outcome: str  # "" while undecided
    hearing_date: dt.date | None = None  # oral only
    calder: str = ""  # the first decided review after the recall
    adjournments: list[AdjournmentSpec] = field(default_factory=list)


@dataclass(slots=True)
class RarrSpec:
    decided: dt.date
    outcome: str  # parole.vocab.RarrOutcome


@dataclass(slots=True)
class TerminationReferralSpec:
    referred: dt.date
    decided: dt.date | None
    outcome: str  # "" while undecided


@dataclass(slots=True)
class RecallSpec:
    date: dt.date
    returned_to_custody: dt.date | None
    reasons: list[str]
    criteria: list[str]
    # The parole work on the recall (drawn from its own random stream, after the rest).
    re_released: dt.date | None = None  # the next release, when there is one
    parole_reviews: list[ReviewSpec] = field(default_factory=list)
    rarr: RarrSpec | None = None


@dataclass(slots=True)
class ReleaseSpec:
    date: dt.date
    prison: str
    approved_premises: bool
    recall: RecallSpec | None


@dataclass(slots=True)
class ConditionSpec:
    kind: str
    code: str  # a standard condition's code, or an additional one's ("" if uncoded)
    text: str  # additional and bespoke conditions only
    start: dt.date
    end: dt.date | None


@dataclass(slots=True)
class AllocationSpec:
    practitioner: str  # username
    start: dt.date
    end: dt.date | None


@dataclass(slots=True)
class ConcernSpec:
    occurred_on: dt.date
    description: str
    source: str  # recall.vocab.ConcernSource
    behaviours: list[str]
    recorded_by: str  # username: the COM on the day
    recorded_at: dt.datetime


@dataclass(slots=True)
class ActionSpec:
    kind: str  # recall.models.ACTION_KIND_CHOICES
    referral: str  # only for referral_partner_agency
    taken_on: dt.date
    details: str
    outcome: str
    recorded_by: str
    recorded_at: dt.datetime


@dataclass(slots=True)
class RecommendationSpec:
    status: str  # recall.vocab.RecommendationStatus
    version: int
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    why_considered: str
    recall_type: str
    criteria: dict[str, str]
    current_behaviours: list[str]
    causal_link: str
    increased_risk_of_harm: str
    alternatives: dict[str, dict[str, str]]
    acknowledgements: dict[str, str]
    sections_saved: list[str]
    recall: RecallSpec | None = None  # the recall it led to (authorised only)
    submitted_at: dt.datetime | None = None
    submitted_by: str = ""
    assigned_to: str = ""  # a PPCS caseworker, once submitted
    assigned_at: dt.datetime | None = None
    further_information: str = ""
    withdrawn_reason: str = ""


@dataclass(slots=True)
class PersonSpec:
    crn: str
    nomis_number: str
    pnc: str
    first_name: str
    last_name: str
    date_of_birth: dt.date
    gender: str
    ethnicity: str
    team: str
    sentence: SentenceSpec
    releases: list[ReleaseSpec]
    mappa_category: int | None
    mappa_level: int | None
    rosh_level: str
    accommodation: str
    needs: list[str]
    vulnerabilities: str
    opd_screening: str
    licence_conditions: list[ConditionSpec] = field(default_factory=list)
    allocations: list[AllocationSpec] = field(default_factory=list)
    termination_referrals: list[TerminationReferralSpec] = field(default_factory=list)
    # The recall work (drawn from its own random stream, after the parole work).
    concerns: list[ConcernSpec] = field(default_factory=list)
    actions: list[ActionSpec] = field(default_factory=list)
    recommendations: list[RecommendationSpec] = field(default_factory=list)


@dataclass(slots=True)
class DemoData:
    people_count: int
    seed: int
    org: OrgSpec
    people: list[PersonSpec]


# --- sampling helpers ---------------------------------------------------------------------------


class Table(Generic[T]):
    """A weighted table of values, sampled with precomputed cumulative weights."""

    __slots__ = ("cumulative", "values")

    def __init__(self, rows: Sequence[tuple[T, float]]) -> None:
        # Plain values, not enum members: they are compared and serialised a great many times.
        self.values: list[T] = [
            value.value if isinstance(value, enum.Enum) else value for value, _ in rows
        ]
        self.cumulative = list(itertools.accumulate(float(weight) for _, weight in rows))

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


def _date_in(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _year_bands(
    rows: Sequence[tuple[tuple[int, int], float]], first_day: dt.date | None = None
) -> list[tuple[dt.date, dt.date, float]]:
    """Year bands as date ranges; ``first_day`` moves the start of the first band (no IPP was
    passed before 4 April 2005, so all of 2005's weight belongs to April-December)."""
    bands = [(dt.date(a, 1, 1), dt.date(b, 12, 31), w) for (a, b), w in rows]
    if first_day is not None:
        bands[0] = (first_day, bands[0][1], bands[0][2])
    return bands


def _date_from_bands(
    rng: random.Random,
    bands: Sequence[tuple[dt.date, dt.date, float]],
    low: dt.date,
    high: dt.date,
) -> dt.date:
    """A date from a piecewise-uniform distribution over ``bands``, conditioned on [low, high]
    (each band's weight is scaled by how much of it lies in the window). Falls back to a uniform
    date in the window when no band overlaps it."""
    options = []
    total = 0.0
    for start, end, weight in bands:
        a, b = max(start, low), min(end, high)
        if a <= b and weight > 0:
            total += weight * ((b - a).days + 1) / ((end - start).days + 1)
            options.append((total, a, b))
    if not options:
        return _date_in(rng, low, high)
    point = rng.random() * total
    for cumulative, a, b in options:
        if point < cumulative:
            return _date_in(rng, a, b)
    return _date_in(rng, options[-1][1], options[-1][2])


def _add_months(day: dt.date, months: int, days: int = 0) -> dt.date:
    """``day + relativedelta(months=months, days=days)`` (same clamping to the month's end, as
    :func:`ippcase.models.tariff_expiry`), without relativedelta's cost in a hot loop."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    clamped = dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return clamped + dt.timedelta(days=days) if days else clamped


def _sentence_by(day: dt.date, months: int, days: int) -> dt.date:
    """The latest sentence date whose tariff (``months`` and ``days``) has expired by ``day``."""
    candidate = _add_months(day - dt.timedelta(days=days), -months)
    while _add_months(candidate, months, days) > day:  # month-end clamping: at most a few days
        candidate -= dt.timedelta(days=1)
    return candidate


def _add_years(day: dt.date, years: int) -> dt.date:
    return _add_months(day, 12 * years)


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(slots=True)
class _Span:
    """A stretch of days in a person's timeline, with the bounds it may be scaled within."""

    value: int
    low: int
    high: int


def _fit(spans: list[_Span], total: int) -> None:
    """Scale the spans (within their bounds) so that they add up to exactly ``total`` days.

    The caller guarantees ``sum(low) <= total <= sum(high)``. Extra days go to the spans in
    proportion to their headroom, missing days come from them in proportion to their slack, so a
    fixed span (low == high) never moves.
    """
    diff = total - sum(s.value for s in spans)
    if diff == 0:
        return
    room = [(s.high - s.value) if diff > 0 else (s.value - s.low) for s in spans]
    available = sum(room)
    sign = 1 if diff > 0 else -1
    need = abs(diff)
    moved = 0
    for span, r in zip(spans, room, strict=True):
        share = need * r // available if available else 0
        span.value += sign * share
        moved += share
    for span in spans:  # integer remainder, one day at a time, in a fixed order
        while moved < need and (span.high > span.value if sign > 0 else span.value > span.low):
            span.value += sign
            moved += 1


# --- the organisation ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrgShape:
    regions: int
    pdus_per_region: int
    teams_per_pdu: int
    practitioners_per_team: int
    ppcs: int


def org_shape(people: int) -> OrgShape:
    """A small organisation for a demo (3 regions x 2 PDUs x 2 teams), a larger one for large
    seeds so that caseloads stay plausible (10,000 people: 10 x 3 x 3, ~22 people per COM)."""
    if people <= 1000:
        return OrgShape(3, 2, 2, 3, 3)
    return OrgShape(min(len(REGIONS), math.ceil(people / 1000)), 3, 3, 5, 6)


def _username(first: str, last: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z.-]", "", f"{first}.{last}".lower())
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}{n}"
    taken.add(name)
    return name


def generate_org(people: int, seed: int) -> OrgSpec:
    """The demo organisation for ``people`` people: regions, PDUs, teams and users.

    Per team: practitioners and one manager (SPO); per PDU: one senior manager (placed in the
    PDU's first team, which gives them the PDU); then PPCS caseworkers and one administrator
    without a team. The first team of the first PDU is the showcase team whose members the
    sign-in table lists.
    """
    shape = org_shape(people)
    # Synthetic data, not secrets: a seeded, reproducible generator is the point.
    rng = random.Random(f"ippcase-demo:{seed}:org")  # noqa: S311
    taken: set[str] = set()
    regions: list[RegionSpec] = []
    users: list[UserSpec] = []

    def person_name() -> tuple[str, str]:
        first_names = MALE_FIRST_NAMES if rng.random() < 0.45 else FEMALE_FIRST_NAMES
        return rng.choice(first_names), rng.choice(SURNAMES)

    def add_user(team: str | None, roles: list[str]) -> None:
        first, last = person_name()
        username = _username(first, last, taken)
        users.append(
            UserSpec(username, first, last, f"{username}@{DEMO_EMAIL_DOMAIN}", team, roles)
        )

    for region_code, region_name, pdu_rows in REGIONS[: shape.regions]:
        pdus = []
        for pdu_code, pdu_name, place in pdu_rows[: shape.pdus_per_region]:
            teams = [
                TeamSpec(f"{pdu_code}-{suffix}", f"{pdu_name} {label}")
                for label, suffix in TEAM_SUFFIXES[: shape.teams_per_pdu]
            ]
            pdus.append(PduSpec(pdu_code, pdu_name, place, teams))
        regions.append(RegionSpec(region_code, region_name, pdus))

    org = OrgSpec(regions, users)
    for region in regions:
        for pdu in region.pdus:
            for team in pdu.teams:
                for _ in range(shape.practitioners_per_team):
                    add_user(team.code, [vocab.Role.PRACTITIONER])
                add_user(team.code, [vocab.Role.MANAGER])
            add_user(pdu.teams[0].code, [vocab.Role.SENIOR_MANAGER])
    for _ in range(shape.ppcs):
        add_user(None, [vocab.Role.PPCS])
    add_user(None, [vocab.Role.ADMIN])
    return org


# --- people ------------------------------------------------------------------------------------


class _Tables:
    """The published tables, prepared once per generation."""

    def __init__(self) -> None:
        self.gender = Table(GENDER)
        self.ethnicity = Table(ETHNICITY)
        self.age = Table(AGE_BANDS)
        self.sentence_years = _year_bands(SENTENCE_YEARS, IPP_COMMENCEMENT)
        self.tariff = Table(TARIFF_BANDS)
        self.first_release = _year_bands(FIRST_RELEASE_YEARS)
        self.recalls = Table(RECALL_COUNTS)
        under_five = sum(w for _, w in COMMUNITY_TIME_SAMPLE)
        five_plus_band, five_plus_share = COMMUNITY_FIVE_YEARS_PLUS
        self.community = Table(
            [(band, (1 - five_plus_share) * w / under_five) for band, w in COMMUNITY_TIME_SAMPLE]
            + [(five_plus_band, five_plus_share)]
        )
        self.offence = Table(INDEX_OFFENCE)
        self.mappa_level = Table(MAPPA_LEVELS)
        self.rosh = Table(ROSH)
        self.opd = Table(OPD)
        self.accommodation = Table(ACCOMMODATION_ON_LICENCE)
        self.com_count = Table(COM_COUNTS)
        self.additional_count = Table(ADDITIONAL_CONDITION_COUNTS)
        self.rtc_lag = Table(RTC_LAGS)
        # Given the coupling "under 91 days in the community -> AP", the other releases go to an
        # AP with the probability that keeps the overall share at AP_SHARE.
        quick = self.community_share_below(91)
        self.ap_otherwise = (AP_SHARE - quick) / (1 - quick)

    def community_share_below(self, days: int) -> float:
        total = self.community.cumulative[-1]
        share, previous = 0.0, 0.0
        for (low, high), cumulative in zip(
            self.community.values, self.community.cumulative, strict=True
        ):
            weight = cumulative - previous
            previous = cumulative
            if high < days:
                share += weight
            elif low < days:
                share += weight * (days - low) / (high - low + 1)
        return share / total


def _pnc(rng: random.Random, year: int) -> str:
    """A PNC id ``YYYY/NNNNNNNX`` with a valid check letter (mod 23 of YY and the serial)."""
    serial = rng.randint(1, 9_999_999)
    check = "ZABCDEFGHJKLMNPQRTUVWXY"[(year % 100 * 10_000_000 + serial) % 23]
    return f"{year}/{serial:07d}{check}"


_BEHAVIOUR_ORDER = {b.value: i for i, b in enumerate(vocab.Behaviour)}
_STANDARD_CODES = tuple(c.value for c in vocab.StandardCondition)


def _behaviours(rng: random.Random, category: str) -> list[str]:
    """The index offence's behaviour tags, in vocabulary order (so the output is canonical)."""
    _, always, optional = OFFENCES[category]
    chosen = [tag.value for tag in always] + [tag.value for tag, p in optional if rng.random() < p]
    return sorted(chosen, key=_BEHAVIOUR_ORDER.__getitem__)


class MultiPick:
    """Several values at once, each with its published probability, and never none.

    Each value is included independently with probability ``a * p``; an empty draw is filled
    with one value picked in proportion to ``p``. The factor ``a`` solves
    ``1 - a = P(empty) * uncovered / sum(p)``, which makes every value's overall frequency
    exactly ``p`` (redrawing until non-empty would inflate them all). ``uncovered`` is the chance
    that something else (criterion iv, drawn separately) has not already made the draw non-empty.
    """

    __slots__ = ("fill", "scaled", "values")

    def __init__(self, rows: Sequence[tuple[Any, float]], uncovered: float = 1.0) -> None:
        self.values = [value.value if isinstance(value, enum.Enum) else value for value, _ in rows]
        probabilities = [float(p) for _, p in rows]
        total = sum(probabilities)
        if total * 1 < uncovered:
            raise ValueError("the probabilities must add up to at least one value per draw")

        def excess(a: float) -> float:
            return (1 - a) - math.prod(1 - a * p for p in probabilities) * uncovered / total

        low, high = 0.0, 1.0  # excess(0) >= 0 >= excess(1)
        for _ in range(60):
            middle = (low + high) / 2
            low, high = (middle, high) if excess(middle) > 0 else (low, middle)
        self.scaled = [low * p for p in probabilities]
        self.fill = Table(
            [(value, p) for value, p in zip(self.values, probabilities, strict=True) if p]
        )

    def draw(self, rng: random.Random, covered: bool = False) -> list[Any]:
        chosen = [v for v, q in zip(self.values, self.scaled, strict=True) if rng.random() < q]
        if not chosen and not covered:
            chosen.append(self.fill.pick(rng))
        return chosen


_OUT_OF_TOUCH = vocab.RecallReason.FAILED_TO_KEEP_IN_TOUCH.value
_REASONS = MultiPick([(r, n / RECALL_REASONS_SAMPLE) for r, n in RECALL_REASONS])
_CRITERION_IV_SHARE = (
    dict(RECALL_REASONS)[vocab.RecallReason.FAILED_TO_KEEP_IN_TOUCH]
    / RECALL_REASONS_SAMPLE
    * CRITERION_IV_GIVEN_OUT_OF_TOUCH
)
_CRITERIA = MultiPick(
    [(c, n / RECALL_CRITERIA_SAMPLE) for c, n in RECALL_CRITERIA],
    uncovered=1 - _CRITERION_IV_SHARE,
)


def _reasons_and_criteria(rng: random.Random) -> tuple[list[str], list[str]]:
    """Reasons (annexe 3) and criteria (table 10) of one recall, each at its published rate;
    criterion (iv), out of touch, only with the "failed to keep in touch" reason."""
    reasons = _REASONS.draw(rng)
    out_of_touch = _OUT_OF_TOUCH in reasons and rng.random() < CRITERION_IV_GIVEN_OUT_OF_TOUCH
    criteria = _CRITERIA.draw(rng, covered=out_of_touch)
    if out_of_touch:
        criteria.append(vocab.RecallCriterion.IV.value)
    return reasons, criteria


@dataclass(frozen=True, slots=True)
class _Wording:
    """The additional and bespoke conditions worded for one PDU's town."""

    ap_residence: str
    ap_curfew: str
    exclusion: str
    exclusion_varied: str
    generic: tuple[str, ...]
    bespoke: tuple[str, ...]
    codes: dict[str, str]  # wording -> additional condition code (ADDITIONAL_CONDITION_CODES)


class _PersonMaker:
    """Makes the people one after another from one random stream (so order matters)."""

    def __init__(self, seed: int, people: int, org: OrgSpec) -> None:
        self.rng = random.Random(f"ippcase-demo:{seed}:people")  # noqa: S311
        self.seed = seed
        self._wording: dict[str, _Wording] = {}
        self.t = _Tables()
        self.org = org
        teams = org.teams()
        self.showcase_team = teams[0][1].code if teams else ""
        # The showcase team (first) gets a third of the people so that its
        # practitioner signs in to a full caseload; the others share the rest evenly.
        self.teams = Table(
            [
                ((pdu, team), max(1.0, len(teams) / 2) if i == 0 else 1.0)
                for i, (pdu, team) in enumerate(teams)
            ]
        )
        self.team_practitioners = {team.code: org.practitioners(team.code) for _, team in teams}
        self.ppcs = [u.username for u in org.users if vocab.Role.PPCS in u.roles]
        # Unique identifiers drawn without replacement from their whole space.
        self.crns = self.rng.sample(range(26 * 1_000_000), people)
        self.nomis = self.rng.sample(range(2 * 10_000 * 26 * 26), people)

    def make(self, index: int) -> PersonSpec:
        rng, t = self.rng, self.t
        crn_n = self.crns[index]
        crn = f"{chr(65 + crn_n // 1_000_000)}{crn_n % 1_000_000:06d}"
        nomis_n = self.nomis[index]
        letters, digits = divmod(nomis_n, 10_000)
        prefix, suffix = divmod(letters, 26 * 26)
        nomis = f"{'AG'[prefix]}{digits:04d}{chr(65 + suffix // 26)}{chr(65 + suffix % 26)}"

        gender = t.gender.pick(rng)
        ethnicity = t.ethnicity.pick(rng)
        first_name = rng.choice(
            MALE_FIRST_NAMES if gender == vocab.Gender.MALE else FEMALE_FIRST_NAMES
        )
        last_name = rng.choice(SURNAMES)
        pdu, team = self.teams.pick(rng)

        # Order matters for fidelity: tariff (table 6) and the releases (tables 7 and 8) first,
        # then a sentence date (table 5) that leaves the tariff served before the first release,
        # then a date of birth inside the age band (table 4) that makes the person at least 18
        # at sentence (15 for the few who may have a DPP). Drawing the sentence first would
        # starve the early release years; drawing the birth first would push sentences late.
        young, old = t.age.pick(rng)
        born_from = _add_years(PROFILE_DATE, -(old + 1)) + dt.timedelta(days=1)
        born_to = _add_years(PROFILE_DATE, -young)
        tariff_months, tariff_days = self._tariff()
        releases, status = self._releases(
            gender, _add_months(IPP_COMMENCEMENT, tariff_months, tariff_days)
        )
        latest_sentence = min(
            t.sentence_years[-1][1],
            _sentence_by(releases[0].date - dt.timedelta(days=30), tariff_months, tariff_days),
        )
        youngest = 15 if rng.random() < DPP_ELIGIBLE_SHARE else 18
        earliest_sentence = max(IPP_COMMENCEMENT, _add_years(born_from, youngest))
        if earliest_sentence > latest_sentence:
            youngest = 15
            earliest_sentence = max(IPP_COMMENCEMENT, _add_years(born_from, youngest))
        sentence_date = _date_from_bands(
            rng, t.sentence_years, min(earliest_sentence, latest_sentence), latest_sentence
        )
        born_by = min(born_to, _add_years(sentence_date, -youngest))
        if born_from <= born_by:
            dob = _date_in(rng, born_from, born_by)
        else:  # too young for any possible sentence date: older than the band, a DPP at 16-17
            dob = _add_years(sentence_date, -17) + dt.timedelta(days=rng.randint(0, 364))
        age_at_sentence = _age(dob, sentence_date)
        sentence_type = vocab.SentenceType.DPP if age_at_sentence < 18 else vocab.SentenceType.IPP

        sentence = SentenceSpec(
            sentence_type=str(sentence_type),
            sentence_date=sentence_date,
            tariff_years=tariff_months // 12,
            tariff_months=tariff_months % 12,
            tariff_days=tariff_days,
            index_offence=self._offence(t.offence.pick(rng)),
            other_offences=[],
        )
        if rng.random() < OTHER_OFFENCE_SHARE:
            category, description, tags = rng.choice(OTHER_OFFENCES)
            sentence.other_offences.append(
                OffenceSpec(str(category), description, [str(tag) for tag in tags])
            )

        releases, status = _within_the_law(releases, status, sentence.sentence_type)
        if team.code == self.showcase_team:
            _licence_in_force(releases, status)
        behaviours = sentence.index_offence.behaviours
        is_sexual = sentence.index_offence.category in (
            vocab.OffenceCategory.SEXUAL_CONTACT,
            vocab.OffenceCategory.SEXUAL_NON_CONTACT,
        )
        # Sexual offences are category 1; the other people make up the rest of the sample's 8/26.
        non_sexual_cat1 = (MAPPA_CATEGORY_1_SAMPLE - 6) / (MAPPA_SAMPLE - 6)
        mappa_category = 1 if is_sexual or rng.random() < non_sexual_cat1 else 2
        mappa_level = t.mappa_level.pick(rng)
        rosh = t.rosh.pick(rng)
        if mappa_level > 1 and rosh == vocab.RoshLevel.MEDIUM:
            rosh = vocab.RoshLevel.HIGH  # active multi-agency management goes with high risk

        last = releases[-1]
        if status == "licence":
            if last.approved_premises and (REFERENCE_DATE - last.date).days < AP_STAY_DAYS:
                accommodation = vocab.Accommodation.APPROVED_PREMISES
            else:
                accommodation = t.accommodation.pick(rng)
        elif status == "at_large":
            accommodation = (
                vocab.Accommodation.NO_FIXED_ABODE
                if rng.random() < 0.6
                else vocab.Accommodation.UNKNOWN
            )
        else:
            accommodation = vocab.Accommodation.UNKNOWN  # in custody: the address is not held open

        needs = [str(need) for need, n in NEEDS if rng.random() < n / NEEDS_SAMPLE]
        vulnerabilities = ""
        if rng.random() < VULNERABLE_SHARE:
            vulnerabilities = "; ".join(rng.sample(VULNERABILITIES, rng.choice((1, 1, 2, 3))))

        first_year = max(dob.year + 12, 1990)
        person = PersonSpec(
            crn=crn,
            nomis_number=nomis,
            pnc=_pnc(rng, rng.randint(first_year, max(first_year, sentence_date.year))),
            first_name=first_name,
            last_name=last_name,
            date_of_birth=dob,
            gender=str(gender),
            ethnicity=str(ethnicity),
            team=team.code,
            sentence=sentence,
            releases=releases,
            mappa_category=mappa_category,
            mappa_level=mappa_level,
            rosh_level=str(rosh),
            accommodation=str(accommodation),
            needs=needs,
            vulnerabilities=vulnerabilities,
            opd_screening=str(t.opd.pick(rng)),
        )
        person.licence_conditions = self._conditions(person, pdu, behaviours)
        person.allocations = self._allocations(person)
        # A stream of its own per person: the parole work changes nothing drawn above.
        _add_parole_work(person, random.Random(f"ippcase-demo:{self.seed}:parole:{index}"))  # noqa: S311
        # And another for the recall work (concerns, actions, recommendations).
        _add_recall_work(
            person,
            random.Random(f"ippcase-demo:{self.seed}:recall-work:{index}"),  # noqa: S311
            self.ppcs,
        )
        return person

    def _tariff(self) -> tuple[int, int]:
        """(whole months, extra days) from table 6; a band whose upper limit is "less than or
        equal to" ends exactly on it, so its last month has no extra days."""
        rng = self.rng
        low, high = self.t.tariff.pick(rng)
        months = rng.randint(low, high)
        if months == high and high != TARIFF_BANDS[0][0][1]:
            return months, 0
        return months, (rng.randint(1, 29) if rng.random() < 0.4 else 0)

    def _offence(self, category: str) -> OffenceSpec:
        descriptions, _, _ = OFFENCES[category]
        return OffenceSpec(
            str(category), self.rng.choice(descriptions), _behaviours(self.rng, category)
        )

    def _community_days(self) -> int:
        low, high = self.t.community.pick(self.rng)
        return self.rng.randint(low, high)

    def _custody_days(self) -> int:
        days = self.rng.randint(*REVIEW_DAYS)
        if self.rng.random() >= RE_RELEASE_AT_FIRST_REVIEW:
            days += self.rng.randint(*LATER_REVIEW_DAYS)
        return days

    def _prison(self, gender: str) -> str:
        is_open = self.rng.random() < OPEN_PRISON_SHARE
        if gender == vocab.Gender.FEMALE:
            return self.rng.choice(WOMEN_OPEN_PRISONS if is_open else WOMEN_CLOSED_PRISONS)
        return self.rng.choice(MEN_OPEN_PRISONS if is_open else MEN_CLOSED_PRISONS)

    def _releases(self, gender: str, earliest_expiry: dt.date) -> tuple[list[ReleaseSpec], str]:
        """The merry-go-round: first release (table 7), recalls (table 8), time in the community
        before the most recent recall (figure 4 / annexe 3), Parole Board re-release, and where
        the person is on the reference date (in custody, at large or on licence).

        The timeline is a chain of spans from the first release to the reference date: community,
        recall-to-custody lag and custody for each recall, then the current spell (time on
        licence, in custody, or at large since the recall). The first release is drawn from
        table 7 within the window that lets the chain fit (and, at the earliest, the tariff be
        served after ``earliest_expiry``); the spans are then scaled within their bounds to end
        exactly on the reference date. The most recent time in the community and the lags stay
        as drawn, unless a long history cannot fit otherwise."""
        rng, t = self.rng, self.t
        recalls = t.recalls.pick(rng)
        roll = rng.random()
        if roll < IN_CUSTODY_SHARE:
            status = "custody"
        elif roll < IN_CUSTODY_SHARE + AT_LARGE_SHARE and recalls >= 2:
            status = "at_large"
        else:
            status = "licence"
        lags = [rng.randint(*t.rtc_lag.pick(rng)) for _ in range(recalls)]
        community = [self._community_days() for _ in range(recalls)]
        custody = [self._custody_days() for _ in range(recalls)]
        tail_value = {
            "licence": rng.randint(30, 2000),
            "custody": rng.randint(0, 720),
            "at_large": rng.randint(1, 42),
        }[status]
        earliest = earliest_expiry + dt.timedelta(days=30)

        fixed_latest = True
        while True:
            spans: list[tuple[str, int, _Span]] = []  # (kind, recall index, span)
            for i in range(recalls):
                last = i == recalls - 1
                c = community[i]
                if last and fixed_latest:
                    spans.append(("community", i, _Span(c, c, c)))
                else:
                    spans.append(("community", i, _Span(c, 14, max(c, 3650))))
                if last and status == "at_large":
                    break  # recalled but not yet returned: no lag, no custody
                spans.append(("lag", i, _Span(lags[i], lags[i], lags[i])))
                if not last or status == "licence":
                    spans.append(("custody", i, _Span(custody[i], 120, max(custody[i], 1825))))
            if status == "licence":
                spans.append(("tail", -1, _Span(tail_value, 1, 19 * 365)))
            elif status == "custody":
                spans.append(("tail", -1, _Span(tail_value, 0, 10 * 365)))
            else:
                spans.append(("tail", -1, _Span(tail_value, tail_value, tail_value)))
            low = max(
                earliest, REFERENCE_DATE - dt.timedelta(days=sum(s.high for _, _, s in spans))
            )
            high = REFERENCE_DATE - dt.timedelta(days=sum(s.low for _, _, s in spans))
            if low <= high:
                break
            # Does not fit (a late first release with many recalls): let the latest time in the
            # community move, then drop recalls, rather than break the invariants.
            if fixed_latest:
                fixed_latest = False
            elif recalls > 1:
                recalls -= 1
                if status == "at_large" and recalls < 2:
                    status = "custody"
                fixed_latest = True
            else:
                earliest = REFERENCE_DATE - dt.timedelta(days=sum(s.high for _, _, s in spans))

        first = _date_from_bands(rng, t.first_release, low, high)
        _fit([s for _, _, s in spans], (REFERENCE_DATE - first).days)

        releases: list[ReleaseSpec] = []
        day = first
        release: ReleaseSpec | None = None
        recall: RecallSpec | None = None
        for kind, _, span in spans:
            if kind == "community":
                quick = span.value < 91
                release = ReleaseSpec(
                    date=day,
                    prison=self._prison(gender),
                    approved_premises=quick or rng.random() < t.ap_otherwise,
                    recall=None,
                )
                releases.append(release)
                day += dt.timedelta(days=span.value)
                reasons, criteria = _reasons_and_criteria(rng)
                recall = RecallSpec(day, None, reasons, criteria)
                release.recall = recall
            elif kind == "lag":
                day += dt.timedelta(days=span.value)
                assert recall is not None  # noqa: S101 - a lag always follows a community span
                recall.returned_to_custody = day
            elif kind == "custody":
                day += dt.timedelta(days=span.value)
            elif status == "licence":  # the tail: the current period on licence
                releases.append(
                    ReleaseSpec(
                        day,
                        self._prison(gender),
                        rng.random() < AP_SHARE,
                        None,
                    )
                )
        return releases, status

    def _wording_for(self, pdu: PduSpec) -> _Wording:
        wording = self._wording.get(pdu.code)
        if wording is None:
            place = pdu.place
            wording = self._wording[pdu.code] = _Wording(
                ap_residence=CONDITIONS_AP[0].format(place=place),
                ap_curfew=CONDITIONS_AP[1].format(place=place),
                exclusion=CONDITION_EXCLUSION.format(place=place),
                exclusion_varied=CONDITION_EXCLUSION_VARIED.format(place=place),
                generic=tuple(text.format(place=place) for text in CONDITIONS_GENERIC),
                bespoke=tuple(text.format(place=place) for text in CONDITIONS_BESPOKE),
                codes={
                    text.format(place=place): str(code)
                    for text, code in ADDITIONAL_CONDITION_CODES.items()
                },
            )
        return wording

    def _conditions(
        self, person: PersonSpec, pdu: PduSpec, behaviours: list[str]
    ) -> list[ConditionSpec]:
        """The licence of the latest release: the nine standard conditions and 3-9 additional
        ones chosen for the index-offence behaviours (AP residence and curfew after release to
        an AP), some varied later: the varied condition gets an end date and its replacement
        starts the next day, so the licence history stays visible."""
        rng = self.rng
        w = self._wording_for(pdu)
        latest = person.releases[-1]
        start = latest.date
        # Variations happen while the person is in the community on this licence.
        window_end = latest.recall.date if latest.recall else REFERENCE_DATE
        days_on_licence = (window_end - start).days
        conditions = [ConditionSpec("standard", code, "", start, None) for code in _STANDARD_CODES]

        def add(text: str, begin: dt.date, end: dt.date | None, kind: str = "additional") -> None:
            code = w.codes.get(text, "") if kind == "additional" else ""
            conditions.append(ConditionSpec(kind, code, text, begin, end))

        candidates: list[str] = []
        if latest.approved_premises:
            candidates += [w.ap_residence, w.ap_curfew]
        specific = [text for tag in behaviours for text in CONDITIONS_BY_BEHAVIOUR.get(tag, ())]
        rng.shuffle(specific)
        generic = list(w.generic)
        rng.shuffle(generic)
        candidates += [*specific, w.exclusion, *generic]
        wanted = self.t.additional_count.pick(rng)
        bespoke = rng.choice(w.bespoke) if rng.random() < BESPOKE_SHARE else None
        # Ordered de-duplication; a bespoke condition takes one of the places.
        chosen = list(dict.fromkeys(candidates))[: wanted - (bespoke is not None)]
        moved_on = None
        if days_on_licence > AP_STAY_DAYS + 30:
            moved_on = start + dt.timedelta(days=rng.randint(56, AP_STAY_DAYS))
        for text in chosen:
            if moved_on is not None and text in (w.ap_residence, w.ap_curfew):
                add(text, start, moved_on)
                if text == w.ap_curfew:  # moved on from the AP: a curfew at home instead
                    add(CONDITION_HOME_CURFEW, moved_on + dt.timedelta(days=1), None)
            elif text == w.exclusion and days_on_licence > 400 and rng.random() < 0.3:
                varied = start + dt.timedelta(days=rng.randint(180, days_on_licence - 30))
                add(text, start, varied)
                add(w.exclusion_varied, varied + dt.timedelta(days=1), None)
            else:
                add(text, start, None)
        if bespoke is not None:
            add(bespoke, start, None, "bespoke")
        return conditions

    def _allocations(self, person: PersonSpec) -> list[AllocationSpec]:
        """COMs of the person's team from the first release on (section 4.1 counts); changes at
        least 60 days apart; the last allocation is the one open."""
        rng = self.rng
        practitioners = self.team_practitioners[person.team]
        start = person.releases[0].date
        span = (REFERENCE_DATE - start).days
        wanted = min(self.t.com_count.pick(rng), 1 + max(0, span - 60) // 60)
        changes: list[int] = []
        if wanted > 1:
            for offset in sorted(rng.sample(range(60, span), wanted - 1)):
                if offset - (changes[-1] if changes else 0) >= 60:
                    changes.append(offset)
        starts = [start] + [start + dt.timedelta(days=offset) for offset in changes]
        allocations: list[AllocationSpec] = []
        previous = ""
        for i, begin in enumerate(starts):
            choices = [p for p in practitioners if p != previous] or practitioners
            previous = rng.choice(choices)
            end = starts[i + 1] - dt.timedelta(days=1) if i + 1 < len(starts) else None
            allocations.append(AllocationSpec(previous, begin, end))
        return allocations


_PAPER_SHARES = {o: n / sum(w for _, w in PAPER_OUTCOMES) for o, n in PAPER_OUTCOMES}
_PAPER_FAIL = Table(
    [
        ("no_release", PAPER_NEGATIVE_IF_NOT_RELEASED),
        ("oral_hearing", 1 - PAPER_NEGATIVE_IF_NOT_RELEASED - _PAPER_SHARES["open_conditions"]),
        ("open_conditions", _PAPER_SHARES["open_conditions"]),
    ]
)
_PAPER_FINAL = Table([(o, n) for o, n in PAPER_OUTCOMES if o in ("oral_hearing", "release")])
_ORAL_FAIL = Table([(o, n) for o, n in ORAL_OUTCOMES if o != "release"])
_TERMINATION = Table(list(TERMINATION_OUTCOMES))
_PAPER, _ORAL = parole_vocab.ReviewKind.PAPER.value, parole_vocab.ReviewKind.ORAL.value
_ADJOURNMENT = parole_vocab.DelayKind.ADJOURNMENT.value
_DEFERRAL = parole_vocab.DelayKind.DEFERRAL.value


def _within_the_law(
    releases: list[ReleaseSpec], status: str, sentence_type: str
) -> tuple[list[ReleaseSpec], str]:
    """The timeline kept inside the law (s.31A as amended by the Victims and Prisoners Act
    2024, docs/parole.md): a recall drawn on or after the automatic termination date of its
    spell on licence is moved to before that date (with its return to custody), so the
    recall counts of the inspection's cohort stay as published. The person is then longer in
    custody before the next release; nothing else moves."""
    first = releases[0].date
    for release in releases:
        recall = release.recall
        end = recall_rules.automatic_termination_date(sentence_type, first, release.date)
        if recall is None or end is None or recall.date < end:
            continue
        # A stable day in the last two months of the licence (no new random draw).
        moved = max(release.date, end - dt.timedelta(days=1 + release.date.toordinal() % 60))
        shift = recall.date - moved
        recall.date = moved
        if recall.returned_to_custody is not None:
            recall.returned_to_custody -= shift
    return releases, status


def _licence_in_force(releases: list[ReleaseSpec], status: str) -> None:
    """For the showcase team: a current spell on licence longer than LICENCE_IN_FORCE_DAYS
    starts later instead (a longer last spell in custody), so that the licence is in force
    and the demo can show recall work at every stage. Draws nothing, so the rest of the
    person (and every other person) is as drawn. Elsewhere many licences have ended by law."""
    last = releases[-1]
    days = (REFERENCE_DATE - last.date).days
    if status == "licence" and len(releases) > 1 and days > LICENCE_IN_FORCE_DAYS:
        # 30 to 329 days before the reference date: in force for a year after it, too.
        last.date = REFERENCE_DATE - dt.timedelta(days=30 + days % (LICENCE_IN_FORCE_DAYS - 30))


def licence_end(person: PersonSpec) -> dt.date | None:
    """The day the person's licence ends or ended (automatically, or by a Parole Board
    termination): ``parole.law`` on the person's spells."""
    spells = [
        parole_law.Spell(r.date, r.recall.date if r.recall else None) for r in person.releases
    ]
    terminated = [
        t.decided
        for t in person.termination_referrals
        if t.decided is not None and t.outcome == "terminated"
    ]
    position = parole_law.licence_position(
        person.sentence.sentence_type,
        spells,
        REFERENCE_DATE,
        parole_law.Periods(),
        terminated_on=min(terminated) if terminated else None,
    )
    return position.end.on if position.end is not None else None


def _add_parole_work(person: PersonSpec, rng: random.Random) -> None:
    """The parole work of ``person``: for each recall, the Parole Board reviews (and RARR) that
    lead to the next release, or the review still open on the reference date; then a licence
    termination referral for some of those who qualify. All dates on or before
    :data:`REFERENCE_DATE`."""
    releases = person.releases
    for i, release in enumerate(releases):
        recall = release.recall
        if recall is None or recall.returned_to_custody is None:
            continue  # on licence, or recalled and not yet back in custody
        if i + 1 < len(releases):
            _reviews_to_release(rng, recall, recall.returned_to_custody, releases[i + 1].date)
        else:
            _reviews_in_custody(rng, recall, recall.returned_to_custody)
    person.termination_referrals = _termination_referrals(rng, person)


def _days(rng: random.Random, bounds: tuple[int, int]) -> int:
    return rng.randint(*bounds)


def _calder(rng: random.Random) -> str:
    if rng.random() < CALDER_NOT_APPROPRIATE:
        return parole_vocab.CalderAnswer.NOT_APPROPRIATE.value
    return parole_vocab.CalderAnswer.APPROPRIATE.value


def _told(rng: random.Random, day: dt.date, untold: float) -> dt.date | None:
    if rng.random() < untold:
        return None
    told = day + dt.timedelta(days=_days(rng, TOLD_DAYS))
    return told if told <= REFERENCE_DATE else None


def _hearing_delays(
    rng: random.Random, referred: dt.date, hearing: dt.date
) -> list[AdjournmentSpec]:
    """1-2 adjournments or deferrals of an oral hearing held on ``hearing``: each relisted the
    hearing for the next one's date, the last for the day it was held."""
    count = rng.randint(1, 2)
    span = (hearing - referred).days
    if span < count:
        return []
    dates = [referred + dt.timedelta(days=d) for d in sorted(rng.sample(range(span), count))]
    return [
        AdjournmentSpec(
            date=day,
            kind=rng.choice((_ADJOURNMENT, _DEFERRAL)),
            reason=rng.choice(ADJOURNMENT_REASONS),
            new_date=dates[j + 1] if j + 1 < len(dates) else hearing,
            prisoner_informed=_told(rng, day, UNTOLD_SHARE),
        )
        for j, day in enumerate(dates)
    ]


def _reviews_to_release(
    rng: random.Random, recall: RecallSpec, returned: dt.date, re_released: dt.date
) -> None:
    """Plan backwards from the known re-release: review cycles between the return to custody and
    the release decision (a few weeks before ``re_released``), the last one releasing (or a
    RARR, since the Victims and Prisoners Act), the others not."""
    recall.re_released = re_released
    by_rarr = re_released >= VPA_COMMENCEMENT and rng.random() < RARR_SHARE
    gap = _days(rng, RARR_RELEASE_DAYS if by_rarr else RELEASE_ARRANGEMENT_DAYS)
    final = max(returned, re_released - dt.timedelta(days=gap))
    if final < VPA_COMMENCEMENT:
        by_rarr = False
    available = (final - returned).days
    cycles = 1 + round(max(0, available - CYCLE_DAYS[0]) / CYCLE_DAYS[1])
    # (paper outcome, oral outcome or "") per cycle, and the natural gaps before each event.
    plan: list[tuple[str, str]] = []
    for _ in range(cycles - 1):
        paper = _PAPER_FAIL.pick(rng)
        plan.append((paper, _ORAL_FAIL.pick(rng) if paper == "oral_hearing" else ""))
    if not by_rarr:
        paper = _PAPER_FINAL.pick(rng)
        plan.append((paper, "release" if paper == "oral_hearing" else ""))
    gaps: list[int] = []
    for c, (_, oral) in enumerate(plan):
        gaps.append(_days(rng, PAPER_REFERRAL_DAYS if c == 0 else NEXT_REVIEW_DAYS))
        gaps.append(_days(rng, PAPER_DECISION_DAYS))
        if oral:
            gaps += [_days(rng, HEARING_DAYS), _days(rng, HEARING_DECISION_DAYS)]
    if by_rarr:
        gaps.append(_days(rng, RARR_AFTER_REVIEW_DAYS if plan else PAPER_REFERRAL_DAYS))
    # Scale the gaps together so that the last event falls on ``final``.
    total = sum(gaps)
    dates: list[dt.date] = []
    running = 0
    for g in gaps:
        running += g
        dates.append(returned + dt.timedelta(days=round(running * available / total)))
    events = iter(dates)
    reviews = recall.parole_reviews
    for paper, oral in plan:
        referred, decided = next(events), next(events)
        reviews.append(ReviewSpec(_PAPER, referred, decided, paper))
        if oral:
            hearing, oral_decided = next(events), next(events)
            review = ReviewSpec(_ORAL, decided, oral_decided, oral, hearing_date=hearing)
            if rng.random() < ADJOURNED_HEARING_SHARE:
                review.adjournments = _hearing_delays(rng, decided, hearing)
            reviews.append(review)
    if reviews:
        reviews[0].calder = _calder(rng)
    if by_rarr:
        recall.rarr = RarrSpec(final, parole_vocab.RarrOutcome.RELEASE.value)


def _reviews_in_custody(rng: random.Random, recall: RecallSpec, returned: dt.date) -> None:
    """Still in custody on the reference date: review cycles forward from the return to custody,
    each ending without release, until one is still open on the reference date (or none has
    been referred yet)."""
    reviews = recall.parole_reviews
    referred = returned + dt.timedelta(days=_days(rng, PAPER_REFERRAL_DAYS))
    open_review: ReviewSpec | None = None
    while referred <= REFERENCE_DATE:
        decided = referred + dt.timedelta(days=_days(rng, PAPER_DECISION_DAYS))
        if decided > REFERENCE_DATE:
            open_review = ReviewSpec(_PAPER, referred, None, "")
            reviews.append(open_review)
            break
        paper = _PAPER_FAIL.pick(rng)
        reviews.append(ReviewSpec(_PAPER, referred, decided, paper))
        last = decided
        if paper == "oral_hearing":
            hearing = decided + dt.timedelta(days=_days(rng, HEARING_DAYS))
            oral_decided = hearing + dt.timedelta(days=_days(rng, HEARING_DECISION_DAYS))
            if oral_decided > REFERENCE_DATE:
                # The hearing date only once held: the import takes no date after the reference.
                held = hearing if hearing <= REFERENCE_DATE else None
                open_review = ReviewSpec(_ORAL, decided, None, "", hearing_date=held)
                reviews.append(open_review)
                break
            review = ReviewSpec(
                _ORAL, decided, oral_decided, _ORAL_FAIL.pick(rng), hearing_date=hearing
            )
            if rng.random() < ADJOURNED_HEARING_SHARE:
                review.adjournments = _hearing_delays(rng, decided, hearing)
            reviews.append(review)
            last = oral_decided
        referred = last + dt.timedelta(days=_days(rng, NEXT_REVIEW_DAYS))
    first_decided = next((r for r in reviews if r.decided is not None), None)
    if first_decided is not None:
        first_decided.calder = _calder(rng)
    if open_review is not None and rng.random() < OPEN_RECENT_DELAY_SHARE:
        day = max(open_review.referred, REFERENCE_DATE - dt.timedelta(days=rng.randint(2, 25)))
        if open_review.hearing_date is not None:
            day = max(day, open_review.hearing_date)  # adjourned at (or after) the hearing
        open_review.adjournments.append(
            AdjournmentSpec(
                date=day,
                kind=_DEFERRAL if open_review.kind == _PAPER else _ADJOURNMENT,
                reason=rng.choice(ADJOURNMENT_REASONS),
                new_date=None,  # relisted after the reference date: not yet known here
                prisoner_informed=_told(rng, day, OPEN_RECENT_UNTOLD_SHARE),
            )
        )


def _termination_referrals(rng: random.Random, person: PersonSpec) -> list[TerminationReferralSpec]:
    """A referral for licence termination (s.31A) for some people on licence whose qualifying
    period has expired, referred once the duty began and once back on licence."""
    years = parole_law.Periods().qualifying_years(person.sentence.sentence_type)
    latest = person.releases[-1]
    if years is None or latest.recall is not None:
        return []  # not a preventive sentence, or recalled (no referral from custody here)
    qualifying = parole_law.years_after(person.releases[0].date, years)
    start = max(qualifying, latest.date, TERMINATION_DUTY_COMMENCEMENT)
    # Only while the licence is in force: it ends by law on the automatic termination date.
    ends = recall_rules.automatic_termination_date(
        person.sentence.sentence_type, person.releases[0].date, latest.date
    )
    last = REFERENCE_DATE if ends is None else min(REFERENCE_DATE, ends - dt.timedelta(days=1))
    if start > last or rng.random() >= TERMINATION_REFERRED_SHARE:
        return []
    if rng.random() < TERMINATION_DECIDED_SHARE:
        wait = dt.timedelta(days=_days(rng, TERMINATION_DECISION_DAYS))
        if start + wait <= last:
            referred = _date_in(rng, start, last - wait)
            outcome = _TERMINATION.pick(rng)
            return [TerminationReferralSpec(referred, referred + wait, outcome)]
    return [TerminationReferralSpec(_date_in(rng, start, last), None, "")]


# --- recall work (issue 6) -----------------------------------------------------------------------

_LONDON = zoneinfo.ZoneInfo("Europe/London")
_CONCERN_COUNT_SCALE = CONCERN_MEAN / CONCERN_SHAPE
_CONCERN_BEHAVIOURS = Table(list(CONCERN_BEHAVIOURS))
_CONCERN_BEHAVIOUR_COUNTS = Table(list(CONCERN_BEHAVIOUR_COUNTS))
_CONCERN_SOURCES = Table(list(CONCERN_SOURCES))
_ACTION_KINDS = Table(list(ACTION_KINDS))
_ACTIVE = Table(list(ACTIVE_RECOMMENDATION_STATUSES))
_CLOSED = Table(list(CLOSED_RECOMMENDATION_STATUSES))
_WARN_CODES = tuple(rule.code for rule in recall_rules.RULES if rule.severity == "warn")
_BEHAVIOUR_LABELS = {b.value: str(b.label).lower() for b in vocab.Behaviour}
_DRUGS, _DRUG_TEST = vocab.Behaviour.DRUGS.value, recall_vocab.ConcernSource.DRUG_TEST.value
_AP_STAFF = recall_vocab.ConcernSource.AP_STAFF.value
_RS = recall_vocab.RecommendationStatus
_REFERRAL = "referral_partner_agency"


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method: fine for the small means used here)."""
    limit = math.exp(-mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _int(rng: random.Random, low: int, high: int) -> int:
    """Like ``rng.randint(low, high)`` at a fraction of the cost (one ``random()`` call): the
    recall work draws millions of these for a national-scale seed."""
    return low + int(rng.random() * (high - low + 1))


def _pick(rng: random.Random, values: Sequence[T]) -> T:
    return values[int(rng.random() * len(values))]


def _day_in(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=int(rng.random() * ((end - start).days + 1)))


def _at(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment in office hours (London) on ``day``."""
    minute = int(rng.random() * 600)  # 08:00 to 17:59
    return dt.datetime(day.year, day.month, day.day, 8 + minute // 60, minute % 60, tzinfo=_LONDON)


class _Coms:
    """The COM allocated to a person on a given day (allocations start at the first release)."""

    __slots__ = ("names", "starts")

    def __init__(self, allocations: list[AllocationSpec]) -> None:
        self.starts = [a.start for a in allocations]
        self.names = [a.practitioner for a in allocations]

    def on(self, day: dt.date) -> str:
        return self.names[max(0, bisect.bisect_right(self.starts, day) - 1)]


def _add_recall_work(person: PersonSpec, rng: random.Random, ppcs: Sequence[str]) -> None:
    """Concerns, actions short of recall and recall recommendations of ``person``.

    Concerns fall mostly in the current or latest period on licence, densest in the months
    before each recall, tagged often with an index-offence behaviour. Each recall from
    :data:`RECOMMENDATIONS_FROM` has the authorised recommendation that led to it; a few people
    on licence have one under way, a few others one that ended without recall. Everything is
    dated from the first release to :data:`REFERENCE_DATE`, recorded by the COM of the day."""
    coms = _Coms(person.allocations)
    # Periods in the community: (start, end, the recall ending it or None, released to an AP).
    # The current period ends when the licence ends (by law or the Parole Board): no recall
    # work after that date.
    ended = licence_end(person)
    last_day = REFERENCE_DATE if ended is None else min(REFERENCE_DATE, ended - dt.timedelta(1))
    periods = [
        (r.date, r.recall.date if r.recall else last_day, r.recall, r.approved_premises)
        for r in person.releases
    ]
    index_behaviours = person.sentence.index_offence.behaviours
    trail = dt.timedelta(days=CONCERN_TRAIL_DAYS)

    count = min(
        CONCERN_MAX,
        _poisson(
            rng, min(3.0 * CONCERN_MAX, rng.gammavariate(CONCERN_SHAPE, _CONCERN_COUNT_SCALE))
        ),
    )
    concerns: list[ConcernSpec] = []
    concern_ends: list[dt.date] = []  # the end of each concern's period (for actions)
    for _ in range(count):
        if len(periods) == 1 or rng.random() < CONCERN_LATEST_PERIOD_SHARE:
            start, end, recall, ap = periods[-1]
        else:
            start, end, recall, ap = periods[int(rng.random() * (len(periods) - 1))]
        if recall is not None and rng.random() < CONCERN_TRAIL_SHARE:
            day = _day_in(rng, max(start, end - trail), end)
        else:
            day = _day_in(rng, start, end)
        wanted = _CONCERN_BEHAVIOUR_COUNTS.pick(rng)
        chosen: set[str] = set()
        if index_behaviours and rng.random() < CONCERN_CAUSAL_SHARE:
            chosen.add(_pick(rng, index_behaviours))
        while len(chosen) < wanted:
            chosen.add(_CONCERN_BEHAVIOURS.pick(rng))
        behaviours = sorted(chosen, key=_BEHAVIOUR_ORDER.__getitem__)
        if _DRUGS in chosen and rng.random() < 0.5:
            source = _DRUG_TEST
        elif ap and (day - start).days < AP_STAY_DAYS and rng.random() < 0.5:
            source = _AP_STAFF
        else:
            source = _CONCERN_SOURCES.pick(rng)
        recorded = min(REFERENCE_DATE, day + dt.timedelta(days=_int(rng, 0, 2)))
        concerns.append(
            ConcernSpec(
                occurred_on=day,
                description=_pick(rng, CONCERN_PHRASES[behaviours[0]]),
                source=source,
                behaviours=behaviours,
                recorded_by=coms.on(recorded),
                recorded_at=_at(rng, recorded),
            )
        )
        concern_ends.append(end)
    person.concerns = concerns

    actions: list[ActionSpec] = []
    for _ in range(min(ACTION_MAX, _poisson(rng, ACTION_MEAN))):
        if concerns:
            i = int(rng.random() * len(concerns))
            taken = min(
                concern_ends[i],
                concerns[i].occurred_on + dt.timedelta(days=_int(rng, *ACTION_AFTER_CONCERN_DAYS)),
            )
        else:
            taken = _day_in(rng, periods[-1][0], periods[-1][1])
        kind = _ACTION_KINDS.pick(rng)
        outcome = ""
        if (REFERENCE_DATE - taken).days > ACTION_RECENT_DAYS:
            outcome = _pick(rng, ACTION_OUTCOMES)
        actions.append(
            ActionSpec(
                kind=kind,
                referral=_pick(rng, recall_rules.REFERRALS) if kind == _REFERRAL else "",
                taken_on=taken,
                details=ACTION_DETAILS[kind],
                outcome=outcome,
                recorded_by=coms.on(taken),
                recorded_at=_at(rng, taken),
            )
        )
    person.actions = actions

    def behaviours_before(day: dt.date) -> list[str]:
        since = day - trail
        seen = {b for c in concerns if since <= c.occurred_on <= day for b in c.behaviours}
        return sorted(
            seen or {vocab.Behaviour.NON_COMPLIANCE.value}, key=_BEHAVIOUR_ORDER.__getitem__
        )

    def answers(day: dt.date, criteria: Sequence[str]) -> dict[str, Any]:
        current = behaviours_before(day)
        shared = [b for b in current if b in index_behaviours]
        link = ", ".join(_BEHAVIOUR_LABELS[b] for b in (shared or current))
        return {
            "why_considered": _pick(rng, CONCERN_PHRASES[current[0]]),
            "criteria": {c: CRITERION_EVIDENCE[c] for c in criteria},
            "current_behaviours": current,
            "causal_link": f"Index offence: {person.sentence.index_offence.description}. "
            f"Now: {link}.",
            "increased_risk_of_harm": "Escalating concerns over recent weeks; risk now imminent.",
        }

    def alternatives(day: dt.date) -> dict[str, dict[str, str]]:
        tried = {a.kind for a in actions if a.taken_on <= day}
        return {
            k: {
                "status": "tried" if k in tried else "not_suitable",
                "details": "Tried; concerns continued."
                if k in tried
                else "Considered; not enough.",
            }
            for k in recall_rules.CORE_ALTERNATIVES
        }

    recommendations: list[RecommendationSpec] = []
    for start, _end, recall, _ap in periods:
        if recall is None or recall.date < RECOMMENDATIONS_FROM:
            continue
        created = max(start, recall.date - dt.timedelta(days=_int(rng, *RECOMMENDATION_LEAD_DAYS)))
        submitted = max(created, recall.date - dt.timedelta(days=1))
        com = coms.on(created)
        acknowledgements: dict[str, str] = {}
        if rng.random() < ACKNOWLEDGED_SHARE:
            for code in rng.sample(_WARN_CODES, _int(rng, 1, 2)):
                acknowledgements[code] = "Discussed with my SPO; recall is still necessary."
        submitted_at = _at(rng, submitted)
        recommendations.append(
            RecommendationSpec(
                status=_RS.AUTHORISED.value,
                version=_int(rng, 6, 14),
                created_by=com,
                created_at=_at(rng, created),
                updated_at=_at(rng, recall.date),
                recall_type=recall_vocab.RecallType.STANDARD.value,
                alternatives=alternatives(recall.date),
                acknowledgements=acknowledgements,
                sections_saved=list(RECOMMENDATION_SECTIONS),
                recall=recall,
                submitted_at=submitted_at,
                submitted_by=coms.on(submitted),
                assigned_to=_pick(rng, ppcs) if ppcs else "",
                assigned_at=submitted_at + dt.timedelta(hours=1) if ppcs else None,
                **answers(created, recall.criteria),
            )
        )

    latest_start, _, latest_recall, _ = periods[-1]
    in_force = ended is None or ended > REFERENCE_DATE
    if latest_recall is None and in_force and rng.random() < ACTIVE_SHARE:
        created = max(
            latest_start, REFERENCE_DATE - dt.timedelta(days=_int(rng, 1, ACTIVE_WITHIN_DAYS))
        )
        status = _ACTIVE.pick(rng)
        draft = status == _RS.DRAFT
        saved = RECOMMENDATION_SECTIONS[: _int(rng, 0, 5)] if draft else RECOMMENDATION_SECTIONS
        filled = answers(created, [] if draft and len(saved) < 3 else ["i"])
        rec = RecommendationSpec(
            status=status,
            version=len(saved) + 1 + (0 if draft else _int(rng, 1, 4)),
            created_by=coms.on(created),
            created_at=_at(rng, created),
            updated_at=_at(rng, min(REFERENCE_DATE, created + dt.timedelta(days=_int(rng, 0, 3)))),
            recall_type=recall_vocab.RecallType.STANDARD.value,
            alternatives={} if draft else alternatives(created),
            acknowledgements={},
            sections_saved=list(saved),
            **filled,
        )
        if status in (_RS.SUBMITTED, _RS.INFO_REQUESTED):
            day = min(REFERENCE_DATE, created + dt.timedelta(days=_int(rng, 1, 5)))
            rec.submitted_at = _at(rng, day)
            rec.submitted_by = coms.on(day)
            rec.updated_at = max(rec.updated_at, rec.submitted_at)
            if ppcs:
                rec.assigned_to = _pick(rng, ppcs)
                rec.assigned_at = rec.submitted_at + dt.timedelta(hours=2)
            if status == _RS.INFO_REQUESTED:
                rec.further_information = "Send the police log of the incident."
        recommendations.append(rec)

    if rng.random() < CLOSED_SHARE:
        start, end, _recall, _ap = periods[int(rng.random() * len(periods))]
        low = max(start, RECOMMENDATIONS_FROM)
        if low <= end:
            created = _day_in(rng, low, end)
            status = _CLOSED.pick(rng)
            closed = min(REFERENCE_DATE, created + dt.timedelta(days=_int(rng, 1, 10)))
            not_recalled = status == _RS.NOT_RECALLED
            rec = RecommendationSpec(
                status=status,
                version=_int(rng, 3, 9),
                created_by=coms.on(created),
                created_at=_at(rng, created),
                updated_at=_at(rng, closed),
                recall_type=(
                    recall_vocab.RecallType.NONE
                    if not_recalled
                    else recall_vocab.RecallType.STANDARD
                ).value,
                alternatives=alternatives(created),
                acknowledgements={},
                sections_saved=list(
                    RECOMMENDATION_SECTIONS[: len(RECOMMENDATION_SECTIONS) if not_recalled else 3]
                ),
                withdrawn_reason="" if not_recalled else _pick(rng, WITHDRAWN_REASONS),
                **answers(created, []),
            )
            if not_recalled:
                rec.why_considered = NOT_RECALLED_WHY
            recommendations.append(rec)
    recommendations.sort(key=lambda r: r.created_at)
    person.recommendations = recommendations


# load_demo's recall workflow examples need one person on a licence in force for each of
# recall.demo.STAGES in the showcase team (a test holds the two equal).
SHOWCASE_IN_FORCE_MIN = 9


def _showcase_in_force(data: DemoData) -> int:
    teams = data.org.teams()
    showcase = teams[0][1].code if teams else ""
    return sum(
        1
        for p in data.people
        if p.team == showcase
        and status_of(p) == "licence"
        and (licence_end(p) or dt.date.max) > REFERENCE_DATE + dt.timedelta(days=365)
    )


def fixture_seed(people: int = FIXTURE_PEOPLE, start: int = DEFAULT_SEED) -> int:
    """The first seed from ``start`` whose ``people`` include every case state (on licence, in
    custody, at large), a woman and a DPP, so that the small demo shows each of them, and
    enough licences in force in the showcase team for the recall workflow examples."""
    for seed in itertools.count(start):
        data = generate(people, seed)
        states = {status_of(p) for p in data.people}
        if (
            states == {"licence", "custody", "at_large"}
            and any(p.gender == vocab.Gender.FEMALE for p in data.people)
            and any(p.sentence.sentence_type == vocab.SentenceType.DPP for p in data.people)
            and _showcase_in_force(data) >= SHOWCASE_IN_FORCE_MIN
        ):
            return seed
    raise AssertionError("unreachable")


def generate(people: int, seed: int = DEFAULT_SEED) -> DemoData:
    """``people`` synthetic people and the organisation that manages them, from ``seed`` alone."""
    if people < 0:
        raise ValueError("people must not be negative")
    org = generate_org(people, seed)
    maker = _PersonMaker(seed, people, org)
    return DemoData(people, seed, org, [maker.make(i) for i in range(people)])


# --- comparison with the published profile ---------------------------------------------------


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


def status_of(person: PersonSpec) -> str:
    """Where the person is on the reference date: licence, custody or at_large."""
    recall = person.releases[-1].recall
    if recall is None:
        return "licence"
    return "custody" if recall.returned_to_custody is not None else "at_large"


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
            keys: Sequence[str] = item if multi else [item]  # type: ignore[assignment,list-item]
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
        [_band(_age(p.date_of_birth, PROFILE_DATE), AGE_BANDS) for p in people],
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
        [r.outcome for r in reviews if r.kind == _PAPER],
    )
    compare(
        "Oral hearing decisions (share of decisions)",
        "Table 12 (national)",
        _shares(ORAL_OUTCOMES),
        [r.outcome for r in reviews if r.kind == _ORAL],
    )
    compare(
        "Licence termination decisions (share of decisions)",
        "2025 stakeholder minutes, item 5",
        _shares(TERMINATION_OUTCOMES),
        [t.outcome for p in people for t in p.termination_referrals if t.decided is not None],
    )
    return rows


# --- serialisation: the import format and the organisation format ------------------------------


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _offence_dict(offence: OffenceSpec) -> dict[str, Any]:
    return {
        "category": offence.category,
        "description": offence.description,
        "behaviours": list(offence.behaviours),
    }


def _review_dict(review: ReviewSpec) -> dict[str, Any]:
    item: dict[str, Any] = {
        "referred": _iso(review.referred),
        "kind": review.kind,
        "decided": _iso(review.decided),
        "outcome": review.outcome or None,
    }
    if review.hearing_date is not None:
        item["hearing_date"] = _iso(review.hearing_date)
    if review.calder:
        item["calder"] = review.calder
    adjournments = []
    for a in review.adjournments:
        adjournment: dict[str, Any] = {
            "date": _iso(a.date),
            "reason": a.reason,
            "prisoner_informed": _iso(a.prisoner_informed),
        }
        if a.kind != _ADJOURNMENT:
            adjournment["kind"] = a.kind
        if a.new_date is not None:
            adjournment["new_date"] = _iso(a.new_date)
        adjournments.append(adjournment)
    item["adjournments"] = adjournments
    return item


def person_document(person: PersonSpec) -> dict[str, Any]:
    """One person in the case import format ``ippcase-import/1`` (docs/import-format.md)."""
    s = person.sentence
    releases = []
    for release in person.releases:
        item: dict[str, Any] = {
            "date": _iso(release.date),
            "prison": release.prison,
            "approved_premises": release.approved_premises,
        }
        recall = release.recall
        if recall is not None:
            item["recall"] = {
                "date": _iso(recall.date),
                "returned_to_custody": _iso(recall.returned_to_custody),
                "reasons": list(recall.reasons),
                "criteria": list(recall.criteria),
            }
            # The parole parts only where there are any (as the export writes them), so that a
            # recall without parole work reads as before.
            if recall.parole_reviews:
                item["recall"]["parole_reviews"] = [_review_dict(r) for r in recall.parole_reviews]
            if recall.rarr is not None:
                item["recall"]["rarr"] = {
                    "decided": _iso(recall.rarr.decided),
                    "outcome": recall.rarr.outcome,
                }
            if recall.re_released is not None:
                item["recall"]["re_released"] = _iso(recall.re_released)
        releases.append(item)
    conditions = []
    for c in person.licence_conditions:
        item = {"kind": c.kind}
        if c.kind == vocab.ConditionKind.STANDARD:
            item["code"] = c.code
        else:
            if c.code:
                item["code"] = c.code
            item["text"] = c.text
        item["start"] = _iso(c.start)
        item["end"] = _iso(c.end)
        conditions.append(item)
    document: dict[str, Any] = {
        "crn": person.crn,
        "nomis_number": person.nomis_number,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "date_of_birth": _iso(person.date_of_birth),
        "gender": person.gender,
        "ethnicity": person.ethnicity,
        "team": person.team,
        "sentence": {
            "type": s.sentence_type,
            "sentence_date": _iso(s.sentence_date),
            "tariff": {"years": s.tariff_years, "months": s.tariff_months, "days": s.tariff_days},
            "index_offence": _offence_dict(s.index_offence),
            "other_offences": [_offence_dict(o) for o in s.other_offences],
        },
        "releases": releases,
        "pnc": person.pnc,
        "mappa": (
            {"category": person.mappa_category, "level": person.mappa_level}
            if person.mappa_category is not None
            else None
        ),
        "rosh_level": person.rosh_level or None,
        "accommodation": person.accommodation,
        "needs": list(person.needs),
        "vulnerabilities": person.vulnerabilities,
        "opd_screening": person.opd_screening,
        "licence_conditions": conditions,
        "allocations": [
            {"practitioner": a.practitioner, "start": _iso(a.start), "end": _iso(a.end)}
            for a in person.allocations
        ],
    }
    if person.termination_referrals:
        document["licence_termination_referrals"] = [
            {"referred": _iso(t.referred), "decided": _iso(t.decided), "outcome": t.outcome or None}
            for t in person.termination_referrals
        ]
    return document


def import_document(data: DemoData) -> dict[str, Any]:
    """All the people of ``data`` as one ``ippcase-import/1`` document."""
    return {"format": IMPORT_FORMAT, "people": [person_document(p) for p in data.people]}


def org_document(org: OrgSpec) -> dict[str, Any]:
    """The organisation as an ``ippcase-demo-org/1`` document (docs/demo-data.md)."""
    return {
        "format": ORG_FORMAT,
        "regions": [
            {
                "code": region.code,
                "name": region.name,
                "pdus": [
                    {
                        "code": pdu.code,
                        "name": pdu.name,
                        "place": pdu.place,
                        "teams": [{"code": t.code, "name": t.name} for t in pdu.teams],
                    }
                    for pdu in region.pdus
                ],
            }
            for region in org.regions
        ],
        "users": [
            {
                "username": u.username,
                "first_name": u.first_name,
                "last_name": u.last_name,
                "email": u.email,
                "team": u.team,
                "roles": list(u.roles),
            }
            for u in org.users
        ],
    }


def org_from_document(doc: dict[str, Any]) -> OrgSpec:
    """Read an ``ippcase-demo-org/1`` document; raises ValueError on another format."""
    if doc.get("format") != ORG_FORMAT:
        raise ValueError(f"expected format {ORG_FORMAT!r}, got {doc.get('format')!r}")
    regions = [
        RegionSpec(
            r["code"],
            r["name"],
            [
                PduSpec(
                    p["code"],
                    p["name"],
                    p.get("place", p["name"]),
                    [TeamSpec(t["code"], t["name"]) for t in p["teams"]],
                )
                for p in r["pdus"]
            ],
        )
        for r in doc["regions"]
    ]
    users = [
        UserSpec(
            u["username"],
            u["first_name"],
            u["last_name"],
            u["email"],
            u.get("team"),
            list(u["roles"]),
        )
        for u in doc["users"]
    ]
    return OrgSpec(regions, users)


# --- the database ----------------------------------------------------------------------------


def create_org(org: OrgSpec, *, password_hash: str) -> tuple[dict[str, int], dict[str, int]]:
    """Create the regions, PDUs, teams and users of ``org`` (bulk inserts); every user gets
    ``password_hash``. Returns (team code -> id, username -> id)."""
    from ippcase.models import Pdu, Region, Team, User

    regions = Region.objects.bulk_create([Region(code=r.code, name=r.name) for r in org.regions])
    pdus = Pdu.objects.bulk_create(
        [
            Pdu(region_id=region.pk, code=p.code, name=p.name)
            for region, spec in zip(regions, org.regions, strict=True)
            for p in spec.pdus
        ]
    )
    pdu_specs = [p for r in org.regions for p in r.pdus]
    teams = Team.objects.bulk_create(
        [
            Team(pdu_id=pdu.pk, code=t.code, name=t.name)
            for pdu, spec in zip(pdus, pdu_specs, strict=True)
            for t in spec.teams
        ]
    )
    team_ids = {team.code: team.pk for team in teams}
    users = User.objects.bulk_create(
        [
            User(
                username=u.username,
                first_name=u.first_name,
                last_name=u.last_name,
                email=u.email,
                team_id=team_ids[u.team] if u.team else None,
                roles=list(u.roles),
                password=password_hash,
                # Administrators may use the Django admin too.
                is_staff=vocab.Role.ADMIN in u.roles,
            )
            for u in org.users
        ]
    )
    return team_ids, {user.username: user.pk for user in users}


def _columns(model: type[Any], fields: Sequence[str]) -> tuple[list[str], tuple[Any, ...]]:
    """The columns to COPY into ``model``'s table: ``fields`` (names or attnames, in order)
    followed by every other concrete field at its default, so that a field added to the model
    later is filled as ``Model()`` would fill it, or fails here with a clear message."""
    from django.db import connection
    from django.db.models import NOT_PROVIDED
    from django.utils import timezone

    by_name = {f.name: f for f in model._meta.concrete_fields} | {
        f.attname: f for f in model._meta.concrete_fields
    }
    given = [by_name[name] for name in fields]
    columns = [f.column for f in given]
    defaults: list[Any] = []
    for f in model._meta.concrete_fields:
        if f in given or f.primary_key or f.db_default is not NOT_PROVIDED:
            continue  # given, or filled by the database itself
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = timezone.now()
        elif f.has_default() or (f.blank and f.empty_strings_allowed and not f.null):
            # An optional text field without a default is "" for Model(), so here too.
            value = f.get_db_prep_save(f.get_default(), connection)
        elif f.null:
            value = None
        else:
            raise LookupError(
                f"{model.__name__}.{f.name} has no default: give it a value in ippcase/demo.py"
            )
        columns.append(f.column)
        defaults.append(value)
    return columns, tuple(defaults)


def _copy(
    cursor: Any, model: type[Any], fields: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> int:
    """Insert ``rows`` (values for ``fields``, in order) into ``model``'s table with one COPY.

    Row triggers still fire (pghistory writes an event per row), and so do the constraints.
    The audit context is transaction-local: pghistory set it with the statements that went
    through Django's cursor earlier in the transaction (the organisation's inserts), and COPY
    runs in the same transaction, so its events carry the same context.
    """
    from psycopg import sql

    columns, defaults = _columns(model, fields)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table),
        sql.SQL(", ").join(sql.Identifier(column) for column in columns),
    )
    count = 0
    with cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row + defaults)
            count += 1
    return count


def _reserve_ids(cursor: Any, model: type[Any], count: int) -> list[int]:
    """``count`` primary keys from the table's own sequence (one query), so that children can
    refer to rows that COPY has not written yet."""
    if count == 0:
        return []
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [model._meta.db_table, model._meta.pk.column, count],
    )
    return [row[0] for row in cursor.fetchall()]


def write_to_database(data: DemoData, *, password_hash: str) -> dict[str, int]:
    """Write ``data``: the organisation and users with bulk_create, then the people and their
    whole history with one COPY per table (primary keys reserved from the sequences first).

    A fixed number of statements whatever the number of people, and no per-row query: for
    10,000 people (about 260,000 rows) bulk_create spent most of its time preparing values in
    Python, which COPY does not need. Database triggers and constraints apply as for any
    insert. Run inside :func:`bulk_mode` and a transaction; pass the audit context with
    ``pghistory.context``. Returns the number of rows created per model.
    """
    from django.db import connection
    from psycopg.types.json import Jsonb

    from ippcase.models import (
        Allocation,
        IndexOffence,
        LicenceCondition,
        Person,
        Recall,
        Release,
        Sentence,
        tariff_expiry,
    )
    from parole.models import (
        Adjournment,
        ParoleReview,
        RiskAssessedRecallReview,
        TerminationReferral,
    )
    from recall.models import ActionShortOfRecall, Concern, RecallRecommendation

    team_ids, user_ids = create_org(data.org, password_hash=password_hash)
    people = data.people
    counts: dict[str, int] = {
        "regions": len(data.org.regions),
        "teams": len(team_ids),
        "users": len(user_ids),
    }
    with connection.cursor() as cursor:
        person_ids = _reserve_ids(cursor, Person, len(people))
        counts["people"] = _copy(
            cursor,
            Person,
            [
                "id",
                "crn",
                "nomis_number",
                "pnc",
                "first_name",
                "last_name",
                "date_of_birth",
                "gender",
                "ethnicity",
                "team_id",
                "mappa_category",
                "mappa_level",
                "rosh_level",
                "accommodation",
                "needs",
                "vulnerabilities",
                "opd_screening",
            ],
            (
                (
                    pid,
                    p.crn,
                    p.nomis_number,
                    p.pnc,
                    p.first_name,
                    p.last_name,
                    p.date_of_birth,
                    p.gender,
                    p.ethnicity,
                    team_ids[p.team],
                    p.mappa_category,
                    p.mappa_level,
                    p.rosh_level,
                    p.accommodation,
                    p.needs,
                    p.vulnerabilities,
                    p.opd_screening,
                )
                for pid, p in zip(person_ids, people, strict=True)
            ),
        )
        sentence_ids = _reserve_ids(cursor, Sentence, len(people))
        _copy(
            cursor,
            Sentence,
            [
                "id",
                "person_id",
                "sentence_type",
                "sentence_date",
                "tariff_years",
                "tariff_months",
                "tariff_days",
                "tariff_expiry_date",
            ],
            (
                (
                    sid,
                    pid,
                    s.sentence_type,
                    s.sentence_date,
                    s.tariff_years,
                    s.tariff_months,
                    s.tariff_days,
                    # Sentence.save() derives the expiry; COPY does not call it: same function.
                    tariff_expiry(s.sentence_date, s.tariff_years, s.tariff_months, s.tariff_days),
                )
                for sid, pid, s in zip(
                    sentence_ids, person_ids, (p.sentence for p in people), strict=True
                )
            ),
        )
        counts["offences"] = _copy(
            cursor,
            IndexOffence,
            ["sentence_id", "category", "description", "behaviours", "is_principal"],
            (
                (sid, o.category, o.description, o.behaviours, principal)
                for sid, p in zip(sentence_ids, people, strict=True)
                for o, principal in [
                    (p.sentence.index_offence, True),
                    *((other, False) for other in p.sentence.other_offences),
                ]
            ),
        )
        releases = [(pid, r) for pid, p in zip(person_ids, people, strict=True) for r in p.releases]
        release_ids = _reserve_ids(cursor, Release, len(releases))
        counts["releases"] = _copy(
            cursor,
            Release,
            ["id", "person_id", "date", "prison", "approved_premises"],
            (
                (rid, pid, r.date, r.prison, r.approved_premises)
                for rid, (pid, r) in zip(release_ids, releases, strict=True)
            ),
        )
        recalls = [
            (rid, r.recall)
            for rid, (_, r) in zip(release_ids, releases, strict=True)
            if r.recall is not None
        ]
        recall_ids = _reserve_ids(cursor, Recall, len(recalls))
        counts["recalls"] = _copy(
            cursor,
            Recall,
            [
                "id",
                "release_id",
                "recall_date",
                "returned_to_custody",
                "reasons",
                "criteria",
                "re_released_on",
            ],
            (
                (cid, rid, c.date, c.returned_to_custody, c.reasons, c.criteria, c.re_released)
                for cid, (rid, c) in zip(recall_ids, recalls, strict=True)
            ),
        )
        reviews = [
            (cid, review)
            for cid, (_, c) in zip(recall_ids, recalls, strict=True)
            for review in c.parole_reviews
        ]
        review_ids = _reserve_ids(cursor, ParoleReview, len(reviews))
        counts["parole_reviews"] = _copy(
            cursor,
            ParoleReview,
            [
                "id",
                "recall_id",
                "kind",
                "referred_on",
                "calder_answer",
                "hearing_date",
                "decided_on",
                "outcome",
            ],
            (
                (vid, cid, v.kind, v.referred, v.calder, v.hearing_date, v.decided, v.outcome)
                for vid, (cid, v) in zip(review_ids, reviews, strict=True)
            ),
        )
        counts["adjournments"] = _copy(
            cursor,
            Adjournment,
            ["review_id", "kind", "date", "reason", "new_date", "prisoner_informed_on"],
            (
                (vid, a.kind, a.date, a.reason, a.new_date, a.prisoner_informed)
                for vid, (_, v) in zip(review_ids, reviews, strict=True)
                for a in v.adjournments
            ),
        )
        counts["risk_assessed_recall_reviews"] = _copy(
            cursor,
            RiskAssessedRecallReview,
            ["recall_id", "decided_on", "outcome"],
            (
                (cid, c.rarr.decided, c.rarr.outcome)
                for cid, (_, c) in zip(recall_ids, recalls, strict=True)
                if c.rarr is not None
            ),
        )
        counts["termination_referrals"] = _copy(
            cursor,
            TerminationReferral,
            ["person_id", "referred_on", "decided_on", "outcome"],
            (
                (pid, t.referred, t.decided, t.outcome)
                for pid, p in zip(person_ids, people, strict=True)
                for t in p.termination_referrals
            ),
        )
        counts["licence_conditions"] = _copy(
            cursor,
            LicenceCondition,
            [
                "person_id",
                "kind",
                "standard_code",
                "additional_code",
                "text",
                "start_date",
                "end_date",
            ],
            (
                (
                    pid,
                    c.kind,
                    c.code if c.kind == vocab.ConditionKind.STANDARD else "",
                    c.code if c.kind == vocab.ConditionKind.ADDITIONAL else "",
                    c.text,
                    c.start,
                    c.end,
                )
                for pid, p in zip(person_ids, people, strict=True)
                for c in p.licence_conditions
            ),
        )
        counts["allocations"] = _copy(
            cursor,
            Allocation,
            ["person_id", "practitioner_id", "start_date", "end_date"],
            (
                (pid, user_ids[a.practitioner], a.start, a.end)
                for pid, p in zip(person_ids, people, strict=True)
                for a in p.allocations
            ),
        )
        # The recall work: concerns and actions short of recall (no licence conditions linked:
        # the many-to-many stays empty), then the recommendations, linked to their recalls.
        counts["concerns"] = _copy(
            cursor,
            Concern,
            [
                "person_id",
                "occurred_on",
                "description",
                "source",
                "behaviours",
                "recorded_by_id",
                "recorded_at",
            ],
            (
                (
                    pid,
                    c.occurred_on,
                    c.description,
                    c.source,
                    c.behaviours,
                    user_ids[c.recorded_by],
                    c.recorded_at,
                )
                for pid, p in zip(person_ids, people, strict=True)
                for c in p.concerns
            ),
        )
        counts["actions_short_of_recall"] = _copy(
            cursor,
            ActionShortOfRecall,
            [
                "person_id",
                "kind",
                "referral",
                "taken_on",
                "details",
                "outcome",
                "recorded_by_id",
                "recorded_at",
            ],
            (
                (
                    pid,
                    a.kind,
                    a.referral,
                    a.taken_on,
                    a.details,
                    a.outcome,
                    user_ids[a.recorded_by],
                    a.recorded_at,
                )
                for pid, p in zip(person_ids, people, strict=True)
                for a in p.actions
            ),
        )
        recall_id_of = {id(c): cid for cid, (_, c) in zip(recall_ids, recalls, strict=True)}
        counts["recommendations"] = _copy(
            cursor,
            RecallRecommendation,
            [
                "person_id",
                "status",
                "version",
                "created_by_id",
                "created_at",
                "updated_at",
                "why_considered",
                "recall_type",
                "criteria",
                "current_behaviours",
                "causal_link",
                "increased_risk_of_harm",
                "alternatives",
                "other_agencies_consulted",
                "multi_agency_input",
                "progression_panel_held",
                "acknowledgements",
                "sections_saved",
                "withdrawn_reason",
                "assigned_to_id",
                "assigned_at",
                "further_information",
                "recall_id",
                "submitted_at",
                "submitted_by_id",
            ],
            (
                (
                    pid,
                    r.status,
                    r.version,
                    user_ids[r.created_by],
                    r.created_at,
                    r.updated_at,
                    r.why_considered,
                    r.recall_type,
                    Jsonb(r.criteria),
                    r.current_behaviours,
                    r.causal_link,
                    r.increased_risk_of_harm,
                    Jsonb(r.alternatives),
                    bool(r.alternatives),
                    "Police and partner agencies consulted." if r.alternatives else "",
                    bool(r.alternatives),
                    Jsonb(r.acknowledgements),
                    r.sections_saved,
                    r.withdrawn_reason,
                    user_ids[r.assigned_to] if r.assigned_to else None,
                    r.assigned_at,
                    r.further_information,
                    recall_id_of[id(r.recall)] if r.recall is not None else None,
                    r.submitted_at,
                    user_ids[r.submitted_by] if r.submitted_by else None,
                )
                for pid, p in zip(person_ids, people, strict=True)
                for r in p.recommendations
            ),
        )
    return counts


@contextlib.contextmanager
def bulk_mode() -> Iterator[None]:
    """Settings for one large write, inside the caller's transaction.

    - Foreign keys are checked per statement, not deferred to the commit: Django makes them
      DEFERRABLE INITIALLY DEFERRED, and PostgreSQL rescans its whole queue of deferred checks at
      the end of every statement, so a quarter of a million deferred checks made the seed
      quadratic (minutes instead of seconds).
    - The cyclic garbage collector pauses: hundreds of thousands of short-lived objects would
      trigger full collections over an ever larger heap; none of them form cycles.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def demo_data_present() -> bool:
    """True when the database holds any demo organisation (a region with a demo code)."""
    from ippcase.models import Region

    return Region.objects.filter(code__in=DEMO_REGION_CODES).exists()


def _delete_recall_work(person_ids: list[int]) -> None:
    """Delete the recall work on ``person_ids``, children first, one statement per table."""
    from django.db import connection
    from psycopg import sql

    from ippcase.models import Recall, Release
    from recall.models import (
        ActionShortOfRecall,
        Concern,
        Dossier,
        Oversight,
        PpcsDecision,
        RecallRecommendation,
        ReportReminder,
    )

    def t(model: type[Any]) -> sql.Identifier:
        return sql.Identifier(model._meta.db_table)

    statements = [
        sql.SQL(
            "DELETE FROM {} WHERE recall_id IN (SELECT r.id FROM {} r JOIN {} s"
            " ON s.id = r.release_id WHERE s.person_id = ANY(%(people)s))"
        ).format(t(ReportReminder), t(Recall), t(Release)),
        *(
            sql.SQL(
                "DELETE FROM {} WHERE recommendation_id IN"
                " (SELECT id FROM {} WHERE person_id = ANY(%(people)s))"
            ).format(t(model), t(RecallRecommendation))
            for model in (Dossier, PpcsDecision, Oversight)
        ),
        sql.SQL(
            "DELETE FROM {} WHERE concern_id IN"
            " (SELECT id FROM {} WHERE person_id = ANY(%(people)s))"
        ).format(t(Concern.conditions.through), t(Concern)),
        *(
            sql.SQL("DELETE FROM {} WHERE person_id = ANY(%(people)s)").format(t(model))
            for model in (RecallRecommendation, Concern, ActionShortOfRecall)
        ),
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            # As text: pghistory adds its audit context to the SQL that Django runs.
            cursor.execute(statement.as_string(connection.connection), {"people": person_ids})


def clear_demo_data() -> dict[str, int]:
    """Delete the demo organisation, its users and its people (with their whole history).

    Demo data is recognised by the region codes of :data:`REGIONS` and by the demo e-mail domain:
    never run this against a database holding real cases in those regions. The audit event rows
    stay (the event tables are append-only); a delete writes its own event.
    """
    from django.db.models import Q

    from ippcase.models import (
        Allocation,
        IndexOffence,
        LicenceCondition,
        Notification,
        Pdu,
        Person,
        Recall,
        Region,
        Release,
        Sentence,
        Team,
        User,
    )
    from parole.models import (
        Adjournment,
        ParoleReview,
        RiskAssessedRecallReview,
        SupervisionSuspension,
        TerminationReferral,
    )

    teams = Team.objects.filter(pdu__region__code__in=DEMO_REGION_CODES)
    team_ids = list(teams.values_list("pk", flat=True))
    # Ids are fetched first and every delete filters on one list of ids: nested IN-subqueries
    # over tables filled in this very transaction (no statistics yet) were planned as nested
    # sequential scans and ran for many minutes. Children go first, each in one statement, so
    # that Django's collector has nothing left to load when it deletes the parents.
    person_ids = list(Person.objects.filter(team_id__in=team_ids).values_list("pk", flat=True))
    sentence_ids = list(
        Sentence.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    )
    release_ids = list(
        Release.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    )
    # The recall work built on these people goes first (it protects them from deletion). A
    # national-scale seed holds hundreds of thousands of concerns: each table goes in one
    # DELETE on the ids (Django's collector would load every row to cascade the concerns'
    # licence-condition links). Row triggers still write the audit events, as for any delete.
    _delete_recall_work(person_ids)
    from recall.demo import clear_recall_work

    clear_recall_work(person_ids)  # whatever else the recall app keeps on these people
    # Then the parole work, children first (the reviews' delays, then the reviews).
    recall_ids = list(
        Recall.objects.filter(release_id__in=release_ids).values_list("pk", flat=True)
    )
    review_ids = list(
        ParoleReview.objects.filter(recall_id__in=recall_ids).values_list("pk", flat=True)
    )
    Adjournment.objects.filter(review_id__in=review_ids).delete()
    ParoleReview.objects.filter(pk__in=review_ids).delete()
    RiskAssessedRecallReview.objects.filter(recall_id__in=recall_ids).delete()
    TerminationReferral.objects.filter(person_id__in=person_ids).delete()
    SupervisionSuspension.objects.filter(person_id__in=person_ids).delete()
    Allocation.objects.filter(person_id__in=person_ids).delete()
    LicenceCondition.objects.filter(person_id__in=person_ids).delete()
    Recall.objects.filter(pk__in=recall_ids).delete()
    IndexOffence.objects.filter(sentence_id__in=sentence_ids).delete()
    Release.objects.filter(pk__in=release_ids).delete()
    Sentence.objects.filter(pk__in=sentence_ids).delete()
    Person.objects.filter(pk__in=person_ids).delete()
    deleted = {"people": len(person_ids)}
    users = User.objects.filter(
        Q(team_id__in=team_ids) | Q(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
    )
    deleted["users"] = users.count()
    Notification.objects.filter(recipient__in=users).delete()  # their mail goes with them
    users.delete()
    deleted["teams"] = len(team_ids)
    Team.objects.filter(pk__in=team_ids).delete()
    Pdu.objects.filter(region__code__in=DEMO_REGION_CODES).delete()
    deleted["regions"] = Region.objects.filter(code__in=DEMO_REGION_CODES).delete()[0]
    return deleted
