"""Each person's position, kept by the database (issue 17; the model is
``ippcase.models.PersonPosition``, the decisions are in docs/performance.md, "The read model").

One SELECT, compiled from the same ORM expressions the case pages use (latest release, the recall
that ended it, the licence end, the live recommendation, the tracked report, COMs since release,
PPCS work), computes the row of any set of people. It is installed as the SQL function
``ippcase_refresh_positions(bigint[])``, which upserts the rows of the people it is given, and
every table the SELECT reads gets three statement-level triggers (insert, update, delete) that
call it with the people the statement touched. So the row changes in the same transaction as
the write, whatever made it (a service, an import, the admin, raw SQL), and there is one
definition of each column: the ORM's.

:func:`install` (re)creates the function and the triggers; it runs after every ``migrate`` and
from ``manage.py rebuild_positions``. :func:`rebuild` recomputes every row. :func:`paused` turns
the triggers off for one bulk load (the demo seed), which then rebuilds.

It sits in the caseload layer because the SELECT composes what recall and parole know.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, models, transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from ippcase.cases import licence
from ippcase.cases.selectors import latest_release
from ippcase.core.permissions import ppcs_work_condition
from ippcase.models import Allocation, Person, PersonPosition, Recall, Release
from recall.models import ActionShortOfRecall, Concern
from recall.selectors import live_recommendation, tracked_report_rtc

FUNCTION = "ippcase_refresh_positions"
# The refresh functions are planned for the arrays of each call, never with a cached generic
# plan: a generic plan guesses the size of the arrays and of the tables once and keeps the
# guess for the connection's life; in the test suite's one long connection it chose a plan
# that took seconds a row (CI, 6 December 2026).
CUSTOM_PLANS = "SET plan_cache_mode = force_custom_plan"
PAUSE_SETTING = "ippcase.positions_paused"

# PersonPosition's columns (attnames, the key first) and the annotation that computes each.
COLUMNS = (
    "person_id",
    "first_release_on",
    "latest_release_id",
    "latest_release_on",
    "latest_recall_id",
    "latest_recall_on",
    "returned_to_custody_on",
    "re_released_on",
    "recall_count",
    "last_recall_id",
    "licence_ends_on",
    "licence_terminated_on",
    "live_recommendation_id",
    "live_status",
    "report_rtc_on",
    "coms_since_release",
    "latest_concern_on",
    "latest_action_on",
    "concern_before_action_on",
    "ppcs_work",
)


def coms_since_release_sql() -> Subquery:
    """The number of distinct practitioners whose allocation is current or ended on or after the
    person's latest release (every allocation when never released): the SQL twin of
    ``ippcase.cases.selectors.coms_since_latest_release``. "Ended on or after the latest
    release" is "no release after it ended"."""
    later_release = Release.objects.filter(
        person=OuterRef("person_id"), date__gt=OuterRef("end_date")
    )
    per_person = (
        Allocation.objects.filter(person=OuterRef("pk"))
        .filter(Q(end_date__isnull=True) | ~Exists(later_release))
        .order_by()
        .values("person")
        .annotate(coms=Count("practitioner", distinct=True))
    )
    return Subquery(per_person.values("coms")[:1])


