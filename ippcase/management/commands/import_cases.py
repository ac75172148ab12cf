"""``manage.py import_cases FILE.json``: load people from an ``ippcase-import/1`` file.

All or nothing: an invalid file prints every problem to stderr as ``CRN field: reason``, exits
non-zero and writes nothing. The format is described in docs/import-format.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ippcase.exchange import (
    FORMAT,
    IMPORT_MAX_BYTES,
    ImportFileError,
    ImportValidationError,
    cases_import,
    decode_import_file,
)
from ippcase.exchange.reader import shown
from ippcase.models import User


def load_import_file(path: str, *, expected: str = FORMAT) -> Any:
    """Decode the JSON at ``path`` (``-`` for stdin), or raise a one-line CommandError. At most
    ``IMPORT_MAX_BYTES`` (and one more, to tell) are read: a huge file is refused, not loaded."""
    limit = IMPORT_MAX_BYTES + 1
    try:
        if path == "-":
            stdin: Any = sys.stdin
            raw = (
                stdin.buffer.read(limit)
                if hasattr(stdin, "buffer")
                else stdin.read(limit).encode("utf-8", "surrogatepass")
            )
        else:
            with Path(path).open("rb") as file:
                raw = file.read(limit)
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return decode_import_file(raw, path, expected=expected)
    except ImportFileError as exc:
        raise CommandError(str(exc)) from exc


def actor_user(username: str | None) -> User | None:
    """The user ``--actor`` names, or a one-line CommandError: the case history shows them as
    who made the changes, so it must be a real, active account, never free text."""
    if username is None:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(
            f"--actor: no active user with username {shown(username)}; give the username of "
            "the person responsible for this import, or leave --actor out"
        )
    return user


class Command(BaseCommand):
    help = (
        "Create or update people on licence from an ippcase-import/1 JSON file. "
        "All or nothing: any invalid record prints its problems and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the JSON file to import, or - for standard input")
        parser.add_argument(
            "--default-team",
            metavar="CODE",
            help="team code for new people whose record gives no team",
        )
        parser.add_argument(
            "--actor",
            metavar="USERNAME",
            help="the username of the active user responsible for the import: the case history "
            'shows them as who made the changes (default: "Case import")',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["file"]
        user = actor_user(options["actor"])
        data = load_import_file(path)
        try:
            result = cases_import(data=data, default_team_code=options["default_team"], user=user)
        except ImportValidationError as exc:
            for problem in exc.errors:
                self.stderr.write(str(problem))
            count = len(exc.errors)
            raise CommandError(
                f"{count} problem{'' if count == 1 else 's'} in {path}; nothing was imported"
            ) from exc
        self.stdout.write(
            f"Imported {path}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )
