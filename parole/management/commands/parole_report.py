"""``manage.py parole_report [--json] [--from DATE] [--to DATE]``: the parole report's figures
(parole.report.parole_report; definitions in docs/reports.md), as JSON or as plain text."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ippcase.core.replica import reporting_reads
from ippcase.management.dates import date_option, date_range
from parole.report import (
    DECISION_LABELS,
    ROUTE_LABELS,
    SECTION_TITLES,
    TERMINATION_LABELS,
    format_days,
    parole_report,
)


def _plain_text(report: dict[str, Any]) -> str:
    period = report["period"]
    lines = [
        "Parole report",
        f"Period: {period['from'] or 'the beginning'} to {period['to'] or 'today'}",
    ]
    for key in ("paper_decisions", "oral_decisions"):
        lines += ["", SECTION_TITLES[key]]
        if not report[key]:
            lines.append("  No decisions in this period")
        for year, counts in report[key].items():
            figures = ", ".join(f"{DECISION_LABELS[k]} {n}" for k, n in counts.items())
            lines.append(f"  {year}: {figures}")
    term = report["licence_termination"]
    lines += [
        "",
        SECTION_TITLES["licence_termination"],
        f"  Referred: {term['referred']}",
        f"  Decided: {term['decided']}",
    ]
    for outcome, n in term["outcomes"].items():
        pct = term["outcome_percentages"][outcome]
        lines.append(f"  {TERMINATION_LABELS[outcome]}: {n} ({pct}% of decided)")
    rarr = report["rarr"]
    lines += [
        "",
        SECTION_TITLES["rarr"],
        f"  Re-released after RARR: {rarr['re_released']}",
        f"  Median days in custody: {format_days(rarr['median_days_in_custody'])}",
        "",
        SECTION_TITLES["re_release"],
        "  Median days in custody, all routes: "
        + format_days(report["re_release"]["median_days_in_custody"]),
    ]
    for route, days in report["re_release"]["by_route"].items():
        lines.append(f"  {ROUTE_LABELS[route]}: {format_days(days)}")
    deferrals = report["deferrals"]
    lines += [
        "",
        SECTION_TITLES["deferrals"],
        f"  Total: {deferrals['total']}",
        f"  Prisoner told: {deferrals['prisoner_informed']}",
        f"  Prisoner not told: {deferrals['not_informed']}",
    ]
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print the parole report (docs/reports.md): plain text, or JSON with --json."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON (sorted keys)")
        parser.add_argument(
            "--from", dest="date_from", metavar="DATE", help="first day, YYYY-MM-DD"
        )
        parser.add_argument("--to", dest="date_to", metavar="DATE", help="last day, YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        date_from = date_option(options["date_from"], "--from")
        date_to = date_option(options["date_to"], "--to")
        date_range(date_from, date_to, "--from", "--to")
        with reporting_reads():  # the reporting replica, when configured (issue 17)
            report = parole_report(date_from=date_from, date_to=date_to)
        if options["json"]:
            self.stdout.write(json.dumps(report, sort_keys=True, indent=2) + "\n", ending="")
        else:
            self.stdout.write(_plain_text(report), ending="")