def rows() -> QuerySet[Person]:
    """Every person with their position's columns annotated (named as the columns, with a
    ``pos_`` prefix where the name is taken)."""
    latest = latest_release()
    recall_of_latest = Recall.objects.filter(release_id=OuterRef("latest_release_id"))
    concerns = Concern.objects.filter(person=OuterRef("pk"), struck_out_at__isnull=True).order_by(
        "-occurred_on"
    )
    actions = ActionShortOfRecall.objects.filter(
        person=OuterRef("pk"), struck_out_at__isnull=True
    ).order_by("-taken_on")
    recalls = (
        Recall.objects.filter(release__person=OuterRef("pk"))
        .order_by()
        .values("release__person")
        .annotate(n=Count("pk"))
    )
    live = live_recommendation()
    return (
        Person.objects.annotate(
            first_release_on=Subquery(
                Release.objects.filter(person=OuterRef("pk")).order_by("date").values("date")[:1]
            ),
            latest_release_id=Subquery(latest.values("pk")[:1]),
            latest_release_on=Subquery(latest.values("date")[:1]),
            pos_latest_action_on=Subquery(actions.values("taken_on")[:1]),
        )
        .annotate(
            latest_recall_id=Subquery(recall_of_latest.values("pk")[:1]),
            latest_recall_on=Subquery(recall_of_latest.values("recall_date")[:1]),
            returned_to_custody_on=Subquery(recall_of_latest.values("returned_to_custody")[:1]),
            pos_re_released_on=Subquery(recall_of_latest.values("re_released_on")[:1]),
            recall_count=Coalesce(Subquery(recalls.values("n")[:1]), 0),
            last_recall_id=Subquery(
                Recall.objects.filter(release__person=OuterRef("pk"))
                .order_by("-recall_date", "-pk")
                .values("pk")[:1]
            ),
            pos_licence_ends_on=licence.licence_ends_on(),
            licence_terminated_on=licence.terminated_on_sql(),
            live_recommendation_id=Subquery(live.values("pk")[:1]),
            live_status=Coalesce(Subquery(live.values("status")[:1]), Value("")),
            report_rtc_on=tracked_report_rtc(),
            coms_since_release=Coalesce(coms_since_release_sql(), 0),
            latest_concern_on=Subquery(concerns.values("occurred_on")[:1]),
            concern_before_action_on=Subquery(
                concerns.filter(occurred_on__lte=OuterRef("pos_latest_action_on")).values(
                    "occurred_on"
                )[:1]
            ),
            # A NULL in the condition (no sentence) is "not PPCS work", never NULL.
            ppcs_work=Coalesce(
                ExpressionWrapper(ppcs_work_condition(), output_field=BooleanField()), False
            ),
        )
        .order_by()
    )


def _select_sql() -> str:
    """The SELECT of the refresh function: the rows of the people in the array ``ids``, with
    every parameter inlined (a function body has no parameters of Django's)."""
    names = {
        "person_id": "id",
        "latest_action_on": "pos_latest_action_on",
        "re_released_on": "pos_re_released_on",
        "licence_ends_on": "pos_licence_ends_on",
    }
    query = (
        rows()
        .filter(pk__in=RawSQL("SELECT unnest(ids)", ()))
        .values(*(names.get(c, c) for c in COLUMNS))
    )
    sql, params = query.query.sql_with_params()
    inner = connection.ops.compose_sql(sql, params)  # type: ignore[attr-defined]  # PostgreSQL
    outer = ", ".join(f's."{names.get(c, c)}"' for c in COLUMNS)
    return f"SELECT {outer} FROM ({inner}) AS s"


def _function_sql(select: str) -> str:
    table = PersonPosition._meta.db_table
    columns = ", ".join(COLUMNS)
    rest = COLUMNS[1:]
    excluded = ", ".join(f"EXCLUDED.{c}" for c in rest)
    current = ", ".join(f"p.{c}" for c in rest)
    return f"""
CREATE OR REPLACE FUNCTION {FUNCTION}(ids bigint[]) RETURNS void LANGUAGE plpgsql
{CUSTOM_PLANS} AS $fn$
BEGIN
  IF ids IS NULL OR cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  INSERT INTO {table} AS p ({columns})
  {select}
  ON CONFLICT (person_id) DO UPDATE SET ({", ".join(rest)}) = ROW({excluded})
  WHERE ROW({current}) IS DISTINCT FROM ROW({excluded});
END
$fn$;
"""


def _person_ids(model: type[models.Model], rows_table: str) -> str:
    """SQL selecting the person ids of the rows in transition table ``rows_table`` of
    ``model``'s table: the row itself (Person), its ``person``, or its release's person."""
    if model is Person:
        return f"SELECT t.id FROM {rows_table} t"
    fields = {f.name for f in model._meta.get_fields()}
    if "person" in fields:
        return f"SELECT t.person_id FROM {rows_table} t"
    if "release" in fields:
        release = Release._meta.db_table
        return f"SELECT r.person_id FROM {rows_table} t JOIN {release} r ON r.id = t.release_id"
    raise ImproperlyConfigured(
        f"The person position reads {model._meta.db_table}, which has no way to its person: "
        "add one to ippcase/caseload/position.py"
    )


