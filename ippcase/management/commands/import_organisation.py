"""``manage.py import_organisation FILE.json [--dry-run]``: create or update regions, PDUs,
teams and staff (with their roles) from an ``ippcase-organisation/1`` file.

All or nothing: an invalid file prints every problem to stderr as ``path: reason``, exits
non-zero and writes nothing. Nothing is deleted: what the file leaves out is left as it is. The
format is described in docs/import-format.md ("Organisation import").
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ippcase.exchange import (
    ORG_FORMAT,
    ImportValidationError,
    OrganisationResult,
    organisation_import,
)
from ippcase.management.commands.import_cases import load_import_file

_WORDS = {"regions": "regions", "pdus": "PDUs", "teams": "teams", "staff": "staff"}


def summary(path: str, result: OrganisationResult) -> str:
    """The lines the command prints: the totals first ("0 created, 0 changed" for a file that
    changes nothing), then each kind, then the staff the file leaves alone."""
    head = "Dry run, nothing written" if result.dry_run else "Imported"
    verb = "would be " if result.dry_run else ""
    parts = ", ".join(
        f"{word} {result.created[kind]} created, {result.changed[kind]} changed"
        for kind, word in _WORDS.items()
    )
    others = result.staff_not_in_file
    return (
        f"{head} {path}: {result.total_created} {verb}created, {result.total_changed} "
        f"{verb}changed\n"
        f"  ({parts})\n"
        f"  {others} member{'' if others == 1 else 's'} of staff not in the file: left as "
        "they are (the import never removes or deactivates anyone)"
    )


class Command(BaseCommand):
    help = (
        "Create or update regions, PDUs, teams and staff from an ippcase-organisation/1 JSON "
        "file. All or nothing: any problem prints every problem and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the JSON file to import, or - for standard input")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and say what would change, writing nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["file"]
        data = load_import_file(path, expected=ORG_FORMAT)
        try:
            result = organisation_import(data=data, dry_run=options["dry_run"])
        except ImportValidationError as exc:
            for problem in exc.errors:
                self.stderr.write(str(problem))
            count = len(exc.errors)
            raise CommandError(
                f"{count} problem{'' if count == 1 else 's'} in {path}; nothing was imported"
            ) from exc
        self.stdout.write(summary(path, result))
