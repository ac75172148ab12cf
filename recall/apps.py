from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


class RecallConfig(AppConfig):
    name = "recall"

    def ready(self) -> None:
        """Register the recall permissions and PPCS's recall work in the core registry, which
        never imports this app (docs/architecture.md), and the office-hours check."""
        from recall import permissions

        permissions.register()
        checks.register(check_office_hours)


def check_office_hours(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A bad ``OFFICE_HOURS`` stops ``manage.py check`` and the server's start, not the first
    countersignature of the day."""
    from django.core.exceptions import ImproperlyConfigured

    from recall.reminders import office_hours

    try:
        office_hours()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), hint='e.g. OFFICE_HOURS="09:00-17:00"', id="recall.E001")]
    return []
