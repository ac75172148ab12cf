"""Does the Celery worker's memory grow with every PDF it builds (issue 18)?

    PYTHONPATH=. .venv/bin/python bench/bench_worker_memory.py [--renders 200] [--every 20]
        [--no-tracemalloc] [--debug-queries] [--weasyprint-as-before]

Builds the recall dossier of one case (20 concerns, as ``bench/bench_dossier.py`` seeds it)
``--renders`` times in one process through the worker's code path
(``recall.dossiers.dossier_build``: load, render with WeasyPrint, store), as a worker does
between two recycles. Every ``--every`` renders it records the resident set size (RSS, from
``/proc/self/status``, after ``gc.collect()``) and, unless ``--no-tracemalloc``, a tracemalloc
snapshot. It reports the RSS slope in MiB per render over the first and the second half (a
plateau: the second half's slope near 0) and the allocation sites that grew most from the first
measurement to the last (Python allocations only: memory that C libraries such as pango,
fontconfig or harfbuzz keep is in the RSS but not in tracemalloc).

``--debug-queries`` turns on Django's query log (what DEBUG=True would do; the worker runs with
DEBUG off). ``--weasyprint-as-before`` renders as the app did before issue 18: a new
``FontConfiguration`` (and so a new pango font map) for every PDF.

Uses the PostgreSQL server of ``DATABASE_URL``, never its database: it creates and migrates
``ippcase_bench_worker_memory`` and drops it at the end.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ippcase.settings.test")

import django  # noqa: E402 - after the path and settings are set up

django.setup()

from django.db import connection  # noqa: E402

from bench.bench_dossier import seed  # noqa: E402
from ippcase import vocab as case_vocab  # noqa: E402
from recall import dossiers  # noqa: E402
from recall.models import Dossier  # noqa: E402
from recall.vocab import DossierKind  # noqa: E402
from tests import factories  # noqa: E402

BENCH_DB = os.environ.get("BENCH_DB", "ippcase_bench_worker_memory")
MIB = 1024 * 1024


def rss_mib() -> float:
    """The resident set size now, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of (render, MiB) points, in MiB per render."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    top = sum((x - mean_x) * (y - mean_y) for x, y in points)
    bottom = sum((x - mean_x) ** 2 for x, _ in points)
    return top / bottom


def as_before() -> None:
    """Render as before issue 18: no shared font configuration, so WeasyPrint makes a new one
    (fontconfig's configuration and fonts, a pango font map) for every PDF."""
    dossiers._font_config = lambda: None  # type: ignore[assignment]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--every", type=int, default=20)
    parser.add_argument("--no-tracemalloc", action="store_true")
    parser.add_argument("--debug-queries", action="store_true")
    parser.add_argument("--weasyprint-as-before", action="store_true")
    parser.add_argument("--top", type=int, default=8)
    parser.add_argument("--frames", type=int, default=1, help="tracemalloc frames kept (slower)")
    args = parser.parse_args()
    if args.weasyprint_as_before:
        as_before()

    connection.settings_dict.setdefault("TEST", {})["NAME"] = BENCH_DB
    original = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        team = factories.TeamFactory(code="bench-team", name="Bench team")
        role = case_vocab.Role
        com = factories.UserFactory(username="bench-com", roles=[role.PRACTITIONER], team=team)
        spo = factories.UserFactory(username="bench-spo", roles=[role.MANAGER], team=team)
        aco = factories.UserFactory(username="bench-aco", roles=[role.SENIOR_MANAGER], team=team)
        ppcs = factories.UserFactory(username="bench-ppcs", roles=[role.PPCS], team=None)
        rec_id = seed(20, com, spo, aco, ppcs)
        connection.force_debug_cursor = args.debug_queries

        def build(version: int) -> None:
            dossier = Dossier.objects.create(
                recommendation_id=rec_id,
                kind=DossierKind.DOSSIER,
                version=version,
                requested_by=ppcs,
            )
            assert dossiers.dossier_build(dossier.pk)

        # Two untimed builds first: WeasyPrint loads pango and the fonts on first use.
        build(1)
        build(2)
        if not args.no_tracemalloc:
            tracemalloc.start(args.frames)
        gc.collect()
        points = [(0, rss_mib())]
        snapshots = [tracemalloc.take_snapshot()] if tracemalloc.is_tracing() else []
        started = time.perf_counter()
        print(
            f"{args.renders} dossier builds; tracemalloc {'off' if args.no_tracemalloc else 'on'}"
            f"; query log {'on' if args.debug_queries else 'off'}; WeasyPrint "
            + (
                "as before (a font configuration per PDF)"
                if args.weasyprint_as_before
                else "as now"
            )
        )
        print(f"{'renders':>8} {'RSS MiB':>9} {'traced MiB':>11} {'seconds':>8}")
        print(f"{0:>8} {points[0][1]:>9.1f} {_traced():>11} {0:>8.0f}")
        for n in range(1, args.renders + 1):
            build(n + 2)
            if n % args.every == 0:
                gc.collect()
                points.append((n, rss_mib()))
                if tracemalloc.is_tracing():
                    snapshots.append(tracemalloc.take_snapshot())
                elapsed = time.perf_counter() - started
                print(f"{n:>8} {points[-1][1]:>9.1f} {_traced():>11} {elapsed:>8.0f}")
        half = args.renders // 2
        first = [p for p in points if p[0] <= half]
        second = [p for p in points if p[0] >= half]
        print(
            f"RSS slope: first half {slope(first):+.3f} MiB/render, second half "
            f"{slope(second):+.3f} MiB/render; overall {points[-1][1] - points[0][1]:+.1f} MiB "
            f"over {args.renders} renders ({(points[-1][1] - points[0][1]) / args.renders:+.3f} "
            "MiB/render)"
        )
        if len(snapshots) >= 2:
            _report_growth(snapshots, args.top)
    finally:
        connection.force_debug_cursor = False
        connection.creation.destroy_test_db(original, verbosity=0)
    return 0


def _traced() -> str:
    if not tracemalloc.is_tracing():
        return "-"
    return f"{tracemalloc.get_traced_memory()[0] / MIB:.1f}"


def _report_growth(snapshots: list[tracemalloc.Snapshot], top: int) -> None:
    ignore = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"),
    ]
    first, middle, last = (
        s.filter_traces(ignore)
        for s in (snapshots[0], snapshots[len(snapshots) // 2], snapshots[-1])
    )
    print("Python allocations that grew most (first measurement -> last; second half in brackets):")
    second_half = {str(s.traceback): s.size_diff for s in last.compare_to(middle, "traceback")}
    for stat in last.compare_to(first, "traceback")[:top]:
        if stat.size_diff <= 0:
            break
        frame = next(
            (
                f
                for f in stat.traceback
                if "site-packages" in f.filename
                or "/ippcase/" in f.filename
                or "/recall/" in f.filename
            ),
            stat.traceback[0],
        )
        where = frame.filename.split("site-packages/")[-1]
        later = second_half.get(str(stat.traceback), 0) / 1024
        print(
            f"  {stat.size_diff / 1024:+9.1f} KiB ({later:+8.1f}) "
            f"{stat.count_diff:+7d} blocks  {where}:{frame.lineno}"
        )


if __name__ == "__main__":
    sys.exit(main())
