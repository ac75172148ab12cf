"""``manage.py export_cases [--output FILE]``: write every person as an ``ippcase-import/1``
file, which ``import_cases`` reads back (docs/import-format.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ippcase.exchange import cases_export


class Command(BaseCommand):
    help = "Export every person as ippcase-import/1 JSON (to stdout, or --output FILE)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE, not stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        data = cases_export()
        # Fixed layout (no timestamps, stable key order) so that two exports of the same data
        # are byte-for-byte identical.
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        output: str | None = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror or exc}") from exc
        self.stderr.write(f"Exported {len(data['people'])} people to {output}")
