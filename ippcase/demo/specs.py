"""The generated data as plain dataclasses: the organisation (:class:`OrgSpec`) and the people
(:class:`PersonSpec`, with their sentence, releases, recalls, parole work and recall work).

:func:`ippcase.demo.generator.generate` makes them; the writer, the documents and the profile
comparison read them. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ippcase import vocab
from recall.rules import add_months


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
        return add_months(
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
class MeetingActionSpec:
    """An action a meeting agreed (recall.MeetingAction)."""

    description: str
    owner: str  # a username; "" when owned in another agency
    owner_name: str  # the owner in another agency, in words
    due: dt.date
    done: dt.date | None
    done_by: str  # username, when done
    done_note: str


@dataclass(slots=True)
class MeetingSpec:
    """A multi-agency meeting about the person (recall.MultiAgencyMeeting; issue 19)."""

    held: dt.date
    kind: str  # recall.vocab.MeetingKind
    chair: str
    agencies: list[str]  # recall.vocab.Agency
    attendees: str
    discussion: str
    decisions: str
    recorded_by: str  # username: the COM on the day
    recorded_at: dt.datetime
    actions: list[MeetingActionSpec] = field(default_factory=list)


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
    # The rules' findings recorded at the decision (submitted or not recalled); None otherwise.
    decision_findings: list[dict[str, str]] | None = None


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
    # Multi-agency meetings (drawn from their own random stream, after the recall work).
    meetings: list[MeetingSpec] = field(default_factory=list)


@dataclass(slots=True)
class DemoData:
    people_count: int
    seed: int
    org: OrgSpec
    people: list[PersonSpec]


def status_of(person: PersonSpec) -> str:
    """Where the person is on the reference date: licence, custody or at_large."""
    recall = person.releases[-1].recall
    if recall is None:
        return "licence"
    return "custody" if recall.returned_to_custody is not None else "at_large"
