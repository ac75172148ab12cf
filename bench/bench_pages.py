"""Time the main pages and the dashboard panels at 1,000 and 10,000 people.

    PYTHONPATH=. .venv/bin/python bench/bench_pages.py [--sizes 1000 10000] [--requests 30]
        [--warmups 3] [--budget 30] [--keep] [--reuse] [--only SUBSTRING ...] [--explain N]

Uses the PostgreSQL server of ``DATABASE_URL`` (or the embedded one under ``$IPPCASE_DATA_DIR``,
started here when unset) but never its database: it migrates a template database once, then for
each size creates ``ippcase_bench_pages_<size>`` from it and fills it with
``manage.py seed_demo --people <size>`` (whatever the demo data holds today: concerns, actions,
recommendations, parole work). A child process (Django set up on that database, ``DEBUG`` off)
then signs in as a demo user of the right role and requests each page through the Django test
client: the caseload, a person's overview and concerns tab (a practitioner; the person with the
most recalls, then the most concerns, in the practitioner's caseload), a recommendation (its
practitioner; an active one when the demo data has any, else skipped with a note), the PPCS
queue, the parole report and the national dashboard (PPCS), the dashboard and each of its panels
(a manager, their PDU; the panel list is read from ``ippcase.reporting.panels.PANELS`` at run
time) and ``ippcase.reporting.cohort.cohort_report`` called directly when that module exists.
For each page: the SQL
statements per request (must be the same at both sizes), the server time (median and 95th
percentile of ``--requests`` requests after ``--warmups``; a page slower than ``--budget``
seconds in all stops after at least 5 requests), the time of its own SQL alone (the sum of the
statement durations, measured with ``connection.execute_wrapper``) and the ratio of the two.
Prints a table and writes JSON to ``bench/results/pages-<date>.json``; exits 1 when a query
count differs between the sizes.

``--keep`` leaves the filled databases in place (for ``--explain``, or ``bench_load.py
--reuse``); ``--reuse`` measures databases a previous ``--keep`` run left instead of seeding them
again (and leaves them). ``--explain N`` times nothing: for each page it prints EXPLAIN (ANALYZE,
BUFFERS) of the page's N slowest SELECTs, e.g. ``--reuse --sizes 10000 --explain 3 --only
dashboard``.

Targets (issue 6): at 10,000 people every page's median under 150 ms, page/SQL ratio under 2.
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

TEMPLATE = "ippcase_bench_pages_template"
TARGET_MS = 150.0
TARGET_RATIO = 2.0
MIN_REQUESTS = 5


def target_name(size: int) -> str:
    return f"ippcase_bench_pages_{size}"


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


def _explain(name: str, call: Callable[[], int], top: int) -> None:
    """One request of the page, then EXPLAIN (ANALYZE, BUFFERS) of its ``top`` slowest SELECTs,
    printed (to stderr) with each statement's share of the request."""
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
    in_sql = sum(seconds for seconds, _, _ in statements)
    print(
        f"\n=== {name}: {total * 1000:.1f} ms, {len(statements)} statements, "
        f"{in_sql * 1000:.1f} ms in SQL",
        file=sys.stderr,
    )
    slowest = sorted(statements, key=lambda statement: -statement[0])
    selects = [s for s in slowest if s[1].lstrip().upper().startswith(("SELECT", "WITH"))]
    for seconds, sql, params in selects[:top]:
        print(f"\n--- {seconds * 1000:.1f} ms: {sql[:600]}", file=sys.stderr)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(plan, file=sys.stderr, flush=True)


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


def _cohort_call() -> tuple[Callable[[], Any] | None, str | None]:
    try:
        module = importlib.import_module("ippcase.reporting.cohort")
        function = module.cohort_report
    except Exception as error:
        return (
            None,
            f"ippcase.reporting.cohort.cohort_report unavailable: {type(error).__name__}: {error}",
        )
    # National figures (no ``people``): only the required arguments the harness knows.
    known: dict[str, Any] = {"as_of": dt.date.today(), "today": dt.date.today()}
    kwargs: dict[str, Any] = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name in known and parameter.default is inspect.Parameter.empty:
            kwargs[name] = known[name]
        elif parameter.default is inspect.Parameter.empty and parameter.kind not in (
            inspect.Parameter.VAR_POSITIONAL,
            inspect.Parameter.VAR_KEYWORD,
        ):
            return None, f"cohort_report needs {name!r}: the harness does not know what to pass"
    return lambda: function(**kwargs), None


