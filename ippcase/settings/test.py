"""Test settings: the same real PostgreSQL and Redis as development (embedded unless set)."""

from __future__ import annotations

import os
import tempfile

from ippcase.platform.embedded import ensure_services

ensure_services()

from ippcase.settings.base import *  # noqa: E402,F403

SECRET_KEY = "test-only-not-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Evidence files go to a fresh temporary folder per test run, never the checkout's data folder.
# The folder is put in the environment so that a Celery worker the tests start (a subprocess on
# these settings) reads the same files as the test process that stored them.
EVIDENCE_DIR = os.environ.get("IPPCASE_TEST_EVIDENCE_DIR") or tempfile.mkdtemp(
    prefix="ippcase-evidence-"
)
os.environ["IPPCASE_TEST_EVIDENCE_DIR"] = EVIDENCE_DIR
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": EVIDENCE_DIR, "base_url": None},
    },
}

# Static files come from the finders (runserver, live_server); WhiteNoise serves the collected
# files in production only.
MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405

# A test that waits on a lock fails after five minutes with PostgreSQL's own message, naming the
# statement, instead of holding the suite until CI's time runs out (a CI run of this suite once
# stopped at 13% with no output; pyproject.toml's faulthandler_timeout prints every thread's
# stack for any test still running after ten minutes).
for _database in DATABASES.values():  # noqa: F405
    _options = _database.setdefault("OPTIONS", {})
    _options["options"] = (_options.get("options", "") + " -c lock_timeout=300000").strip()
