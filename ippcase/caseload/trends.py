"""Per-team monthly counts for the trends, kept by the database (issue 17; the model is
``ippcase.models.TrendCount``, the reader ``ippcase.core.trends``, the decisions in
docs/performance.md, "Trends").

Each :class:`Source` counts rows of one model by the month of one of its dates, for the team the
row's person is in now (or the PDU whose unallocated list holds them), one cell a measure. The
counting SELECT is the ORM's, compiled with its parameters inlined, and installed as the SQL
function ``ippcase_refresh_trends(teams, pdus, months)``, which rewrites the cells of the given
homes (team and PDU) and months. Every table the counts read gets statement-level triggers that
work out which cells a statement touched:

- the homes: where the people of the changed rows are now, and where they were (a person who
  moved team, a team that moved PDU: from the transition table's old rows);
- the months: of the changed rows' own dates (old and new), and of every counted row of those
  people (so a move carries all of a person's months with them).

The rewrite of those cells is exact, whatever the write was (a service, an import, the admin,
raw SQL): the same approach and the same switch (``position.paused()``) as the person's
position, and ``manage.py rebuild_positions`` rebuilds both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, models, transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncMonth

from ippcase.caseload.position import (
    CUSTOM_PLANS,
    execute_all,
    read_tables,
    statement_triggers_sql,
)
from ippcase.core.trends import recall_measures
from ippcase.models import Person, Recall, Release, Team, TrendCount
from parole import report as parole_report
from parole.models import ParoleReview

FUNCTION = "ippcase_refresh_trends"
FOR_PEOPLE = "ippcase_refresh_trends_for"


@dataclass(frozen=True)
class Source:
    model: type[models.Model]
    date: str  # a date column of the model itself: the month counted in
    person: str  # the path from the model to its person
    measures: Callable[[], dict[str, Q]]  # measure key -> which rows count

    def rows(self) -> QuerySet[models.Model]:
        """The model's dated rows with their home (team, PDU) and month annotated."""
        person = self.person
        return (
            self.model._default_manager.filter(**{f"{self.date}__isnull": False})
            .annotate(
                t_team=F(f"{person}__team_id"),
                t_pdu=Coalesce(F(f"{person}__team__pdu_id"), F(f"{person}__awaiting_pdu_id")),
                t_month=TruncMonth(self.date),
            )
            .order_by()
        )


SOURCES = (
    Source(Recall, "recall_date", "release__person", recall_measures),
    Source(ParoleReview, "decided_on", "recall__release__person", parole_report.decision_measures),
)


def _compose(query: QuerySet[Any, Any]) -> str:
    sql, params = query.query.sql_with_params()
    return str(connection.ops.compose_sql(sql, params))  # type: ignore[attr-defined]


# The people of the homes (teams[i], pdus[i]) in the function's arrays.
_HOME_PEOPLE = (
    f"SELECT p.id FROM {Person._meta.db_table} p "
    f"LEFT JOIN {Team._meta.db_table} tm ON tm.id = p.team_id "
    "WHERE EXISTS (SELECT 1 FROM unnest(teams, pdus) h(team_id, pdu_id) "
    "WHERE h.team_id IS NOT DISTINCT FROM p.team_id "
    "AND h.pdu_id IS NOT DISTINCT FROM coalesce(tm.pdu_id, p.awaiting_pdu_id))"
)


def _count_sql(source: Source, *, cells: bool) -> str:
    """The source's counts as rows (team, pdu, month, measure, n); with ``cells``, only those of
    the function's homes and months."""
    rows = source.rows()
    if cells:
        # _HOME_PEOPLE is a constant built from table names; no value from outside reaches it.
        home_people = RawSQL(_HOME_PEOPLE, ())  # nosec B611
        rows = rows.filter(
            **{f"{source.person}__in": home_people},
            **{f"{source.date}__gte": RawSQL("(SELECT min(m) FROM unnest(months) m)", ())},
            **{
                f"{source.date}__lt": RawSQL(
                    "(SELECT max(m) + interval '1 month' FROM unnest(months) m)", ()
                )
            },
            t_month__in=RawSQL("SELECT unnest(months)", ()),
        )
    measures = source.measures()
    names = {f"m{i}": key for i, key in enumerate(measures)}
    grouped = rows.values("t_team", "t_pdu", "t_month").annotate(
        **{name: Count("pk", filter=measures[key]) for name, key in names.items()}
    )
    values = ", ".join(f"('{key}', s.{name})" for name, key in names.items())
    return (
        f"SELECT s.t_team, s.t_pdu, s.t_month, m.measure, m.n FROM ({_compose(grouped)}) s "
        f"CROSS JOIN LATERAL (VALUES {values}) AS m(measure, n) WHERE m.n > 0"
    )


