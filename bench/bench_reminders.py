"""Time the recall report reminder scan over 1,000 and 100,000 open recalls.

    PYTHONPATH=. .venv/bin/python bench/bench_reminders.py [--recalls 100000] [--repetitions 5]

Uses the PostgreSQL server of ``DATABASE_URL`` (or the embedded one under ``$IPPCASE_DATA_DIR``,
started here when unset) but never its database: it migrates a template database once, then for
each size creates ``ippcase_bench_reminders`` from it, fills it with open tracked recalls (made
through a recommendation, returned to custody, report not submitted) in one COPY per table, and
runs ``recall.reminders.send_report_reminders`` in a child process on consecutive working days,
one scan per day. Returns to custody are spread evenly over the 30 days before the first scan,
so every scan finds recalls at each milestone, most of them overdue (the heaviest case: an
overdue report is a new reminder and an email every working day). Reports the median, min and
max seconds of a scan, the time spent in SQL (and its slowest statements) and the SQL statements
per scan at both sizes (the count must be the same), then drops both databases. Needs CREATEDB
on a real server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_seed import drop, manage, recreate, with_database  # noqa: E402
from ippcase.platform import embedded  # noqa: E402 - after the path is set up

TEMPLATE = "ippcase_bench_reminders_template"
TARGET = "ippcase_bench_reminders"
FIRST_SCAN = dt.date(2026, 3, 2)  # a Monday, with no bank holiday near it
RTC_SPREAD_DAYS = 30


# --- the child: fill the database and time the scans (Django set up in this process) ---------


def _scan_days(count: int) -> list[dt.date]:
    from recall.deadlines import DEFAULT_CALENDAR

    days, day = [], FIRST_SCAN
    while len(days) < count:
        if DEFAULT_CALENDAR.is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _fill(recalls: int) -> dict[str, Any]:
    """``recalls`` open tracked recalls, each with its person, release, current allocation and
    authorised recommendation; the organisation is the demo one for that many people."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from ippcase.demo import org as demo_org
    from ippcase.demo import writer
    from ippcase.models import Allocation, Person, Recall, Release
    from recall.models import RecallRecommendation
    from recall.vocab import RecommendationStatus

    started = time.perf_counter()
    org = demo_org.generate_org(recalls, seed=1)
    with transaction.atomic(), writer.bulk_mode():
        team_ids, user_ids = writer.create_org(org, password_hash=make_password(None))
        teams = [
            (team_ids[team.code], [user_ids[u] for u in org.practitioners(team.code)])
            for _, team in org.teams()
        ]
        with connection.cursor() as cursor:
            person_ids = writer.reserve_ids(cursor, Person, recalls)
            release_ids = writer.reserve_ids(cursor, Release, recalls)
            recall_ids = writer.reserve_ids(cursor, Recall, recalls)
            home = [teams[i % len(teams)] for i in range(recalls)]
            com = [coms[(i // len(teams)) % len(coms)] for i, (_, coms) in enumerate(home)]
            born = dt.date(1980, 1, 1)
            reasons, criteria, blank = ["non_compliance"], ["i"], ("",) * 8
            rtc = [FIRST_SCAN - dt.timedelta(days=1 + i % RTC_SPREAD_DAYS) for i in range(recalls)]
            writer.copy_rows(
                cursor,
                Person,
                [
                    *("id", "crn", "nomis_number", "pnc", "first_name", "last_name"),
                    *("date_of_birth", "gender", "ethnicity", "team_id"),
                    *("rosh_level", "vulnerabilities"),
                ],
                (
                    (
                        pid,
                        f"B{i:06d}",
                        "",
                        "",
                        "Bench",
                        f"Person {i}",
                        born,
                        "male",
                        "white",
                        home[i][0],
                        "high",
                        "",
                    )
                    for i, pid in enumerate(person_ids)
                ),
            )
            writer.copy_rows(
                cursor,
                Release,
                ["id", "person_id", "date", "prison", "approved_premises"],
                (
                    (rid, pid, dt.date(2024, 1, 15), "HMP Leeds", False)
                    for rid, pid in zip(release_ids, person_ids, strict=True)
                ),
            )
            writer.copy_rows(
                cursor,
                Recall,
                [
                    *("id", "release_id", "recall_date", "returned_to_custody"),
                    *("custody_prison", "reasons", "criteria"),
                ],
                (
                    (cid, rid, day - dt.timedelta(days=2), day, "HMP Leeds", reasons, criteria)
                    for cid, rid, day in zip(recall_ids, release_ids, rtc, strict=True)
                ),
            )
            writer.copy_rows(
                cursor,
                Allocation,
                ["person_id", "practitioner_id", "start_date"],
                ((pid, c, dt.date(2024, 1, 15)) for pid, c in zip(person_ids, com, strict=True)),
            )
            writer.copy_rows(
                cursor,
                RecallRecommendation,
                [
                    *("person_id", "created_by_id", "status", "recall_id"),
                    *("why_considered", "causal_link", "increased_risk_of_harm"),
                    *("multi_agency_input", "out_of_contact_details", "withdrawn_reason"),
                    *("further_information", "rescinded_reason"),
                ],
                (
                    (pid, c, RecommendationStatus.AUTHORISED, cid, *blank)
                    for pid, c, cid in zip(person_ids, com, recall_ids, strict=True)
                ),
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"fill_seconds": time.perf_counter() - started, "users": len(user_ids)}


def _time_queries(timings: list[tuple[str, float]]) -> Any:
    """An execute wrapper that records each statement's first words and its duration."""

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            words = " ".join(sql.split()[:3])
            timings.append((words, time.perf_counter() - started))

    return wrapper


def child(recalls: int, repetitions: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection

    from recall.reminders import send_report_reminders

    info = _fill(recalls)
    print(
        f"  {recalls:,} recalls filled in {info['fill_seconds']:.1f}s", file=sys.stderr, flush=True
    )
    scans = []
    for day in _scan_days(repetitions):
        timings: list[tuple[str, float]] = []
        with connection.execute_wrapper(_time_queries(timings)):
            started = time.perf_counter()
            result = send_report_reminders(today=day)
            seconds = time.perf_counter() - started
        scans.append(
            {"seconds": seconds, "queries": len(timings), "timings": timings, **result.as_dict()}
        )
        print(f"  {recalls:,} recalls, {day}: {seconds:.2f}s", file=sys.stderr, flush=True)
    return {**info, "recalls": recalls, "scans": scans}


# --- the parent: fresh databases, one child per size -----------------------------------------


def run_size(admin_url: str, target_url: str, recalls: int, repetitions: int) -> dict[str, Any]:
    recreate(admin_url, TARGET, template=TEMPLATE)
    env = os.environ | {
        "DATABASE_URL": target_url,
        "DJANGO_SETTINGS_MODULE": "ippcase.settings.dev",
        "DJANGO_DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    output = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, __file__, "--child", str(recalls), "--repetitions", str(repetitions)],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,  # the result; progress goes to stderr as it happens
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def report(result: dict[str, Any]) -> None:
    scans = result["scans"]
    seconds = [s["seconds"] for s in scans]
    queries = sorted({s["queries"] for s in scans})
    print(f"{result['recalls']:,} open recalls (filled in {result['fill_seconds']:.1f}s)")
    for s in scans:
        print(
            f"  {s['today']}: {s['seconds']:6.2f}s, {s['queries']} queries, "
            f"{s['candidates']:,} candidates, new reminders {s['reminders']}, "
            f"{s['notifications']:,} notifications to {s['recipients']:,} people"
        )
        in_sql = sum(t for _, t in s["timings"])
        slowest = sorted(s["timings"], key=lambda pair: -pair[1])[:3]
        print(
            f"      in SQL {in_sql:.2f}s (slowest: "
            + "; ".join(f"{words} {t:.2f}s" for words, t in slowest)
            + f"), the rest (Python, commit) {s['seconds'] - in_sql:.2f}s"
        )
    print(
        f"  scan: median {statistics.median(seconds):.2f}s, min {min(seconds):.2f}s, "
        f"max {max(seconds):.2f}s; queries per scan {', '.join(map(str, queries))}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--recalls", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.repetitions), default=str))
        return 0

    embedded.ensure_services()
    base_url = os.environ["DATABASE_URL"]
    admin_url = with_database(base_url, "postgres")
    target_url = with_database(base_url, TARGET)
    recreate(admin_url, TEMPLATE)
    try:
        manage(with_database(base_url, TEMPLATE), "migrate", "--noinput", "-v", "0")
        results = [
            run_size(admin_url, target_url, size, args.repetitions)
            for size in (args.small, args.recalls)
        ]
    finally:
        drop(admin_url, TARGET, TEMPLATE)
    for result in results:
        report(result)
    counts = [sorted({s["queries"] for s in r["scans"]}) for r in results]
    same = counts[0] == counts[1]
    print(f"queries per scan: {counts[0]} at {args.small:,}, {counts[1]} at {args.recalls:,}")
    print("same query count at both sizes" if same else "QUERY COUNT DIFFERS")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
