"""The organisation import and export: regions, PDUs, teams and staff with their roles, in the
``ippcase-organisation/1`` format (docs/import-format.md, "Organisation import").

:func:`organisation_import` validates the whole file (:mod:`.org_parse`) and, when it has no
problems, makes the stored regions, PDUs, teams and staff it names equal to it in one
transaction, audited as ``import_organisation``. Nothing is ever deleted: a region, PDU, team or
member of staff not in the file is left as it is. :func:`organisation_export` writes what is
stored in the same format, which imports back with no change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pghistory
from django.db import models, transaction
from django.utils import timezone

from ippcase.exchange.org_parse import (
    ORG_FORMAT,
    OrgReferences,
    StaffRow,
    UnitRow,
    parse_organisation,
    role_order,
)
from ippcase.exchange.rows import ImportValidationError
from ippcase.models import Pdu, Region, Team, User

ACTOR = "import_organisation"


@dataclass(frozen=True)
class OrganisationResult:
    """What an organisation import did (or, in a dry run, would do): per kind ("regions",
    "pdus", "teams", "staff"), how many were created and changed; and how many stored members
    of staff the file does not name (left as they are)."""

    created: Mapping[str, int]
    changed: Mapping[str, int]
    staff_not_in_file: int
    dry_run: bool = False

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def total_changed(self) -> int:
        return sum(self.changed.values())


@dataclass
class _Counts:
    created: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, *, created: bool, changed: bool) -> None:
        self.created[kind] = self.created.get(kind, 0) + int(created)
        self.changed[kind] = self.changed.get(kind, 0) + int(changed)


def organisation_import(*, data: Any, dry_run: bool = False) -> OrganisationResult:
    """Create or update the regions, PDUs, teams and staff in ``data`` (a decoded
    ``ippcase-organisation/1`` document).

    All or nothing: any problem raises :class:`ImportValidationError` listing every problem
    (path and reason) and nothing is written. A record matching a stored one by code (or
    username) updates it; a row that would not change is not saved, so importing the same file
    again writes nothing ("0 created, 0 changed"). New staff get an unusable password: they
    sign in with single sign-on or an invitation. With ``dry_run`` the writes are made and then
    rolled back, so the result says what the import would do.
    """
    with pghistory.context(actor=ACTOR), transaction.atomic():
        refs = OrgReferences(
            region_codes=frozenset(Region.objects.values_list("code", flat=True)),
            pdu_codes=frozenset(Pdu.objects.values_list("code", flat=True)),
            team_codes=frozenset(Team.objects.values_list("code", flat=True)),
        )
        rows, problems = parse_organisation(data, refs=refs, today=timezone.localdate())
        if problems:
            raise ImportValidationError(problems)
        counts = _Counts()
        region_ids = _write_units(counts, "regions", Region, rows.regions, None, {})
        pdu_ids = _write_units(counts, "pdus", Pdu, rows.pdus, "region_id", region_ids)
        team_ids = _write_units(counts, "teams", Team, rows.teams, "pdu_id", pdu_ids)
        _write_staff(counts, rows.staff, team_ids)
        named = {row.username for row in rows.staff}
        others = User.objects.exclude(username__in=named).count()
        if dry_run:
            transaction.set_rollback(True)
    return OrganisationResult(
        created={kind: counts.created.get(kind, 0) for kind in _KINDS},
        changed={kind: counts.changed.get(kind, 0) for kind in _KINDS},
        staff_not_in_file=others,
        dry_run=dry_run,
    )


_KINDS = ("regions", "pdus", "teams", "staff")


def _write_units(
    counts: _Counts,
    kind: str,
    model: type[Region] | type[Pdu] | type[Team],
    rows: list[UnitRow],
    parent_field: str | None,
    parent_ids: dict[str, int],
) -> dict[str, int]:
    """Create or update ``rows`` of ``model`` by code (``parent_ids``: the id of every stored
    parent by code, the file's included); every stored code's id, for the next level down."""
    stored = {
        unit.code: unit
        for unit in model.objects.filter(code__in=[row.code for row in rows])
        .order_by("code")
        .select_for_update()
    }
    for row in rows:
        values: dict[str, Any] = {"code": row.code, "name": row.name}
        if parent_field is not None:
            values[parent_field] = parent_ids[row.parent]
        if row.panel_period_months is not None:
            values["panel_period_months"] = row.panel_period_months
        unit = stored.get(row.code)
        if unit is None:
            stored[row.code] = model.objects.create(**values)
            counts.add(kind, created=True, changed=False)
        else:
            counts.add(kind, created=False, changed=_save_changes(unit, values))
    return dict(model.objects.values_list("code", "id"))


def _save_changes(instance: models.Model, values: dict[str, Any]) -> bool:
    """Set ``values`` on ``instance`` and save only those that differ; True if any did."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if changed:
        instance.save(update_fields=changed)
    return bool(changed)


def _write_staff(counts: _Counts, rows: list[StaffRow], team_ids: dict[str, int]) -> None:
    stored = {
        user.username: user
        for user in User.objects.filter(username__in=[row.username for row in rows])
        .order_by("username")
        .select_for_update()
    }
    for row in rows:
        values: dict[str, Any] = {
            "first_name": row.first_name,
            "last_name": row.last_name,
            "team_id": team_ids[row.team] if row.team is not None else None,
            "roles": row.roles,
        }
        if row.email is not None:
            values["email"] = row.email
        if row.active is not None:
            values["is_active"] = row.active
        user = stored.get(row.username)
        if user is not None and sorted(user.roles) == sorted(row.roles):
            del values["roles"]  # the same roles in another order: not a change
        if user is None:
            user = User(username=row.username, **values)
            user.set_unusable_password()
            user.save()
            counts.add("staff", created=True, changed=False)
        else:
            counts.add("staff", created=False, changed=_save_changes(user, values))


def organisation_export() -> dict[str, Any]:
    """Every region, PDU, team and member of staff as an ``ippcase-organisation/1`` document,
    each list ordered by code (staff by username); four queries. Importing it back changes
    nothing, and importing it into an empty database gives back the same export."""
    return {
        "format": ORG_FORMAT,
        "regions": [
            {"code": code, "name": name}
            for code, name in Region.objects.order_by("code").values_list("code", "name")
        ],
        "pdus": [
            {"code": code, "name": name, "region": region}
            for code, name, region in Pdu.objects.order_by("code").values_list(
                "code", "name", "region__code"
            )
        ],
        "teams": [
            {"code": code, "name": name, "pdu": pdu, "panel_period_months": months}
            for code, name, pdu, months in Team.objects.order_by("code").values_list(
                "code", "name", "pdu__code", "panel_period_months"
            )
        ],
        "staff": [
            {
                "username": user["username"],
                "first_name": user["first_name"],
                "last_name": user["last_name"],
                "email": user["email"],
                "team": user["team__code"],
                "roles": role_order(user["roles"]),
                "active": user["is_active"],
            }
            for user in User.objects.order_by("username").values(
                "username", "first_name", "last_name", "email", "team__code", "roles", "is_active"
            )
        ],
    }
