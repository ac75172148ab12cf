"""Sign-in: strong passwords, throttling with django-axes, idle session expiry and the optional
single sign-on over OpenID Connect (off by default). docs/security.md."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import NoReverseMatch, clear_url_caches, reverse
from django.utils import timezone

from ippcase.models import User
from ippcase.platform import signin

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery-staple"
SIGN_IN = "/sign-in/"


def _attempt(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(SIGN_IN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


# --- strong passwords ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Tr0ub4dor&3", "shorter than 12 characters"),
        ("password1234", "a common password"),
        ("840219375561", "entirely numeric"),
        ("practitioner-2025", "too similar to the username"),
    ],
)
def test_weak_passwords_are_refused(practitioner, password, why):
    with pytest.raises(ValidationError):
        validate_password(password, user=practitioner)


def test_a_long_uncommon_password_is_accepted(practitioner):
    validate_password("lantern-oxbow-quietly-57", user=practitioner)  # raises if refused


def test_the_validators_are_the_four_strong_ones_with_twelve_characters():
    names = [v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
    assert settings.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"] == 12


# --- throttling (django-axes) -------------------------------------------------------------------


def test_the_right_password_signs_in_through_the_form(practitioner):
    client = Client()
    response = _attempt(client, "practitioner", PASSWORD)
    assert response.status_code == 302
    assert _signed_in(client)


def test_four_failures_do_not_lock_and_a_success_clears_them(practitioner):
    client = Client()
    for _ in range(4):
        assert _attempt(client, "practitioner", "wrong-password").status_code == 200
    assert _attempt(client, "practitioner", PASSWORD).status_code == 302
    assert _signed_in(client)
    # The success reset the count: four more failures still do not lock.
    other = Client()
    for _ in range(4):
        assert _attempt(other, "practitioner", "wrong-password").status_code == 200
    assert _attempt(other, "practitioner", PASSWORD).status_code == 302


def test_the_fifth_failure_locks_out_even_the_right_password(practitioner):
    client = Client()
    for _ in range(4):
        _attempt(client, "practitioner", "wrong-password")
    fifth = _attempt(client, "practitioner", "wrong-password")
    assert fifth.status_code == 429
    html = fifth.content.decode()
    assert '<h1 class="govuk-heading-xl">Sign in paused</h1>' in html
    assert "15 minutes" in html
    locked = _attempt(client, "practitioner", PASSWORD)
    assert locked.status_code == 429
    assert not _signed_in(client)


def _without_csrf(html: str) -> str:
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", html)


def test_the_lockout_does_not_reveal_whether_the_username_exists(practitioner):
    pages = {}
    for username in ("practitioner", "no-such-user"):
        client = Client()
        responses = [_attempt(client, username, "wrong-password") for _ in range(6)]
        assert [r.status_code for r in responses] == [200] * 4 + [429, 429], username
        pages[username] = _without_csrf(responses[-1].content.decode())
        assert username not in pages[username]
    assert pages["practitioner"] == pages["no-such-user"]


def test_the_lockout_is_per_username_and_address(practitioner, manager):
    for _ in range(5):
        _attempt(Client(), "practitioner", "wrong-password", ip="10.0.0.1")
    assert _attempt(Client(), "practitioner", PASSWORD, ip="10.0.0.1").status_code == 429
    # The same account from another address, and another account from the same address, sign in.
    assert _attempt(Client(), "practitioner", PASSWORD, ip="10.0.0.2").status_code == 302
    assert _attempt(Client(), "manager", PASSWORD, ip="10.0.0.1").status_code == 302


def test_behind_trusted_proxies_the_lockout_follows_the_forwarded_client_address(practitioner):
    def attempt(password: str, forwarded: str) -> int:
        return (
            Client()
            .post(
                SIGN_IN,
                {"username": "practitioner", "password": password},
                REMOTE_ADDR="10.1.1.1",  # the proxy
                HTTP_X_FORWARDED_FOR=forwarded,
            )
            .status_code
        )

    with override_settings(SIGNIN_TRUSTED_PROXY_COUNT=1):
        for n in range(5):
            # A client-supplied (spoofed) address on the left does not change who is counted.
            attempt("wrong-password", f"192.0.2.{n}, 203.0.113.7")
        assert attempt(PASSWORD, "203.0.113.7") == 429
        assert attempt(PASSWORD, "203.0.113.8") == 302  # another client behind the same proxy


def test_the_lockout_ends_after_the_cool_off(practitioner):
    for _ in range(5):
        _attempt(Client(), "practitioner", "wrong-password")
    assert _attempt(Client(), "practitioner", PASSWORD).status_code == 429
    # As if 16 minutes had passed since the attempts.
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    client = Client()
    assert _attempt(client, "practitioner", PASSWORD).status_code == 302
    assert _signed_in(client)


def test_the_limit_and_the_lockout_come_from_the_environment():
    env = {**os.environ, "SIGNIN_FAILURE_LIMIT": "3", "SIGNIN_LOCKOUT_MINUTES": "40"}
    code = (
        "from ippcase.settings import base; "
        "print(base.AXES_FAILURE_LIMIT, int(base.AXES_COOLOFF_TIME.total_seconds()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["3", "2400"]
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_failed_sign_ins_log_neither_the_username_nor_the_address(practitioner, caplog):
    caplog.set_level(logging.DEBUG)
    for _ in range(6):
        _attempt(Client(), "practitioner", "wrong-password", ip="10.9.8.7")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "AXES" in text  # axes did log the failures and the lockout
    assert "practitioner" not in text
    assert "10.9.8.7" not in text


def test_admin_sign_in_is_throttled_too(admin_user):
    client = Client()
    for _ in range(5):
        client.post(
            "/django-admin/login/",
            {"username": "administrator", "password": "wrong-password"},
            REMOTE_ADDR="10.0.0.1",
        )
    response = client.post(
        "/django-admin/login/",
        {"username": "administrator", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 429
    assert not _signed_in(client)


# --- idle session expiry ------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Iterator[Clock]:
    the_clock = Clock()
    with mock.patch("django.utils.timezone.now", lambda: the_clock.now):
        yield the_clock


def test_an_idle_session_expires_and_an_active_one_does_not(practitioner, clock):
    assert settings.SESSION_COOKIE_AGE == 3600 and settings.SESSION_SAVE_EVERY_REQUEST
    client = Client()
    assert _attempt(client, "practitioner", PASSWORD).status_code == 302
    caseload = reverse("caseload")
    # Active: a request every 50 minutes keeps the session going well past an hour.
    for _ in range(3):
        clock.advance(minutes=50)
        assert client.get(caseload).status_code == 200
    # Idle for 61 minutes: signed out.
    clock.advance(minutes=61)
    response = client.get(caseload)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- single sign-on: off by default -------------------------------------------------------------


def test_single_sign_on_is_off_by_default(client):
    assert settings.OIDC_ENABLED is False
    assert not any("oidc" in backend.lower() for backend in settings.AUTHENTICATION_BACKENDS)
    with pytest.raises(NoReverseMatch):
        reverse("oidc_authentication_init")
    assert client.get("/oidc/authenticate/").status_code == 404
    page = client.get(SIGN_IN).content.decode()
    assert "Sign in with HMPPS Auth" not in page


def test_turning_single_sign_on_on_without_its_settings_refuses_to_start():
    env = {**os.environ, "OIDC_ENABLED": "true", "OIDC_RP_CLIENT_ID": "ippcase"}
    result = subprocess.run(
        [sys.executable, "-c", "import ippcase.settings.base"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "OIDC_OP_TOKEN_ENDPOINT" in result.stderr
    assert "OIDC_RP_CLIENT_SECRET" in result.stderr


# --- single sign-on: on -------------------------------------------------------------------------

IDP = "https://sign-in.hmpps.example/auth"
OIDC_SETTINGS: dict[str, Any] = {
    "OIDC_ENABLED": True,
    "OIDC_RP_CLIENT_ID": "ippcase",
    "OIDC_RP_CLIENT_SECRET": "not-a-real-secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{IDP}/oauth/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": f"{IDP}/oauth/token",
    "OIDC_OP_USER_ENDPOINT": f"{IDP}/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": f"{IDP}/.well-known/jwks.json",
    "AUTHENTICATION_BACKENDS": [
        *settings.AUTHENTICATION_BACKENDS,
        "ippcase.platform.signin.OIDCBackend",
    ],
}


def _reload_urls() -> None:
    import ippcase.urls

    importlib.reload(ippcase.urls)
    clear_url_caches()


@pytest.fixture
def oidc_on(db: None) -> Iterator[None]:
    try:
        with override_settings(**OIDC_SETTINGS):
            _reload_urls()  # ippcase.urls adds the single sign-on URLs when OIDC_ENABLED
            yield
    finally:
        _reload_urls()  # back to the default: no single sign-on URLs


def _sso(client: Client, claims: dict[str, Any], next_url: str = "") -> Any:
    """Start at /oidc/authenticate/ and come back from the provider with ``claims``; the token
    exchange and the token's signature check (network calls to the provider) are stubbed."""
    start = client.get("/oidc/authenticate/" + (f"?next={next_url}" if next_url else ""))
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    with (
        mock.patch.object(
            signin.OIDCBackend, "get_token", return_value={"id_token": "x", "access_token": "y"}
        ),
        mock.patch.object(signin.OIDCBackend, "verify_token", return_value={"sub": "1"}),
        mock.patch.object(signin.OIDCBackend, "get_userinfo", return_value=claims),
    ):
        return client.get("/oidc/callback/", {"code": "a-code", "state": state})


