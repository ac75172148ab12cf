"""``manage.py export_organisation [-o FILE]``: write every region, PDU, team and member of
staff as an ``ippcase-organisation/1`` file, which ``import_organisation`` reads back with no
change (docs/import-format.md, "Organisation import")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ippcase.exchange import organisation_export


class Command(BaseCommand):
    help = (
        "Export the regions, PDUs, teams and staff as ippcase-organisation/1 JSON "
        "(to stdout, or --output FILE)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE, not stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        data = organisation_export()
        # A fixed layout (no timestamps, stable order): two exports of the same data are equal.
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        output: str | None = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror or exc}") from exc
        self.stderr.write(
            f"Exported {len(data['regions'])} regions, {len(data['pdus'])} PDUs, "
            f"{len(data['teams'])} teams and {len(data['staff'])} staff to {output}"
        )
