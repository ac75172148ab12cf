"""The per-team monthly counts behind the trends (issue 17): kept by the database, equal to a
recount from scratch after any sequence of writes, and read by the trend panel and the parole
report with the same figures as counting the rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ippcase.caseload import position, trends
from ippcase.core import trends as trend_reads
from ippcase.demo.workflow import _advance
from ippcase.models import Person, Recall, Team, TrendCount
from ippcase.reporting.dashboard import Scope
from ippcase.reporting.panels.recalls import recalls_by_month
from parole import report
from parole.models import ParoleReview
from recall import services
from tests import factories

BASE = dt.date(2024, 1, 1)


def _snapshot() -> set[tuple[Any, ...]]:
    return set(TrendCount.objects.values_list("team_id", "pdu_id", "month", "measure", "n"))


def _computed() -> set[tuple[Any, ...]]:
    """Every cell counted now by the SELECT itself (not through the triggers)."""
    with connection.cursor() as cursor:
        cursor.execute(trends._all_counts_sql())
        return {
            (t, p, m.date() if isinstance(m, dt.datetime) else m, k, n)
            for t, p, m, k, n in cursor.fetchall()
        }


# --- one write of each kind ---------------------------------------------------------------------


def _recall(w: dict[str, Any], person: Person, n: int) -> None:
    factories.make_recall(person, recall_date=BASE + dt.timedelta(days=17 * n))


def _redate(w: dict[str, Any], person: Person, n: int) -> None:
    Recall.objects.filter(release__person=person).update(
        recall_date=BASE + dt.timedelta(days=23 * n)
    )


def _reasons(w: dict[str, Any], person: Person, n: int) -> None:
    """Raw SQL, bypassing Django: the counts follow whatever writes the table."""
    reasons = ["further_charge", "other"][: 1 + n % 2]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ippcase_recall SET reasons = %s, criteria = %s WHERE release_id IN "
            "(SELECT id FROM ippcase_release WHERE person_id = %s)",
            [reasons, ["ii"] if n % 3 else ["i", "iv"], person.pk],
        )


def _unrecall(w: dict[str, Any], person: Person, n: int) -> None:
    recall = Recall.objects.filter(release__person=person).order_by("-id").first()
    if recall is not None:
        recall.delete()  # its Board reviews go with it


def _move(w: dict[str, Any], person: Person, n: int) -> None:
    """A transfer: the person's months go with them to the other team (another PDU)."""
    team = w["teams"][n % len(w["teams"])]
    Person.objects.filter(pk=person.pk).update(team=team, awaiting_pdu=None)


def _unallocate(w: dict[str, Any], person: Person, n: int) -> None:
    """Onto a PDU's unallocated list (no team), or the national one."""
    pdu = w["teams"][n % 2].pdu if n % 3 else None
    Person.objects.filter(pk=person.pk).update(team=None, awaiting_pdu=pdu)


def _team_moves_pdu(w: dict[str, Any], person: Person, n: int) -> None:
    Team.objects.filter(pk=w["teams"][0].pk).update(pdu=w["teams"][n % 2 + 1].pdu)


def _decision(w: dict[str, Any], person: Person, n: int) -> None:
    recall = Recall.objects.filter(release__person=person).order_by("id").first()
    if recall is not None:
        paper = n % 2 == 0
        ParoleReview.objects.create(
            recall=recall,
            kind="paper" if paper else "oral",
            referred_on=recall.recall_date,
            decided_on=recall.recall_date + dt.timedelta(days=40 + n),
            outcome=["release", "no_release", "open_conditions", ""][n % 4],
        )


def _redecide(w: dict[str, Any], person: Person, n: int) -> None:
    ParoleReview.objects.filter(recall__release__person=person).update(
        outcome="no_release", decided_on=BASE + dt.timedelta(days=31 * n)
    )


def _workflow(w: dict[str, Any], person: Person, n: int) -> None:
    """The service path to a recall: recommendation, countersignature, PPCS authorises."""
    fresh = (
        Person.objects.select_related("sentence")
        .prefetch_related("releases__recall", "termination_referrals")
        .get(pk=person.pk)
    )
    users = w["users"]
    _advance(fresh, ("in_custody_on_track", "not_recalled")[n % 2], *users, timezone.localdate())


WRITES = {
    "recall": _recall,
    "redate": _redate,
    "reasons": _reasons,
    "unrecall": _unrecall,
    "move": _move,
    "unallocate": _unallocate,
    "team_moves_pdu": _team_moves_pdu,
    "decision": _decision,
    "redecide": _redecide,
    "workflow": _workflow,
}


@pytest.fixture
def world(team, practitioner, manager, senior_manager, ppcs):
    teams = [
        team,
        factories.TeamFactory(code="york-a", pdu__code="york"),
        factories.TeamFactory(code="hull-a", pdu__code="hull"),
    ]
    people = [factories.make_case(team, recalled=n % 2 == 0) for n in range(3)]
    return {
        "people": people,
        "teams": teams,
        "users": (practitioner, manager, senior_manager, ppcs),
    }


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    writes=st.lists(
        st.tuples(st.sampled_from(sorted(WRITES)), st.integers(0, 2), st.integers(0, 40)),
        min_size=1,
        max_size=12,
    )
)
def test_incremental_equals_recount_after_any_writes(world, writes):
    for name, index, n in writes:
        try:
            with transaction.atomic():
                WRITES[name](world, world["people"][index], n)
        except (services.RecallError, IntegrityError):
            pass  # refused (a stage the person cannot reach now, a clashing date): no change
    incremental = _snapshot()
    assert incremental == _computed()
    trends.rebuild()
    assert _snapshot() == incremental


def test_a_recall_is_counted_in_its_month_and_follows_a_transfer(world):
    person = world["people"][1]  # never recalled
    york = world["teams"][1]
    factories.make_recall(person, recall_date=dt.date(2025, 3, 14))
    home = person.team
    cell = TrendCount.objects.get(team=home, month=dt.date(2025, 3, 1), measure="recall")
    assert (cell.pdu_id, cell.n) == (home.pdu_id, 1)
    Person.objects.filter(pk=person.pk).update(team=york)
    assert not TrendCount.objects.filter(team=home, month=dt.date(2025, 3, 1)).exists()
    moved = TrendCount.objects.get(team=york, month=dt.date(2025, 3, 1), measure="recall")
    assert (moved.pdu_id, moved.n) == (york.pdu_id, 1)


def test_an_update_of_other_columns_rewrites_no_cell(world):
    """Recording a return to custody changes nothing the counts read: no cell is rewritten."""
    recall = Recall.objects.filter(release__person=world["people"][0]).get()
    before = dict(TrendCount.objects.values_list("pk", "n"))
    recall.returned_to_custody = recall.recall_date + dt.timedelta(days=3)
    recall.save(update_fields=["returned_to_custody"])
    assert dict(TrendCount.objects.values_list("pk", "n")) == before  # same rows, same ids


def test_paused_triggers_leave_the_counts_until_the_rebuild(world):
    person = world["people"][1]
    with transaction.atomic(), position.paused():
        factories.make_recall(person, recall_date=dt.date(2025, 5, 2))
        assert not TrendCount.objects.filter(month=dt.date(2025, 5, 1)).exists()
    trends.rebuild()
    assert TrendCount.objects.get(month=dt.date(2025, 5, 1), measure="recall").n == 1


def test_every_table_the_counts_read_has_the_triggers(db):
    read = {m._meta.db_table for m in trends.watched_models()}
    assert {"ippcase_recall", "ippcase_release", "ippcase_person", "ippcase_team"} <= read
    assert "parole_parolereview" in read
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'ippcase_trends_%%'"
        )
        triggered = {name for (name,) in cursor.fetchall()}
    assert read <= triggered


# --- reading them ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date_from", "date_to", "first", "last", "edges"),
    [
        (dt.date(2025, 1, 1), dt.date(2025, 3, 31), dt.date(2025, 1, 1), dt.date(2025, 3, 1), ()),
        (
            dt.date(2025, 1, 15),
            dt.date(2025, 4, 2),
            dt.date(2025, 2, 1),
            dt.date(2025, 3, 1),
            (
                (dt.date(2025, 1, 15), dt.date(2025, 1, 31)),
                (dt.date(2025, 4, 1), dt.date(2025, 4, 2)),
            ),
        ),
        (
            dt.date(2025, 2, 3),
            dt.date(2025, 2, 20),
            None,
            None,
            ((dt.date(2025, 2, 3), dt.date(2025, 2, 20)),),
        ),
        (dt.date(2024, 2, 1), dt.date(2024, 2, 29), dt.date(2024, 2, 1), dt.date(2024, 2, 1), ()),
    ],
)
def test_a_range_is_cut_into_whole_months_and_edges(date_from, date_to, first, last, edges):
    cut = trend_reads.split(date_from, date_to)
    assert (cut.first_month, cut.last_month, cut.edges) == (first, last, edges)


