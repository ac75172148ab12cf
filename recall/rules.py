"""The recall rules: the legal test for recalling an indeterminate sentence and the proportionality
prompts from the HM Inspectorate of Probation IPP recall thematic (December 2023).

PURE PYTHON. Nothing here (or anything it imports) may import Django: the same function runs in
the web app, in the CLI and in tests without a database.

Contract:

* ``Facts.from_dict(mapping)`` parses and validates the facts (the JSON schema in
  ``docs/rules.md``) and raises ``FactsError`` naming the field on anything invalid.
* ``evaluate(facts)`` returns the findings (``Finding``: code, severity, message, reference), one
  per rule that fires, in the order of ``RULES``. It never reads the clock or any other state.
* ``python -m recall.rules FACTS.json`` (``-`` for stdin) prints
  ``{"findings": [{"code", "severity", "message", "reference"}, ...]}`` and exits 0; invalid
  facts, unreadable files and malformed JSON print an error on stderr and exit 2.

To change a rule, edit its entry in ``RULES`` (and its row in ``docs/rules.md``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal, TypeVar, get_args

from recall.deadlines import long_date

# ---------------------------------------------------------------------------------------------
# Vocabularies. Plain strings so that Django code can import them (never the other way round).

Severity = Literal["block", "warn"]
Stage = Literal["draft", "submit"]
SentenceType = Literal["IPP", "DPP", "LIFE", "EDS", "SDS"]
RecallType = Literal["standard", "fixed_term", "none"]
Criterion = Literal["i", "ii", "iii", "iv"]
AlternativeStatus = Literal["tried", "not_suitable", "not_applicable"]
AllegationStatus = Literal["none", "allegation_only", "under_investigation", "charged", "convicted"]
ChargeOutcome = Literal["pending", "no_further_action", "discontinued", "acquitted", "convicted"]
Residence = Literal[
    "approved_premises", "cas3", "independent", "family_friends", "no_fixed_abode", "other"
]
Rosh = Literal["low", "medium", "high", "very_high"]
CustodyStatus = Literal["at_large", "police", "prison"]

SEVERITIES: Final[tuple[Severity, ...]] = get_args(Severity)
STAGES: Final[tuple[Stage, ...]] = get_args(Stage)
SENTENCE_TYPES: Final[tuple[SentenceType, ...]] = get_args(SentenceType)
RECALL_TYPES: Final[tuple[RecallType, ...]] = get_args(RecallType)
CRITERIA: Final[tuple[Criterion, ...]] = get_args(Criterion)
ALTERNATIVE_STATUSES: Final[tuple[AlternativeStatus, ...]] = get_args(AlternativeStatus)
ALLEGATION_STATUSES: Final[tuple[AllegationStatus, ...]] = get_args(AllegationStatus)
CHARGE_OUTCOMES: Final[tuple[ChargeOutcome, ...]] = get_args(ChargeOutcome)
# The allegation was not pursued or not proved (HMIP section 5.2: allegations later dropped).
CHARGE_NOT_PURSUED: Final[frozenset[ChargeOutcome]] = frozenset(
    {"no_further_action", "discontinued", "acquitted"}
)
RESIDENCES: Final[tuple[Residence, ...]] = get_args(Residence)
ROSH_LEVELS: Final[tuple[Rosh, ...]] = get_args(Rosh)
CUSTODY_STATUSES: Final[tuple[CustodyStatus, ...]] = get_args(CustodyStatus)

INDETERMINATE: Final[frozenset[SentenceType]] = frozenset({"IPP", "DPP", "LIFE"})

# Must equal ippcase.vocab.Behaviour.values (a test holds them equal).
BEHAVIOURS: Final[tuple[str, ...]] = (
    "alcohol",
    "drugs",
    "violence",
    "weapons",
    "sexual",
    "online_sexual",
    "domestic_abuse",
    "harassment_stalking",
    "threats",
    "acquisitive",
    "arson",
    "criminal_associates",
    "grievance_rumination",
    "mental_health_deterioration",
    "non_disclosure",
    "non_compliance",
    "out_of_contact",
)

# The behaviours that are themselves harm, or a sexual or violent offence in the making: what
# criteria (ii) and (iii) rest on (HMIP section 5.2, third avoidable recall: a risk of violence
# that "appeared to be speculative").
HARM_BEHAVIOURS: Final[frozenset[str]] = frozenset(
    {
        "violence",
        "weapons",
        "sexual",
        "online_sexual",
        "domestic_abuse",
        "harassment_stalking",
        "threats",
        "arson",
    }
)

# The alternatives to recall every recommendation must account for (HMPPS guidance quoted in the
# inspection, chapter 5: increased reporting, varying licence conditions, other agencies, MAPPA,
# approved premises; plus the licence compliance (warning) letter from section 5.1).
CORE_ALTERNATIVES: Final[tuple[str, ...]] = (
    "warning_letter",
    "increased_contact",
    "licence_variation",
    "referral_partner_agency",
    "mappa_referral",
    "approved_premises",
)
# Further actions short of recall seen in the inspection (section 5.1); optional to record.
OTHER_ALTERNATIVES: Final[tuple[str, ...]] = (
    "drug_testing",
    "alcohol_monitoring",
    "curfew",
    "electronic_monitoring",
    "polygraph",
    "home_visits",
    "iom_referral",
    "programme_referral",
    "behaviour_management_plan",
    "progression_panel",
    "other",
)
ALTERNATIVES: Final[tuple[str, ...]] = CORE_ALTERNATIVES + OTHER_ALTERNATIVES

# Licence condition tags: the standard conditions (ippcase.vocab.StandardCondition values) and
# the additional conditions the rules or the inspection refer to (ADDITIONAL_CONDITIONS, which
# the app stores as LicenceCondition.additional_code).
STANDARD_CONDITIONS: Final[tuple[str, ...]] = (
    "good_behaviour",
    "no_offence",
    "keep_in_touch",
    "supervising_officer_visit",
    "address_approved",
    "no_work_without_approval",
    "no_travel_outside_uk",
    "name_change",
    "contact_details",
)
ADDITIONAL_CONDITIONS: Final[tuple[str, ...]] = (
    "drug_testing",
    "alcohol_monitoring",
    "curfew",
    "electronic_monitoring",
    "polygraph",
    "exclusion_zone",
    "non_contact",
    "residence_requirement",
    "residence_approved_premises",
    "disclose_relationships",
    "internet_monitoring",
    "programme_attendance",
    "psychology_appointments",
    "other",
)
LICENCE_CONDITIONS: Final[tuple[str, ...]] = STANDARD_CONDITIONS + ADDITIONAL_CONDITIONS

REFERRALS: Final[tuple[str, ...]] = (
    "mental_health",
    "opd",
    "substance_misuse",
    "housing",
    "ete",
    "psychology",
    "thinking_skills",
    "iom",
    "domestic_abuse_programme",
    "social_care",
    "other",
)

MAPPA_LEVELS: Final[tuple[int, ...]] = (0, 1, 2, 3)

# Multi-agency meetings (issue 19; docs/rules.md "Meetings"). Must equal recall.vocab.Agency
# values and recall.vocab.FORUM_KINDS (a test holds them equal).
AGENCIES: Final[tuple[str, ...]] = (
    "police",
    "prison",
    "health",
    "mental_health",
    "housing",
    "substance_misuse",
    "opd",
    "social_care",
    "other",
)
# The multi-agency forums of HMIP 2023 recommendation 3: NO_PROGRESSION_PANEL looks for these.
FORUM_KINDS: Final[tuple[str, ...]] = ("progression_panel", "mappa_level_2", "mappa_level_3")
FORUM_LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "progression_panel": "progression panel",
        "mappa_level_2": "MAPPA level 2 meeting",
        "mappa_level_3": "MAPPA level 3 meeting",
    }
)
# The team's period a meeting counts for (ippcase.models.Team.panel_period_months).
DEFAULT_MEETING_PERIOD_MONTHS: Final = 6
MEETING_PERIOD_RANGE: Final[tuple[int, int]] = (1, 24)

# ---------------------------------------------------------------------------------------------
# Errors and facts


class FactsError(ValueError):
    """The facts are invalid. ``field`` is the dotted path of the offending field ("" for the
    whole document); the message starts with it."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}" if field else problem)


