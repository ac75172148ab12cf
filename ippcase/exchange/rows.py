"""The rows of the import format ``ippcase-import/1``: what the parser hands the loader.

Parsing (:mod:`.parse`) turns a decoded file into :class:`PersonRow` values, or into
:class:`ImportProblem` values when it is not valid. The rows use the model field names, so that
the loader (:mod:`.load`) can compare them with stored rows attribute by attribute; stored rows
are plain dicts keyed by attname (:data:`Row`, :func:`attnames`).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from django.db import models

FORMAT: Final = "ippcase-import/1"
FILE_LABEL: Final = "-"  # shown in place of a CRN for a problem with the file as a whole

# A stored row: ``.values()`` of a model, keyed by attname.
Row = dict[str, Any]


def attnames(model: type[models.Model]) -> list[str]:
    """The attnames of ``model``'s concrete fields: what ``.values()`` reads for a whole row."""
    return [f.attname for f in model._meta.concrete_fields]


class Unset(enum.Enum):
    """The type of :data:`UNSET` (an enum, so that ``x is not UNSET`` narrows for mypy)."""

    UNSET = "UNSET"


# An optional field the record leaves out: an existing person keeps what is stored.
UNSET: Final = Unset.UNSET


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an import file.

    ``crn`` is the record's CRN as written in the file, ``people[N]`` for a record without a
    usable CRN, ``-`` for the file as a whole, or empty in the organisation import (whose
    ``field`` is the whole path: ``staff[3].team``). ``field`` is a dotted path inside the record
    (``releases[1].recall.date``; list positions count from 0), empty for the record itself.
    """

    crn: str
    field: str
    reason: str

    def __str__(self) -> str:
        if not self.crn:  # the organisation import names a problem by its path alone
            return f"{self.field}: {self.reason}" if self.field else self.reason
        if self.field:
            return f"{self.crn} {self.field}: {self.reason}"
        return f"{self.crn}: {self.reason}"


class ImportValidationError(Exception):
    """The file is invalid; nothing was written. ``errors`` lists every problem in file order."""

    def __init__(self, errors: list[ImportProblem]) -> None:
        self.errors = errors
        count = len(errors)
        super().__init__(
            f"{count} problem{'' if count == 1 else 's'} in the import; nothing written"
        )


@dataclass(frozen=True)
class References:
    """What a file may refer to, looked up by the caller before parsing.

    Only the names the file mentions need to be present (see :func:`referenced_names`).
    """

    team_ids: Mapping[str, int]  # Team.code -> id
    user_ids: Mapping[str, int]  # User.username -> id
    stored_crns: frozenset[str]  # people already stored: an absent "team" keeps theirs
    default_team_code: str | None = None
    pdu_ids: Mapping[str, int] = field(default_factory=dict)  # Pdu.code -> id ("pdu")


@dataclass(frozen=True)
class Names:
    """The CRNs, team codes and usernames a file mentions (malformed values are skipped)."""

    crns: frozenset[str]
    team_codes: frozenset[str]
    usernames: frozenset[str]
    pdu_codes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class OffenceRow:
    category: str
    description: str
    behaviours: list[str]

    @property
    def key(self) -> tuple[str, str]:
        """Natural key of a non-principal offence: a re-import updates the matching row."""
        return (self.category, self.description)

    def values(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "description": self.description,
            "behaviours": self.behaviours,
        }


@dataclass(frozen=True)
class AdjournmentRow:
    """An adjournment or deferral of a Parole Board review (parole.Adjournment)."""

    date: dt.date  # the natural key within its review
    kind: str
    reason: str
    new_date: dt.date | None
    prisoner_informed_on: dt.date | None

    @property
    def key(self) -> dt.date:
        return self.date

    def values(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "date": self.date,
            "reason": self.reason,
            "new_date": self.new_date,
            "prisoner_informed_on": self.prisoner_informed_on,
        }


@dataclass(frozen=True)
class ParoleReviewRow:
    """One Parole Board decision stage after a recall (parole.ParoleReview). ``adjournments``
    is :data:`UNSET` when the file leaves the list out: a stored review keeps its own."""

    referred_on: dt.date
    kind: str
    calder_answer: str
    hearing_date: dt.date | None
    decided_on: dt.date | None
    outcome: str
    adjournments: list[AdjournmentRow] | Unset

    @property
    def key(self) -> tuple[dt.date, str]:
        """Natural key within the recall: a re-import updates the matching review."""
        return (self.referred_on, self.kind)

    def values(self) -> dict[str, Any]:
        # Only the fields the format carries: notes and the PCA-N/PRA directions recorded in
        # the application are left as they are.
        return {
            "kind": self.kind,
            "referred_on": self.referred_on,
            "calder_answer": self.calder_answer,
            "hearing_date": self.hearing_date,
            "decided_on": self.decided_on,
            "outcome": self.outcome,
        }


@dataclass(frozen=True)
class RarrRow:
    """A risk-assessed recall review (parole.RiskAssessedRecallReview): at most one a recall."""

    decided_on: dt.date
    outcome: str

    def values(self) -> dict[str, Any]:
        return {"decided_on": self.decided_on, "outcome": self.outcome}


@dataclass(frozen=True)
class TerminationReferralRow:
    """A licence termination referral (parole.TerminationReferral)."""

    referred_on: dt.date  # the natural key within the person
    decided_on: dt.date | None
    outcome: str

    @property
    def key(self) -> dt.date:
        return self.referred_on

    def values(self) -> dict[str, Any]:
        return {
            "referred_on": self.referred_on,
            "decided_on": self.decided_on,
            "outcome": self.outcome,
        }


@dataclass(frozen=True)
class RecallRow:
    """A recall. The parole parts are :data:`UNSET` when the file leaves them out, so that a
    stored recall keeps what was recorded; ``rarr`` is None for "no RARR"."""

    recall_date: dt.date
    returned_to_custody: dt.date | None
    reasons: list[str]
    criteria: list[str]
    re_released_on: dt.date | Unset | None = UNSET
    parole_reviews: list[ParoleReviewRow] | Unset = UNSET
    rarr: RarrRow | Unset | None = UNSET

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "recall_date": self.recall_date,
            "returned_to_custody": self.returned_to_custody,
            "reasons": self.reasons,
            "criteria": self.criteria,
        }
        if self.re_released_on is not UNSET:
            values["re_released_on"] = self.re_released_on
        return values


@dataclass(frozen=True)
class ReleaseRow:
    date: dt.date  # the natural key: a person is released at most once a day
    prison: str
    approved_premises: bool
    recall: RecallRow | None

    def values(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "prison": self.prison,
            "approved_premises": self.approved_premises,
        }


@dataclass(frozen=True)
class SentenceRow:
    sentence_type: str
    sentence_date: dt.date
    tariff_years: int
    tariff_months: int
    tariff_days: int
    index_offence: OffenceRow
    other_offences: list[OffenceRow] | Unset

    def values(self) -> dict[str, Any]:
        return {
            "sentence_type": self.sentence_type,
            "sentence_date": self.sentence_date,
            "tariff_years": self.tariff_years,
            "tariff_months": self.tariff_months,
            "tariff_days": self.tariff_days,
        }


@dataclass(frozen=True)
class ConditionRow:
    kind: str
    standard_code: str
    text: str
    start_date: dt.date
    end_date: dt.date | None
    additional_code: str = ""

    @property
    def key(self) -> tuple[str, str, str, dt.date]:
        """Natural key: the same wording in force from the same day is the same condition."""
        return (self.kind, self.standard_code, self.text, self.start_date)

    def values(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "standard_code": self.standard_code,
            "additional_code": self.additional_code,
            "text": self.text,
            "start_date": self.start_date,
            "end_date": self.end_date,
        }


@dataclass(frozen=True)
class AllocationRow:
    practitioner_id: int
    start_date: dt.date
    end_date: dt.date | None

    @property
    def key(self) -> tuple[int, dt.date]:
        return (self.practitioner_id, self.start_date)

    def values(self) -> dict[str, Any]:
        return {
            "practitioner_id": self.practitioner_id,
            "start_date": self.start_date,
            "end_date": self.end_date,
        }


@dataclass(frozen=True)
class PersonRow:
    """A valid person record. ``fields`` holds Person attributes present in the file (team as
    ``team_id``; an unallocated person's PDU as ``awaiting_pdu_id``); optional collections are
    :data:`UNSET` when the file leaves them out."""

    crn: str
    fields: dict[str, Any]
    sentence: SentenceRow
    releases: list[ReleaseRow]
    licence_conditions: list[ConditionRow] | Unset
    allocations: list[AllocationRow] | Unset
    termination_referrals: list[TerminationReferralRow] | Unset = UNSET
    meetings: list[MeetingRow] | Unset = UNSET


@dataclass(frozen=True)
class MeetingActionRow:
    """An action a meeting agreed (recall.MeetingAction): owned by a member of staff
    (``owner_id``) or by someone in another agency named in words (``owner_name``)."""

    description: str
    owner_id: int | None
    owner_name: str
    due_on: dt.date
    done_on: dt.date | None
    done_by_id: int | None
    done_note: str

    @property
    def key(self) -> tuple[str, dt.date]:
        """Natural key within the meeting: the same action due the same day."""
        return (self.description, self.due_on)

    def values(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "owner_id": self.owner_id,
            "owner_name": self.owner_name,
            "due_on": self.due_on,
            "done_on": self.done_on,
            "done_by_id": self.done_by_id,
            "done_note": self.done_note,
        }


@dataclass(frozen=True)
class MeetingRow:
    """A multi-agency meeting (recall.MultiAgencyMeeting). The concerns it discussed are not
    carried. ``actions`` is :data:`UNSET` when the file leaves the list out."""

    held_on: dt.date
    kind: str
    chair: str
    agencies: list[str]
    other_agency: str
    attendees: str
    discussion: str
    decisions: str
    recorded_by_id: int
    struck_out_at: dt.datetime | None
    struck_out_by_id: int | None
    struck_out_reason: str
    actions: list[MeetingActionRow] | Unset

    @property
    def key(self) -> tuple[dt.date, str]:
        """Natural key within the person: one meeting of a kind a day."""
        return (self.held_on, self.kind)

    def values(self) -> dict[str, Any]:
        return {
            "held_on": self.held_on,
            "kind": self.kind,
            "chair": self.chair,
            "agencies": self.agencies,
            "other_agency": self.other_agency,
            "attendees": self.attendees,
            "discussion": self.discussion,
            "decisions": self.decisions,
            "recorded_by_id": self.recorded_by_id,
            "struck_out_at": self.struck_out_at,
            "struck_out_by_id": self.struck_out_by_id,
            "struck_out_reason": self.struck_out_reason,
        }
