"""Time every page, every dashboard panel and both reports at several sizes (10,000 to 250,000).

    PYTHONPATH=. .venv/bin/python bench/bench_pages.py [--sizes 10000 50000 250000]
        [--requests 30] [--warmups 3] [--budget 30] [--keep] [--reuse] [--only SUBSTRING ...]
        [--explain N] [--no-plans]

Uses the PostgreSQL server of ``DATABASE_URL`` (or the embedded one under ``$IPPCASE_DATA_DIR``,
started here when unset) but never its database: it migrates a template database once, then for
each size creates ``<prefix>_pages_<size>`` from it (prefix ``$BENCH_DB_PREFIX``, default
``ippcase_bench``) and fills it with ``manage.py seed_demo --people <size>`` (timed: the seed
time is in the JSON). A child process (Django set up on that database, ``DEBUG`` off) then
signs in as a demo user of each role and requests every page as that role sees it by default,
through the Django test client:

- as the practitioner of the person with the most recalls, then the most concerns, in a
  practitioner's caseload: the caseload, the person's overview, sentence, timeline, history,
  concerns and parole pages, and a recommendation (an active one when the demo data has any);
- the caseload as a manager and as PPCS; the PPCS queue and the parole report as PPCS;
- the dashboard and each of its panels, as the dashboard page fetches them (HTMX), at a
  manager's default scope (their PDU) and at PPCS's (national); the panel list is read from
  ``ippcase.reporting.panels.PANELS`` at run time;
- ``cohort_report()`` and ``parole_report()`` called directly, national.

For each: the SQL statements per request (must be the same at every size), the server time
(median and 95th percentile of ``--requests`` requests after ``--warmups``; a page slower than
``--budget`` seconds in all stops after at least 5 requests), the time of its own SQL alone
(statement durations, from ``connection.execute_wrapper``) and, unless ``--no-plans``, its
slowest SELECT with EXPLAIN (ANALYZE, BUFFERS). Prints a table (median / p95 per size, growth
from the first size to the last) and writes JSON to
``bench/results/pages-<date>-<sizes>.json`` with the machine's load average before and after
each size; exits 1 when a query count differs between the sizes.

``--keep`` leaves the filled databases in place (for ``--explain``, or ``bench_load.py
--reuse``); ``--reuse`` measures the sizes whose database a previous ``--keep`` run left instead
of seeding them again (and leaves them). ``--explain N`` times nothing: for each page it prints
EXPLAIN (ANALYZE, BUFFERS) of the page's N slowest SELECTs, e.g. ``--reuse --sizes 10000
--explain 3 --only dashboard``.

Targets (issue 17): every panel, report page and report call p95 under 150 ms at 50,000 people
and under 300 ms at 250,000, at national scope; the same query counts at all sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import inspect
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_seed import drop, manage, recreate, with_database  # noqa: E402
from ippcase.platform import embedded  # noqa: E402 - after the path is set up

# BENCH_DB_PREFIX: the databases' names start with it (several people benchmarking on one
# server each use their own).
PREFIX = os.environ.get("BENCH_DB_PREFIX", "ippcase_bench")
TEMPLATE = f"{PREFIX}_pages_template"
TARGET_MS = 150.0
TARGET_RATIO = 2.0
MIN_REQUESTS = 5
PLAN_CHARS = 20_000  # the EXPLAIN kept in the JSON, per page


def target_name(size: int) -> str:
    return f"{PREFIX}_pages_{size}"


# --- the child: pick users and pages, time each one (Django set up in this process) ----------


def _statement_timer(durations: list[float]) -> Any:
    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            durations.append(time.perf_counter() - started)

    return wrapper


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _measure(call: Callable[[], int], requests: int, warmups: int, budget: float) -> dict[str, Any]:
    """Run ``call`` (which returns an HTTP status) warm-up times, then ``requests`` times; a page
    that has used up ``budget`` seconds stops early, after one warm-up and at least
    ``MIN_REQUESTS`` timed requests (a page of several seconds would otherwise take minutes)."""
    from django.db import connection

    statuses = set()
    started_all = time.perf_counter()
    for done in range(warmups):
        if done and time.perf_counter() - started_all > budget / 4:
            break
        statuses.add(call())
    seconds: list[float] = []
    sql_seconds: list[float] = []
    queries: set[int] = set()
    for done in range(requests):
        if done >= MIN_REQUESTS and time.perf_counter() - started_all > budget:
            break
        durations: list[float] = []
        with connection.execute_wrapper(_statement_timer(durations)):
            started = time.perf_counter()
            statuses.add(call())
            seconds.append(time.perf_counter() - started)
        sql_seconds.append(sum(durations))
        queries.add(len(durations))
    median_ms = statistics.median(seconds) * 1000
    sql_ms = statistics.median(sql_seconds) * 1000
    return {
        "requests": len(seconds),
        "status": sorted(statuses),
        "queries": sorted(queries),
        "median_ms": median_ms,
        "p95_ms": p95(seconds) * 1000,
        "min_ms": min(seconds) * 1000,
        "sql_median_ms": sql_ms,
        "sql_p95_ms": p95(sql_seconds) * 1000,
        "ratio": median_ms / sql_ms if sql_ms else None,
    }


def _statements(call: Callable[[], int]) -> tuple[float, list[tuple[float, str, Any]]]:
    """One request of the page (after one not timed): its seconds and its statements, each
    with its seconds, SQL and parameters."""
    from django.db import connection

    statements: list[tuple[float, str, Any]] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - started, sql, params))

    call()
    with connection.execute_wrapper(wrapper):
        started = time.perf_counter()
        call()
        total = time.perf_counter() - started
    return total, statements


def _slowest_selects(statements: list[tuple[float, str, Any]]) -> list[tuple[float, str, Any]]:
    slowest = sorted(statements, key=lambda statement: -statement[0])
    return [s for s in slowest if s[1].lstrip().upper().startswith(("SELECT", "WITH"))]


def _plan(sql: str, params: Any) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def slowest_statement(call: Callable[[], int]) -> dict[str, Any] | None:
    """The page's slowest SELECT with its EXPLAIN (ANALYZE, BUFFERS), for the JSON."""
    _, statements = _statements(call)
    selects = _slowest_selects(statements)
    if not selects:
        return None
    seconds, sql, params = selects[0]
    return {"ms": seconds * 1000, "sql": sql, "plan": _plan(sql, params)[:PLAN_CHARS]}