def child(
    size: int, requests: int, warmups: int, budget: float, only: list[str], explain: int = 0
) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

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

    def get(user: Any, url: str) -> Callable[[], int]:
        client = client_for(user)
        return lambda: client.get(url).status_code

    pages: list[tuple[str, str, Any, Callable[[], int] | None]] = []
    if "practitioner" in chosen:
        practitioner, person = chosen["practitioner"], chosen["person"]
        pages.append(("caseload", "/cases/", practitioner, None))
        url = reverse("person_overview", args=[person.crn])
        pages.append(("person overview", url, practitioner, None))
        url = reverse("recall:concerns", args=[person.crn])
        pages.append(("concerns", url, practitioner, None))
    if "recommendation" in chosen:
        url = reverse("recall:recommendation", args=[chosen["recommendation"].pk])
        pages.append(("recommendation", url, chosen["rec_practitioner"], None))
    if chosen["ppcs"] is not None:
        pages.append(("PPCS queue", reverse("recall:ppcs_queue"), chosen["ppcs"], None))
        pages.append(("parole report", "/parole/report/", chosen["ppcs"], None))
        # PPCS see the dashboard nationally by default: every person, the heaviest scope.
        pages.append(("dashboard (national)", "/dashboard/", chosen["ppcs"], None))
    if chosen["manager"] is not None:
        pages.append(("dashboard (PDU)", "/dashboard/", chosen["manager"], None))
        for slug in slugs:
            url = f"/dashboard/panels/{slug}/"
            pages.append((f"panel {slug}", url, chosen["manager"], None))

    cohort, cohort_note = _cohort_call()
    if cohort_note:
        notes.append(cohort_note)

    results: list[dict[str, Any]] = []
    for name, url, user, _ in pages:
        if only and not any(o in name for o in only):
            continue
        if explain:
            _explain(name, get(user, url), explain)
            continue
        measured = _measure(get(user, url), requests, warmups, budget)
        row = {"page": name, "url": url, "as": f"{user.username} ({', '.join(user.roles)})"}
        results.append(row | measured)
        print(f"  {size:,}: {name}: {measured['median_ms']:.1f} ms", file=sys.stderr, flush=True)
    if cohort is not None and (not only or any(o in "cohort_report()" for o in only)):

        def call() -> int:
            cohort()
            return 200

        if explain:
            _explain("cohort_report()", call, explain)
            return {"size": size, "explained": True}
        measured = _measure(call, requests, warmups, budget)
        results.append({"page": "cohort_report()", "url": "", "as": "(direct call)"} | measured)

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


def seed(admin_url: str, base_url: str, size: int) -> str:
    """Create the size's database from the template and run seed_demo; returns its summary."""
    recreate(admin_url, target_name(size), template=TEMPLATE)
    started = time.perf_counter()
    output = manage(with_database(base_url, target_name(size)), "seed_demo", "--people", str(size))
    summary = " ".join(
        line.strip() for line in output.splitlines() if re.match(r"\s*(Seeded|\d[\d,]* )", line)
    )
    print(f"  {size:,} people seeded in {time.perf_counter() - started:.0f}s: {summary}")
    with psycopg.connect(with_database(base_url, target_name(size)), autocommit=True) as conn:
        conn.execute("ANALYZE")
    return summary


