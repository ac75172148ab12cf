"""Services of the case domain: every write goes through a function here, named
``<thing>_<verb>``, with keyword-only typed arguments; each runs in one transaction inside a
``pghistory.context`` so that its audit events say who (or what) made the change.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import pghistory
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from ippcase.importing import (
    FORMAT,
    UNSET,
    ImportProblem,
    ImportValidationError,
    ParoleReviewRow,
    PersonRow,
    RarrRow,
    RecallRow,
    References,
    ReleaseRow,
    SentenceRow,
    Unset,
    parse_document,
    referenced_names,
    unstorable,
)
from ippcase.models import (
    Allocation,
    IndexOffence,
    LicenceCondition,
    Person,
    Recall,
    Release,
    Sentence,
    Team,
    User,
    tariff_expiry,
)
from parole.models import Adjournment, ParoleReview, RiskAssessedRecallReview, TerminationReferral
from parole.vocab import DelayKind

__all__ = [
    "ImportProblem",
    "ImportResult",
    "ImportValidationError",
    "cases_export",
    "cases_import",
]


# =============================================================================================
# Case import and export (the "ippcase-import/1" format: docs/import-format.md)
# =============================================================================================
#
# Both directions work on plain rows (``.values()`` dicts keyed by attname) rather than model
# instances: for 10,000 people that is ~130,000 rows, and instantiating models through
# prefetch_related costs more than all the queries together. Model instances are built only
# for the rows an import actually changes.

# Rows per INSERT/UPDATE statement: large enough to amortise round trips, small enough to keep
# each statement (and the audit trigger work inside it) short.
_BATCH_SIZE = 2000
# CRNs per locking query when loading the people a file updates.
_LOAD_CHUNK = 2000

Row = dict[str, Any]
R = TypeVar("R")


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
    *, data: dict[str, Any], default_team_code: str | None = None, actor: str = "import"
) -> ImportResult:
    """Create or update the people in ``data`` (a decoded ``ippcase-import/1`` file).

    All or nothing: the whole file is validated before anything is written, and any problem
    raises :class:`ImportValidationError` listing every problem (CRN, field, reason). A valid
    file is written in one transaction, audited with ``actor`` in the pghistory context.

    A CRN already stored is updated in place: its fields, and each child collection in the file
    (releases and recalls, offences, licence conditions, allocations, and the parole parts:
    Parole Board reviews and their adjournments, RARR, licence termination referrals) is made
    equal to the file by natural key, updating matching rows, deleting rows not in the file and
    creating new ones.
    Optional fields the record leaves out keep their stored values. A row that would not change
    is not saved, so an identical re-import writes nothing and no audit events. People not in
    the file are left alone. ``default_team_code`` is the team of new people whose record has
    no ``team``.
    """
    today = timezone.localdate()
    with pghistory.context(actor=actor), transaction.atomic():
        names = referenced_names(data)
        stored = _lock_stored_people(names.crns)
        team_codes = set(names.team_codes)
        if default_team_code is not None and unstorable(default_team_code) is None:
            team_codes.add(default_team_code)
        refs = References(
            team_ids=dict(Team.objects.filter(code__in=team_codes).values_list("code", "id")),
            user_ids=dict(
                User.objects.filter(username__in=names.usernames).values_list("username", "id")
            ),
            stored_crns=frozenset(stored),
            default_team_code=default_team_code,
        )
        rows, problems = parse_document(data, refs=refs, today=today)
        if not problems:
            problems = _stored_conflicts(rows, stored)
        if problems:
            raise ImportValidationError(problems)

        plan = _WritePlan()
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


def cases_export(*, people: QuerySet[Person] | None = None) -> dict[str, Any]:
    """``people`` (default: everyone; an unsliced queryset) as an ``ippcase-import/1``
    document, ordered by CRN.

    Every field is written, so that importing the result into a database with the same teams
    and users and exporting again gives identical JSON. The parole parts are written only where
    there is something to write, so a case without parole work exports as it did before they
    existed. Eight queries whatever the number of people.
    """
    queryset = people if people is not None else Person.objects.all()
    selected = queryset.values("pk")
    persons = queryset.order_by("crn").values(
        *_attnames(Person),
        "team__code",
        *(f"sentence__{name}" for name in _attnames(Sentence)),
    )
    offences = _grouped(
        IndexOffence.objects.filter(sentence__person__in=selected)
        .order_by("-is_principal", "id")
        .values("sentence__person_id", *_attnames(IndexOffence)),
        "sentence__person_id",
    )
    releases = _grouped(
        Release.objects.filter(person__in=selected)
        .order_by("date")
        .values(
            *_attnames(Release),
            *(f"recall__{name}" for name in _attnames(Recall)),
            # At most one RARR per recall: joined rather than a query of its own.
            "recall__rarr__id",
            "recall__rarr__decided_on",
            "recall__rarr__outcome",
        ),
        "person_id",
    )
    reviews = _grouped(
        ParoleReview.objects.filter(recall__release__person__in=selected)
        .order_by("referred_on", "id")
        .values(*_attnames(ParoleReview)),
        "recall_id",
    )
    adjournments = _grouped(
        Adjournment.objects.filter(review__recall__release__person__in=selected)
        .order_by("date", "id")
        .values(*_attnames(Adjournment)),
        "review_id",
    )
    referrals = _grouped(
        TerminationReferral.objects.filter(person__in=selected)
        .order_by("referred_on", "id")
        .values(*_attnames(TerminationReferral)),
        "person_id",
    )
    conditions = _grouped(
        LicenceCondition.objects.filter(person__in=selected)
        # Stored order: the order of the imported file (ids follow it), else creation order.
        .order_by("id")
        .values(*_attnames(LicenceCondition)),
        "person_id",
    )
    allocations = _grouped(
        Allocation.objects.filter(person__in=selected)
        .order_by("id")
        .values(*_attnames(Allocation), "practitioner__username"),
        "person_id",
    )
    return {
        "format": FORMAT,
        "people": [
            _export_person(
                person,
                offences=offences.get(person["id"], []),
                releases=[
                    _export_release(release, reviews=reviews, adjournments=adjournments)
                    for release in releases.get(person["id"], [])
                ],
                conditions=conditions.get(person["id"], []),
                allocations=allocations.get(person["id"], []),
                referrals=referrals.get(person["id"], []),
            )
            for person in persons
        ],
    }


def _attnames(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _grouped(rows: Iterable[Row], key: str) -> dict[Any, list[Row]]:
    groups: defaultdict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return groups


# --- import: loading ----------------------------------------------------------------------------


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


def _lock_stored_people(crns: Iterable[str]) -> dict[str, _StoredCase]:
    """The stored cases among ``crns``, their people locked until the import commits
    (eleven queries per chunk of CRNs)."""
    ordered = sorted(crns)  # a stable lock order keeps two concurrent imports from deadlocking
    cases: dict[str, _StoredCase] = {}
    for start in range(0, len(ordered), _LOAD_CHUNK):
        people = (
            Person.objects.filter(crn__in=ordered[start : start + _LOAD_CHUNK])
            .order_by("crn")
            .select_for_update()
            .values(*_attnames(Person))
        )
        by_id = {person["id"]: _StoredCase(person) for person in people}
        ids = list(by_id)
        for sentence in Sentence.objects.filter(person_id__in=ids).values(*_attnames(Sentence)):
            by_id[sentence["person_id"]].sentence = sentence
        by_sentence = {
            case.sentence["id"]: case for case in by_id.values() if case.sentence is not None
        }
        offences = IndexOffence.objects.filter(sentence_id__in=list(by_sentence)).order_by("id")
        for offence in offences.values(*_attnames(IndexOffence)):
            by_sentence[offence["sentence_id"]].offences.append(offence)
        for release in Release.objects.filter(person_id__in=ids).values(*_attnames(Release)):
            by_id[release["person_id"]].releases.append(release)
        recalls = Recall.objects.filter(release__person_id__in=ids)
        for recall in recalls.values("release__person_id", *_attnames(Recall)):
            by_id[recall.pop("release__person_id")].recalls[recall["release_id"]] = recall
        conditions = LicenceCondition.objects.filter(person_id__in=ids).order_by("id")
        for condition in conditions.values(*_attnames(LicenceCondition)):
            by_id[condition["person_id"]].conditions.append(condition)
        allocations = Allocation.objects.filter(person_id__in=ids).order_by("id")
        for allocation in allocations.values(*_attnames(Allocation)):
            by_id[allocation["person_id"]].allocations.append(allocation)
        reviews = ParoleReview.objects.filter(recall__release__person_id__in=ids).order_by("id")
        for review in reviews.values("recall__release__person_id", *_attnames(ParoleReview)):
            case = by_id[review.pop("recall__release__person_id")]
            case.reviews[review["recall_id"]].append(review)
        delays = Adjournment.objects.filter(review__recall__release__person_id__in=ids)
        for delay in delays.order_by("id").values(
            "review__recall__release__person_id", *_attnames(Adjournment)
        ):
            case = by_id[delay.pop("review__recall__release__person_id")]
            case.adjournments[delay["review_id"]].append(delay)
        rarrs = RiskAssessedRecallReview.objects.filter(recall__release__person_id__in=ids)
        for rarr in rarrs.values(
            "recall__release__person_id", *_attnames(RiskAssessedRecallReview)
        ):
            by_id[rarr.pop("recall__release__person_id")].rarrs[rarr["recall_id"]] = rarr
        referrals = TerminationReferral.objects.filter(person_id__in=ids).order_by("id")
        for referral in referrals.values(*_attnames(TerminationReferral)):
            by_id[referral["person_id"]].referrals.append(referral)
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


# --- import: planning and writing -------------------------------------------------------------


_DELETE_ORDER: tuple[type[models.Model], ...] = (
    Adjournment,
    ParoleReview,
    RiskAssessedRecallReview,
    Recall,
    Release,
    IndexOffence,
    LicenceCondition,
    Allocation,
    TerminationReferral,
)
# Parents before children: a child's foreign key needs its parent's id.
_CREATE_ORDER: tuple[type[models.Model], ...] = (
    Person,
    Sentence,
    IndexOffence,
    Release,
    Recall,
    ParoleReview,
    Adjournment,
    RiskAssessedRecallReview,
    LicenceCondition,
    Allocation,
    TerminationReferral,
)


@dataclass(eq=False)
class _NewRow:
    """A row to insert, as attname -> value. A foreign key to a parent that is itself still to
    be inserted is kept in ``parents`` and resolved once the parent's id is allocated."""

    values: Row
    parents: dict[str, _NewRow] = field(default_factory=dict)
    id: int | None = None