def _explain(name: str, call: Callable[[], int], top: int) -> None:
    """One request of the page, then EXPLAIN (ANALYZE, BUFFERS) of its ``top`` slowest SELECTs,
    printed (to stderr) with each statement's share of the request."""
    total, statements = _statements(call)
    in_sql = sum(seconds for seconds, _, _ in statements)
    print(
        f"\n=== {name}: {total * 1000:.1f} ms, {len(statements)} statements, "
        f"{in_sql * 1000:.1f} ms in SQL",
        file=sys.stderr,
    )
    for seconds, sql, params in _slowest_selects(statements)[:top]:
        print(f"\n--- {seconds * 1000:.1f} ms: {sql[:600]}", file=sys.stderr)
        print(_plan(sql, params), file=sys.stderr, flush=True)


def _pick_users() -> dict[str, Any]:
    """The demo users and objects the pages are requested for."""
    from django.db.models import Count

    from ippcase.models import Allocation, Person, User
    from ippcase.vocab import Role
    from recall import vocab as recall_vocab
    from recall.models import RecallRecommendation

    chosen: dict[str, Any] = {"notes": []}
    current = Allocation.objects.filter(end_date__isnull=True, practitioner__is_active=True)
    person = (
        Person.objects.filter(pk__in=current.values("person_id"))
        .annotate(
            n_recalls=Count("releases__recall", distinct=True),
            n_concerns=Count("concerns", distinct=True),
        )
        .order_by("-n_recalls", "-n_concerns", "pk")
        .first()
    )
    if person is not None:
        chosen["person"] = person
        chosen["practitioner"] = current.get(person=person).practitioner
    rec = (
        RecallRecommendation.objects.filter(status__in=recall_vocab.ACTIVE_STATUSES)
        .filter(person__in=Person.objects.filter(pk__in=current.values("person_id")))
        .annotate(n_concerns=Count("person__concerns"))
        .order_by("-n_concerns", "pk")
        .first()
    )
    if rec is None:
        chosen["notes"].append("no active recommendation in the demo data: page skipped")
    else:
        chosen["recommendation"] = rec
        chosen["rec_practitioner"] = current.get(person_id=rec.person_id).practitioner

    def first_with(role: str) -> Any:
        return User.objects.filter(roles__contains=[role], is_active=True).order_by("pk").first()

    chosen["manager"] = first_with(Role.MANAGER)
    chosen["ppcs"] = first_with(Role.PPCS)
    return chosen