@dataclass(frozen=True)
class Alternative:
    """What was done about one alternative to recall. ``status`` None means not yet recorded."""

    status: AlternativeStatus | None = None
    details: str = ""


@dataclass(frozen=True)
class Allegation:
    """An allegation of an offence behind the concerns. ``charge_outcome`` (None: not known)
    is what became of it, often recorded after the recall."""

    status: AllegationStatus = "none"
    incident_date: dt.date | None = None
    further_complaints: bool = False
    charge_outcome: ChargeOutcome | None = None


def _empty_map() -> Mapping[str, str]:
    return MappingProxyType({})


def _empty_alternatives() -> Mapping[str, Alternative]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Facts:
    """Everything the rules look at. Build it with ``Facts.from_dict``, which validates."""

    sentence_type: SentenceType
    stage: Stage = "draft"
    decision_date: dt.date | None = None
    recall_type: RecallType = "standard"
    emergency: bool = False
    criteria: Mapping[str, str] = field(default_factory=_empty_map)
    index_offence_behaviours: frozenset[str] = frozenset()
    current_behaviours: frozenset[str] = frozenset()
    causal_link: str = ""
    increased_risk_of_harm: str = ""
    alternatives: Mapping[str, Alternative] = field(default_factory=_empty_alternatives)
    last_contact_date: dt.date | None = None
    alternative_addresses_known: bool = False
    alternative_addresses_checked: bool = False
    # The practitioner's answer that other agencies gave input OUTSIDE a recorded meeting, with
    # details (the form requires them). Before meetings were recorded it was the whole answer
    # to "have other agencies been consulted?"; old data reads the same way.
    other_agencies_consulted: bool = False
    allegation: Allegation | None = None
    residence: Residence | None = None
    release_date: dt.date | None = None
    first_release_date: dt.date | None = None
    licence_terminated_on: dt.date | None = None
    previous_recalls: int = 0
    mappa_level: int | None = None
    rosh: Rosh | None = None
    # Historic only: the practitioner's tick "a progression panel was held", asked before
    # meetings were recorded. True counts as a forum within the period (old data keeps its
    # findings); the app no longer asks it, so new facts carry false.
    progression_panel_held: bool = False
    # What the meeting records say (recall.meeting_models), held on or before the decision:
    # the latest forum (FORUM_KINDS) and the latest meeting of any kind with another agency.
    latest_forum_date: dt.date | None = None
    latest_forum_kind: str | None = None
    latest_meeting_date: dt.date | None = None
    meeting_agencies: frozenset[str] = frozenset()
    meeting_period_months: int = DEFAULT_MEETING_PERIOD_MONTHS
    licence_conditions: frozenset[str] = frozenset()
    referrals: frozenset[str] = frozenset()
    com_changes: int = 0
    recommended_by: str = ""
    countersigned_by_spo: str = ""
    countersigned_by_aco: str = ""
    # The recall request (Part A; docs/recall-paperwork.md): where the person can be found and
    # the victims. ``found_at_main_address`` None: not answered.
    custody_status: CustodyStatus | None = None
    found_at_main_address: bool | None = None
    other_addresses: str = ""
    victims_in_vcs: bool = False
    vlo_informed_on: dt.date | None = None

    # -- derived terms used by the rules ------------------------------------------------------

    @property
    def is_indeterminate(self) -> bool:
        return self.sentence_type in INDETERMINATE

    @property
    def is_indeterminate_or_eds(self) -> bool:
        return self.is_indeterminate or self.sentence_type == "EDS"

    @property
    def is_recall(self) -> bool:
        return self.recall_type != "none"

    def alternative_status(self, name: str) -> AlternativeStatus | None:
        alternative = self.alternatives.get(name)
        return alternative.status if alternative is not None else None

    # -- parsing ------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: object) -> Facts:
        """Parse and validate facts given as a JSON-like mapping (ISO dates as "YYYY-MM-DD"
        strings, or ``datetime.date`` objects from Python). Raises ``FactsError``."""
        if not isinstance(data, Mapping):
            raise FactsError("", f"facts must be a JSON object, not {_kind(data)}")
        _check_keys(data, _FACT_KEYS, "")
        if data.get("sentence_type") is None:
            raise FactsError("sentence_type", "is required")
        stage = _choice(data, "stage", STAGES, "")
        recall_type = _choice(data, "recall_type", RECALL_TYPES, "")
        return cls(
            sentence_type=_required_choice(data, "sentence_type", SENTENCE_TYPES),
            stage=stage if stage is not None else "draft",
            decision_date=_date(data, "decision_date", ""),
            recall_type=recall_type if recall_type is not None else "standard",
            emergency=_bool(data, "emergency", ""),
            criteria=_criteria(data.get("criteria")),
            index_offence_behaviours=_tags(data, "index_offence_behaviours", BEHAVIOURS),
            current_behaviours=_tags(data, "current_behaviours", BEHAVIOURS),
            causal_link=_text(data, "causal_link", ""),
            increased_risk_of_harm=_text(data, "increased_risk_of_harm", ""),
            alternatives=_alternatives(data.get("alternatives")),
            last_contact_date=_date(data, "last_contact_date", ""),
            alternative_addresses_known=_bool(data, "alternative_addresses_known", ""),
            alternative_addresses_checked=_bool(data, "alternative_addresses_checked", ""),
            other_agencies_consulted=_bool(data, "other_agencies_consulted", ""),
            allegation=_allegation(data.get("allegation")),
            residence=_choice(data, "residence", RESIDENCES, ""),
            release_date=_date(data, "release_date", ""),
            first_release_date=_date(data, "first_release_date", ""),
            licence_terminated_on=_date(data, "licence_terminated_on", ""),
            previous_recalls=_count(data, "previous_recalls"),
            mappa_level=_mappa_level(data.get("mappa_level")),
            rosh=_choice(data, "rosh", ROSH_LEVELS, ""),
            progression_panel_held=_bool(data, "progression_panel_held", ""),
            latest_forum_date=_date(data, "latest_forum_date", ""),
            latest_forum_kind=_choice(data, "latest_forum_kind", FORUM_KINDS, ""),
            latest_meeting_date=_date(data, "latest_meeting_date", ""),
            meeting_agencies=_tags(data, "meeting_agencies", AGENCIES),
            meeting_period_months=_meeting_period(data.get("meeting_period_months")),
            licence_conditions=_tags(data, "licence_conditions", LICENCE_CONDITIONS),
            referrals=_tags(data, "referrals", REFERRALS),
            com_changes=_count(data, "com_changes"),
            recommended_by=_person(data, "recommended_by"),
            countersigned_by_spo=_person(data, "countersigned_by_spo"),
            countersigned_by_aco=_person(data, "countersigned_by_aco"),
            custody_status=_choice(data, "custody_status", CUSTODY_STATUSES, ""),
            found_at_main_address=_optional_bool(data, "found_at_main_address"),
            other_addresses=_text(data, "other_addresses", ""),
            victims_in_vcs=_bool(data, "victims_in_vcs", ""),
            vlo_informed_on=_date(data, "vlo_informed_on", ""),
        )

    def to_dict(self) -> dict[str, object]:
        """The facts as JSON-ready data; ``Facts.from_dict(f.to_dict()) == f``. Store it with a
        recommendation to record exactly what the rules saw."""
        return {
            "sentence_type": self.sentence_type,
            "stage": self.stage,
            "decision_date": _iso(self.decision_date),
            "recall_type": self.recall_type,
            "emergency": self.emergency,
            "criteria": dict(self.criteria),
            "index_offence_behaviours": sorted(self.index_offence_behaviours),
            "current_behaviours": sorted(self.current_behaviours),
            "causal_link": self.causal_link,
            "increased_risk_of_harm": self.increased_risk_of_harm,
            "alternatives": {
                name: {"status": alt.status, "details": alt.details}
                for name, alt in self.alternatives.items()
            },
            "last_contact_date": _iso(self.last_contact_date),
            "alternative_addresses_known": self.alternative_addresses_known,
            "alternative_addresses_checked": self.alternative_addresses_checked,
            "other_agencies_consulted": self.other_agencies_consulted,
            "allegation": None
            if self.allegation is None
            else {
                "status": self.allegation.status,
                "incident_date": _iso(self.allegation.incident_date),
                "further_complaints": self.allegation.further_complaints,
                "charge_outcome": self.allegation.charge_outcome,
            },
            "residence": self.residence,
            "release_date": _iso(self.release_date),
            "first_release_date": _iso(self.first_release_date),
            "licence_terminated_on": _iso(self.licence_terminated_on),
            "previous_recalls": self.previous_recalls,
            "mappa_level": self.mappa_level,
            "rosh": self.rosh,
            "progression_panel_held": self.progression_panel_held,
            "latest_forum_date": _iso(self.latest_forum_date),
            "latest_forum_kind": self.latest_forum_kind,
            "latest_meeting_date": _iso(self.latest_meeting_date),
            "meeting_agencies": sorted(self.meeting_agencies),
            "meeting_period_months": self.meeting_period_months,
            "licence_conditions": sorted(self.licence_conditions),
            "referrals": sorted(self.referrals),
            "com_changes": self.com_changes,
            "recommended_by": self.recommended_by,
            "countersigned_by_spo": self.countersigned_by_spo,
            "countersigned_by_aco": self.countersigned_by_aco,
            "custody_status": self.custody_status,
            "found_at_main_address": self.found_at_main_address,
            "other_addresses": self.other_addresses,
            "victims_in_vcs": self.victims_in_vcs,
            "vlo_informed_on": _iso(self.vlo_informed_on),
        }


