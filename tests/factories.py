"""factory_boy factories for the case domain. Defaults make a valid IPP case in one call."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from factory.django import DjangoModelFactory

from ippcase import models, vocab
from recall import rules, selectors, services
from recall import vocab as recall_vocab
from recall.models import MeetingAction, MultiAgencyMeeting, RecallRecommendation


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = models.Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"Region {n}")


class PduFactory(DjangoModelFactory):
    class Meta:
        model = models.Pdu
        django_get_or_create = ("code",)

    region = factory.SubFactory(RegionFactory)
    code = factory.Sequence(lambda n: f"pdu-{n}")
    name = factory.Sequence(lambda n: f"PDU {n}")


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = models.Team
        django_get_or_create = ("code",)

    pdu = factory.SubFactory(PduFactory)
    code = factory.Sequence(lambda n: f"team-{n}")
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = models.User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.justice.gov.uk")
    team = factory.SubFactory(TeamFactory)
    roles = factory.LazyFunction(lambda: [vocab.Role.PRACTITIONER])
    password = factory.django.Password("correct-horse-battery-staple")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = models.Person

    crn = factory.Sequence(lambda n: f"X{n:06d}")
    nomis_number = factory.Sequence(lambda n: f"A{n:04d}BC")
    first_name = factory.Faker("first_name_male", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = dt.date(1980, 6, 15)
    gender = vocab.Gender.MALE
    ethnicity = vocab.Ethnicity.WHITE
    team = factory.SubFactory(TeamFactory)
    rosh_level = vocab.RoshLevel.HIGH


class SentenceFactory(DjangoModelFactory):
    class Meta:
        model = models.Sentence

    person = factory.SubFactory(PersonFactory)
    sentence_type = vocab.SentenceType.IPP
    sentence_date = dt.date(2008, 3, 14)
    tariff_years = 2


class IndexOffenceFactory(DjangoModelFactory):
    class Meta:
        model = models.IndexOffence

    sentence = factory.SubFactory(SentenceFactory)
    category = vocab.OffenceCategory.VIOLENCE
    description = "Wounding with intent"
    behaviours = factory.LazyFunction(lambda: [vocab.Behaviour.ALCOHOL, vocab.Behaviour.VIOLENCE])


class ReleaseFactory(DjangoModelFactory):
    class Meta:
        model = models.Release

    person = factory.SubFactory(PersonFactory)
    date = dt.date(2014, 5, 1)
    prison = "HMP Leeds"
    approved_premises = True


class RecallFactory(DjangoModelFactory):
    class Meta:
        model = models.Recall

    release = factory.SubFactory(ReleaseFactory)
    recall_date = factory.LazyAttribute(lambda r: r.release.date + dt.timedelta(days=200))
    returned_to_custody = factory.LazyAttribute(lambda r: r.recall_date + dt.timedelta(days=1))
    reasons = factory.LazyFunction(lambda: [vocab.RecallReason.NON_COMPLIANCE])
    criteria = factory.LazyFunction(lambda: [vocab.RecallCriterion.I])


class LicenceConditionFactory(DjangoModelFactory):
    class Meta:
        model = models.LicenceCondition

    person = factory.SubFactory(PersonFactory)
    kind = vocab.ConditionKind.STANDARD
    standard_code = vocab.StandardCondition.KEEP_IN_TOUCH
    start_date = dt.date(2014, 5, 1)


class MeetingFactory(DjangoModelFactory):
    """A multi-agency meeting (issue 19): an IPP progression panel with police and housing."""

    class Meta:
        model = MultiAgencyMeeting
        skip_postgeneration_save = True

    person = factory.SubFactory(PersonFactory)
    held_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    kind = recall_vocab.MeetingKind.PROGRESSION_PANEL
    chair = "Senior probation officer"
    agencies = factory.LazyFunction(
        lambda: [recall_vocab.Agency.POLICE, recall_vocab.Agency.HOUSING]
    )
    attendees = "COM, SPO, police offender manager, housing officer"
    discussion = "Move-on accommodation and drinking since the AP."
    recorded_by = factory.SubFactory(UserFactory)


class MeetingActionFactory(DjangoModelFactory):
    class Meta:
        model = MeetingAction

    meeting = factory.SubFactory(MeetingFactory)
    description = "Refer to the housing options team"
    owner = factory.SubFactory(UserFactory)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))


class AllocationFactory(DjangoModelFactory):
    class Meta:
        model = models.Allocation

    person = factory.SubFactory(PersonFactory)
    practitioner = factory.SubFactory(UserFactory)
    start_date = dt.date(2014, 5, 1)


def recently_released() -> dt.date:
    """A first release recent enough that an IPP licence is still in force today (automatic
    termination: 3-year qualifying period, then two years; recall.rules), and long enough ago
    that a recall is not "within three months" of it."""
    return RE_RELEASED


def make_case(
    team: models.Team,
    *,
    recalled: bool = True,
    released: dt.date | None = None,
    **person_kwargs: object,
) -> models.Person:
    """A complete IPP case in ``team``: sentence, offence, release (and recall), conditions.
    Its licence is in force today: released a year ago, or first released in 2014, recalled
    and re-released a year ago (the licence would otherwise have ended by law, s.31A).
    ``released`` sets the first release date instead."""
    person = PersonFactory(team=team, **person_kwargs)
    sentence = SentenceFactory(person=person)
    IndexOffenceFactory(sentence=sentence)
    first = released or (ReleaseFactory.date if recalled else RE_RELEASED)
    release = ReleaseFactory(person=person, date=first)
    LicenceConditionFactory(person=person, start_date=release.date)
    if recalled:
        RecallFactory(release=release)
        ReleaseFactory(person=person, date=RE_RELEASED, prison="HMP Wakefield")
    return person


# The latest release of a case: a year ago, so that the licence is in force today (an IPP
# licence ends two continuous years after a release that follows the qualifying period).
RE_RELEASED = timezone.localdate() - relativedelta(years=1)


# --- parole report (issue 5) -------------------------------------------------------------------


def make_recall(
    person: models.Person,
    *,
    recall_date: dt.date,
    returned: dt.date | None = None,
    re_released: dt.date | None = None,
) -> models.Recall:
    """A recall of ``person`` on ``recall_date`` (after a release of its own), returned to
    custody and re-released on the given dates."""
    release = ReleaseFactory(person=person, date=recall_date - dt.timedelta(days=100))
    return RecallFactory(
        release=release,
        recall_date=recall_date,
        returned_to_custody=returned,
        re_released_on=re_released,
    )


# --- recall recommendations (issue 6) -----------------------------------------------------------


def complete_answers() -> dict[str, Any]:
    """Answers that satisfy every block rule of a standard recall of an IPP sentence."""
    return {
        "why_considered": "Drinking again and threats to ex-partner, as before the index offence.",
        "recall_type": "standard",
        "criteria": {"i": "Alcohol misuse and violence mirror the index offence."},
        "current_behaviours": ["alcohol", "violence", "threats"],
        "causal_link": "Index offence: assault while drunk. Now drinking and making threats.",
        "increased_risk_of_harm": "Police report threats to kill; victim is frightened.",
        "alternatives": {
            k: {"status": "not_suitable", "details": "Considered at supervision; not enough."}
            for k in rules.CORE_ALTERNATIVES
        },
        # Input outside a meeting, with its details (issue 19). A progression panel is a
        # meeting record now (record_panel), no longer an answer.
        "other_agencies_consulted": True,
        "multi_agency_input": "Police offender manager and MAPPA coordinator (calls) agree.",
    }


def record_panel(person: models.Person, *, days_ago: int = 30, **kwargs: Any) -> MultiAgencyMeeting:
    """An IPP progression panel about ``person`` with the police and housing, ``days_ago`` days
    ago: within any team's period, so NO_PROGRESSION_PANEL does not fire."""
    held_on = timezone.localdate() - dt.timedelta(days=days_ago)
    return MeetingFactory(person=person, held_on=held_on, **kwargs)


