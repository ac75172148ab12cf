"""The first administrator of a new installation (manage.py create_administrator)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from ippcase.models import User
from ippcase.vocab import Role
from tests import factories

PASSWORD = "a-long-and-unusual-passphrase"
pytestmark = pytest.mark.django_db


def test_creates_an_administrator_who_can_sign_in_and_administer(monkeypatch):
    monkeypatch.setenv("IPPCASE_ADMIN_PASSWORD", PASSWORD)
    call_command("create_administrator", "ada", email="ada@example.org", first_name="Ada")
    user = User.objects.get(username="ada")
    assert user.roles == [Role.ADMIN] and not user.is_superuser
    assert user.check_password(PASSWORD)
    client = Client()
    signed_in = client.post("/sign-in/", {"username": "ada", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.get("/administration/").status_code == 200


@pytest.mark.parametrize(
    ("username", "email", "password", "message"),
    [
        ("taken", "new@example.org", PASSWORD, "already an account with the username"),
        ("new", "TAKEN@example.org", PASSWORD, "already an account with the email address"),
        ("new", "new@example.org", "short", "too short"),
    ],
)
def test_refusals_write_nothing(monkeypatch, username, email, password, message):
    factories.UserFactory(username="taken", email="taken@example.org")
    monkeypatch.setenv("IPPCASE_ADMIN_PASSWORD", password)
    before = User.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("create_administrator", username, email=email)
    assert User.objects.count() == before
