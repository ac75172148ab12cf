"""``manage.py rebuild_positions``: reinstall the person position's and the trend counts'
functions and triggers and recompute every row from scratch (ippcase/caseload/position.py,
trends.py; docs/performance.md).

The rows are kept by the database as things change; run this after changing ``PAROLE_PERIODS``
(the licence end dates in the rows were worked out with the old periods) or to check nothing
drifted (``--check`` compares before rewriting and exits 1 on a difference).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ippcase.caseload import position, trends
from ippcase.models import PersonPosition, TrendCount


def _snapshot() -> set[tuple[Any, ...]]:
    return set(PersonPosition.objects.values_list(*position.COLUMNS))


def _trend_snapshot() -> set[tuple[Any, ...]]:
    return set(TrendCount.objects.values_list("team", "pdu", "month", "measure", "n"))


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
        cells_before = _trend_snapshot() if options["check"] else set()
        position.install()
        trends.install()
        count = position.rebuild()
        cells = trends.rebuild()
        seconds = time.monotonic() - started
        self.stdout.write(
            f"Rebuilt {count} person positions and {cells} trend counts in {seconds:.1f} s."
        )
        if options["check"]:
            differing = {row[0] for row in before ^ _snapshot()}  # person ids
            cells_differing = {row[:4] for row in cells_before ^ _trend_snapshot()}
            if differing or cells_differing:
                raise CommandError(
                    f"{len(differing)} positions and {len(cells_differing)} trend counts "
                    "differed from a fresh computation."
                )
            self.stdout.write("No row differed.")
