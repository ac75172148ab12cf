"""Does any reporting statement need more ``work_mem`` than the server's? (issue 17)

    DATABASE_URL=postgresql://.../ippcase_bench_pages_10000 \\
        PYTHONPATH=. .venv/bin/python bench/explain_work_mem.py [--work-mem 4MB 64MB]

Runs on a database already filled with ``seed_demo`` (e.g. one that ``bench_pages.py --keep``
left), so it is not named ``bench_*.py``: ``make bench`` would run it on an empty database.
Collects the SELECTs of the dashboard page, the parole report and every panel (as a PPCS
caseworker, national, and as a manager, their PDU) through the Django test client, and those of
``cohort_report()``; then runs each with ``EXPLAIN (ANALYZE, BUFFERS)`` at each ``work_mem``
(best of two) and prints the statements that spill to disk (an external sort, hash or
hash-aggregate batches, temporary blocks) or take over 50 ms, and the largest in-memory sorts
and hashes. Only reads. Figures: docs/performance.md, "Reporting replica".
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ippcase.settings.dev")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from ippcase.models import User  # noqa: E402
from ippcase.reporting.cohort import cohort_report  # noqa: E402
from ippcase.reporting.panels import PANELS  # noqa: E402
from ippcase.vocab import Role  # noqa: E402


def statements() -> list[tuple[str, str]]:
    setup_test_environment()
    ppcs = User.objects.filter(roles__contains=[Role.PPCS]).order_by("username").first()
    manager = (
        User.objects.filter(roles__contains=[Role.MANAGER], team__isnull=False)
        .order_by("username")
        .first()
    )
    pages = [(ppcs, "/dashboard/"), (ppcs, "/parole/report/")]
    pages += [(user, f"/dashboard/panels/{p.slug}/") for user in (ppcs, manager) for p in PANELS]
    found: list[tuple[str, str]] = []
    for user, url in pages:
        client = Client()
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        who = "ppcs" if user == ppcs else "manager"
        found += [(f"{who} {url}", q["sql"]) for q in queries.captured_queries]
    with CaptureQueriesContext(connection) as queries:
        cohort_report(as_of=timezone.localdate())
    found += [("cohort_report()", q["sql"]) for q in queries.captured_queries]
    return [
        (where, sql)
        for where, sql in found
        if sql.lstrip().upper().startswith(("SELECT", "WITH"))
        and "django_session" not in sql
        and "set_config" not in sql
    ]


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", []) for n in _nodes(child))]


def explain(sql: str, work_mem: str) -> dict[str, Any]:
    best: dict[str, Any] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, false)", [work_mem])
        for _ in range(2):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
            raw = cursor.fetchone()[0]
            plan = (raw if isinstance(raw, list) else json.loads(raw))[0]
            if best and plan["Execution Time"] >= best["ms"]:
                continue
            nodes = _nodes(plan["Plan"])
            best = {
                "ms": plan["Execution Time"],
                "temp": plan["Plan"].get("Temp Written Blocks", 0),
                "spills": [
                    n["Node Type"]
                    for n in nodes
                    if n.get("Sort Space Type") == "Disk"
                    or n.get("Hash Batches", 1) > 1
                    or n.get("HashAgg Batches", 1) > 1
                ],
                "memory_kb": [
                    (n.get("Sort Space Used") or n.get("Peak Memory Usage") or 0, n["Node Type"])
                    for n in nodes
                ],
            }
        cursor.execute("RESET work_mem")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work-mem", nargs="+", default=["4MB", "64MB"])
    args = parser.parse_args()
    found = statements()
    rows = [(where, sql, {wm: explain(sql, wm) for wm in args.work_mem}) for where, sql in found]
    first = args.work_mem[0]
    rows.sort(key=lambda row: -row[2][first]["ms"])
    for where, sql, by in rows:
        if by[first]["spills"] or by[first]["temp"] or by[first]["ms"] > 50:
            cells = " | ".join(
                f"{wm} {r['ms']:7.1f} ms temp {r['temp']} {r['spills'] or ''}"
                for wm, r in by.items()
            )
            print(f"{where:50} {cells} | {' '.join(sql.split())[:70]}")
    spilling = sum(1 for _, _, by in rows if by[first]["spills"] or by[first]["temp"])
    print(f"{len(rows)} statements; {spilling} spill to disk at {first}")
    largest = sorted(
        ((kb, node, where) for where, _, by in rows for kb, node in by[first]["memory_kb"]),
        reverse=True,
    )[:5]
    print("largest in-memory nodes (kB):", largest)


if __name__ == "__main__":
    main()