def _months_of_people_sql(source: Source) -> str:
    """The months of every counted row of the people in the array ``pids``."""
    rows = source.rows().filter(**{f"{source.person}__in": RawSQL("SELECT unnest(pids)", ())})
    return _compose(rows.values("t_month"))


def _functions_sql() -> str:
    table = TrendCount._meta.db_table
    columns = "team_id, pdu_id, month, measure, n"
    counts = "\nUNION ALL\n".join(_count_sql(s, cells=True) for s in SOURCES)
    months_of_people = "\nUNION\n".join(_months_of_people_sql(s) for s in SOURCES)
    person = Person._meta.db_table
    team = Team._meta.db_table
    return f"""
CREATE OR REPLACE FUNCTION {FUNCTION}(teams bigint[], pdus bigint[], months date[])
RETURNS void LANGUAGE plpgsql
{CUSTOM_PLANS} AS $fn$
BEGIN
  IF cardinality(teams) = 0 OR cardinality(months) = 0 THEN
    RETURN;
  END IF;
  DELETE FROM {table} c USING unnest(teams, pdus) h(team_id, pdu_id)
  WHERE c.team_id IS NOT DISTINCT FROM h.team_id AND c.pdu_id IS NOT DISTINCT FROM h.pdu_id
    AND c.month = ANY(months);
  INSERT INTO {table} ({columns})
  {counts};
END
$fn$;

CREATE OR REPLACE FUNCTION {FOR_PEOPLE}(
  pids bigint[], old_teams bigint[], old_pdus bigint[], changed_months date[]
) RETURNS void LANGUAGE plpgsql
{CUSTOM_PLANS} AS $fn$
DECLARE
  teams bigint[];
  pdus bigint[];
  months date[];
BEGIN
  SELECT coalesce(array_agg(h.team_id), '{{}}'), coalesce(array_agg(h.pdu_id), '{{}}')
  INTO teams, pdus FROM (
    SELECT p.team_id, coalesce(tm.pdu_id, p.awaiting_pdu_id) AS pdu_id
    FROM {person} p LEFT JOIN {team} tm ON tm.id = p.team_id WHERE p.id = ANY(pids)
    UNION
    SELECT * FROM unnest(old_teams, old_pdus)
  ) h;
  months := ARRAY(
    SELECT DISTINCT m::date FROM (
      SELECT unnest(changed_months) UNION {months_of_people}
    ) AS x(m) WHERE m IS NOT NULL
  );
  PERFORM {FUNCTION}(teams, pdus, months);
END
$fn$;
"""


def _people_sql(model: type[models.Model], rows: str) -> str:
    """The person ids of the rows in ``rows`` (a transition table or a subquery of one) of
    ``model``'s table."""
    fields = {f.name for f in model._meta.get_fields()}
    if model is Person:
        return f"SELECT t.id FROM {rows} t"
    if model is Team:
        return f"SELECT p.id FROM {Person._meta.db_table} p JOIN {rows} t ON p.team_id = t.id"
    if "person" in fields:
        return f"SELECT t.person_id FROM {rows} t"
    release = Release._meta.db_table
    if "release" in fields:
        return f"SELECT r.person_id FROM {rows} t JOIN {release} r ON r.id = t.release_id"
    recall = Recall._meta.db_table
    return (
        f"SELECT r.person_id FROM {rows} t JOIN {recall} rc ON rc.id = t.recall_id "
        f"JOIN {release} r ON r.id = rc.release_id"
    )


