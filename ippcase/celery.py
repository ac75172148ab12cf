"""The Celery application: tasks are discovered in each app's tasks.py."""

from __future__ import annotations

import os

from celery import Celery

from ippcase.platform.logs import connect_celery_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ippcase.settings.dev")

app = Celery("ippcase")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# JSON logs from settings.LOGGING in the worker too, with the task id on every record.
connect_celery_signals()
