"""``manage.py seed_demo``: synthetic demo data in bulk, or the demo fixtures.

    manage.py seed_demo --people 10000 --seed 7 [--clear]
    manage.py seed_demo --write-fixtures [--people 60] [--seed 2025]
    manage.py seed_demo --profile --people 10000 --seed 7

The same ``--people`` and ``--seed`` always give the same data (ippcase/demo/), including the
recall work of each person (concerns, actions short of recall, recommendations), which only this
bulk path writes: the fixtures' import format does not carry it. Every user gets
the demo password (``DEMO_PASSWORD``, default ``ippcase-demo-2025``).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pghistory
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import ProtectedError

from ippcase import demo
from ippcase.caseload import position, trends

DEFAULT_PASSWORD = "ippcase-demo-2025"  # noqa: S105 - a published demo password, by design
DEFAULT_PEOPLE = 500


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


def refuse_in_production(allow: bool) -> None:
    """Demo users share a published password: never create them in production by accident."""
    if settings.SETTINGS_MODULE.endswith(".production") and not allow:
        raise CommandError(
            "Refusing to create demo data with production settings "
            "(every demo user has the published demo password). "
            "Pass --allow-production for a demonstration deployment."
        )


def write_json(path: Path, document: dict[str, Any]) -> None:
    # Stable formatting so that regenerating unchanged fixtures gives an empty diff.
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


class Command(BaseCommand):
    help = "Create deterministic synthetic demo data (or write the demo fixtures)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--people", type=int, default=None, help=f"how many people (default {DEFAULT_PEOPLE})"
        )
        parser.add_argument(
            "--seed", type=int, default=None, help=f"random seed (default {demo.DEFAULT_SEED})"
        )
        parser.add_argument("--clear", action="store_true", help="delete existing demo data first")
        parser.add_argument(
            "--write-fixtures",
            action="store_true",
            help=(
                "write fixtures/demo-org.json and fixtures/demo-cases.json instead of touching "
                f"the database (default {demo.FIXTURE_PEOPLE} people, seed {demo.FIXTURE_SEED})"
            ),
        )
        parser.add_argument(
            "--fixtures-dir",
            type=Path,
            default=Path(settings.BASE_DIR) / "fixtures",
            help="where --write-fixtures writes (default: fixtures/)",
        )
        parser.add_argument(
            "--profile",
            action="store_true",
            help="print the generated profile beside the published one; touch nothing",
        )
        parser.add_argument(
            "--allow-production", action="store_true", help="allow production settings"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["write_fixtures"]:
            self._write_fixtures(
                options["people"] if options["people"] is not None else demo.FIXTURE_PEOPLE,
                options["seed"] if options["seed"] is not None else demo.FIXTURE_SEED,
                options["fixtures_dir"],
            )
            return
        people = options["people"] if options["people"] is not None else DEFAULT_PEOPLE
        seed = options["seed"] if options["seed"] is not None else demo.DEFAULT_SEED
        if people < 0:
            raise CommandError("--people must not be negative")
        if options["profile"]:
            self._print_profile(demo.generate(people, seed))
            return
        refuse_in_production(options["allow_production"])
        self._seed(people, seed, clear=options["clear"])

    def _seed(self, people: int, seed: int, *, clear: bool) -> None:
        started = time.perf_counter()
        # The person positions' and trend counts' triggers stay quiet during the COPYs; one
        # rebuild of each at the end (ippcase/caseload/position.py, trends.py) instead of one
        # refresh of everyone per table.
        with transaction.atomic():
            with (
                pghistory.context(actor="seed_demo"),
                demo.bulk_mode(),
                position.paused(),
            ):
                if clear:
                    try:
                        removed = demo.clear_demo_data()
                    except ProtectedError as exc:
                        raise CommandError(
                            "Cannot clear the demo data: other records refer to demo users or "
                            f"people ({exc.args[0]}). Nothing was changed."
                        ) from exc
                    self.stdout.write(
                        f"Removed previous demo data: {removed['people']} people, "
                        f"{removed['users']} users, {removed['teams']} teams."
                    )
                elif demo.demo_data_present():
                    raise CommandError("Demo data is already present; use --clear to replace it.")
                cleared = time.perf_counter()
                org = demo.generate_org(people, seed)
                # A chunk of people made, then written, at a time: memory stays bounded.
                chunks = demo.people_in_chunks(people, seed, org)
                # Hash once: every demo user shares the password (hashing per user takes seconds).
                password_hash = make_password(demo_password())
                counts = demo.write_people(org, chunks, password_hash=password_hash)
                position.rebuild()  # after the load's indexes, keys and statistics
                trends.rebuild()
            # After the people, in an audit context of its own (the services add the QA lead
            # as the user; inside the seed's context that would name them for every seeded
            # row): the QA lead's sample and its published reviews (issue 19).
            with pghistory.context(actor="seed_demo"):
                qa_sample = demo.create_qa_sample()
            written = time.perf_counter()
        finished = time.perf_counter()
        elapsed = finished - started
        rate = people / elapsed if elapsed else 0.0
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {counts.get('people', 0)} people (seed {seed}) in {elapsed:.1f}s "
                f"({rate:,.0f} people/s): generate and write {written - cleared:.1f}s, "
                f"commit {finished - written:.1f}s."
            )
        )
        self.stdout.write(
            ", ".join(
                f"{n:,} {name.replace('_', ' ')}" for name, n in counts.items() if name != "people"
            )
        )
        if qa_sample is not None:
            drawn = qa_sample.items.count()
            self.stdout.write(f"QA sample drawn: {qa_sample.name} ({drawn} decisions).")
        self._print_sign_ins(org)

    def _write_fixtures(self, people: int, seed: int, directory: Path) -> None:
        data = demo.generate(people, seed)
        directory.mkdir(parents=True, exist_ok=True)
        write_json(directory / "demo-org.json", demo.org_document(data.org))
        write_json(directory / "demo-cases.json", demo.import_document(data))
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {directory / 'demo-org.json'} ({len(data.org.users)} users) and "
                f"{directory / 'demo-cases.json'} ({people} people, seed {seed})."
            )
        )

    def _print_sign_ins(self, org: demo.OrgSpec) -> None:
        self.stdout.write(f"Demo sign-ins (password: {demo_password()}):")
        for role, username in org.sign_ins():
            self.stdout.write(f"  {role:<15} {username}")

    def _print_profile(self, data: demo.DemoData) -> None:
        last = ""
        self.stdout.write(f"{len(data.people)} people, seed {data.seed}: published % / generated %")
        for row in demo.profile_comparison(data.people):
            if row.dimension != last:
                self.stdout.write(f"{row.dimension} ({row.source})")
                last = row.dimension
            published = "-" if row.published is None else f"{100 * row.published:5.1f}"
            self.stdout.write(f"  {row.category:<30} {published:>5} {100 * row.generated:5.1f}")
