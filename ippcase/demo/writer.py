"""The bulk writer of ``manage.py seed_demo``: the organisation with ``bulk_create``, then every
person and their whole history with one COPY per table, inside :func:`bulk_mode`."""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pgtrigger
from django.db import connection
from django.db.models import NOT_PROVIDED
from django.utils import timezone
from psycopg import sql
from psycopg.types.json import Jsonb

from ippcase import vocab
from ippcase.demo.specs import DemoData, OrgSpec, PersonSpec
from ippcase.models import (
    Allocation,
    IndexOffence,
    LicenceCondition,
    Pdu,
    Person,
    Recall,
    Region,
    Release,
    Sentence,
    Team,
    User,
    tariff_expiry,
)
from parole.models import Adjournment, ParoleReview, RiskAssessedRecallReview, TerminationReferral
from recall.models import (
    ActionShortOfRecall,
    Concern,
    MeetingAction,
    MultiAgencyMeeting,
    RecallRecommendation,
)


def create_org(org: OrgSpec, *, password_hash: str) -> tuple[dict[str, int], dict[str, int]]:
    """Create the regions, PDUs, teams and users of ``org`` (bulk inserts); every user gets
    ``password_hash``. Returns (team code -> id, username -> id)."""
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
                f"{model.__name__}.{f.name} has no default: "
                "give it a value in ippcase/demo/writer.py"
            )
        columns.append(f.column)
        defaults.append(value)
    return columns, tuple(defaults)


def copy_rows(
    cursor: Any, model: type[Any], fields: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> int:
    """Insert ``rows`` (values for ``fields``, in order) into ``model``'s table with one COPY.

    Row triggers still fire (pghistory writes an event per row, unless the caller turned them
    off: :func:`audit_events_afterwards`), and so do the constraints. The audit context is
    transaction-local: pghistory set it with the statements that went through Django's cursor
    earlier in the transaction (the organisation's inserts), and COPY runs in the same
    transaction, so its events carry the same context.
    """
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


def reserve_ids(cursor: Any, model: type[Any], count: int) -> list[int]:
    """``count`` primary keys from the table's own sequence (one query), so that children can
    refer to rows that COPY has not written yet."""
    if count == 0:
        return []
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [model._meta.db_table, model._meta.pk.column, count],
    )
    return [row[0] for row in cursor.fetchall()]


# The models write_to_database fills with COPY.
COPIED_MODELS: tuple[type[Any], ...] = (
    Person,
    Sentence,
    IndexOffence,
    Release,
    Recall,
    ParoleReview,
    Adjournment,
    RiskAssessedRecallReview,
    TerminationReferral,
    LicenceCondition,
    Allocation,
    Concern,
    ActionShortOfRecall,
    RecallRecommendation,
    MultiAgencyMeeting,
    MeetingAction,
)

# The audit insert trigger's statement, as django-pghistory writes it into its function.
_EVENT_INSERT = re.compile(r"(INSERT INTO \S+ \([^)]*\)) VALUES \((.*)\); RETURN NULL;", re.DOTALL)


def _insert_event_triggers(model: type[Any]) -> list[str]:
    """The names of ``model``'s audit insert triggers (django-pghistory's, through pgtrigger)."""
    return [
        trigger.get_pgid(model)  # type: ignore[arg-type]  # pgtrigger annotates the class as Model
        for registered, trigger in pgtrigger.registered()
        if registered is model
        and str(getattr(trigger, "operation", "")) == "INSERT"
        and getattr(trigger, "event_model", None) is not None
    ]


@contextlib.contextmanager
def audit_events_afterwards(cursor: Any, models: Sequence[type[Any]]) -> Iterator[None]:
    """Write the audit events of the rows the block inserts into ``models`` with one
    ``INSERT … SELECT`` per table afterwards, instead of one trigger call per row.

    The row triggers were more than half of the load (each a PL/pgSQL call that inserts one
    event row and upserts the audit context). Here each audit insert trigger is disabled for the
    block (inside the caller's transaction: an error rolls that back too), then the trigger's
    own statement, read from the function django-pghistory installed, runs once over the new
    rows (primary key above the largest before the block) with ``new`` as the table's alias and
    the context attached once. The events are the rows the trigger would have written: same
    columns, same context, label ``insert`` (tests/test_seed_demo.py compares them).
    """
    raw = cursor.cursor  # psycopg's own cursor: it takes composed SQL
    plans: list[tuple[sql.Composed, tuple[sql.Identifier, sql.Identifier], int]] = []
    for model in models:
        table, pk = sql.Identifier(model._meta.db_table), sql.Identifier(model._meta.pk.column)
        raw.execute(sql.SQL("SELECT coalesce(max({}), 0) FROM {}").format(pk, table))
        start = raw.fetchone()[0]
        for name in _insert_event_triggers(model):
            raw.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [name])
            found = _EVENT_INSERT.search(raw.fetchone()[0])
            if found is None:
                raise LookupError(f"cannot read the audit statement of trigger {name}")
            insert, values = found.group(1), found.group(2).replace("_pgh_attach_context()", "%s")
            # The text is django-pghistory's own statement, read from the database.
            select = f"{insert} SELECT {values} FROM {{}} AS new WHERE new.{{}} > %s"  # noqa: S608
            trigger = (table, sql.Identifier(name))
            plans.append((sql.SQL(select).format(table, pk), trigger, start))
            raw.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(*trigger))
    yield
    cursor.execute("SELECT _pgh_attach_context()")  # Django's cursor: pghistory's context set
    context = cursor.fetchone()[0]
    for events, trigger, start in plans:
        raw.execute(events, [context, start])
        raw.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(*trigger))