def _panel_slugs() -> tuple[list[str], str | None]:
    try:
        panels = importlib.import_module("ippcase.reporting.panels")
        return [panel.slug for panel in panels.PANELS], None
    except Exception as error:
        return [], f"ippcase.reporting.panels does not import: {type(error).__name__}: {error}"


def _report_call(
    module_name: str, function_name: str
) -> tuple[Callable[[], Any] | None, str | None]:
    """``module.function`` called with national figures (no ``people``) and only the required
    arguments the harness knows (today's date), or why it cannot be."""
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except Exception as error:
        return None, f"{module_name}.{function_name} unavailable: {type(error).__name__}: {error}"
    known: dict[str, Any] = {"as_of": dt.date.today(), "today": dt.date.today()}
    kwargs: dict[str, Any] = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name in known and parameter.default is inspect.Parameter.empty:
            kwargs[name] = known[name]
        elif parameter.default is inspect.Parameter.empty and parameter.kind not in (
            inspect.Parameter.VAR_POSITIONAL,
            inspect.Parameter.VAR_KEYWORD,
        ):
            return None, f"{function_name} needs {name!r}: the harness does not know what to pass"
    return lambda: function(**kwargs), None


REPORT_CALLS = (
    ("cohort_report()", "ippcase.reporting.cohort", "cohort_report"),
    ("parole_report()", "parole.report", "parole_report"),
)


def _pages(chosen: dict[str, Any], slugs: list[str]) -> list[tuple[str, str, Any, bool]]:
    """(name, url, user, HTMX?) for every page, as each role sees it by default: the case pages
    as the person's practitioner; the caseload as a practitioner, a manager and PPCS; the PPCS
    queue and the parole report as PPCS; the dashboard and each of its panels (fetched by HTMX,
    as the dashboard page does) as a manager (their PDU) and as PPCS (national)."""
    from django.urls import reverse

    pages: list[tuple[str, str, Any, bool]] = []
    if "practitioner" in chosen:
        practitioner, crn = chosen["practitioner"], chosen["person"].crn
        pages.append(("caseload", "/cases/", practitioner, False))
        for label, name in (
            ("person overview", "person_overview"),
            ("person sentence", "person_sentence"),
            ("person timeline", "person_timeline"),
            ("person history", "person_history"),
            ("concerns", "recall:concerns"),
            ("person parole", "parole:person_parole"),
        ):
            pages.append((label, reverse(name, args=[crn]), practitioner, False))
    if "recommendation" in chosen:
        url = reverse("recall:recommendation", args=[chosen["recommendation"].pk])
        pages.append(("recommendation", url, chosen["rec_practitioner"], False))
    scopes = []
    if chosen["manager"] is not None:
        pages.append(("caseload (manager)", "/cases/", chosen["manager"], False))
        scopes.append(("PDU", chosen["manager"]))
    if chosen["ppcs"] is not None:
        pages.append(("caseload (PPCS)", "/cases/", chosen["ppcs"], False))
        pages.append(("PPCS queue", reverse("recall:ppcs_queue"), chosen["ppcs"], False))
        pages.append(("parole report", "/parole/report/", chosen["ppcs"], False))
        scopes.append(("national", chosen["ppcs"]))
    for scope, user in scopes:
        pages.append((f"dashboard ({scope})", "/dashboard/", user, False))
        for slug in slugs:
            pages.append((f"panel {slug} ({scope})", f"/dashboard/panels/{slug}/", user, True))
    return pages


