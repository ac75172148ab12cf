from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def install_positions(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After every ``migrate`` (and a test database's creation or flush): the person position's
    and the trend counts' refresh functions and triggers, compiled from the code now running
    (ippcase/caseload/position.py, trends.py). Lazy import: the caseload composes every app,
    which are all loaded by now."""
    from django.db import connections

    from ippcase.caseload import position, trends

    if connections[using].vendor == "postgresql":
        position.install(using)
        trends.install(using)


class IppcaseConfig(AppConfig):
    name = "ippcase"
    verbose_name = "IPP cases"

    def ready(self) -> None:
        # The case permissions (rules.add_perm at import); recall and parole add theirs.
        from ippcase.core import permissions  # noqa: F401

        post_migrate.connect(install_positions, sender=self, dispatch_uid="ippcase_positions")
