"""``manage.py cohort_report [--json] [--as-of DATE] [--recalled-from DATE] [--recalled-to DATE]``:
the profile of the people recalled (ippcase.reporting.cohort.cohort_report; definitions in
docs/reports.md), as JSON or as a plain-text table."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ippcase.core.replica import reporting_reads
from ippcase.management.dates import date_option, date_range
from ippcase.reporting.cohort import SECTION_TITLES, bucket_labels, cohort_report, percentage

YEAR_KEYS = ("first_release_year", "release_before_latest_recall_year")


def plain_text(report: dict[str, Any]) -> str:
    """The report as aligned text: one table per key, with counts and percentages of people."""
    people = report["people"]
    lines = [
        "Cohort report: profile of the people recalled",
        "Most recent recall: "
        f"{report['recalled_from'] or 'any date'} to {report['recalled_to'] or 'any date'}",
        f"Ages on {report['as_of']}",
        f"People: {people}",
    ]
    for key, title in SECTION_TITLES.items():
        lines += ["", title]
        if key in YEAR_KEYS:
            rows = [(year, n) for year, n in report[key].items()]
            if not rows:
                lines.append("  None")
        else:
            labels = bucket_labels(key)
            rows = [(labels[bucket], n) for bucket, n in report[key].items()]
        width = max((len(label) for label, _ in rows), default=0)
        for label, n in rows:
            lines.append(f"  {label:<{width}}  {n:>6}  {percentage(n, people):>5.1f}%")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print the cohort report (docs/reports.md): a plain-text table, or JSON with --json."
    # A read-only report: the system checks (``manage.py check``, CI) import every URL module and
    # view to check them, over a second of start-up this command never uses (issue 17).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON (sorted keys)")
        parser.add_argument(
            "--as-of", dest="as_of", metavar="DATE", help="ages on this day (default today)"
        )
        parser.add_argument(
            "--recalled-from",
            dest="recalled_from",
            metavar="DATE",
            help="first day of the most recent recall, YYYY-MM-DD",
        )
        parser.add_argument(
            "--recalled-to",
            dest="recalled_to",
            metavar="DATE",
            help="last day of the most recent recall, YYYY-MM-DD",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = date_option(options["as_of"], "--as-of") or timezone.localdate()
        recalled_from = date_option(options["recalled_from"], "--recalled-from")
        recalled_to = date_option(options["recalled_to"], "--recalled-to")
        date_range(recalled_from, recalled_to, "--recalled-from", "--recalled-to")
        with reporting_reads():  # the reporting replica, when configured (issue 17)
            report = cohort_report(
                as_of=as_of, recalled_from=recalled_from, recalled_to=recalled_to
            )
        if options["json"]:
            self.stdout.write(json.dumps(report, sort_keys=True, indent=2) + "\n", ending="")
        else:
            self.stdout.write(plain_text(report), ending="")
