"""``manage.py healthcheck``: the /healthz checks from the command line, for container
healthchecks that have no web server of their own (beat)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ippcase.platform import health


class Command(BaseCommand):
    help = (
        "Print the health report (as /healthz) and fail if the database is down, or with "
        "--require-heartbeat if the worker heartbeat is not fresh (beat and a worker both alive)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--require-heartbeat",
            action="store_true",
            help="also fail unless Redis answers and the worker heartbeat is fresh",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        body = health.check()
        self.stdout.write(json.dumps(body))
        if body["database"] != "ok":
            raise CommandError("the database does not answer")
        if options["require_heartbeat"] and body["worker_heartbeat"] != "ok":
            raise CommandError(f"the worker heartbeat is {body['worker_heartbeat']}")