def run_size(base_url: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--child", str(size)]
    argv += ["--requests", str(args.requests), "--warmups", str(args.warmups)]
    argv += ["--budget", str(args.budget)]
    if args.only:
        argv += ["--only", *args.only]
    if args.explain:
        argv += ["--explain", str(args.explain)]
    output = subprocess.run(  # noqa: S603 - fixed argv, no shell
        argv,
        env=child_env(with_database(base_url, target_name(size))),
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,  # the result; progress goes to stderr as it happens
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def report(results: list[dict[str, Any]]) -> bool:
    """Print the table; returns whether every query count is the same at every size."""
    small, large = results[0], results[-1]
    for result in results:
        print(f"{result['size']:,} people: {result['rows']}; subject {result['subject']}")
        for note in result["notes"]:
            print(f"  note: {note}")
    by_page = {row["page"]: row for row in small["pages"]}
    header = (
        f"{'page':<28} {'n':>5} {'queries':>9} {'median':>8} {'p95':>8} {'SQL':>7} {'ratio':>6}"
        f"  {'median':>7} {'p95':>7} {'SQL':>6} {'ratio':>6}  status"
    )
    print(f"\n{'':<41}{small['size']:>8,} people{'':<19}{large['size']:>8,} people")
    print(header)
    same = True
    for row in large["pages"]:
        first = by_page.get(row["page"])
        counts = f"{_count(first)}/{_count(row)}"
        mismatch = first is not None and first["queries"] != row["queries"]
        same = same and not mismatch
        status = ",".join(map(str, row["status"]))
        flags = []
        if mismatch:
            flags.append("QUERY COUNT DIFFERS")
        if row["status"] != [200]:
            flags.append("not 200")
        if row["median_ms"] >= TARGET_MS:
            flags.append(f">= {TARGET_MS:.0f} ms")
        if row["ratio"] is not None and row["ratio"] >= TARGET_RATIO:
            flags.append(f"ratio >= {TARGET_RATIO:g}")
        left = _cells(first) if first else f"{'':>8} {'':>8} {'':>7} {'':>6}"
        n = f"{first['requests'] if first else '-'}/{row['requests']}"
        print(
            f"{row['page']:<28} {n:>5} {counts:>9} {left}  {_cells(row, 7)}  {status} "
            + "; ".join(flags)
        )
    print("same query count at both sizes" if same else "QUERY COUNT DIFFERS BETWEEN THE SIZES")
    return same


def _count(row: dict[str, Any] | None) -> str:
    return "-" if row is None else ",".join(map(str, row["queries"]))


def _cells(row: dict[str, Any], width: int = 8) -> str:
    ratio = f"{row['ratio']:.1f}" if row["ratio"] is not None else "-"
    return (
        f"{row['median_ms']:>{width}.1f} {row['p95_ms']:>{width}.1f} "
        f"{row['sql_median_ms']:>{width - 1}.1f} {ratio:>6}"
    )


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
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        result = child(
            args.child, args.requests, args.warmups, args.budget, args.only, args.explain
        )
        print(json.dumps(result, default=str))
        return 0

    embedded.ensure_services()
    base_url = os.environ["DATABASE_URL"]
    admin_url = with_database(base_url, "postgres")
    results: list[dict[str, Any]] = []
    summaries: dict[int, str] = {}
    # --reuse: databases a previous --keep run left, measured (or explained) and left in place.
    seeding = not (
        args.reuse and all(database_exists(admin_url, target_name(s)) for s in args.sizes)
    )
    try:
        if seeding:
            recreate(admin_url, TEMPLATE)
            manage(with_database(base_url, TEMPLATE), "migrate", "--noinput", "-v", "0")
            for size in args.sizes:
                summaries[size] = seed(admin_url, base_url, size)
        for size in args.sizes:
            results.append(run_size(base_url, size, args) | {"seed": summaries.get(size, "")})
        if args.explain:
            return 0
    finally:
        drop(admin_url, TEMPLATE)
        if seeding and not args.keep:
            drop(admin_url, *(target_name(s) for s in args.sizes))
    same = report(results)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / f"pages-{dt.date.today():%Y-%m-%d}.json"
    meta = {
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "requests": args.requests,
        "warmups": args.warmups,
        "budget_seconds": args.budget,
        "cpus": os.cpu_count(),
        "targets": {"median_ms": TARGET_MS, "ratio": TARGET_RATIO},
    }
    out.write_text(json.dumps({"meta": meta, "sizes": results}, indent=1, default=str) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
