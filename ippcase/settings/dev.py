"""Development settings: embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set."""

from __future__ import annotations

import os

from ippcase.platform.embedded import ensure_services

ensure_services()

from ippcase.settings.base import *  # noqa: E402,F403

DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "dev-only-not-secret"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

# Static files come from the finders (runserver, live_server); WhiteNoise serves the collected
# files in production only.
MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405