# The parent of a new row: the id of a stored row, or a row planned in the same import.
_Parent = int | _NewRow


@dataclass
class _WritePlan:
    """The rows to delete, update and create, collected first so that they can be written in
    bulk: a handful of statements per table however many people the file holds."""

    creates: defaultdict[type[models.Model], list[_NewRow]] = field(
        default_factory=lambda: defaultdict(list)
    )
    updates: defaultdict[type[models.Model], dict[int, Row]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    update_fields: defaultdict[type[models.Model], set[str]] = field(
        default_factory=lambda: defaultdict(set)
    )
    deletes: defaultdict[type[models.Model], list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def create(self, model: type[models.Model], values: Row, **parents: _Parent) -> _NewRow:
        """Plan a new ``model`` row; ``parents`` maps foreign-key attnames to their parent."""
        row = _NewRow(dict(values))
        for attname, parent in parents.items():
            if isinstance(parent, _NewRow):
                row.parents[attname] = parent
            else:
                row.values[attname] = parent
        self.creates[model].append(row)
        return row

    def update(self, model: type[models.Model], stored: Row, values: Row) -> bool:
        """Plan saving ``values`` over the ``stored`` row, only if one of them differs."""
        changed = {name: value for name, value in values.items() if stored[name] != value}
        if not changed:
            return False
        stored.update(changed)
        self.updates[model][stored["id"]] = stored
        self.update_fields[model].update(changed)
        return True

    def delete(self, model: type[models.Model], stored: Row) -> None:
        self.deletes[model].append(stored["id"])

    def apply(self) -> None:
        """Write the plan: deletes, then updates, then creates, so that a row the file replaces
        (an allocation closed and a new one opened) is out of the way of the partial unique
        constraints before its successor goes in."""
        if not (self.creates or self.updates or self.deletes):
            return
        for model in _DELETE_ORDER:
            if ids := self.deletes.get(model):
                model._default_manager.filter(pk__in=ids).delete()
        for model, rows in self.updates.items():
            # Whole rows, so that a field changed on one row only is rewritten unchanged on
            # the others that share the UPDATE statement.
            objs = [model(**row) for row in rows.values()]
            names = sorted(
                model._meta.get_field(attname).name for attname in self.update_fields[model]
            )
            model._default_manager.bulk_update(objs, names, batch_size=_BATCH_SIZE)
        for model in _CREATE_ORDER:
            if new_rows := self.creates.get(model):
                _insert_rows(model, new_rows)


def _insert_rows(model: type[models.Model], rows: list[_NewRow]) -> None:
    """Insert ``rows`` with ids taken from the table's sequence, a batch per statement.

    Goes around the ORM on purpose: bulk_create() compiles every value of every row in Python,
    which costs as much as the database work for a large file. One JSON parameter per batch,
    unpacked by ``jsonb_to_recordset``, keeps the statement small and the types exact. The
    audit triggers fire per row as for any insert, and the pghistory context is attached
    because the statement goes through Django's cursor. Fields left out get their model default.
    """
    meta = model._meta
    quote = connection.ops.quote_name
    fields = meta.concrete_fields
    defaults = {f.attname: f.get_default() for f in fields if not f.primary_key}
    names = {f.attname: cast(str, f.column) for f in fields}  # a concrete field has a column
    columns = ", ".join(quote(names[f.attname]) for f in fields)
    record = ", ".join(f"{quote(names[f.attname])} {f.db_type(connection)}" for f in fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 - names from model meta
        f"SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) AS r({record})"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        for row, (new_id,) in zip(rows, cursor.fetchall(), strict=True):
            row.id = new_id
        for start in range(0, len(rows), _BATCH_SIZE):
            payload = []
            for row in rows[start : start + _BATCH_SIZE]:
                values = {**defaults, **row.values, meta.pk.attname: row.id}
                for attname, parent in row.parents.items():
                    values[attname] = parent.id
                payload.append({column: values[attname] for attname, column in names.items()})
            cursor.execute(sql, [json.dumps(payload, cls=DjangoJSONEncoder)])


def _sentence_values(row: SentenceRow) -> Row:
    # Sentence.save() derives the tariff expiry, but bulk writes bypass save(): derive it here.
    values = row.values()
    values["tariff_expiry_date"] = tariff_expiry(
        row.sentence_date, row.tariff_years, row.tariff_months, row.tariff_days
    )
    return values


def _plan_new_person(plan: _WritePlan, row: PersonRow) -> None:
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


def _plan_new_sentence(plan: _WritePlan, person: _Parent, row: SentenceRow) -> None:
    sentence = plan.create(Sentence, _sentence_values(row), person_id=person)
    principal = {**row.index_offence.values(), "is_principal": True}
    plan.create(IndexOffence, principal, sentence_id=sentence)
    for offence in _given(row.other_offences):
        plan.create(IndexOffence, {**offence.values(), "is_principal": False}, sentence_id=sentence)


def _plan_new_release(plan: _WritePlan, person: _Parent, row: ReleaseRow) -> None:
    release = plan.create(Release, row.values(), person_id=person)
    if row.recall is not None:
        _plan_new_recall(plan, release, row.recall)


def _plan_new_recall(plan: _WritePlan, release: _Parent, row: RecallRow) -> None:
    recall = plan.create(Recall, row.values(), release_id=release)
    for review in _given(row.parole_reviews):
        _plan_new_review(plan, recall, review)
    if isinstance(row.rarr, RarrRow):
        plan.create(RiskAssessedRecallReview, row.rarr.values(), recall_id=recall)


def _plan_new_review(plan: _WritePlan, recall: _Parent, row: ParoleReviewRow) -> None:
    review = plan.create(ParoleReview, row.values(), recall_id=recall)
    for adjournment in _given(row.adjournments):
        plan.create(Adjournment, adjournment.values(), review_id=review)


def _plan_person_changes(plan: _WritePlan, case: _StoredCase, row: PersonRow) -> bool:
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
    return changed


def _plan_sentence_changes(plan: _WritePlan, case: _StoredCase, row: SentenceRow) -> bool:
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


def _plan_release_changes(plan: _WritePlan, case: _StoredCase, rows: list[ReleaseRow]) -> bool:
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
    plan: _WritePlan, case: _StoredCase, recall_id: int, row: RecallRow
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
    plan: _WritePlan, case: _StoredCase, review_id: int, row: ParoleReviewRow
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
    plan: _WritePlan,
    model: type[models.Model],
    *,
    stored: Iterable[Row],
    rows: Sequence[R],
    stored_key: Callable[[Row], Hashable],
    row_key: Callable[[R], Hashable],
    make: Callable[[R], object],
    matched: Callable[[Row, R], bool] | None = None,
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
            changed |= plan.update(model, item, row.values())  # type: ignore[attr-defined]
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


# --- export ----------------------------------------------------------------------------------


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _export_person(
    person: Row,
    *,
    offences: list[Row],
    releases: list[dict[str, Any]],
    conditions: list[Row],
    allocations: list[Row],
    referrals: list[Row],
) -> dict[str, Any]:
    mappa = None
    if person["mappa_category"] is not None:
        mappa = {"category": person["mappa_category"], "level": person["mappa_level"]}
    exported: dict[str, Any] = {
        "crn": person["crn"],
        "nomis_number": person["nomis_number"],
        "pnc": person["pnc"],
        "first_name": person["first_name"],
        "last_name": person["last_name"],
        "date_of_birth": _iso(person["date_of_birth"]),
        "gender": person["gender"],
        "ethnicity": person["ethnicity"],
        "team": person["team__code"],
        "mappa": mappa,
        "rosh_level": person["rosh_level"] or None,
        "accommodation": person["accommodation"],
        "needs": person["needs"],
        "vulnerabilities": person["vulnerabilities"],
        "opd_screening": person["opd_screening"],
        "sentence": _export_sentence(person, offences),
        "releases": releases,
        "licence_conditions": [_export_condition(condition) for condition in conditions],
        "allocations": [
            {
                "practitioner": allocation["practitioner__username"],
                "start": _iso(allocation["start_date"]),
                "end": _iso(allocation["end_date"]),
            }
            for allocation in allocations
        ],
    }
    # Only when there are any, so that a case without parole work exports as before.
    if referrals:
        exported["licence_termination_referrals"] = [
            {
                "referred": _iso(referral["referred_on"]),
                "decided": _iso(referral["decided_on"]),
                "outcome": referral["outcome"] or None,
            }
            for referral in referrals
        ]
    return exported


def _export_offence(offence: Row) -> dict[str, Any]:
    return {
        "category": offence["category"],
        "description": offence["description"],
        "behaviours": offence["behaviours"],
    }


def _export_sentence(person: Row, offences: list[Row]) -> dict[str, Any] | None:
    # A person stored without a sentence (never through an import) exports as null, which the
    # import rejects: the gap shows up rather than vanishing.
    if person["sentence__id"] is None:
        return None
    principal = next((o for o in offences if o["is_principal"]), None)
    return {
        "type": person["sentence__sentence_type"],
        "sentence_date": _iso(person["sentence__sentence_date"]),
        "tariff": {
            "years": person["sentence__tariff_years"],
            "months": person["sentence__tariff_months"],
            "days": person["sentence__tariff_days"],
        },
        "index_offence": _export_offence(principal) if principal is not None else None,
        "other_offences": [_export_offence(o) for o in offences if not o["is_principal"]],
    }


def _export_release(
    release: Row, *, reviews: dict[Any, list[Row]], adjournments: dict[Any, list[Row]]
) -> dict[str, Any]:
    exported: dict[str, Any] = {
        "date": _iso(release["date"]),
        "prison": release["prison"],
        "approved_premises": release["approved_premises"],
    }
    # Left out rather than null when still on licence, as in the format's own example.
    if release["recall__id"] is not None:
        recall: dict[str, Any] = {
            "date": _iso(release["recall__recall_date"]),
            "returned_to_custody": _iso(release["recall__returned_to_custody"]),
            "reasons": release["recall__reasons"],
            "criteria": release["recall__criteria"],
        }
        # The parole parts only where there is something to say (left out means "none" for a
        # new recall, and the file stays as it was for a recall without parole work).
        if recall_reviews := reviews.get(release["recall__id"]):
            recall["parole_reviews"] = [
                _export_review(review, adjournments.get(review["id"], []))
                for review in recall_reviews
            ]
        if release["recall__rarr__id"] is not None:
            recall["rarr"] = {
                "decided": _iso(release["recall__rarr__decided_on"]),
                "outcome": release["recall__rarr__outcome"],
            }
        if release["recall__re_released_on"] is not None:
            recall["re_released"] = _iso(release["recall__re_released_on"])
        exported["recall"] = recall
    return exported


def _export_review(review: Row, adjournments: list[Row]) -> dict[str, Any]:
    exported: dict[str, Any] = {
        "referred": _iso(review["referred_on"]),
        "kind": review["kind"],
        "decided": _iso(review["decided_on"]),
        "outcome": review["outcome"] or None,
    }
    # Extensions, written only when they say something, as the import reads them left out.
    if review["hearing_date"] is not None:
        exported["hearing_date"] = _iso(review["hearing_date"])
    if review["calder_answer"]:
        exported["calder"] = review["calder_answer"]
    exported["adjournments"] = [_export_adjournment(a) for a in adjournments]
    return exported


def _export_adjournment(adjournment: Row) -> dict[str, Any]:
    exported: dict[str, Any] = {
        "date": _iso(adjournment["date"]),
        "reason": adjournment["reason"],
        "prisoner_informed": _iso(adjournment["prisoner_informed_on"]),
    }
    if adjournment["kind"] != DelayKind.ADJOURNMENT:
        exported["kind"] = adjournment["kind"]
    if adjournment["new_date"] is not None:
        exported["new_date"] = _iso(adjournment["new_date"])
    return exported


def _export_condition(condition: Row) -> dict[str, Any]:
    exported: dict[str, Any] = {"kind": condition["kind"]}
    if condition["kind"] == "standard":
        exported["code"] = condition["standard_code"]
        if condition["text"]:  # optional extra wording on a standard condition
            exported["text"] = condition["text"]
    else:
        if condition["additional_code"]:
            exported["code"] = condition["additional_code"]
        exported["text"] = condition["text"]
    exported["start"] = _iso(condition["start_date"])
    exported["end"] = _iso(condition["end_date"])
    return exported