FACT_KEYS: Final[tuple[str, ...]] = tuple(Facts.__dataclass_fields__)
_FACT_KEYS: Final[frozenset[str]] = frozenset(FACT_KEYS)
_ALTERNATIVE_KEYS: Final[frozenset[str]] = frozenset({"status", "details"})
_ALLEGATION_KEYS: Final[frozenset[str]] = frozenset(
    {"status", "incident_date", "further_complaints", "charge_outcome"}
)
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)

_C = TypeVar("_C", bound=str)


def _kind(value: object) -> str:
    """The JSON name of a value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def _path(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


def _check_keys(data: Mapping[object, object], allowed: frozenset[str], parent: str) -> None:
    for key in data:
        if not isinstance(key, str):
            raise FactsError(parent, f"keys must be strings, not {_kind(key)} {key!r}")
        if key not in allowed:
            where = f"in {parent}" if parent else "in the facts"
            raise FactsError(_path(parent, key), f"unknown key {where}")


def _one_of(allowed: Iterable[object]) -> str:
    return ", ".join(str(a) for a in allowed)


def _choice(
    data: Mapping[object, object], key: str, allowed: tuple[_C, ...], parent: str
) -> _C | None:
    """An optional choice: null, absent or "" means not known."""
    value = data.get(key)
    name = _path(parent, key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FactsError(name, f"must be a string, one of {_one_of(allowed)}; got {_kind(value)}")
    for choice in allowed:
        if value == choice:
            return choice
    raise FactsError(name, f"unknown value {value!r}; expected one of {_one_of(allowed)}")


def _required_choice(data: Mapping[object, object], key: str, allowed: tuple[_C, ...]) -> _C:
    value = _choice(data, key, allowed, "")
    if value is None:
        raise FactsError(key, f"is required: one of {_one_of(allowed)}")
    return value


def _bool(data: Mapping[object, object], key: str, parent: str) -> bool:
    value = data.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise FactsError(_path(parent, key), f"must be true or false, not {_kind(value)}")
    return value


def _optional_bool(data: Mapping[object, object], key: str) -> bool | None:
    """A yes/no answer that may not be given yet: null or absent is None, never false."""
    value = data.get(key)
    if value is None:
        return None
    return _bool(data, key, "")


def _text(data: Mapping[object, object], key: str, parent: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FactsError(_path(parent, key), f"must be a string, not {_kind(value)}")
    return value


def _parse_date(value: object, name: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        raise FactsError(name, "must be a date, not a date and time")
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise FactsError(name, f"must be a date as a YYYY-MM-DD string, not {_kind(value)}")
    if _ISO_DATE.fullmatch(value) is None:
        raise FactsError(name, f"must be a date as YYYY-MM-DD, got {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FactsError(name, f"is not a real calendar date: {value!r}") from None


def _date(data: Mapping[object, object], key: str, parent: str) -> dt.date | None:
    return _parse_date(data.get(key), _path(parent, key))


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _tags(data: Mapping[object, object], key: str, allowed: tuple[str, ...]) -> frozenset[str]:
    value = data.get(key)
    if value is None:
        return frozenset()
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise FactsError(key, f"must be a list of tags, not {_kind(value)}")
    tags: set[str] = set()
    for item in value:
        if not isinstance(item, str):
            raise FactsError(key, f"tags must be strings, not {_kind(item)}")
        if item not in allowed:
            raise FactsError(key, f"unknown tag {item!r}; expected some of {_one_of(allowed)}")
        tags.add(item)
    return frozenset(tags)


def _mapping(value: object, name: str) -> Mapping[object, object] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise FactsError(name, f"must be an object, not {_kind(value)}")
    return value


def _criteria(value: object) -> Mapping[str, str]:
    data = _mapping(value, "criteria")
    if data is None:
        return _empty_map()
    _check_keys(data, frozenset(CRITERIA), "criteria")
    # A criterion present with null evidence is selected without evidence.
    parsed = {str(key): _text(data, str(key), "criteria") for key in data}
    # Stored in (i)..(iv) order so that messages and to_dict() are stable.
    return MappingProxyType({c: parsed[c] for c in CRITERIA if c in parsed})


def _alternatives(value: object) -> Mapping[str, Alternative]:
    data = _mapping(value, "alternatives")
    if data is None:
        return _empty_alternatives()
    _check_keys(data, frozenset(ALTERNATIVES), "alternatives")
    parsed: dict[str, Alternative] = {}
    for key in ALTERNATIVES:
        if key not in data:
            continue
        name = f"alternatives.{key}"
        entry = _mapping(data[key], name)
        if entry is None:
            parsed[key] = Alternative()
            continue
        _check_keys(entry, _ALTERNATIVE_KEYS, name)
        parsed[key] = Alternative(
            status=_choice(entry, "status", ALTERNATIVE_STATUSES, name),
            details=_text(entry, "details", name),
        )
    return MappingProxyType(parsed)


def _allegation(value: object) -> Allegation | None:
    data = _mapping(value, "allegation")
    if data is None:
        return None
    _check_keys(data, _ALLEGATION_KEYS, "allegation")
    status = _choice(data, "status", ALLEGATION_STATUSES, "allegation")
    return Allegation(
        status=status if status is not None else "none",
        incident_date=_date(data, "incident_date", "allegation"),
        further_complaints=_bool(data, "further_complaints", "allegation"),
        charge_outcome=_choice(data, "charge_outcome", CHARGE_OUTCOMES, "allegation"),
    )


def _mappa_level(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FactsError("mappa_level", f"must be a whole number 0-3, not {_kind(value)}")
    if value not in MAPPA_LEVELS:
        raise FactsError("mappa_level", f"must be 0, 1, 2 or 3, got {value}")
    return value


def _meeting_period(value: object) -> int:
    if value is None:
        return DEFAULT_MEETING_PERIOD_MONTHS
    low, high = MEETING_PERIOD_RANGE
    if isinstance(value, bool) or not isinstance(value, int):
        raise FactsError("meeting_period_months", f"must be a whole number, not {_kind(value)}")
    if not low <= value <= high:
        raise FactsError("meeting_period_months", f"must be {low} to {high}, got {value}")
    return value


def _count(data: Mapping[object, object], key: str) -> int:
    value = data.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise FactsError(key, f"must be a whole number, not {_kind(value)}")
    if value < 0:
        raise FactsError(key, f"must not be negative, got {value}")
    return value


def _person(data: Mapping[object, object], key: str) -> str:
    """Who recommended or countersigned: any identifier (username or user id)."""
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise FactsError(key, f"must be a string or a whole number, not {_kind(value)}")
    return str(value).strip()


# ---------------------------------------------------------------------------------------------
# Calendar arithmetic


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def months_after(start: dt.date, months: int) -> tuple[int, int, int]:
    """(year, month, day) ``months`` calendar months after ``start``: the same day of the month,
    or the last day of the target month when it is shorter (31 Jan + 1 = 28/29 Feb; 30 Nov + 3 =
    28/29 Feb; 29 Feb 2020 + 60 = 28 Feb 2025). A tuple, not a date, so that it never overflows
    past 9999-12-31; compare it with ``_ymd(date)``."""
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return year, month, min(start.day, _days_in_month(year, month))


def add_months(day: dt.date, months: int, days: int = 0) -> dt.date:
    """``months`` calendar months after ``day`` (clamped as :func:`months_after`), then ``days``
    days: what ``dateutil``'s ``relativedelta(months=months, days=days)`` gives. The one month
    arithmetic of the app: tariff expiry (``ippcase.models.tariff_expiry``) and the demo data."""
    year, month, day_of_month = months_after(day, months)
    return dt.date(year, month, day_of_month) + dt.timedelta(days=days)


def _ymd(day: dt.date) -> tuple[int, int, int]:
    return day.year, day.month, day.day


# ---------------------------------------------------------------------------------------------
# Automatic termination of an IPP or DPP licence (the law, used by the rules and by parole.law)

# Crime (Sentences) Act 1997 s.31A(4A)-(5), as amended by the Victims and Prisoners Act 2024 s.66:
# the qualifying period begins with the day of first release; the licence ends once it has
# remained in force for a continuous period of two years beginning no earlier than the end of
# the qualifying period. Licences whose two years had already run ended when s.66 came into
# force. parole.law.Periods takes its defaults from here (one source for the numbers).
QUALIFYING_YEARS: Final[Mapping[str, int]] = MappingProxyType({"IPP": 3, "DPP": 2})
AUTOMATIC_TERMINATION_YEARS: Final = 2
AUTOMATIC_TERMINATION_IN_FORCE: Final = dt.date(2024, 11, 1)


def years_after(day: dt.date, years: int) -> dt.date:
    """The first day after a period of ``years`` years beginning with ``day``: the anniversary,
    or 1 March for a period that began on 29 February and ends in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the period ends on 28 February, so the next day is 1 March
        return dt.date(day.year + years, 3, 1)