@contextlib.contextmanager
def indexes_and_foreign_keys_afterwards(cursor: Any, models: Sequence[type[Any]]) -> Iterator[None]:
    """Drop the foreign keys and the plain indexes of ``models``' tables and of their audit
    event tables for the block, and create them again afterwards, inside the caller's
    transaction.

    A foreign key is checked by a trigger per inserted row and an index is updated per row; for
    the 13 million rows of a quarter of a million people, checking each key once over the whole
    table and building each index in one sort is several times faster. Primary keys, unique and
    check constraints stay (they are what the load must respect as it goes). The definitions are
    read from the catalogue, so a constraint or index added by a later migration is kept too.
    """
    tables = [m._meta.db_table for m in models]
    tables += [m.pgh_event_model._meta.db_table for m in models if hasattr(m, "pgh_event_model")]
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[])
        ORDER BY 1, 2
        """,
        [tables],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[])
          AND NOT i.indisprimary AND NOT i.indisunique
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1
        """,
        [tables],
    )
    indexes = cursor.fetchall()
    raw = cursor.cursor
    for table, name, _ in foreign_keys:
        raw.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.SQL(table), sql.Identifier(name)
            )
        )
    for name, _ in indexes:
        raw.execute(sql.SQL("DROP INDEX {}").format(sql.SQL(name)))
    yield
    # Memory for the sorts of the index builds and the joins of the key checks (this
    # transaction only): with the default 64 MB, each index over millions of rows sorts on disk.
    raw.execute("SET LOCAL maintenance_work_mem = '512MB'")
    raw.execute("SET LOCAL work_mem = '256MB'")
    for _, definition in indexes:
        raw.execute(definition)
    for table, name, definition in foreign_keys:
        raw.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(
                sql.SQL(table), sql.Identifier(name)
            )
            + sql.SQL(definition)
        )


def write_to_database(data: DemoData, *, password_hash: str) -> dict[str, int]:
    """Write ``data`` (:func:`write_people` with every person in one chunk)."""
    return write_people(data.org, [data.people], password_hash=password_hash)


def write_people(
    org: OrgSpec, chunks: Iterable[Sequence[PersonSpec]], *, password_hash: str
) -> dict[str, int]:
    """Write the organisation and users of ``org`` with bulk_create, then the people of each
    chunk and their whole history with one COPY per table (primary keys reserved from the
    sequences first).

    A fixed number of statements a chunk, and no per-row query: for 10,000 people (about
    260,000 rows) bulk_create spent most of its time preparing values in Python, which COPY
    does not need. During the COPYs the tables' foreign keys, plain indexes and audit insert
    triggers are off; afterwards the audit events are written, the indexes built and the keys
    checked, each once per table (issue 17: a quarter of a million people in minutes), then
    :func:`after_load` runs. Primary keys, unique and check constraints apply as for any
    insert. ``chunks`` may be made while this writes (:mod:`ippcase.demo.stream`). Run inside
    :func:`bulk_mode` and a transaction; pass the audit context with ``pghistory.context``.
    Returns the number of rows created per model.
    """
    team_ids, user_ids = create_org(org, password_hash=password_hash)
    counts: dict[str, int] = {
        "regions": len(org.regions),
        "teams": len(team_ids),
        "users": len(user_ids),
    }
    with (
        connection.cursor() as cursor,
        indexes_and_foreign_keys_afterwards(cursor, COPIED_MODELS),
        audit_events_afterwards(cursor, COPIED_MODELS),
    ):
        for people in chunks:
            for name, count in _copy_people(cursor, people, team_ids, user_ids).items():
                counts[name] = counts.get(name, 0) + count
    after_load()
    return counts


