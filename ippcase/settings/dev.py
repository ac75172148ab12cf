"""Development settings: embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set."""

from __future__ import annotations

import os

from ippcase.platform.embedded import ensure_services

ensure_services()

from ippcase.settings.base import *  # noqa: E402,F403

# DEBUG is off unless asked for (DJANGO_DEBUG=1): `make run` shows the service's own GOV.UK 404,
# 403 and 500 pages, never Django's debug page with its list of every URL (issue 16). devrun
# starts runserver with --insecure so that it still serves the static files from the finders.
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "dev-only-not-secret"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

# Static files come from the finders (runserver, live_server); WhiteNoise serves the collected
# files in production only.
MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405