def automatic_termination_date(
    sentence_type: str | None,
    first_release: dt.date | None,
    latest_release: dt.date | None,
    *,
    qualifying_years: int | None = None,
    termination_years: int = AUTOMATIC_TERMINATION_YEARS,
) -> dt.date | None:
    """The day an IPP or DPP licence ends by law (the first day it is no longer in force) if the
    person stays in the community from ``latest_release``: two continuous years beginning with
    the later of the end of the qualifying period and the latest release (a recall breaks the
    period; it starts again at re-release), and never before 1 November 2024. None for any
    other sentence (life and EDS licences never end this way) or when a date is missing.
    ``qualifying_years`` overrides the statutory period (parole.law.Periods)."""
    years = (
        qualifying_years
        if qualifying_years is not None
        else QUALIFYING_YEARS.get(sentence_type or "")
    )
    if years is None or sentence_type not in QUALIFYING_YEARS:
        return None
    if first_release is None or latest_release is None:
        return None
    start = max(years_after(first_release, years), latest_release)
    return max(years_after(start, termination_years), AUTOMATIC_TERMINATION_IN_FORCE)


# ---------------------------------------------------------------------------------------------
# Findings and the rule table


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    reference: str

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "reference": self.reference,
        }


@dataclass(frozen=True)
class Rule:
    """One rule. ``applies`` decides whether it fires; ``detail`` (optional) adds a sentence
    naming specifics; ``emergency_severity`` (optional) replaces ``severity`` when the recall is
    an emergency."""

    code: str
    severity: Severity
    message: str
    reference: str
    applies: Callable[[Facts], bool]
    detail: Callable[[Facts], str] | None = None
    emergency_severity: Severity | None = None

    def finding(self, facts: Facts) -> Finding:
        severity = self.severity
        if facts.emergency and self.emergency_severity is not None:
            severity = self.emergency_severity
        message = self.message
        if self.detail is not None:
            extra = self.detail(facts)
            if extra:
                message = f"{message} {extra}"
        return Finding(self.code, severity, message, self.reference)