def child(
    size: int,
    requests: int,
    warmups: int,
    budget: float,
    only: list[str],
    explain: int = 0,
    plans: bool = True,
) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from ippcase.models import Person

    chosen = _pick_users()
    notes: list[str] = list(chosen["notes"])
    slugs, panel_note = _panel_slugs()
    if panel_note:
        notes.append(panel_note)

    clients: dict[int, Client] = {}

    def client_for(user: Any) -> Client:
        if user.pk not in clients:
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)
            clients[user.pk] = client
        return clients[user.pk]

    def get(user: Any, url: str, htmx: bool) -> Callable[[], int]:
        client = client_for(user)
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        return lambda: client.get(url, **headers).status_code

    calls: list[tuple[str, str, str, Callable[[], int]]] = [
        (name, url, f"{user.username} ({', '.join(user.roles)})", get(user, url, htmx))
        for name, url, user, htmx in _pages(chosen, slugs)
    ]
    for name, module_name, function_name in REPORT_CALLS:
        function, note = _report_call(module_name, function_name)
        if function is None:
            notes.append(note or "")
            continue

        def call(function: Callable[[], Any] = function) -> int:
            function()
            return 200

        calls.append((name, "", "(direct call, national)", call))

    results: list[dict[str, Any]] = []
    for name, url, who, call in calls:
        if only and not any(o in name for o in only):
            continue
        if explain:
            _explain(name, call, explain)
            continue
        measured = _measure(call, requests, warmups, budget)
        row = {"page": name, "url": url, "as": who} | measured
        if plans:
            row["slowest"] = slowest_statement(call)
        results.append(row)
        print(f"  {size:,}: {name}: {measured['median_ms']:.1f} ms", file=sys.stderr, flush=True)
    if explain:
        return {"size": size, "explained": True}

    with connection.cursor() as cursor:
        counts = {}
        for table in (
            "recall_concern",
            "recall_actionshortofrecall",
            "recall_recallrecommendation",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            counts[table.split("_", 1)[1]] = cursor.fetchone()[0]
    counts["people"] = Person.objects.count()
    subject = {
        "person": chosen.get("person") and chosen["person"].crn,
        "person_recalls": chosen.get("person") and chosen["person"].n_recalls,
        "person_concerns": chosen.get("person") and chosen["person"].n_concerns,
        "recommendation": chosen.get("recommendation") and chosen["recommendation"].pk,
    }
    return {"size": size, "rows": counts, "subject": subject, "notes": notes, "pages": results}


# --- the parent: fresh databases, one child per size -----------------------------------------


def database_exists(admin_url: str, name: str) -> bool:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return found is not None


def child_env(database_url: str) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "ippcase.settings.dev",
        "DJANGO_DEBUG": "0",
        "LOG_LEVEL": "ERROR",  # 404s of panels not built yet are reported in the table instead
        "PYTHONPATH": str(ROOT),
    }


