"""Load test at national scale: gunicorn on 10,000 to 250,000 people, driven by locust.

    PYTHONPATH=. .venv/bin/python bench/bench_load.py [--people 10000] [--run-time 10m]
        [--users 20] [--spawn-rate 10] [--workers 3] [--database NAME] [--reuse] [--keep]
        [--sample-every 15]

At 250,000 people, reuse the database ``bench_pages.py --sizes 250000 --keep`` left (seeding it
takes minutes): ``bench_load.py --people 250000 --reuse --users 40 --run-time 10m``.

Uses the PostgreSQL and Redis servers of ``DATABASE_URL`` / ``REDIS_URL`` (or the embedded ones
under ``$IPPCASE_DATA_DIR``, started here when unset). Creates ``<prefix>_load`` (prefix
``$BENCH_DB_PREFIX``, default ``ippcase_bench``; or ``--database``) from a migrated template
and fills it with ``seed_demo --people <people>`` (``--reuse``: measure that database as a
previous ``--keep`` run, or ``bench_pages.py --keep``, left it, e.g. ``--database
ippcase_bench_pages_10000 --reuse``). Starts gunicorn on
127.0.0.1 (``--workers`` sync workers, as in production) with the development settings and
``DEBUG`` off: production settings insist on HTTPS (secure cookies, redirects), which a
loopback load test does not have; everything else (database connections kept 60 s, Redis cache,
middleware, templates) is the same. Then runs ``bench/locustfile.py`` headless for
``--run-time`` with ``--users`` simulated users (practitioners 6 : managers 2 : PPCS 1, each
signed in as a different demo user of that role) and reports, from locust's CSV statistics,
requests per second, median and 95th percentile response times per page and in all, and the
errors, which must be none (exit 1 otherwise). Writes JSON to
``bench/results/load-<date>-<people>people-<users>users.json``, and prints the throughput
(requests per second), the p95 and the errors of the whole run on one line.

A Celery worker (one prefork process, as in docker-compose) runs beside gunicorn on the same
database and Redis, and PPCS users ask for recall dossiers now and then, so the worker renders
PDFs (WeasyPrint) throughout the run. Every ``--sample-every`` seconds the resident memory (RSS,
from ``/proc``) of the gunicorn processes and of the worker's processes is sampled; the report
gives both once warmed up (2 minutes in) and at the end, and the growth between them (issue 7:
no growth over a 10-minute run).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_pages import PREFIX, database_exists, target_name  # noqa: E402
from bench.bench_seed import drop, manage, recreate, with_database  # noqa: E402
from ippcase.platform import embedded  # noqa: E402 - after the path is set up

DEFAULT_DATABASE = f"{PREFIX}_load"
TEMPLATE = f"{PREFIX}_load_template"
SIGN_INS_PER_ROLE = 60


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(admin_url: str, base_url: str, name: str, people: int) -> None:
    recreate(admin_url, TEMPLATE)
    try:
        manage(with_database(base_url, TEMPLATE), "migrate", "--noinput", "-v", "0")
        recreate(admin_url, name, template=TEMPLATE)
    finally:
        drop(admin_url, TEMPLATE)
    started = time.perf_counter()
    output = manage(with_database(base_url, name), "seed_demo", "--people", str(people))
    print(f"seeded {people:,} people in {time.perf_counter() - started:.0f}s")
    print("  " + "\n  ".join(output.strip().splitlines()[:2]))
    with psycopg.connect(with_database(base_url, name), autocommit=True) as conn:
        conn.execute("ANALYZE")


def sign_ins(database_url: str) -> dict[str, Any]:
    """Demo users of each role; practitioners and managers with people in their caseload."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ippcase.settings.dev")
    django.setup()
    from ippcase.management.commands.seed_demo import demo_password

    found: dict[str, Any] = {"password": demo_password()}
    with psycopg.connect(database_url) as conn:
        for role in ("practitioner", "manager", "ppcs"):
            rows = conn.execute(
                """
                SELECT u.username FROM ippcase_user u
                WHERE u.is_active AND %s = ANY(u.roles)
                  AND (%s = 'ppcs' OR u.team_id IS NOT NULL)
                ORDER BY u.id LIMIT %s
                """,
                [role, role, SIGN_INS_PER_ROLE],
            ).fetchall()
            found[role] = [username for (username,) in rows]
            if not found[role]:
                raise SystemExit(f"no demo user with the role {role!r}")
        found["people"] = conn.execute("SELECT count(*) FROM ippcase_person").fetchone()[0]
        # Recommendations at a stage that has a recall dossier (recall.dossiers.STATUSES_FOR_KIND)
        found["dossier_recommendations"] = [
            pk
            for (pk,) in conn.execute(
                """
                SELECT id FROM recall_recallrecommendation
                WHERE status IN ('submitted', 'info_requested', 'authorised', 'rejected',
                                 'rescinded')
                ORDER BY id LIMIT 200
                """
            ).fetchall()
        ]
    return found