PART_A_POLICE_CONTACT = "PC Dana Reid, West Yorkshire Police"


def part_a_answers() -> dict[str, dict[str, Any]]:
    """Answers to each section of the recall request (Part A), by section slug (the demo has
    its own: tests do not import the demo)."""
    return {
        "whereabouts": {
            "custody_status": "at_large",
            "found_at_main_address": False,
            "other_addresses": "His sister's flat, 4 Mill Lane, Leeds LS2 7AB (he gave it in May).",
        },
        "police": {
            "police_contact_name": PART_A_POLICE_CONTACT,
            "police_contact_phone": "0113 496 0000",
            "police_contact_email": "dana.reid@police.example",
            "arrest_issues": True,
            "arrest_issues_details": "A large dog at his sister's address.",
            "contraband_risk": False,
        },
        "risk-profile": {},
        "conditions": {},
        "victims": {"vlo_informed_on": timezone.localdate()},
    }


def complete_part_a(rec: RecallRecommendation, actor: models.User) -> RecallRecommendation:
    """Save every section of the recall request (Part A), one update per section."""
    rec.refresh_from_db()
    for slug, changes in part_a_answers().items():
        rec = services.recommendation_update(
            rec_id=rec.pk, actor=actor, expected_version=rec.version, changes=changes, section=slug
        )
    return rec


def justify_warnings(
    rec: RecallRecommendation, actor: models.User, *, part_a: bool = True
) -> RecallRecommendation:
    """Write a justification for every warn finding the recommendation has now; a recall's
    Part A sections are saved first (sending refuses a recall without them)."""
    rec.refresh_from_db()
    if part_a and rec.is_recall and rec.status == "draft":
        rec = complete_part_a(rec, actor)
    loaded = selectors.recommendation_with_context(rec.pk)
    warns = [f.code for f in selectors.findings_for(loaded) if f.severity == "warn"]
    return services.recommendation_update(
        rec_id=rec.pk,
        actor=actor,
        expected_version=rec.version,
        changes={"acknowledgements": {c: "Discussed with my SPO; going ahead." for c in warns}},
    )


# --- unallocated cases (issue 14) --------------------------------------------------------------


def make_unallocated_case(pdu: models.Pdu | None = None, **kwargs: Any) -> models.Person:
    """A complete case with no team, waiting on ``pdu``'s unallocated list (None: the national
    list), as the case import leaves a person given no team."""
    return make_case(None, awaiting_pdu=pdu, **kwargs)  # type: ignore[arg-type]