def seed(admin_url: str, base_url: str, size: int) -> dict[str, Any]:
    """Create the size's database from the template and run seed_demo; returns its summary and
    seconds (the whole command, Django's start-up included)."""
    recreate(admin_url, target_name(size), template=TEMPLATE)
    started = time.perf_counter()
    output = manage(with_database(base_url, target_name(size)), "seed_demo", "--people", str(size))
    seconds = time.perf_counter() - started
    summary = " ".join(
        line.strip() for line in output.splitlines() if re.match(r"\s*(Seeded|\d[\d,]* )", line)
    )
    print(f"  {size:,} people seeded in {seconds:.0f}s: {summary}", flush=True)
    with psycopg.connect(with_database(base_url, target_name(size)), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # the visibility map too: index-only scans as in use
    return {"summary": summary, "seconds": round(seconds, 1), "load": os.getloadavg()}


def run_size(base_url: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--child", str(size)]
    argv += ["--requests", str(args.requests), "--warmups", str(args.warmups)]
    argv += ["--budget", str(args.budget)]
    if args.only:
        argv += ["--only", *args.only]
    if args.explain:
        argv += ["--explain", str(args.explain)]
    if args.no_plans:
        argv += ["--no-plans"]
    load_before = os.getloadavg()
    output = subprocess.run(  # noqa: S603 - fixed argv, no shell
        argv,
        env=child_env(with_database(base_url, target_name(size))),
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,  # the result; progress goes to stderr as it happens
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["load_average"] = {"before": load_before, "after": os.getloadavg()}
    return result


def report(results: list[dict[str, Any]]) -> bool:
    """Print the table, a column group per size and the growth from the first size to the last;
    returns whether every page's query count is the same at every size."""
    for result in results:
        print(f"{result['size']:,} people: {result['rows']}; subject {result['subject']}")
        for note in result["notes"]:
            print(f"  note: {note}")
    by_size = [{row["page"]: row for row in result["pages"]} for result in results]
    names = list(dict.fromkeys(name for pages in by_size for name in pages))
    sizes = "".join(f"{r['size']:>17,}" for r in results)
    print(f"\n{'':<34}{'queries':>9}{sizes}  growth   (median / p95 ms)")
    same = True
    for name in names:
        rows = [pages.get(name) for pages in by_size]
        counts = {tuple(row["queries"]) for row in rows if row is not None}
        same = same and len(counts) == 1
        cells = "".join(
            f"{row['median_ms']:>8.1f} /{row['p95_ms']:>7.1f}" if row else f"{'-':>17}"
            for row in rows
        )
        first, last = rows[0], rows[-1]
        growth = f"{last['median_ms'] / first['median_ms']:.2f}x" if first and last else "-"
        flags = []
        if len(counts) > 1:
            flags.append("QUERY COUNT DIFFERS")
        if last and last["status"] != [200]:
            flags.append("not 200")
        if last and last["p95_ms"] >= TARGET_MS:
            flags.append(f"p95 >= {TARGET_MS:.0f} ms")
        queries = "/".join(_count(row) for row in rows)
        print(f"{name:<34}{queries:>9}{cells}  {growth:>6}  " + "; ".join(flags))
    print("same query count at every size" if same else "QUERY COUNT DIFFERS BETWEEN THE SIZES")
    return same


def _count(row: dict[str, Any] | None) -> str:
    return "-" if row is None else ",".join(map(str, row["queries"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument(
        "--budget",
        type=float,
        default=30,
        help="seconds per page: slower pages stop early (after at least 5 timed requests)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the filled databases")
    parser.add_argument("--reuse", action="store_true", help="measure databases kept before")
    parser.add_argument("--only", nargs="*", default=[], help="pages whose name contains these")
    parser.add_argument(
        "--explain",
        type=int,
        default=0,
        metavar="N",
        help="instead of timing, EXPLAIN (ANALYZE, BUFFERS) the N slowest queries of each page",
    )
    parser.add_argument(
        "--no-plans",
        action="store_true",
        help="leave out the EXPLAIN of each page's slowest statement from the JSON",
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        result = child(
            args.child,
            args.requests,
            args.warmups,
            args.budget,
            args.only,
            args.explain,
            plans=not args.no_plans,
        )
        print(json.dumps(result, default=str))
        return 0

    embedded.ensure_services()
    base_url = os.environ["DATABASE_URL"]
    admin_url = with_database(base_url, "postgres")
    results: list[dict[str, Any]] = []
    seeded: dict[int, dict[str, Any]] = {}
    # --reuse: the sizes whose database a previous --keep run left are measured (or explained)
    # as they are, and left in place; the others are seeded (and kept only with --keep).
    kept = {s for s in args.sizes if args.reuse and database_exists(admin_url, target_name(s))}
    try:
        if set(args.sizes) - kept:
            recreate(admin_url, TEMPLATE)
            manage(with_database(base_url, TEMPLATE), "migrate", "--noinput", "-v", "0")
            for size in args.sizes:
                if size not in kept:
                    seeded[size] = seed(admin_url, base_url, size)
        for size in args.sizes:
            results.append(run_size(base_url, size, args) | {"seed": seeded.get(size)})
        if args.explain:
            return 0
    finally:
        drop(admin_url, TEMPLATE)
        if not args.keep:
            drop(admin_url, *(target_name(s) for s in seeded))
    same = report(results)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    stem = "-".join(str(s) for s in args.sizes)
    if args.only:  # a partial run never replaces a whole one of the same day
        stem += "-only-" + "-".join(re.sub(r"\W+", "_", o) for o in args.only)
    out = out_dir / f"pages-{dt.date.today():%Y-%m-%d}-{stem}.json"
    meta = {
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "requests": args.requests,
        "warmups": args.warmups,
        "budget_seconds": args.budget,
        "cpus": os.cpu_count(),
        "targets": {"p95_ms": TARGET_MS, "ratio": TARGET_RATIO},
    }
    out.write_text(json.dumps({"meta": meta, "sizes": results}, indent=1, default=str) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