def _trigger_sql(model: type[models.Model]) -> str:
    table = model._meta.db_table
    if model is Person:
        body = f"""
  IF TG_OP = 'INSERT' THEN
    PERFORM {FUNCTION}(ARRAY({_person_ids(model, "new_rows")}));
  ELSIF TG_OP = 'DELETE' THEN
    DELETE FROM {PersonPosition._meta.db_table}
    WHERE person_id IN ({_person_ids(model, "old_rows")});
  END IF;"""
    else:
        body = f"""
  IF TG_OP = 'INSERT' THEN
    PERFORM {FUNCTION}(ARRAY({_person_ids(model, "new_rows")}));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM {FUNCTION}(ARRAY({_person_ids(model, "new_rows")}
                             UNION {_person_ids(model, "old_rows")}));
  ELSE
    PERFORM {FUNCTION}(ARRAY({_person_ids(model, "old_rows")}));
  END IF;"""
    events = ("insert", "delete") if model is Person else EVENTS  # a person's fields: not read
    return statement_triggers_sql(f"ippcase_position_{table}", table, body, events)


EVENTS = ("insert", "update", "delete")
_REFERENCING = {
    "insert": ("INSERT", "NEW TABLE AS new_rows"),
    "update": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    "delete": ("DELETE", "OLD TABLE AS old_rows"),
}


def statement_triggers_sql(
    name: str, table: str, body: str, events: tuple[str, ...] = EVENTS
) -> str:
    """The trigger function ``name``, which runs the PL/pgSQL ``body`` (it may read ``TG_OP``
    and the transition tables ``new_rows`` / ``old_rows``) unless the triggers are
    :func:`paused`, and its statement-level ``AFTER`` triggers on ``table`` for ``events``."""
    paused = f"current_setting('{PAUSE_SETTING}', true) = 'on'"
    triggers = "\n".join(
        f"DROP TRIGGER IF EXISTS {name}_{event} ON {table};\n"
        f"CREATE TRIGGER {name}_{event} AFTER {_REFERENCING[event][0]} ON {table} "
        f"REFERENCING {_REFERENCING[event][1]} FOR EACH STATEMENT EXECUTE FUNCTION {name}();"
        for event in events
    )
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF {paused} THEN
    RETURN NULL;
  END IF;{body}
  RETURN NULL;
END
$fn$;
{triggers}
"""


def execute_all(using: str, statements: list[str], check: str) -> bool:
    """Run ``statements`` in one transaction, then the one-value query ``check``."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        cursor.execute(check)
        (answer,) = cursor.fetchone()
    return bool(answer)


def read_tables(select: str) -> set[str]:
    """The tables a SELECT reads (``FROM "x"`` and ``JOIN "x"``)."""
    return set(re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', select))


def watched_models(select: str) -> list[type[models.Model]]:
    """The models whose tables the refresh reads: each gets the triggers."""
    by_table = {m._meta.db_table: m for m in apps.get_models()}
    return [by_table[t] for t in sorted(read_tables(select))]


def install(using: str = "default") -> None:
    """(Re)create the refresh function and the triggers on every table it reads, and rebuild
    the rows if their number is not the number of people (a new installation)."""
    select = _select_sql()
    statements = [_function_sql(select)] + [_trigger_sql(m) for m in watched_models(select)]
    stale = (
        f"SELECT (SELECT count(*) FROM {Person._meta.db_table}) "
        f"<> (SELECT count(*) FROM {PersonPosition._meta.db_table})"
    )
    if execute_all(using, statements, stale):
        rebuild(using)


def rebuild(using: str = "default") -> int:
    """Recompute every person's row from scratch; returns how many rows there are."""
    table = PersonPosition._meta.db_table
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"SELECT {FUNCTION}(ARRAY(SELECT id FROM {Person._meta.db_table}))")
        cursor.execute(f"ANALYZE {table}")  # every row is new: the planner's statistics too
        cursor.execute(f"SELECT count(*) FROM {table}")
        (count,) = cursor.fetchone()
    return int(count)


@contextmanager
def paused() -> Iterator[None]:
    """Within the caller's transaction, the triggers do nothing (a bulk load that rebuilds
    afterwards: one pass over everyone instead of one per COPY)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [PAUSE_SETTING])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'off', true)", [PAUSE_SETTING])