def _copy_people(
    cursor: Any, people: Sequence[PersonSpec], team_ids: dict[str, int], user_ids: dict[str, int]
) -> dict[str, int]:
    """One chunk of people and their history, one COPY per table; the rows per model."""
    counts: dict[str, int] = {}
    person_ids = reserve_ids(cursor, Person, len(people))
    counts["people"] = copy_rows(
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
    sentence_ids = reserve_ids(cursor, Sentence, len(people))
    copy_rows(
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
    counts["offences"] = copy_rows(
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
    release_ids = reserve_ids(cursor, Release, len(releases))
    counts["releases"] = copy_rows(
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
    recall_ids = reserve_ids(cursor, Recall, len(recalls))
    counts["recalls"] = copy_rows(
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
    review_ids = reserve_ids(cursor, ParoleReview, len(reviews))
    counts["parole_reviews"] = copy_rows(
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
    counts["adjournments"] = copy_rows(
        cursor,
        Adjournment,
        ["review_id", "kind", "date", "reason", "new_date", "prisoner_informed_on"],
        (
            (vid, a.kind, a.date, a.reason, a.new_date, a.prisoner_informed)
            for vid, (_, v) in zip(review_ids, reviews, strict=True)
            for a in v.adjournments
        ),
    )
    counts["risk_assessed_recall_reviews"] = copy_rows(
        cursor,
        RiskAssessedRecallReview,
        ["recall_id", "decided_on", "outcome"],
        (
            (cid, c.rarr.decided, c.rarr.outcome)
            for cid, (_, c) in zip(recall_ids, recalls, strict=True)
            if c.rarr is not None
        ),
    )
    counts["termination_referrals"] = copy_rows(
        cursor,
        TerminationReferral,
        ["person_id", "referred_on", "decided_on", "outcome"],
        (
            (pid, t.referred, t.decided, t.outcome)
            for pid, p in zip(person_ids, people, strict=True)
            for t in p.termination_referrals
        ),
    )
    counts["licence_conditions"] = copy_rows(
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
    counts["allocations"] = copy_rows(
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
    counts["concerns"] = copy_rows(
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
    counts["actions_short_of_recall"] = copy_rows(
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
    counts["recommendations"] = copy_rows(
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
            "decision_findings",
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
                None if r.decision_findings is None else Jsonb(r.decision_findings),
            )
            for pid, p in zip(person_ids, people, strict=True)
            for r in p.recommendations
        ),
    )
    counts.update(_copy_meetings(cursor, people, person_ids, user_ids))
    return counts


def _copy_meetings(
    cursor: Any, people: Sequence[PersonSpec], person_ids: list[int], user_ids: dict[str, int]
) -> dict[str, int]:
    """The multi-agency meetings (no concerns linked) and their actions."""
    meetings = [(pid, m) for pid, p in zip(person_ids, people, strict=True) for m in p.meetings]
    meeting_ids = reserve_ids(cursor, MultiAgencyMeeting, len(meetings))
    counts = {
        "meetings": copy_rows(
            cursor,
            MultiAgencyMeeting,
            [
                "id",
                "person_id",
                "held_on",
                "kind",
                "chair",
                "agencies",
                "attendees",
                "discussion",
                "decisions",
                "recorded_by_id",
                "recorded_at",
            ],
            (
                (
                    mid,
                    pid,
                    m.held,
                    m.kind,
                    m.chair,
                    m.agencies,
                    m.attendees,
                    m.discussion,
                    m.decisions,
                    user_ids[m.recorded_by],
                    m.recorded_at,
                )
                for mid, (pid, m) in zip(meeting_ids, meetings, strict=True)
            ),
        )
    }
    counts["meeting_actions"] = copy_rows(
        cursor,
        MeetingAction,
        [
            "meeting_id",
            "description",
            "owner_id",
            "owner_name",
            "due_on",
            "done_on",
            "done_by_id",
            "done_note",
            "created_at",
        ],
        (
            (
                mid,
                a.description,
                user_ids[a.owner] if a.owner else None,
                a.owner_name,
                a.due,
                a.done,
                user_ids[a.done_by] if a.done_by else None,
                a.done_note,
                m.recorded_at,
            )
            for mid, (_, m) in zip(meeting_ids, meetings, strict=True)
            for a in m.actions
        ),
    )
    return counts


def after_load() -> None:
    """What is derived from the loaded rows, once they are all in with their indexes, keys and
    audit events: the planner's statistics of the loaded tables (a bulk load leaves none until
    autovacuum comes by, and the first queries would plan for empty tables). The person
    positions (a read model) are rebuilt by seed_demo right after, in the same transaction."""
    with connection.cursor() as cursor:
        for model in COPIED_MODELS:
            table = sql.Identifier(model._meta.db_table)
            cursor.cursor.execute(sql.SQL("ANALYZE {}").format(table))


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
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