def start_gunicorn(database_url: str, port: int, workers: int, log: Path) -> subprocess.Popen[Any]:
    env = os.environ | {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "ippcase.settings.dev",
        "DJANGO_DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    argv = [sys.executable, "-m", "gunicorn", "ippcase.wsgi:application"]
    argv += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "60"]
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        argv, env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                if response.status == 200:
                    return process
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.terminate()
            raise SystemExit(f"gunicorn did not start; see {log}")
        time.sleep(0.5)


def start_worker(database_url: str, log: Path) -> subprocess.Popen[Any]:
    env = os.environ | {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "ippcase.settings.dev",
        "PYTHONPATH": str(ROOT),
    }
    argv = [sys.executable, "-m", "celery", "-A", "ippcase", "worker", "--concurrency", "1"]
    argv += ["--loglevel", "WARNING", "--without-gossip", "--without-mingle"]
    return subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        argv, env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(parent, []).append(int(entry.name))
    return tree


def rss_mib(root: int) -> float:
    """Resident memory of ``root`` and all its descendants, in MiB (Linux ``/proc``)."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        todo += tree.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


class MemorySampler(threading.Thread):
    """Samples the RSS of each named process tree every ``every`` seconds until stopped."""

    def __init__(self, processes: dict[str, int], every: float) -> None:
        super().__init__(daemon=True)
        self.processes, self.every = processes, every
        self.samples: list[dict[str, float]] = []
        self.stopped = threading.Event()
        self.started_at = time.monotonic()

    def sample(self) -> None:
        row = {"seconds": round(time.monotonic() - self.started_at, 1)}
        row |= {name: rss_mib(pid) for name, pid in self.processes.items()}
        self.samples.append(row)

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self.sample()

    def stop(self) -> None:
        self.stopped.set()
        self.join()
        self.sample()  # the end of the run


def run_locust(port: int, users_file: Path, prefix: Path, args: argparse.Namespace) -> int:
    env = os.environ | {"IPPCASE_LOCUST_USERS": str(users_file)}
    argv = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py")]
    argv += ["--host", f"http://127.0.0.1:{port}", "--headless", "--only-summary"]
    argv += ["-u", str(args.users), "-r", str(args.spawn_rate), "--run-time", args.run_time]
    # --reset-stats: the figures start once every user has spawned, leaving out most sign-ins
    # (a deliberately slow password hash, about a second of CPU each).
    argv += ["--csv", str(prefix), "--loglevel", "WARNING", "--reset-stats"]
    return subprocess.run(argv, env=env, cwd=ROOT, check=False).returncode  # noqa: S603


def read_stats(prefix: Path) -> list[dict[str, Any]]:
    rows = []
    with Path(f"{prefix}_stats.csv").open() as f:
        for row in csv.DictReader(f):
            rows.append(
                {
                    "method": row["Type"],
                    "name": row["Name"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": float(row["Requests/s"]),
                    "median_ms": float(row["50%"] or 0),
                    "p95_ms": float(row["95%"] or 0),
                    "p99_ms": float(row["99%"] or 0),
                    "max_ms": float(row["Max Response Time"] or 0),
                }
            )
    return rows


def read_failures(prefix: Path) -> list[dict[str, str]]:
    path = Path(f"{prefix}_failures.csv")
    return list(csv.DictReader(path.open())) if path.exists() else []


WARM_UP_SECONDS = 120  # the worker loads WeasyPrint and its fonts on its first PDF


def memory_summary(samples: list[dict[str, float]], spawn_seconds: float) -> dict[str, Any]:
    """For each process tree: RSS once warmed up (the first sample after every user has spawned
    and at least :data:`WARM_UP_SECONDS` in; the middle sample of a shorter run), at the end,
    the growth between them and the peak."""
    if not samples:
        return {}
    start = max(spawn_seconds, WARM_UP_SECONDS)
    steady = [s for s in samples if s["seconds"] >= start][:1] or [samples[len(samples) // 2]]
    first, last = steady[0], samples[-1]
    return {
        name: {
            "warm_mib": first[name],
            "warm_at_seconds": first["seconds"],
            "end_mib": last[name],
            "growth_percent": round((last[name] / first[name] - 1) * 100, 1)
            if first[name]
            else 0.0,
            "peak_mib": max(s[name] for s in samples),
        }
        for name in first
        if name != "seconds"
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--run-time", default="10m", help="locust --run-time (e.g. 30s, 10m)")
    parser.add_argument("--users", type=int, default=20, help="simulated users")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument(
        "--database",
        default=None,
        help=f"default: with --reuse, bench_pages' kept database of --people people when there "
        f"is one ({target_name(250_000)} for --people 250000), else {DEFAULT_DATABASE}",
    )
    parser.add_argument("--reuse", action="store_true", help="use the database as it is")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--sample-every", type=float, default=15, help="memory sample, seconds")
    args = parser.parse_args()

    embedded.ensure_services()
    base_url = os.environ["DATABASE_URL"]
    admin_url = with_database(base_url, "postgres")
    if args.database is None:
        kept = target_name(args.people)
        reusable = args.reuse and database_exists(admin_url, kept)
        args.database = kept if reusable else DEFAULT_DATABASE
    database_url = with_database(base_url, args.database)
    reuse = args.reuse and database_exists(admin_url, args.database)
    if not reuse:
        seed(admin_url, base_url, args.database, args.people)
    workdir = Path(tempfile.mkdtemp(prefix="ippcase-load-"))
    users_file = workdir / "users.json"
    users = sign_ins(database_url)
    people = users.pop("people")
    print(f"{args.database}: {people:,} people")
    users_file.write_text(json.dumps(users))
    port = free_port()
    gunicorn = start_gunicorn(database_url, port, args.workers, workdir / "gunicorn.log")
    worker = start_worker(database_url, workdir / "worker.log")
    print(
        f"gunicorn ({args.workers} workers) on 127.0.0.1:{port}, a Celery worker; locust: "
        f"{args.users} users for {args.run_time}"
    )
    sampler = MemorySampler({"web": gunicorn.pid, "worker": worker.pid}, args.sample_every)
    sampler.start()
    try:
        code = run_locust(port, users_file, workdir / "locust", args)
    finally:
        sampler.stop()
        for process in (gunicorn, worker):
            process.send_signal(signal.SIGTERM)
        for process in (gunicorn, worker):
            process.wait(timeout=60)
        if not (reuse or args.keep):
            drop(admin_url, args.database)

    stats = read_stats(workdir / "locust")
    failures = read_failures(workdir / "locust")
    print(f"\n{'request':<40} {'count':>7} {'fail':>5} {'req/s':>7} {'median':>7} {'p95':>7}")
    for row in stats:
        label = row["name"] if row["name"] == "Aggregated" else f"{row['method']} {row['name']}"
        print(
            f"{label:<40} {row['requests']:>7} {row['failures']:>5} {row['rps']:>7.1f} "
            f"{row['median_ms']:>7.0f} {row['p95_ms']:>7.0f}"
        )
    for failure in failures:
        print(f"FAILURE {failure}")
    memory = memory_summary(sampler.samples, args.users / args.spawn_rate)
    for name, figures in memory.items():
        print(
            f"memory {name}: {figures['warm_mib']} MiB at {figures['warm_at_seconds']:.0f} s, "
            f"{figures['end_mib']} MiB at the end ({figures['growth_percent']:+.1f}%), "
            f"peak {figures['peak_mib']} MiB"
        )
    total = next((r for r in stats if r["name"] == "Aggregated"), None)
    errors = total["failures"] if total else -1
    if total:
        print(
            f"{people:,} people, {args.users} users, {args.run_time}: throughput "
            f"{total['rps']:.1f} requests/s, median {total['median_ms']:.0f} ms, "
            f"p95 {total['p95_ms']:.0f} ms, {total['requests']:,} requests"
        )
    print(f"errors: {errors}" + ("" if errors == 0 else " (MUST BE ZERO)"))
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / f"load-{dt.date.today():%Y-%m-%d}-{people}people-{args.users}users.json"
    meta = {
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "people": people,
        "database": args.database,
        "load_average_at_end": os.getloadavg(),
        "run_time": args.run_time,
        "users": args.users,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "locust_exit_code": code,
    }
    out.write_text(
        json.dumps(
            {
                "meta": meta,
                "stats": stats,
                "failures": failures,
                "memory": memory,
                "memory_samples": sampler.samples,
            },
            indent=1,
        )
    )
    print(f"wrote {out.relative_to(ROOT)} (locust files in {workdir})")
    return 0 if errors == 0 and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
