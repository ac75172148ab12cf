"""Loading an import: :func:`cases_import` validates a decoded file against what is stored and,
when it is valid, plans the writes that make the stored cases equal to the file.

Works on plain rows (``.values()`` dicts keyed by attname) rather than model instances: for
10,000 people that is ~130,000 rows, and instantiating models through prefetch_related costs more
than all the queries together. The rows to write go into a :class:`~.write.WritePlan`, which
writes them in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import pghistory
from django.db import models, transaction
from django.utils import timezone

from ippcase.exchange.parse import parse_document, referenced_names
from ippcase.exchange.reader import shown, unstorable
from ippcase.exchange.rows import (
    UNSET,
    ImportProblem,
    ImportValidationError,
    MeetingRow,
    ParoleReviewRow,
    PersonRow,
    RarrRow,
    RecallRow,
    References,
    ReleaseRow,
    Row,
    SentenceRow,
    Unset,
    attnames,
)
from ippcase.exchange.write import Parent, WritePlan
from ippcase.models import (
    Allocation,
    IndexOffence,
    LicenceCondition,
    Pdu,
    Person,
    Recall,
    Release,
    Sentence,
    Team,
    User,
    tariff_expiry,
)
from ippcase.vocab import Role
from parole.models import Adjournment, ParoleReview, RiskAssessedRecallReview, TerminationReferral
from recall.models import MeetingAction, MultiAgencyMeeting

# CRNs per locking query when loading the people a file updates.
_LOAD_CHUNK = 2000

R = TypeVar("R")


class _Valued(Protocol):
    """A parsed row that gives its model field values (every row of :mod:`.rows` does)."""

    def values(self) -> dict[str, Any]: ...


V = TypeVar("V", bound=_Valued)


def _given(rows: list[R] | Unset) -> list[R]:
    """The rows of an optional collection; none when the file leaves it out."""
    return [] if rows is UNSET else rows


@dataclass(frozen=True)
class ImportResult:
    """How many people of the file were created, changed, or already exactly as in the file."""

    created: int
    updated: int
    unchanged: int


def cases_import(
    *,
    data: dict[str, Any],
    default_team_code: str | None = None,
    actor: str = "import",
    user: User | None = None,
) -> ImportResult:
    """Create or update the people in ``data`` (a decoded ``ippcase-import/1`` file).

    All or nothing: the whole file is validated before anything is written, and any problem
    raises :class:`ImportValidationError` listing every problem (CRN, field, reason). A valid
    file is written in one transaction, audited with ``actor`` (the service's own name for the
    change, in words in ``ippcase.cases.history.ACTOR_WORDS``) and, when given, ``user`` (the
    person responsible, whom the case history then names) in the pghistory context.

    A CRN already stored is updated in place: its fields, and each child collection in the file
    (releases and recalls, offences, licence conditions, allocations, and the parole parts:
    Parole Board reviews and their adjournments, RARR, licence termination referrals) is made
    equal to the file by natural key, updating matching rows, deleting rows not in the file and
    creating new ones.
    Optional fields the record leaves out keep their stored values. A row that would not change
    is not saved, so an identical re-import writes nothing and no audit events. People not in
    the file are left alone. ``default_team_code`` is the team of new people whose record has
    no ``team`` and no ``pdu``; without it they are imported unallocated (no team, on the
    unallocated list of the record's ``pdu``, or the national list).
    """
    today = timezone.localdate()
    context: dict[str, Any] = {"actor": actor}
    if user is not None:
        context["user"] = user.pk
    with pghistory.context(**context), transaction.atomic():
        names = referenced_names(data)
        stored = _lock_stored_people(names.crns)
        team_codes = set(names.team_codes)
        if default_team_code is not None and unstorable(default_team_code) is None:
            team_codes.add(default_team_code)
        users = {
            user["id"]: user
            for user in User.objects.filter(username__in=names.usernames).values(
                "id", "username", "team_id", "roles", "is_active"
            )
        }
        refs = References(
            team_ids=dict(Team.objects.filter(code__in=team_codes).values_list("code", "id")),
            user_ids={user["username"]: user["id"] for user in users.values()},
            stored_crns=frozenset(stored),
            default_team_code=default_team_code,
            pdu_ids=dict(Pdu.objects.filter(code__in=names.pdu_codes).values_list("code", "id")),
        )
        rows, problems = parse_document(data, refs=refs, today=today)
        if not problems:
            problems = _stored_conflicts(rows, stored) + _current_com_problems(rows, stored, users)
        if problems:
            raise ImportValidationError(problems)

        plan = WritePlan()
        created = updated = unchanged = 0
        for row in rows:
            case = stored.get(row.crn)
            if case is None:
                _plan_new_person(plan, row)
                created += 1
            elif _plan_person_changes(plan, case, row):
                updated += 1
            else:
                unchanged += 1
        plan.apply()
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


@dataclass
class _StoredCase:
    """What is stored for one person, as rows keyed by attname."""

    person: Row
    sentence: Row | None = None
    offences: list[Row] = field(default_factory=list)
    releases: list[Row] = field(default_factory=list)
    recalls: dict[int, Row] = field(default_factory=dict)  # by release id
    conditions: list[Row] = field(default_factory=list)
    allocations: list[Row] = field(default_factory=list)
    reviews: defaultdict[int, list[Row]] = field(default_factory=lambda: defaultdict(list))
    adjournments: defaultdict[int, list[Row]] = field(
        default_factory=lambda: defaultdict(list)
    )  # by review id
    rarrs: dict[int, Row] = field(default_factory=dict)  # by recall id
    referrals: list[Row] = field(default_factory=list)
    meetings: list[Row] = field(default_factory=list)
    actions: defaultdict[int, list[Row]] = field(
        default_factory=lambda: defaultdict(list)
    )  # by meeting id


def _lock_stored_people(crns: Iterable[str]) -> dict[str, _StoredCase]:
    """The stored cases among ``crns``, their people locked until the import commits
    (thirteen queries per chunk of CRNs)."""
    ordered = sorted(crns)  # a stable lock order keeps two concurrent imports from deadlocking
    cases: dict[str, _StoredCase] = {}
    for start in range(0, len(ordered), _LOAD_CHUNK):
        people = (
            Person.objects.filter(crn__in=ordered[start : start + _LOAD_CHUNK])
            .order_by("crn")
            .select_for_update()
            .values(*attnames(Person))
        )
        by_id = {person["id"]: _StoredCase(person) for person in people}
        ids = list(by_id)
        for sentence in Sentence.objects.filter(person_id__in=ids).values(*attnames(Sentence)):
            by_id[sentence["person_id"]].sentence = sentence
        by_sentence = {
            case.sentence["id"]: case for case in by_id.values() if case.sentence is not None
        }
        offences = IndexOffence.objects.filter(sentence_id__in=list(by_sentence)).order_by("id")
        for offence in offences.values(*attnames(IndexOffence)):
            by_sentence[offence["sentence_id"]].offences.append(offence)
        for release in Release.objects.filter(person_id__in=ids).values(*attnames(Release)):
            by_id[release["person_id"]].releases.append(release)
        recalls = Recall.objects.filter(release__person_id__in=ids)
        for recall in recalls.values("release__person_id", *attnames(Recall)):
            by_id[recall.pop("release__person_id")].recalls[recall["release_id"]] = recall
        conditions = LicenceCondition.objects.filter(person_id__in=ids).order_by("id")
        for condition in conditions.values(*attnames(LicenceCondition)):
            by_id[condition["person_id"]].conditions.append(condition)
        allocations = Allocation.objects.filter(person_id__in=ids).order_by("id")
        for allocation in allocations.values(*attnames(Allocation)):
            by_id[allocation["person_id"]].allocations.append(allocation)
        reviews = ParoleReview.objects.filter(recall__release__person_id__in=ids).order_by("id")
        for review in reviews.values("recall__release__person_id", *attnames(ParoleReview)):
            case = by_id[review.pop("recall__release__person_id")]
            case.reviews[review["recall_id"]].append(review)
        delays = Adjournment.objects.filter(review__recall__release__person_id__in=ids)
        for delay in delays.order_by("id").values(
            "review__recall__release__person_id", *attnames(Adjournment)
        ):
            case = by_id[delay.pop("review__recall__release__person_id")]
            case.adjournments[delay["review_id"]].append(delay)
        rarrs = RiskAssessedRecallReview.objects.filter(recall__release__person_id__in=ids)
        for rarr in rarrs.values("recall__release__person_id", *attnames(RiskAssessedRecallReview)):
            by_id[rarr.pop("recall__release__person_id")].rarrs[rarr["recall_id"]] = rarr
        referrals = TerminationReferral.objects.filter(person_id__in=ids).order_by("id")
        for referral in referrals.values(*attnames(TerminationReferral)):
            by_id[referral["person_id"]].referrals.append(referral)
        meetings = MultiAgencyMeeting.objects.filter(person_id__in=ids).order_by("id")
        for meeting in meetings.values(*attnames(MultiAgencyMeeting)):
            by_id[meeting["person_id"]].meetings.append(meeting)
        actions = MeetingAction.objects.filter(meeting__person_id__in=ids).order_by("id")
        for action in actions.values("meeting__person_id", *attnames(MeetingAction)):
            case = by_id[action.pop("meeting__person_id")]
            case.actions[action["meeting_id"]].append(action)
        cases.update((case.person["crn"], case) for case in by_id.values())
    return cases


def _stored_conflicts(rows: list[PersonRow], stored: dict[str, _StoredCase]) -> list[ImportProblem]:
    """Problems that only the stored rows show: a part the file leaves out is kept, and must
    still fit what the file changes. (The database would refuse the write otherwise.)"""
    problems: list[ImportProblem] = []
    for row in rows:
        case = stored.get(row.crn)
        if case is None:
            continue
        team_id = case.person["team_id"]
        if "awaiting_pdu_id" in row.fields and "team_id" not in row.fields and team_id is not None:
            problems.append(
                ImportProblem(
                    row.crn,
                    "pdu",
                    "the person is stored with a team, which the import keeps when the record "
                    "gives none; a pdu is only for a person awaiting allocation (leave it out, "
                    "or give the team)",
                )
            )
        releases = {release["date"]: release["id"] for release in case.releases}
        for i, release in enumerate(row.releases):
            recall = case.recalls.get(releases.get(release.date, -1))
            if (
                release.recall is None
                or recall is None
                or release.recall.re_released_on is not UNSET
            ):
                continue
            kept = recall["re_released_on"]
            if kept is not None and kept < release.recall.recall_date:
                problems.append(
                    ImportProblem(
                        row.crn,
                        f"releases[{i}].recall.re_released",
                        f"left out, so the stored re-release date ({kept}) is kept, but it is "
                        f"before the recall date ({release.recall.recall_date}); give re_released",
                    )
                )
    return problems


def _current_com_problems(
    rows: list[PersonRow], stored: dict[str, _StoredCase], users: Mapping[int, Mapping[str, Any]]
) -> list[ImportProblem]:
    """The open allocation (the current COM) must be to an active user with the practitioner
    role in the person's team (the file's, or the stored one the file keeps), as the transfer
    page requires. A past allocation may name anyone who exists: people move team and change
    role, and the history must still say who held the case (docs/import-format.md)."""
    problems: list[ImportProblem] = []
    for row in rows:
        if row.allocations is UNSET:
            continue
        case = stored.get(row.crn)
        if "team_id" in row.fields:
            team_id = row.fields["team_id"]
        else:
            team_id = case.person["team_id"] if case is not None else None
        for i, allocation in enumerate(row.allocations):
            if allocation.end_date is not None:
                continue
            user = users[allocation.practitioner_id]
            if not user["is_active"]:
                reason = "is not an active user"
            elif Role.PRACTITIONER not in user["roles"]:
                reason = "is not a probation practitioner"
            elif team_id is None:
                reason = "cannot be the current COM of a person awaiting allocation (no team)"
            elif user["team_id"] != team_id:
                reason = "is not in the person's team"
            else:
                continue
            field = f"allocations[{i}].practitioner"
            problems.append(ImportProblem(row.crn, field, f"{shown(user['username'])} {reason}"))
    return problems


# --- import: planning ------------------------------------------------------------------------


def _sentence_values(row: SentenceRow) -> Row:
    # Sentence.save() derives the tariff expiry, but bulk writes bypass save(): derive it here.
    values = row.values()
    values["tariff_expiry_date"] = tariff_expiry(
        row.sentence_date, row.tariff_years, row.tariff_months, row.tariff_days
    )
    return values


def _plan_new_person(plan: WritePlan, row: PersonRow) -> None:
    person = plan.create(Person, {"crn": row.crn, **row.fields})
    _plan_new_sentence(plan, person, row.sentence)
    for release in row.releases:
        _plan_new_release(plan, person, release)
    for condition in _given(row.licence_conditions):
        plan.create(LicenceCondition, condition.values(), person_id=person)
    for allocation in _given(row.allocations):
        plan.create(Allocation, allocation.values(), person_id=person)
    for referral in _given(row.termination_referrals):
        plan.create(TerminationReferral, referral.values(), person_id=person)
    for meeting in _given(row.meetings):
        _plan_new_meeting(plan, person, meeting)


def _plan_new_meeting(plan: WritePlan, person: Parent, row: MeetingRow) -> None:
    # Bulk inserts bypass auto_now_add: the time of the import is when it was recorded.
    now = timezone.now()
    meeting = plan.create(
        MultiAgencyMeeting, {**row.values(), "recorded_at": now}, person_id=person
    )
    for action in _given(row.actions):
        plan.create(MeetingAction, {**action.values(), "created_at": now}, meeting_id=meeting)


def _plan_meeting_changes(plan: WritePlan, case: _StoredCase, rows: list[MeetingRow]) -> bool:
    """Match meetings by date and kind, their actions by description and due date; a meeting
    removed from the file takes its actions with it."""
    person_id: int = case.person["id"]

    def make(row: MeetingRow) -> None:
        _plan_new_meeting(plan, person_id, row)

    def matched(stored: Row, row: MeetingRow) -> bool:
        if row.actions is UNSET:
            return False
        meeting_id: int = stored["id"]
        now = timezone.now()
        return _plan_children(
            plan,
            MeetingAction,
            stored=case.actions.get(meeting_id, []),
            rows=row.actions,
            stored_key=lambda a: (a["description"], a["due_on"]),
            row_key=lambda r: r.key,
            make=lambda r: plan.create(
                MeetingAction, {**r.values(), "created_at": now}, meeting_id=meeting_id
            ),
        )

    changed = _plan_children(
        plan,
        MultiAgencyMeeting,
        stored=case.meetings,
        rows=rows,
        stored_key=lambda m: (m["held_on"], m["kind"]),
        row_key=lambda r: r.key,
        make=make,
        matched=matched,
    )
    deleted = set(plan.deletes.get(MultiAgencyMeeting, ()))
    for meeting in case.meetings:
        if meeting["id"] in deleted:
            for action in case.actions.get(meeting["id"], []):
                plan.delete(MeetingAction, action)
    return changed


def _plan_new_sentence(plan: WritePlan, person: Parent, row: SentenceRow) -> None:
    sentence = plan.create(Sentence, _sentence_values(row), person_id=person)
    principal = {**row.index_offence.values(), "is_principal": True}
    plan.create(IndexOffence, principal, sentence_id=sentence)
    for offence in _given(row.other_offences):
        plan.create(IndexOffence, {**offence.values(), "is_principal": False}, sentence_id=sentence)


def _plan_new_release(plan: WritePlan, person: Parent, row: ReleaseRow) -> None:
    release = plan.create(Release, row.values(), person_id=person)
    if row.recall is not None:
        _plan_new_recall(plan, release, row.recall)


def _plan_new_recall(plan: WritePlan, release: Parent, row: RecallRow) -> None:
    recall = plan.create(Recall, row.values(), release_id=release)
    for review in _given(row.parole_reviews):
        _plan_new_review(plan, recall, review)
    if isinstance(row.rarr, RarrRow):
        plan.create(RiskAssessedRecallReview, row.rarr.values(), recall_id=recall)


def _plan_new_review(plan: WritePlan, recall: Parent, row: ParoleReviewRow) -> None:
    review = plan.create(ParoleReview, row.values(), recall_id=recall)
    for adjournment in _given(row.adjournments):
        plan.create(Adjournment, adjournment.values(), review_id=review)


def _plan_person_changes(plan: WritePlan, case: _StoredCase, row: PersonRow) -> bool:
    """Plan the writes that make a stored case equal to ``row``; True if there are any."""
    person_id: int = case.person["id"]
    # Every step runs (no short-circuit): each one plans its own writes.
    changed = plan.update(Person, case.person, row.fields)
    changed |= _plan_sentence_changes(plan, case, row.sentence)
    changed |= _plan_release_changes(plan, case, row.releases)
    if row.licence_conditions is not UNSET:
        changed |= _plan_children(
            plan,
            LicenceCondition,
            stored=case.conditions,
            rows=row.licence_conditions,
            stored_key=lambda c: (c["kind"], c["standard_code"], c["text"], c["start_date"]),
            row_key=lambda r: r.key,
            make=lambda r: plan.create(LicenceCondition, r.values(), person_id=person_id),
        )
    if row.allocations is not UNSET:
        changed |= _plan_children(
            plan,
            Allocation,
            stored=case.allocations,
            rows=row.allocations,
            stored_key=lambda a: (a["practitioner_id"], a["start_date"]),
            row_key=lambda r: r.key,
            make=lambda r: plan.create(Allocation, r.values(), person_id=person_id),
        )
    if row.termination_referrals is not UNSET:
        changed |= _plan_children(
            plan,
            TerminationReferral,
            stored=case.referrals,
            rows=row.termination_referrals,
            stored_key=lambda t: t["referred_on"],
            row_key=lambda r: r.key,
            make=lambda r: plan.create(TerminationReferral, r.values(), person_id=person_id),
        )
    if row.meetings is not UNSET:
        changed |= _plan_meeting_changes(plan, case, row.meetings)
    return changed


def _plan_sentence_changes(plan: WritePlan, case: _StoredCase, row: SentenceRow) -> bool:
    sentence = case.sentence
    if sentence is None:  # stored without a sentence (not through an import)
        _plan_new_sentence(plan, case.person["id"], row)
        return True
    sentence_id: int = sentence["id"]
    changed = plan.update(Sentence, sentence, _sentence_values(row))
    principal = next((o for o in case.offences if o["is_principal"]), None)
    if principal is None:
        values = {**row.index_offence.values(), "is_principal": True}
        plan.create(IndexOffence, values, sentence_id=sentence_id)
        changed = True
    else:
        changed |= plan.update(IndexOffence, principal, row.index_offence.values())
    if row.other_offences is not UNSET:
        changed |= _plan_children(
            plan,
            IndexOffence,
            stored=[o for o in case.offences if not o["is_principal"]],
            rows=row.other_offences,
            stored_key=lambda o: (o["category"], o["description"]),
            row_key=lambda r: r.key,
            make=lambda r: plan.create(
                IndexOffence, {**r.values(), "is_principal": False}, sentence_id=sentence_id
            ),
        )
    return changed


def _plan_release_changes(plan: WritePlan, case: _StoredCase, rows: list[ReleaseRow]) -> bool:
    """Match releases by date (unique per person); a recall belongs to its release."""
    stored = {release["date"]: release for release in case.releases}
    changed = False
    for row in rows:
        release = stored.pop(row.date, None)
        if release is None:
            _plan_new_release(plan, case.person["id"], row)
            changed = True
            continue
        changed |= plan.update(Release, release, row.values())
        recall = case.recalls.get(release["id"])
        if row.recall is None:
            if recall is not None:
                plan.delete(Recall, recall)
                changed = True
        elif recall is None:
            _plan_new_recall(plan, release["id"], row.recall)
            changed = True
        else:
            changed |= plan.update(Recall, recall, row.recall.values())
            changed |= _plan_parole_changes(plan, case, recall["id"], row.recall)
    for release in stored.values():
        plan.delete(Release, release)  # its recall goes with it (on_delete=CASCADE)
        changed = True
    return changed


def _plan_parole_changes(
    plan: WritePlan, case: _StoredCase, recall_id: int, row: RecallRow
) -> bool:
    """The parole parts of a stored recall; each one the file leaves out is left as it is."""
    changed = False
    if row.parole_reviews is not UNSET:
        changed |= _plan_children(
            plan,
            ParoleReview,
            stored=case.reviews.get(recall_id, []),
            rows=row.parole_reviews,
            stored_key=lambda v: (v["referred_on"], v["kind"]),
            row_key=lambda r: r.key,
            make=lambda r: _plan_new_review(plan, recall_id, r),
            matched=lambda stored, r: _plan_adjournment_changes(plan, case, stored["id"], r),
        )
    if row.rarr is not UNSET:
        rarr = case.rarrs.get(recall_id)
        if row.rarr is None:
            if rarr is not None:
                plan.delete(RiskAssessedRecallReview, rarr)
                changed = True
        elif rarr is None:
            plan.create(RiskAssessedRecallReview, row.rarr.values(), recall_id=recall_id)
            changed = True
        else:
            changed |= plan.update(RiskAssessedRecallReview, rarr, row.rarr.values())
    return changed


def _plan_adjournment_changes(
    plan: WritePlan, case: _StoredCase, review_id: int, row: ParoleReviewRow
) -> bool:
    if row.adjournments is UNSET:
        return False
    return _plan_children(
        plan,
        Adjournment,
        stored=case.adjournments.get(review_id, []),
        rows=row.adjournments,
        stored_key=lambda a: a["date"],
        row_key=lambda r: r.key,
        make=lambda r: plan.create(Adjournment, r.values(), review_id=review_id),
    )


def _plan_children(
    plan: WritePlan,
    model: type[models.Model],
    *,
    stored: Iterable[Row],
    rows: Sequence[V],
    stored_key: Callable[[Row], Hashable],
    row_key: Callable[[V], Hashable],
    make: Callable[[V], object],
    matched: Callable[[Row, V], bool] | None = None,
) -> bool:
    """Make a stored collection equal to ``rows`` by natural key: update the matching row
    (and plan its own children with ``matched(stored, row)``), plan ``make(row)`` for each
    missing one, delete the rest. True if anything changes."""
    by_key: defaultdict[Hashable, list[Row]] = defaultdict(list)
    for item in stored:
        by_key[stored_key(item)].append(item)
    changed = False
    for row in rows:
        matches = by_key.get(row_key(row))
        if matches:
            item = matches.pop(0)
            changed |= plan.update(model, item, row.values())
            if matched is not None:
                changed |= matched(item, row)
        else:
            make(row)
            changed = True
    for leftovers in by_key.values():
        for item in leftovers:
            plan.delete(model, item)
            changed = True
    return changed
