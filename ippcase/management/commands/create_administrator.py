"""``manage.py create_administrator USERNAME --email ADDRESS [--first-name F --last-name L]``:
the first administrator of a new installation (docs/administration.md, "Setting up a region").

The account holds the administrator role (not Django's superuser flag: the service's roles decide
access, and a superuser without the role would see no cases). The password is asked for twice at
the prompt and checked with the password validators; for a script, set
``IPPCASE_ADMIN_PASSWORD`` instead. An existing username or email address is refused and nothing
is written.
"""

from __future__ import annotations

import getpass
import os
from typing import Any

import pghistory
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from ippcase.models import User
from ippcase.vocab import Role

PASSWORD_ENV = "IPPCASE_ADMIN_PASSWORD"  # noqa: S105 - the name of a variable, not a password


class Command(BaseCommand):
    help = "Create an administrator account (the first one of a new installation)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        email = options["email"].strip()
        if not username:
            raise CommandError("Enter a username")
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"There is already an account with the username {username!r}")
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"There is already an account with the email address {email!r}")
        user = User(
            username=username,
            email=email,
            first_name=options["first_name"],
            last_name=options["last_name"],
            roles=[Role.ADMIN],
        )
        password = self._password(user)
        user.set_password(password)
        with transaction.atomic(), pghistory.context(actor="create_administrator"):
            user.save()
        self.stdout.write(f"Administrator {username} created: sign in and open Administration.")

    def _password(self, user: User) -> str:
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords are not the same")
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        return password
