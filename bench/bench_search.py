"""Time the header search (issue 16) over 10,000 people.

    PYTHONPATH=. .venv/bin/python bench/bench_search.py [--people 10000] [--runs 50]
        [--keep] [--reuse] [--explain] [--no-jit]

Uses the PostgreSQL server of ``DATABASE_URL`` (or the embedded one under ``$IPPCASE_DATA_DIR``,
started here when unset) but never its database: it creates ``ippcase_bench_search``, migrates
it and fills it with ``manage.py seed_demo --people N`` (the demo bulk writer). A child process
(Django set up on that database) then runs ``ippcase.caseload.home.search`` as it serves a page
(the count and the first page of 25 rows) ``--runs`` times for each of: an administrator (every
person in scope, the worst case), a manager (their PDU) and a practitioner (their team); and for
each of a CRN, a NOMIS number, a common fragment of a surname, a first name and a word that
matches no one. Prints the median and 95th percentile in milliseconds and the SQL statements per
search (the same for every query that matches someone). ``--explain`` prints EXPLAIN
ANALYZE of the administrator's surname search; ``--no-jit`` sets ``jit = off`` first.
``--keep`` leaves the database for ``--reuse``.

Decision (docs/home-pages.md): no trigram index unless the administrator's name search's median
passes 50 ms at 10,000 people.
"""

from __future__ import annotations

import argparse
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

TARGET = "ippcase_bench_search"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def child(runs: int, explain: bool, no_jit: bool) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ippcase.caseload.home import search
    from ippcase.models import Person, User
    from ippcase.vocab import Role

    def user_with(role: str) -> User:
        return User.objects.filter(roles__contains=[role], team__isnull=role == Role.ADMIN).first()

    admin = user_with(Role.ADMIN) or User.objects.create(username="bench-admin", roles=[Role.ADMIN])
    users = {"admin": admin, "manager": user_with(Role.MANAGER)}
    users["practitioner"] = user_with(Role.PRACTITIONER)
    sample = Person.objects.exclude(nomis_number="").order_by("pk")[500]
    surname = sample.last_name[:3]
    queries = {
        "crn": sample.crn,
        "nomis": sample.nomis_number,
        "surname": surname,
        "first name": sample.first_name,
        "no match": "Zzyzxq",
    }
    if no_jit:
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
    results: dict[str, Any] = {"people": Person.objects.count(), "rows": []}
    for who, user in users.items():
        for label, q in queries.items():
            times, counts = [], set()
            list(search(user, q).object_list)  # warm up: the user's team is loaded once
            for _ in range(runs):
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    page = search(user, q)
                    rows = list(page.object_list)
                    total = page.paginator.count
                    times.append((time.perf_counter() - started) * 1000)
                counts.add(len(ctx.captured_queries))
            results["rows"].append(
                {
                    "user": who,
                    "query": label,
                    "matches": total,
                    "shown": len(rows),
                    "median_ms": statistics.median(times),
                    "p95_ms": _p95(times),
                    "sql": sorted(counts),
                }
            )
    if explain:
        qs = search(admin, surname).paginator.object_list
        results["explain"] = qs.explain(analyze=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--no-jit", action="store_true", help="SET jit = off first")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.runs, args.explain, args.no_jit)))
        return 0

    embedded.ensure_services()
    base_url = os.environ["DATABASE_URL"]
    admin_url = with_database(base_url, "postgres")
    target_url = with_database(base_url, TARGET)
    if not args.reuse:
        recreate(admin_url, TARGET)
        started = time.perf_counter()
        manage(target_url, "migrate", "--noinput", "-v", "0")
        manage(target_url, "seed_demo", "--people", str(args.people), "--seed", "1")
        print(f"seeded {args.people} people in {time.perf_counter() - started:.0f}s")
    try:
        env = os.environ | {
            "DATABASE_URL": target_url,
            "DJANGO_SETTINGS_MODULE": "ippcase.settings.dev",
            "PYTHONPATH": str(ROOT),
        }
        argv = [sys.executable, __file__, "--child", "--runs", str(args.runs)]
        if args.explain:
            argv.append("--explain")
        if args.no_jit:
            argv.append("--no-jit")
        out = subprocess.run(  # noqa: S603 - fixed argv, no shell
            argv, env=env, cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
        results = json.loads(out.strip().splitlines()[-1])
    finally:
        if not (args.keep or args.reuse):
            drop(admin_url, TARGET)
    print(f"search over {results['people']:,} people, {args.runs} runs each (ms):")
    print(f"  {'user':<13}{'query':<12}{'matches':>8}{'median':>9}{'p95':>9}  SQL")
    for r in results["rows"]:
        print(
            f"  {r['user']:<13}{r['query']:<12}{r['matches']:>8}{r['median_ms']:>9.1f}"
            f"{r['p95_ms']:>9.1f}  {r['sql']}"
        )
    # A search that matches no one skips the rows' query (an empty page): compare the others.
    counts = {tuple(r["sql"]) for r in results["rows"] if r["matches"]}
    if "explain" in results:
        print(results["explain"])
    if len(counts) != 1:
        print(f"SQL statements per search differ: {counts}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