HMIP: Final = "HMIP IPP recall thematic (Dec 2023)"
POLICY: Final = (
    "Recall, Review and Re-release of Recalled Prisoners Policy Framework "
    "(MoJ/HMPPS, 2019, reissued 2023)"
)
LEGAL_TEST: Final = (
    f"{POLICY}: recall of indeterminate and extended sentences (causal link, increased risk of "
    f"harm, criteria (i) to (iv)); {HMIP}, sections 1.2 and 5.2"
)


def _blank(text: str) -> bool:
    return not text.strip()


def _label(name: str) -> str:
    return {
        "mappa_referral": "MAPPA referral",
        "approved_premises": "approved premises",
        "referral_partner_agency": "referral to a partner agency",
        "iom_referral": "IOM referral",
        "opd": "OPD",
    }.get(name, name.replace("_", " "))


def _listed(names: Sequence[str]) -> str:
    labels = [_label(n) for n in names]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _criteria_without_evidence(f: Facts) -> list[str]:
    return [c for c, evidence in f.criteria.items() if _blank(evidence)]


def _alternatives_unrecorded(f: Facts) -> list[str]:
    return [a for a in CORE_ALTERNATIVES if f.alternative_status(a) is None]


def _alternatives_without_details(f: Facts) -> list[str]:
    """Alternatives whose answer needs details that are blank: any status of a core alternative
    (what was tried, why it is not suitable, or why it does not apply), and tried or not
    suitable for the others."""
    return [
        name
        for name, alt in f.alternatives.items()
        if _blank(alt.details)
        and (
            alt.status in ("tried", "not_suitable")
            or (alt.status == "not_applicable" and name in CORE_ALTERNATIVES)
        )
    ]


def _alternatives_detail(f: Facts) -> str:
    parts = []
    if unrecorded := _alternatives_unrecorded(f):
        parts.append(f"Not yet recorded: {_listed(unrecorded)}.")
    if no_details := _alternatives_without_details(f):
        parts.append(f"Details missing for: {_listed(no_details)}.")
    if f.emergency:
        parts.append(
            "As this is an emergency recall this does not stop submission, but complete the "
            "record as soon as you can."
        )
    return " ".join(parts)


def _criterion_iv(f: Facts) -> bool:
    return "iv" in f.criteria


def _out_of_touch_unchecked(f: Facts) -> bool:
    addresses_unchecked = f.alternative_addresses_known and not f.alternative_addresses_checked
    return addresses_unchecked or not _agencies_heard(f)


def _agencies_heard(f: Facts) -> bool:
    """Other agencies have been heard: at a meeting with them within the team's period, or
    outside a meeting (the practitioner's answer, with details)."""
    return _meeting_in_period(f) or f.other_agencies_consulted


def _out_of_touch_detail(f: Facts) -> str:
    todo = []
    if f.alternative_addresses_known and not f.alternative_addresses_checked:
        todo.append("check the alternative addresses you know of")
    if not _agencies_heard(f):
        todo.append("ask other agencies (police, health, housing, MAPPA partners)")
    return f"Still to do: {' and '.join(todo)}." if todo else ""


def meeting_counts(held_on: dt.date, decision_date: dt.date | None, period_months: int) -> bool:
    """A meeting held on ``held_on`` counts for a decision on ``decision_date``: held on or
    before it, and the decision no later than ``period_months`` after it (a 6-month period from
    3 March runs to 3 September inclusive). Without a decision date any meeting counts. The
    recommendation's pages use it too, so they show what the rules count."""
    if decision_date is None:
        return True
    if held_on > decision_date:
        return False
    return _ymd(decision_date) <= months_after(held_on, period_months)


def _counts(f: Facts, held_on: dt.date | None) -> bool:
    return held_on is not None and meeting_counts(held_on, f.decision_date, f.meeting_period_months)


def _forum_in_period(f: Facts) -> bool:
    return f.progression_panel_held or _counts(f, f.latest_forum_date)


def _meeting_in_period(f: Facts) -> bool:
    return bool(f.meeting_agencies) and _counts(f, f.latest_meeting_date)


