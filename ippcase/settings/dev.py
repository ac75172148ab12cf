"""Development settings: embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set."""

from __future__ import annotations

import os

from ippcase.embedded import ensure_services

ensure_services()

from .base import *  # noqa: E402,F403

DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "dev-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