def test_with_single_sign_on_on_the_sign_in_page_offers_it(oidc_on, client):
    page = client.get(SIGN_IN).content.decode()
    assert "Sign in with HMPPS Auth" in page
    assert 'href="/oidc/authenticate/"' in page
    assert "govuk-button--secondary" in page
    assert reverse("oidc_authentication_callback") == "/oidc/callback/"
    assert reverse("oidc_logout") == "/oidc/logout/"


def test_the_start_sends_the_browser_to_the_provider_with_pkce_and_a_nonce(oidc_on, client):
    response = client.get("/oidc/authenticate/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{IDP}/oauth/authorize"
    query = parse_qs(location.query)
    assert query["client_id"] == ["ippcase"]
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["nonce"] and query["state"]


def test_an_existing_account_signs_in_by_its_username_in_any_case(oidc_on, practitioner):
    client = Client()
    response = _sso(client, {"preferred_username": "PRACTITIONER"}, next_url="/cases/")
    assert response.status_code == 302
    assert response["Location"] == "/cases/"
    assert client.session[SESSION_KEY] == str(practitioner.pk)
    assert client.get("/cases/").status_code == 200


WAITING = "Your account is waiting for an administrator to give you access"


def test_a_first_sign_in_creates_an_account_waiting_for_access(oidc_on, practitioner, person):
    client = Client()
    users = User.objects.count()
    claims = {
        "preferred_username": "someone.new",
        "email": "someone.new@justice.example",
        "email_verified": True,
        "given_name": "Sam",
        "family_name": "New",
    }
    response = _sso(client, claims)
    assert response.status_code == 302
    assert User.objects.count() == users + 1
    account = User.objects.get(username="someone.new")
    assert (account.roles, account.team, account.is_active) == ([], None, True)
    assert (account.email, account.get_full_name()) == ("someone.new@justice.example", "Sam New")
    assert not account.has_usable_password()
    assert client.session[SESSION_KEY] == str(account.pk)
    # It sees nothing anywhere: every page answers with the waiting page.
    landing = client.get(response["Location"])
    assert landing.status_code == 403
    assert WAITING in landing.content.decode()
    for url in (
        "/",
        "/cases/",
        f"/cases/{person.crn}/",
        f"/recall/cases/{person.crn}/concerns/",
        "/dashboard/",
        "/administration/",
        "/administration/staff/",
    ):
        page = client.get(url)
        assert page.status_code == 403, url
        assert WAITING in page.content.decode(), url
        assert person.last_name not in page.content.decode(), url
    # A second sign-in finds the same account.
    _sso(Client(), claims)
    assert User.objects.filter(username__iexact="someone.new").count() == 1


def test_a_first_sign_in_never_makes_a_second_account_for_a_leaver(oidc_on, practitioner):
    practitioner.is_active = False
    practitioner.email = "tyrone.bailey@justice.example"
    practitioner.save()
    users = User.objects.count()
    for claims in (
        {"preferred_username": "Practitioner"},
        {"preferred_username": "t.bailey", "email": practitioner.email, "email_verified": True},
    ):
        client = Client()
        response = _sso(client, claims)
        assert response["Location"] == SIGN_IN
        assert not _signed_in(client)
        assert "there is no account in this service for you" in client.get(SIGN_IN).content.decode()
    assert User.objects.count() == users


def test_a_deactivated_accounts_single_sign_on_session_ends(oidc_on, practitioner):
    client = Client()
    _sso(client, {"preferred_username": "practitioner"})
    assert client.get("/cases/").status_code == 200
    practitioner.is_active = False
    practitioner.save()
    assert client.get("/cases/")["Location"].startswith(SIGN_IN)


def test_an_inactive_account_cannot_sign_in_by_single_sign_on(oidc_on, practitioner):
    practitioner.is_active = False
    practitioner.save()
    client = Client()
    _sso(client, {"preferred_username": "practitioner"})
    assert not _signed_in(client)


def test_matching_by_email_needs_a_verified_email(oidc_on, practitioner):
    practitioner.email = "Tyrone.Bailey@justice.example"
    practitioner.save()
    with override_settings(OIDC_MATCH_ON="email"):
        refused = Client()
        _sso(refused, {"email": "tyrone.bailey@justice.example", "email_verified": False})
        assert not _signed_in(refused)
        accepted = Client()
        _sso(accepted, {"email": "tyrone.bailey@justice.example", "email_verified": True})
        assert accepted.session[SESSION_KEY] == str(practitioner.pk)


def test_a_role_less_account_signed_in_by_single_sign_on_sees_nothing(oidc_on, no_role_user):
    client = Client()
    _sso(client, {"preferred_username": "norole"})
    assert _signed_in(client)
    assert client.get("/cases/").status_code == 403


def test_the_backend_creates_accounts_with_no_role_and_no_team(oidc_on):
    assert settings.OIDC_CREATE_USER is True
    account = signin.OIDCBackend().create_user({"preferred_username": "new.person"})
    assert (account.username, account.roles, account.team_id) == ("new.person", [], None)


def test_the_oidc_settings_are_named_in_the_security_docs():
    text = (ROOT / "docs" / "security.md").read_text()
    names = [name for name in OIDC_SETTINGS if name.startswith("OIDC_")]
    names += ["OIDC_MATCH_ON", "OIDC_USERNAME_CLAIM", "OIDC_PROVIDER_NAME", "OIDC_RP_SIGN_ALGO"]
    names += ["SIGNIN_FAILURE_LIMIT", "SIGNIN_LOCKOUT_MINUTES", "SESSION_IDLE_SECONDS"]
    missing = [name for name in names if f"`{name}`" not in text]
    assert not missing, missing