def whole_months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from ``start`` to ``end`` (0 when ``end`` is earlier)."""
    months = max(0, (end.year - start.year) * 12 + end.month - start.month)
    while months and months_after(start, months) > _ymd(end):
        months -= 1
    return months


def _ago(f: Facts, held_on: dt.date) -> str:
    if f.decision_date is None or held_on > f.decision_date:
        return ""
    months = whole_months_between(held_on, f.decision_date)
    if months == 0:
        return ", less than a month before the decision"
    return f", {months} month{'s' if months != 1 else ''} before the decision"


def _period(f: Facts) -> str:
    return f"the team's {f.meeting_period_months}-month period"


def _forum_detail(f: Facts) -> str:
    held_on = f.latest_forum_date
    if held_on is None:
        return "No progression panel or MAPPA level 2 or 3 meeting is recorded."
    kind = FORUM_LABELS.get(f.latest_forum_kind or "", "multi-agency forum")
    where = "after the decision date" if _after(f, held_on) else f"outside {_period(f)}"
    return f"Latest {kind}: {long_date(held_on)}{_ago(f, held_on)}, {where}."


def _after(f: Facts, held_on: dt.date) -> bool:
    return f.decision_date is not None and held_on > f.decision_date


def _meeting_detail(f: Facts) -> str:
    held_on = f.latest_meeting_date
    if held_on is None or not f.meeting_agencies:
        return "No meeting with another agency is recorded."
    agencies = ", ".join(_label(a) for a in AGENCIES if a in f.meeting_agencies)
    where = "after the decision date" if _after(f, held_on) else f"outside {_period(f)}"
    return (
        f"Latest meeting with another agency: {long_date(held_on)} ({agencies})"
        f"{_ago(f, held_on)}, {where}."
    )


def _missing_countersignatures(f: Facts) -> list[str]:
    missing = []
    if not f.countersigned_by_spo:
        missing.append("senior probation officer (SPO)")
    if not f.countersigned_by_aco:
        missing.append("ACO or head of PDU")
    return missing


def _countersigned_by_recommender(f: Facts) -> bool:
    if not f.recommended_by:
        return False
    return f.recommended_by in (f.countersigned_by_spo, f.countersigned_by_aco)


def _no_behaviour_matches_index_offence(f: Facts) -> bool:
    return not (f.current_behaviours & f.index_offence_behaviours)


def _ap_early_recall(f: Facts) -> bool:
    if f.residence != "approved_premises" or f.decision_date is None or f.release_date is None:
        return False
    return _ymd(f.decision_date) < months_after(f.release_date, 3)


def _allegation_age_days(f: Facts) -> int | None:
    if f.allegation is None or f.allegation.incident_date is None or f.decision_date is None:
        return None
    return (f.decision_date - f.allegation.incident_date).days


def _allegation_stale(f: Facts) -> bool:
    allegation = f.allegation
    if allegation is None or allegation.further_complaints:
        return False
    if allegation.status not in ("allegation_only", "under_investigation", "charged"):
        return False
    age = _allegation_age_days(f)
    return age is not None and age >= 90


def _automatic_termination(f: Facts) -> dt.date | None:
    return automatic_termination_date(f.sentence_type, f.first_release_date, f.release_date)


def _licence_ended_on(f: Facts) -> tuple[dt.date, str] | None:
    """The day the licence ended before the decision, and how; the earlier if both apply."""
    if f.decision_date is None:
        return None
    ended: list[tuple[dt.date, str]] = []
    automatic = _automatic_termination(f)
    if automatic is not None and f.decision_date >= automatic:
        years = QUALIFYING_YEARS[f.sentence_type]
        ended.append(
            (
                automatic,
                "automatic termination: the licence had been in force for two continuous years "
                f"in the community after the {years}-year qualifying period from first release, "
                "Crime (Sentences) Act 1997 s.31A as amended by the Victims and Prisoners Act "
                "2024 s.66",
            )
        )
    terminated = f.licence_terminated_on
    if terminated is not None and f.decision_date >= terminated:
        ended.append((terminated, "the Parole Board terminated it"))
    return min(ended, key=lambda e: e[0]) if ended else None


def _licence_ended_detail(f: Facts) -> str:
    ended = _licence_ended_on(f)
    if ended is None:
        return ""
    day, why = ended
    return f"The licence ended on {long_date(day)} ({why})."


def _harm_criteria(f: Facts) -> list[str]:
    return [c for c in ("ii", "iii") if c in f.criteria]


def _speculative_risk(f: Facts) -> bool:
    return bool(_harm_criteria(f)) and not (f.current_behaviours & HARM_BEHAVIOURS)


def _charge_not_pursued(f: Facts) -> bool:
    return f.allegation is not None and f.allegation.charge_outcome in CHARGE_NOT_PURSUED


def _charge_outcome_detail(f: Facts) -> str:
    outcome = f.allegation.charge_outcome if f.allegation is not None else None
    said = {
        "no_further_action": "no further action",
        "discontinued": "the case was discontinued",
        "acquitted": "the person was acquitted",
    }.get(outcome or "")
    return f"Recorded outcome: {said}." if said else ""


def _substance_untested(f: Facts) -> str | None:
    """The substance whose use nothing corroborates, if any: drug use needs drug testing;
    alcohol, when it is the only substance, drug testing or alcohol monitoring (a licence
    condition either way, or tried as an alternative)."""

    def checked(*names: str) -> bool:
        return any(n in f.licence_conditions or f.alternative_status(n) == "tried" for n in names)

    if "drugs" in f.current_behaviours:
        return None if checked("drug_testing") else "drugs"
    if "alcohol" in f.current_behaviours and not checked("drug_testing", "alcohol_monitoring"):
        return "alcohol"
    return None


def _long_time_in_community(f: Facts) -> bool:
    if f.decision_date is None or f.release_date is None:
        return False
    return _ymd(f.decision_date) >= months_after(f.release_date, 5 * 12)


LICENCE_END: Final = (
    "Crime (Sentences) Act 1997 s.31A (termination of IPP and DPP licences), as amended by the "
    "Victims and Prisoners Act 2024 s.66 (automatic termination, in force 1 November 2024); "
    f"{HMIP}, section 4.3 'Terminating the supervision or the licence'; IPP stakeholder group "
    "minutes (Mar 2025), item 5 (licence termination referrals and Parole Board decisions)"
)

# The recall request (Part A): MoJ's Consider a Recall asks the same questions
# (make-recall-decision-api, PartAData).
PART_A: Final = "MoJ Consider a Recall, Part A (make-recall-decision-api PartAData"
PART_A_RULES: Final[tuple[Rule, ...]] = (
    Rule(
        code="WHEREABOUTS_UNKNOWN",
        severity="warn",
        message=(
            "The person is at large and cannot be found at their main address, and no other "
            "address is given. Record any addresses they have given (family, friends, partners) "
            "and check them before relying on the recall to find them."
        ),
        reference=(
            f"{HMIP}, section 5.2 'Reasons for recall' (first of three avoidable recalls: "
            "'although they had provided alternative addresses, these were not considered when "
            f"the individual was out of contact'); {PART_A} custodyStatus, "
            "isMainAddressWherePersonCanBeFound)"
        ),
        applies=lambda f: (
            f.is_recall
            and f.custody_status == "at_large"
            and f.found_at_main_address is False
            and _blank(f.other_addresses)
        ),
    ),
    Rule(
        code="VLO_NOT_INFORMED",
        severity="warn",
        message=(
            "A victim is in the Victim Contact Scheme, but no date is recorded for telling the "
            "victim liaison officer about the recall. Tell the VLO, so the victim can be "
            "informed and their safety planned, and record the date."
        ),
        reference=(
            f"{HMIP}, sections 3.2 and 4.2 'Protecting the public' (attention to the victim's "
            "safety; contact with the victim liaison unit); Code of Practice for Victims of "
            "Crime (Victims' Code, 2020), right 7 (the Victim Contact Scheme); "
            f"{PART_A} hasVictimsInContactScheme, dateVloInformed)"
        ),
        applies=lambda f: f.is_recall and f.victims_in_vcs and f.vlo_informed_on is None,
    ),
)

RULES: Final[tuple[Rule, ...]] = (
    # --- is there a licence to recall on? ---------------------------------------------------
    Rule(
        code="LICENCE_ENDED",
        severity="block",
        message=(
            "The licence had already ended on the date of this decision, so there is no licence "
            "to recall on. Do not recall: check the licence dates, and close the recommendation."
        ),
        reference=LICENCE_END,
        applies=lambda f: f.is_recall and _licence_ended_on(f) is not None,
        detail=_licence_ended_detail,
    ),
    # --- the legal test (blocks) --------------------------------------------------------------
    Rule(
        code="CRITERIA_NONE",
        severity="block",
        message=(
            "Recall of an indeterminate sentence needs at least one of the recall criteria "
            "(i) to (iv). Select each criterion that applies and give the evidence for it."
        ),
        reference=LEGAL_TEST,
        applies=lambda f: f.is_indeterminate and f.is_recall and not f.criteria,
    ),
    Rule(
        code="CRITERIA_EVIDENCE_MISSING",
        severity="block",
        message="Every recall criterion you select needs evidence.",
        reference=LEGAL_TEST,
        applies=lambda f: bool(_criteria_without_evidence(f)),
        detail=lambda f: (
            "Add the evidence for criterion "
            + _listed([f"({c})" for c in _criteria_without_evidence(f)])
            + "."
        ),
    ),
    Rule(
        code="CAUSAL_LINK_MISSING",
        severity="block",
        message=(
            "Explain the causal link between the person's current behaviour and the behaviour "
            "around the index offence. Recall of an indeterminate or extended sentence requires it."
        ),
        reference=LEGAL_TEST,
        applies=lambda f: f.is_indeterminate_or_eds and f.is_recall and _blank(f.causal_link),
    ),
    Rule(
        code="RISK_OF_HARM_EVIDENCE_MISSING",
        severity="block",
        message=(
            "Set out the evidence that the person's risk of harm to the public has increased. "
            "Recall of an indeterminate or extended sentence requires it."
        ),
        reference=LEGAL_TEST,
        applies=lambda f: (
            f.is_indeterminate_or_eds and f.is_recall and _blank(f.increased_risk_of_harm)
        ),
    ),
    Rule(
        code="FIXED_TERM_NOT_AVAILABLE",
        severity="block",
        message=(
            "A fixed-term recall is not available for an indeterminate or extended sentence. "
            "Choose a standard recall, or decide not to recall."
        ),
        reference=(
            f"{POLICY}: fixed-term recall eligibility; {HMIP}, chapter 8 'After the recall' "
            "(fixed-term recall for IPP would need legislative change)"
        ),
        applies=lambda f: f.is_indeterminate_or_eds and f.recall_type == "fixed_term",
    ),
    Rule(
        code="ALTERNATIVES_INCOMPLETE",
        severity="block",
        emergency_severity="warn",
        message=(
            "Record what was done about each alternative to recall (tried, not suitable or not "
            "applicable). Give details for every core alternative, including why one does not "
            "apply, and for any other alternative that was tried or was not suitable."
        ),
        reference=(
            f"{HMIP}, chapter 5 introduction and section 5.1 'Responding to concerns' "
            "(HMPPS guidance: alternative actions should be considered); section 1.2 "
            "(management oversight of alternatives to recall)"
        ),
        applies=lambda f: (
            f.is_recall and bool(_alternatives_unrecorded(f) or _alternatives_without_details(f))
        ),
        detail=_alternatives_detail,
    ),
    Rule(
        code="OUT_OF_TOUCH_NO_LAST_CONTACT",
        severity="block",
        message=(
            "Criterion (iv), out of touch, needs the date of the last contact with the person. "
            "Add the last contact date."
        ),
        reference=f"{POLICY}: criterion (iv); {HMIP}, section 5.2, table 10",
        applies=lambda f: _criterion_iv(f) and f.last_contact_date is None,
    ),
    Rule(
        code="COUNTERSIGN_MISSING",
        severity="block",
        message=(
            "A recall recommendation must be countersigned by a senior probation officer (SPO) "
            "and by an assistant chief officer (ACO) or head of PDU before it is submitted."
        ),
        reference=(
            f"{POLICY}: management oversight of recall decisions; {HMIP}, section 1.2 "
            "(HMPPS action plan: quality assurance of decisions to recall) and section 5.1"
        ),
        applies=lambda f: (
            f.stage == "submit" and f.is_recall and bool(_missing_countersignatures(f))
        ),
        detail=lambda f: f"Missing: {_listed(_missing_countersignatures(f))}.",
    ),
    Rule(
        code="COUNTERSIGN_BY_RECOMMENDER",
        severity="block",
        message=(
            "The person who made the recommendation cannot also countersign it. Ask a different "
            "manager to countersign."
        ),
        reference=(
            f"{POLICY}: management oversight of recall decisions; {HMIP}, section 5.1 "
            "(management oversight and collaborative decision-making)"
        ),
        applies=_countersigned_by_recommender,
    ),
    # --- proportionality prompts (warnings) ---------------------------------------------------
    Rule(
        code="CAUSAL_LINK_UNSTRUCTURED",
        severity="warn",
        message=(
            "None of the current behaviours recorded matches a behaviour recorded for the index "
            "offence. Check that the causal link is clearly explained, or record the behaviours "
            "that match."
        ),
        reference=(
            f"{POLICY}: the causal link; {HMIP}, section 1.2 (NOMS 2014 instruction: critical "
            "risk factors count regardless of the index offence) and section 5.2"
        ),
        applies=lambda f: (
            f.is_indeterminate_or_eds
            and f.is_recall
            and any(c in f.criteria for c in ("i", "ii", "iii"))
            and _no_behaviour_matches_index_offence(f)
        ),
    ),
    Rule(
        code="OUT_OF_TOUCH_UNCHECKED",
        severity="warn",
        message=(
            "The person is out of touch, but not every way of finding them has been tried. "
            "An inspected recall that relied on this was judged avoidable."
        ),
        reference=(
            f"{HMIP}, section 5.2 'Reasons for recall' (first of three avoidable recalls: "
            "alternative addresses not considered, other agencies not asked)"
        ),
        applies=lambda f: _criterion_iv(f) and _out_of_touch_unchecked(f),
        detail=_out_of_touch_detail,
    ),
    Rule(
        code="NO_MULTI_AGENCY_INPUT",
        severity="warn",
        message=(
            "No meeting with another agency is recorded within the team's period before this "
            "decision, and no input from other agencies outside a meeting is recorded. Police, "
            "health, housing or MAPPA partners may hold information that gives a fuller picture, "
            "or offer support that could avoid recall. Record the meeting, or the input given "
            "outside a meeting with its details."
        ),
        reference=(
            f"{HMIP}, section 5.1 'Responding to concerns' (concerns discussed with other MAPPA "
            "agencies in only five cases), chapter 8 and recommendation 3"
        ),
        applies=lambda f: f.is_recall and not _agencies_heard(f),
        detail=_meeting_detail,
    ),
    Rule(
        code="NO_PROGRESSION_PANEL",
        severity="warn",
        message=(
            "No IPP progression panel or MAPPA level 2 or 3 meeting is recorded within the "
            "team's period before this decision. People on an IPP or DPP licence should be "
            "discussed at a multi-agency forum when recall is being considered. Hold one and "
            "record it, or explain why it was not possible."
        ),
        reference=(
            f"{HMIP}, section 5.1 (panel when there is a risk of recall: HMPPS/NPS IPP "
            "Progression Panels vs.3, 2021), chapter 7 'Progression panels', chapter 8 and "
            "recommendation 3"
        ),
        applies=lambda f: (
            f.sentence_type in ("IPP", "DPP")
            and f.is_recall
            and not f.emergency
            and not _forum_in_period(f)
        ),
        detail=_forum_detail,
    ),
    Rule(
        code="AP_EARLY_RECALL",
        severity="warn",
        message=(
            "This recall comes within three months of release and the person lives in approved "
            "premises. Consider whether the concern could be managed short of recall, for "
            "example by a behaviour management plan or another placement, before the bed is "
            "withdrawn."
        ),
        reference=(
            f"{HMIP}, section 5.1 (all four recalls within three months were from approved "
            "premises), chapter 8 and recommendation 11"
        ),
        applies=lambda f: f.is_recall and _ap_early_recall(f),
    ),
    Rule(
        code="ALLEGATION_STALE",
        severity="warn",
        message=(
            "The recall rests on an allegation about an incident 90 days or more ago, with no "
            "further complaints since. You need not wait for a charge or conviction, but "
            "explain what additional risk the allegation shows now."
        ),
        reference=(
            f"{HMIP}, section 5.2 'Reasons for recall' (second of three avoidable recalls: "
            "allegation some months earlier, no further complaints, recall on charge; and the "
            "recall guidance quoted there on alleged offending)"
        ),
        applies=lambda f: f.is_recall and _allegation_stale(f),
        detail=lambda f: f"The incident was {_allegation_age_days(f)} days before the decision.",
    ),
    Rule(
        code="ALLEGATION_NOT_PURSUED",
        severity="warn",
        message=(
            "The allegation behind this recall was not pursued or not proved. If the person is "
            "in custody on the recall, review whether continued detention is still justified: "
            "ask PPCS for a risk-assessed recall review (re-release by the Secretary of State) "
            "or tell the Parole Board. If not yet recalled, check that the recall stands on the "
            "other evidence."
        ),
        reference=(
            f"{HMIP}, section 5.2 'Reasons for recall' (not all those recalled for an alleged "
            "offence are convicted; most stay in custody at least until the next Parole Board "
            "hearing) and section 6.3 (recalls on charges later dropped); IPP stakeholder group "
            "minutes (Mar 2025), items 4 and 5 (time in custody on recall; RARR)"
        ),
        applies=lambda f: f.is_recall and _charge_not_pursued(f),
        detail=_charge_outcome_detail,
    ),
    Rule(
        code="NON_DISCLOSURE_ONLY",
        severity="warn",
        message=(
            "The only current behaviour recorded is non-disclosure. A recall for lack of "
            "transparency alone may be disproportionate: set out the evidence of increased risk "
            "of harm rather than what might happen."
        ),
        reference=(
            f"{HMIP}, section 5.2 'Reasons for recall' (third of three avoidable recalls: "
            "non-disclosure seen as 'lack of transparency', risk speculative) and section 4.1"
        ),
        applies=lambda f: f.is_recall and f.current_behaviours == {"non_disclosure"},
    ),
    Rule(
        code="SPECULATIVE_RISK",
        severity="warn",
        message=(
            "The recall relies on a risk of a sexual or violent offence, but none of the current "
            "behaviours recorded is harmful behaviour (violence, weapons, sexual or online "
            "sexual behaviour, domestic abuse, harassment or stalking, threats, arson). Describe "
            "the incident that shows the risk is real, not supposed, and record its behaviours."
        ),
        reference=(
            f"{HMIP}, section 5.2 'Reasons for recall' (third of three avoidable recalls: it "
            "was suggested the person 'may become violent if challenged, but this appeared to be "
            f"speculative'); {POLICY}: criteria (ii) and (iii)"
        ),
        applies=lambda f: f.is_recall and _speculative_risk(f),
        detail=lambda f: (
            "Criteria relied on: " + _listed([f"({c})" for c in _harm_criteria(f)]) + "."
        ),
    ),
    Rule(
        code="MAPPA_LEVEL_1_HIGH_ROSH",
        severity="warn",
        message=(
            "The person is managed at MAPPA level 1 but is assessed as high or very high risk "
            "of serious harm, and a referral for active multi-agency management (level 2 or 3) "
            "has not been tried. Consider a MAPPA referral."
        ),
        reference=(
            f"{HMIP}, section 4.2 'MAPPA' (all cases at level 1, little added value), "
            "chapter 8 and recommendation 3"
        ),
        applies=lambda f: (
            f.is_recall
            and f.mappa_level == 1
            and f.rosh in ("high", "very_high")
            and f.alternative_status("mappa_referral") != "tried"
        ),
    ),
    Rule(
        code="SUBSTANCE_NO_TESTING",
        severity="warn",
        message=(
            "Alcohol or drug use is a current concern, but nothing corroborates it: drug use "
            "needs drug testing, and alcohol use alone needs drug testing or alcohol monitoring "
            "(as a licence condition, or tried as an alternative). Consider testing or "
            "monitoring rather than relying on self-report."
        ),
        reference=(
            f"{HMIP}, section 4.1 'Substance misuse' (reliance on self-reporting not "
            "corroborated by drug testing) and section 5.2"
        ),
        applies=lambda f: _substance_untested(f) is not None,
        detail=lambda f: (
            "No drug testing for the drug use."
            if _substance_untested(f) == "drugs"
            else "No drug testing or alcohol monitoring for the alcohol use."
        ),
    ),
    Rule(
        code="MENTAL_HEALTH_NO_REFERRAL",
        severity="warn",
        message=(
            "Deterioration in mental health is a current concern, but there is no referral to "
            "mental health services or the offender personality disorder (OPD) pathway. "
            "Consider a referral."
        ),
        reference=(
            f"{HMIP}, sections 4.1 'Mental health' and 4.2 'Risk management' (inadequate "
            "reaction to decline in mental health), chapter 8 and recommendation 7"
        ),
        applies=lambda f: (
            "mental_health_deterioration" in f.current_behaviours
            and not (f.referrals & {"mental_health", "opd"})
        ),
    ),
    Rule(
        code="COM_DISCONTINUITY",
        severity="warn",
        message=(
            "The person has had three or more community offender managers since release. "
            "Frequent changes damage trust: make sure the decision draws on people who know the "
            "person, and consider continuity (the same COM, or a back-up officer)."
        ),
        reference=(
            f"{HMIP}, section 4.1 'Supporting compliance and engagement on licence', "
            "chapter 8 and recommendation 9"
        ),
        applies=lambda f: f.com_changes >= 3,
        detail=lambda f: f"Recorded since release: {f.com_changes}.",
    ),
    Rule(
        code="LONG_TIME_IN_COMMUNITY",
        severity="warn",
        message=(
            "The person has been in the community for five years or more since release. "
            "Consider whether suspension of supervision or termination of the licence should be "
            "pursued, for example through a progression panel."
        ),
        reference=(
            f"{HMIP}, section 4.3 'Terminating the supervision or the licence' and section 5.1 "
            "(recalls after five years in the community); IPP stakeholder group minutes "
            "(Mar 2025), item 5 (licence termination referrals)"
        ),
        applies=_long_time_in_community,
    ),
    *PART_A_RULES,
)

RULE_CODES: Final[tuple[str, ...]] = tuple(rule.code for rule in RULES)


def evaluate(facts: Facts, rules: Sequence[Rule] = RULES) -> list[Finding]:
    """The findings of every rule that fires, in table order. Pure: same facts, same answer."""
    return [rule.finding(facts) for rule in rules if rule.applies(facts)]


def evaluate_dict(data: object) -> list[Finding]:
    """``evaluate(Facts.from_dict(data))``; raises ``FactsError`` on invalid facts."""
    return evaluate(Facts.from_dict(data))


# ---------------------------------------------------------------------------------------------
# CLI


class _JsonError(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _JsonError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constant(name: str) -> object:
    raise _JsonError(f"{name} is not valid JSON")


def load_json(text: str) -> object:
    """Strict JSON: no duplicate keys, no NaN/Infinity. Raises ``FactsError``."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise FactsError("", f"not valid JSON: {exc}") from None
    except _JsonError as exc:
        raise FactsError("", f"not valid JSON: {exc}") from None
    except RecursionError:
        raise FactsError("", "not valid JSON: nested too deeply") from None


def _read(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    with open(source, "rb") as handle:
        return handle.read()


USAGE: Final = "usage: python -m recall.rules FACTS.json   (use - to read standard input)"


def main(argv: Sequence[str] | None = None) -> int:
    """Evaluate one facts file; print the findings as JSON. Returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    if len(args) != 1:
        print(USAGE, file=sys.stderr)
        return 2
    source = args[0]
    try:
        text = _read(source).decode("utf-8-sig")
        findings = evaluate_dict(load_json(text))
    except OSError as exc:
        print(f"error: cannot read {source}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(f"error: {source} is not UTF-8 text", file=sys.stderr)
        return 2
    except FactsError as exc:
        print(f"error: {source}: {exc}", file=sys.stderr)
        return 2
    json.dump({"findings": [f.to_dict() for f in findings]}, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
