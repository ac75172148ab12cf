"""``manage.py load_demo``: the small demo data set used by ``make run``, loaded once.

When the database has no users yet: creates the organisation and users of
``fixtures/demo-org.json`` (every user with the demo password, ``DEMO_PASSWORD``, default
``ippcase-demo-2025``), then imports ``fixtures/demo-cases.json`` through the case import service,
all in one transaction. Otherwise it changes nothing and says so, so a second ``make run`` reuses
the data. Either way it ends with a table of demo sign-ins, one per role.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pghistory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from ippcase import demo, vocab
from ippcase.exchange import ImportValidationError, cases_import
from ippcase.management.commands import seed_demo
from ippcase.management.commands.seed_demo import demo_password, refuse_in_production
from ippcase.models import Person


class Command(BaseCommand):
    help = "Load the demo organisation, users and cases from fixtures/ unless users exist."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fixtures-dir",
            type=Path,
            default=Path(settings.BASE_DIR) / "fixtures",
            help="where demo-org.json and demo-cases.json are (default: fixtures/)",
        )
        parser.add_argument(
            "--allow-production", action="store_true", help="allow production settings"
        )
        parser.add_argument(
            "--without-recall-work",
            action="store_true",
            help="load the cases only, without the recall recommendations at every stage",
        )

    def handle(self, *args: Any, **options: Any) -> None:

        user_model = get_user_model()
        directory: Path = options["fixtures_dir"]
        org = demo.org_from_document(self._read(directory / "demo-org.json"))
        users = user_model.objects.count()
        if users:
            self.stdout.write(
                f"Demo data not loaded: the database already has {users} users and "
                f"{Person.objects.count()} people. Nothing changed."
            )
        else:
            refuse_in_production(options["allow_production"])
            cases = self._read(directory / "demo-cases.json")
            try:
                with transaction.atomic(), pghistory.context(actor="load_demo"):
                    team_ids, user_ids = demo.create_org(
                        org, password_hash=make_password(demo_password())
                    )
                    result = cases_import(data=cases, actor="load_demo")
                    examples = 0 if options["without_recall_work"] else self._workflow_examples(org)
            except ImportValidationError as exc:
                problems = "\n".join(f"  {problem}" for problem in exc.errors[:20])
                raise CommandError(
                    f"fixtures/demo-cases.json does not import ({exc}):\n{problems}\n"
                    "Regenerate it with: manage.py seed_demo --write-fixtures"
                ) from exc
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded the demo data: {len(team_ids)} teams, {len(user_ids)} users, "
                    f"{result.created} people, {examples} recall recommendations at every stage."
                )
            )
        self._print_sign_ins(org, loaded_now=not users)

    def _workflow_examples(self, org: demo.OrgSpec) -> int:
        """Recall work at every stage on the demo practitioner's team (ippcase/demo/workflow.py)."""
        users = get_user_model().objects.select_related("team")
        sign_ins = dict(org.sign_ins())
        practitioner = users.get(username=sign_ins[vocab.Role.PRACTITIONER])
        if practitioner.team is None:
            return 0
        pdu = practitioner.team.pdu_id

        def first(role: str, **extra: Any) -> Any:
            return users.filter(roles__contains=[role], **extra).order_by("username").first()

        spo = first(vocab.Role.MANAGER, team__pdu_id=pdu)
        aco = first(vocab.Role.SENIOR_MANAGER, team__pdu_id=pdu)
        ppcs = first(vocab.Role.PPCS)
        if not (spo and aco and ppcs):
            return 0
        return demo.create_workflow_examples(practitioner=practitioner, spo=spo, aco=aco, ppcs=ppcs)

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CommandError(
                f"{path} is missing: regenerate it with manage.py seed_demo --write-fixtures"
            ) from exc
        return document

    def _print_sign_ins(self, org: demo.OrgSpec, *, loaded_now: bool) -> None:
        """One demo username per role, for the users of the fixtures that exist here."""
        wanted = org.sign_ins()
        present = set(
            get_user_model()
            .objects.filter(username__in=[username for _, username in wanted])
            .values_list("username", flat=True)
        )
        rows = [
            (vocab.Role(role).label, username) for role, username in wanted if username in present
        ]
        if not rows:
            return
        width = max(len(label) for label, _ in rows)
        if loaded_now:
            self.stdout.write(f"Demo sign-ins (password: {demo_password()}):")
        else:
            self.stdout.write(
                "Demo sign-ins (password: DEMO_PASSWORD when loaded, by default "
                f"{seed_demo.DEFAULT_PASSWORD}):"
            )
        for label, username in rows:
            self.stdout.write(f"  {label:<{width}}  {username}")