def test_no_counts_for_a_practitioner():
    with pytest.raises(ValueError, match="practitioner"):
        trend_reads.Unit("practitioner", "someone")


@pytest.fixture
def spread(world):
    """Recalls and decisions in three teams over two years, one person awaiting allocation."""
    teams = world["teams"]
    for i in range(12):
        person = factories.make_case(teams[i % 3], recalled=False)
        recall = factories.make_recall(
            person, recall_date=dt.date(2024, 1, 9) + dt.timedelta(days=53 * i)
        )
        ParoleReview.objects.create(
            recall=recall,
            kind="oral" if i % 3 else "paper",
            referred_on=recall.recall_date,
            decided_on=recall.recall_date + dt.timedelta(days=70),
            outcome="release" if i % 2 else "no_release",
        )
    Person.objects.filter(pk=person.pk).update(team=None, awaiting_pdu=teams[1].pdu)
    return world


def _unit_people(level: str, code: str) -> Any:
    if level == "national":
        return Person.objects.all()
    if level == "pdu":
        return Person.objects.filter(team__pdu__code=code) | Person.objects.filter(
            team__isnull=True, awaiting_pdu__code=code
        )
    return Person.objects.filter(team__code=code)


@pytest.mark.parametrize(("level", "code"), [("national", ""), ("pdu", "york"), ("team", "hull-a")])
@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [(dt.date(2024, 3, 17), dt.date(2025, 11, 4)), (dt.date(2024, 1, 1), dt.date(2025, 6, 30))],
)
def test_the_counts_give_the_figures_of_the_rows(spread, level, code, date_from, date_to):
    today = dt.date(2026, 1, 1)
    people = _unit_people(level, code)
    rows = Scope(level, code, date_from, date_to, today)
    counted = Scope(level, code, date_from, date_to, today, unit=trend_reads.Unit(level, code))
    measures = trend_reads.recall_measures()
    expected = recalls_by_month(people, rows, measures)
    assert sum(m["recall"] for m in expected.values()) > 0
    assert recalls_by_month(people, counted, measures) == expected
    decisions = report._decisions(people, date_from, date_to)
    assert decisions[0] or decisions[1]
    assert report._decisions(people, date_from, date_to, trend_reads.Unit(level, code)) == decisions


def test_the_counts_cost_the_same_queries_at_two_sizes(spread):
    unit = trend_reads.Unit("national")
    scope = Scope(
        "national", "", dt.date(2024, 3, 17), dt.date(2025, 11, 4), dt.date(2026, 1, 1), unit=unit
    )
    measures = trend_reads.recall_measures()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            recalls_by_month(Person.objects.all(), scope, measures)
            report._decisions(None, scope.date_from, scope.date_to)
        return len(captured)

    small = queries()
    for i in range(10):
        person = factories.make_case(spread["teams"][0], recalled=False)
        factories.make_recall(person, recall_date=dt.date(2024, 5, 1) + dt.timedelta(days=40 * i))
    assert queries() == small == 4  # cells and edges, for each of the two


def test_nationally_the_recall_panels_need_no_people_filter(spread):
    """PPCS see every person with a recall or termination work, so nationally the parole and
    report-deadline panels count all such events without filtering by the people in scope."""
    from ippcase.core.permissions import ppcs_visible
    from ippcase.reporting.panels import deadlines, parole

    factories.make_case(spread["teams"][0], recalled=False)  # nobody PPCS see
    people = Person.objects.filter(ppcs_visible())
    dates = (dt.date(2024, 1, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 1))
    filtered = Scope("national", "", *dates)
    whole = Scope("national", "", *dates, unit=trend_reads.Unit("national"))
    assert whole.recall_people(people) is None and filtered.recall_people(people) is people
    for compute in (parole.compute, deadlines.REPORT_DEADLINES.compute):
        assert compute(people, whole).tables == compute(people, filtered).tables