def _old_homes_sql(model: type[models.Model], rows: str) -> tuple[str, str]:
    """Where the old rows' people were: (teams, pdus) array expressions for a person or a
    team; empty arrays for other tables."""
    if model is Person:
        home = f"FROM {rows} o LEFT JOIN {Team._meta.db_table} tm ON tm.id = o.team_id"
        return (
            f"ARRAY(SELECT o.team_id {home})",
            f"ARRAY(SELECT coalesce(tm.pdu_id, o.awaiting_pdu_id) {home})",
        )
    if model is Team:
        return f"ARRAY(SELECT o.id FROM {rows} o)", f"ARRAY(SELECT o.pdu_id FROM {rows} o)"
    return "'{}'::bigint[]", "'{}'::bigint[]"


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise ImproperlyConfigured(f"A trend source's date must be a column of its model: {name}")
    return str(field.column)


def _changed_months_sql(model: type[models.Model], rows: str) -> str:
    """The months of the rows' own counted dates (when the model is a source's)."""
    parts = [
        f"SELECT date_trunc('month', t.{_column(model, s.date)})::date FROM {rows} t"
        for s in SOURCES
        if s.model is model
    ]
    return f"ARRAY({' UNION '.join(parts)})" if parts else "'{}'::date[]"


def read_columns(model: type[models.Model], counts: str) -> list[str]:
    """The columns of ``model``'s table that the counting SQL reads: an update that changes
    none of them changes no count."""
    table = model._meta.db_table
    return sorted(set(re.findall(rf'"{table}"\."(\w+)"', counts)) | {"id"})


def _trigger_sql(model: type[models.Model], counts: str) -> str:
    table = model._meta.db_table
    columns = read_columns(model, counts)
    differs = (
        f"ROW({', '.join(f'n.{c}' for c in columns)}) "
        f"IS DISTINCT FROM ROW({', '.join(f'o.{c}' for c in columns)})"
    )
    # An update counts only for the rows whose read columns changed: their new and old sides.
    changed_new = f"(SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {differs})"
    changed_old = f"(SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {differs})"

    def call(people: str, months: str, homes: tuple[str, str] | None = None) -> str:
        teams, pdus = homes or ("'{}'::bigint[]", "'{}'::bigint[]")
        return f"PERFORM {FOR_PEOPLE}(ARRAY({people}), {teams}, {pdus}, {months});"

    inserted = call(_people_sql(model, "new_rows"), _changed_months_sql(model, "new_rows"))
    updated = call(
        f"{_people_sql(model, changed_new)} UNION {_people_sql(model, changed_old)}",
        f"{_changed_months_sql(model, changed_new)} || {_changed_months_sql(model, changed_old)}",
        _old_homes_sql(model, changed_old),
    )
    deleted = call(
        _people_sql(model, "old_rows"),
        _changed_months_sql(model, "old_rows"),
        _old_homes_sql(model, "old_rows"),
    )
    body = f"""
  IF TG_OP = 'INSERT' THEN
    {inserted}
  ELSIF TG_OP = 'UPDATE' THEN
    {updated}
  ELSE
    {deleted}
  END IF;"""
    return statement_triggers_sql(f"ippcase_trends_{table}", table, body)


def _all_counts_sql() -> str:
    return "\nUNION ALL\n".join(_count_sql(s, cells=False) for s in SOURCES)


def watched_models() -> list[type[models.Model]]:
    """Every model whose table a count reads (the person's and team's among them: the homes)."""
    by_table = {m._meta.db_table: m for m in apps.get_models()}
    return [by_table[t] for t in sorted(read_tables(_all_counts_sql()))]


def install(using: str = "default") -> None:
    """(Re)create the functions and the triggers; rebuild when there are counted rows but no
    cells (a new installation)."""
    counts = _all_counts_sql()
    statements = [_functions_sql()] + [_trigger_sql(m, counts) for m in watched_models()]
    empty = (
        f"SELECT NOT EXISTS (SELECT 1 FROM {TrendCount._meta.db_table}) "
        f"AND EXISTS (SELECT 1 FROM {Recall._meta.db_table})"
    )
    if execute_all(using, statements, empty):
        rebuild(using)


def rebuild(using: str = "default") -> int:
    """Recount every cell from scratch; returns how many cells there are."""
    table = TrendCount._meta.db_table
    counts = _all_counts_sql()
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"INSERT INTO {table} (team_id, pdu_id, month, measure, n) {counts}")
        cursor.execute(f"ANALYZE {table}")
        cursor.execute(f"SELECT count(*) FROM {table}")
        (count,) = cursor.fetchone()
    return int(count)
