"""The demo's fixed lists: names, regions and PDUs, prisons, index offences, licence
condition wordings, and the phrases of concerns, actions and recommendations.

Plausibility, not published data (the published shares are in :mod:`ippcase.demo.tables`).
"""

from __future__ import annotations

from ippcase import vocab

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
# The vocabulary's order: behaviour tags are sorted by it, so the output is canonical.
BEHAVIOUR_ORDER = {b.value: i for i, b in enumerate(vocab.Behaviour)}
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
RECOMMENDATION_SECTIONS = (  # recall.views.recommendation.SECTIONS (a test checks)
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
