"""The database router (issue 17): reads inside a reporting scope go to the reporting replica;
everything else (every write, every migration, every read outside the scope) goes to the primary.

The scope and the choice of alias are in ``ippcase.core.replica`` (low enough for parole to use);
this class only applies them. Installed by ``DATABASE_ROUTERS`` in ``ippcase/settings/base.py``.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS

from ippcase.core.replica import reporting_alias


class ReportingReplicaRouter:
    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        # Outside a scope: the primary, even for an object first read from the replica.
        return reporting_alias() or DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # The replica is a copy of the primary: an object read from either may point to one
        # read from the other.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # The replica replays the primary's schema; it is never migrated itself.
        return db == DEFAULT_DB_ALIAS
