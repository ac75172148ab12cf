"""``manage.py rebuild_positions``: reinstall the person position's function and triggers and
recompute every row from scratch (ippcase/caseload/position.py, docs/performance.md).

The rows are kept by the database as things change; run this after changing ``PAROLE_PERIODS``
(the licence end dates in the rows were worked out with the old periods) or to check nothing
drifted (``--check`` compares before rewriting and exits 1 on a difference).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ippcase.caseload import position
from ippcase.models import PersonPosition


def _snapshot() -> set[tuple[Any, ...]]:
    return set(PersonPosition.objects.values_list(*position.COLUMNS))


class Command(BaseCommand):
    help = "Recompute every person's position row (the dashboards' read model)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="say how many rows differed from a fresh computation; exit 1 if any did",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        before = _snapshot() if options["check"] else set()
        position.install()
        count = position.rebuild()
        seconds = time.monotonic() - started
        self.stdout.write(f"Rebuilt {count} person positions in {seconds:.1f} s.")
        if options["check"]:
            differing = {row[0] for row in before ^ _snapshot()}  # person ids
            if differing:
                raise CommandError(f"{len(differing)} rows differed from a fresh computation.")
            self.stdout.write("No row differed.")
