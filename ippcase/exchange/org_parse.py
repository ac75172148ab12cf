"""Parsing and validation of a decoded ``ippcase-organisation/1`` document
(docs/import-format.md, "Organisation import").

Pure Python over the decoded JSON: nothing here touches the database. The loader
(:func:`ippcase.exchange.organisation.organisation_import`) passes in the codes of the regions,
PDUs and teams already stored (:class:`OrgReferences`), so that a record may refer to one in
the file or in the database, and writes only when :func:`parse_organisation` returns no
problems. Every problem is collected, named by its path in the file (``staff[3].team``), with
the :class:`~.reader.Reader` of the case import.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from ippcase import vocab
from ippcase.exchange.reader import SHOWN_MAX, Reader, json_type, shown
from ippcase.exchange.rows import UNSET, ImportProblem
from ippcase.models import PANEL_PERIOD_MAX, PANEL_PERIOD_MIN

ORG_FORMAT: Final = "ippcase-organisation/1"

# A code is a slug (the models' SlugField) of at most 20 characters.
_CODE_PATTERN: Final = re.compile(r"^[-a-zA-Z0-9_]+\Z")
_CODE_MAX = 20
# Django's username rule (UnicodeUsernameValidator) and the User model's field lengths.
_USERNAME_PATTERN: Final = re.compile(r"^[\w.@+-]+\Z")
_USERNAME_MAX = 150
_STAFF_NAME_MAX = 150
_EMAIL_MAX = 254
# A good-enough shape check: something@domain.tld, no spaces (Django's EmailField is stricter
# about the domain; the export writes back what is stored).
_EMAIL_PATTERN: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")

_SECTIONS: Final = ("regions", "pdus", "teams", "staff")
_STAFF_REQUIRED: Final = ("username", "first_name", "last_name", "team", "roles")
_STAFF_OPTIONAL: Final = ("email", "active")
# Roles that mean nothing without a team: what they see and administer is their team's or PDU's.
ROLES_NEEDING_A_TEAM: Final = (
    vocab.Role.PRACTITIONER,
    vocab.Role.MANAGER,
    vocab.Role.SENIOR_MANAGER,
    vocab.Role.LOCAL_ADMIN,
)


@dataclass(frozen=True)
class OrgReferences:
    """The codes already stored, which a record may refer to as well as those in the file."""

    region_codes: frozenset[str]
    pdu_codes: frozenset[str]
    team_codes: frozenset[str]


@dataclass(frozen=True)
class UnitRow:
    """A region, PDU or team: its code, name and the code of what it belongs to (a PDU's
    region, a team's PDU; empty for a region)."""

    code: str
    name: str
    parent: str = ""
    # A team's months a panel or meeting counts for a recommendation (issue 19); None when the
    # file leaves it out: a stored team keeps its own, a new one gets the default (6).
    panel_period_months: int | None = None


@dataclass(frozen=True)
class StaffRow:
    """A member of staff. ``email`` and ``active`` are None when the record leaves them out:
    a stored account keeps its own, a new one gets no email and is active."""

    username: str
    first_name: str
    last_name: str
    team: str | None
    roles: list[str]
    email: str | None
    active: bool | None


@dataclass
class OrgRows:
    regions: list[UnitRow]
    pdus: list[UnitRow]
    teams: list[UnitRow]
    staff: list[StaffRow]


def role_order(roles: list[str]) -> list[str]:
    """``roles`` in the order of :class:`vocab.Role`, so that a list in another order is the
    same list (and a re-import of it changes nothing)."""
    order = {value: i for i, value in enumerate(vocab.Role.values)}
    return sorted(roles, key=lambda role: order.get(role, len(order)))


def parse_organisation(
    data: object, *, refs: OrgReferences, today: dt.date
) -> tuple[OrgRows, list[ImportProblem]]:
    """Validate a decoded organisation file: the rows, and every problem in file order. The
    rows are safe to write only when the problem list is empty."""
    rows = OrgRows([], [], [], [])
    r = Reader(label="", today=today)
    if not isinstance(data, dict):
        r.problem("", f'expected an object with "format" and "staff", got {json_type(data)}')
        return rows, r.problems
    if "format" not in data:
        r.problem("format", f'required field is missing; expected "{ORG_FORMAT}"')
        return rows, r.problems
    if data["format"] != ORG_FORMAT:
        given = data["format"]
        quoted = (
            repr(given if len(given) <= SHOWN_MAX else given[:SHOWN_MAX] + "…")
            if isinstance(given, str)
            else json_type(given)
        )
        r.problem("format", f'unknown format {quoted}; expected "{ORG_FORMAT}"')
        return rows, r.problems
    r.keys(data, "", ("format",), _SECTIONS)

    sections: dict[str, list[Any]] = {}
    for name in _SECTIONS:
        items = r.get(data, name, "", r.array)
        sections[name] = items if isinstance(items, list) else []

    region_codes = refs.region_codes | _codes(sections["regions"])
    pdu_codes = refs.pdu_codes | _codes(sections["pdus"])
    team_codes = refs.team_codes | _codes(sections["teams"])

    rows.regions = _units(r, sections["regions"], "regions", None)
    rows.pdus = _units(r, sections["pdus"], "pdus", ("region", "region", region_codes))
    rows.teams = _units(r, sections["teams"], "teams", ("pdu", "PDU", pdu_codes))
    rows.staff = _staff(r, sections["staff"], team_codes)
    return rows, r.problems


def _codes(items: list[Any]) -> frozenset[str]:
    """The well-formed codes of ``items`` (malformed ones are reported where they are read)."""
    return frozenset(
        item["code"]
        for item in items
        if isinstance(item, dict)
        and isinstance(item.get("code"), str)
        and _CODE_PATTERN.match(item["code"])
    )


def _code(r: Reader) -> Callable[[object, str], str | None]:
    def read(value: object, path: str) -> str | None:
        text = r.text(value, path, max_length=_CODE_MAX, blank=False)
        if text is not None and not _CODE_PATTERN.match(text):
            r.problem(
                path,
                f"{shown(text)} is not a code: use only letters, digits, hyphens and underscores",
            )
            return None
        return text

    return read


def _panel_period(r: Reader) -> Callable[[object, str], int | None]:
    def read(value: object, path: str) -> int | None:
        return r.integer(value, path, low=PANEL_PERIOD_MIN, high=PANEL_PERIOD_MAX)

    return read


def _units(
    r: Reader, items: list[Any], section: str, parent: tuple[str, str, frozenset[str]] | None
) -> list[UnitRow]:
    """The regions, PDUs or teams of ``section``; ``parent`` is the key, the word for it and
    the known codes of what each belongs to (None for regions)."""
    rows: list[UnitRow] = []
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        path = f"{section}[{i}]"
        obj = r.obj(item, path)
        if obj is None:
            continue
        before = len(r.problems)
        optional = ("panel_period_months",) if section == "teams" else ()
        r.keys(obj, path, ("code", "name", *((parent[0],) if parent else ())), optional)
        code = r.get(obj, "code", path, _code(r))
        if isinstance(code, str):
            seen = first.setdefault(code, i)
            if seen != i:
                r.problem(f"{path}.code", f"duplicate code: {section}[{seen}] has the same code")
        name = r.get(obj, "name", path, r.name)
        owner = ""
        if parent is not None:
            key, word, known = parent
            value = r.get(obj, key, path, _code(r))
            if isinstance(value, str):
                if value in known:
                    owner = value
                else:
                    r.problem(
                        f"{path}.{key}",
                        f"{shown(value)} is not a {word} in the file or the database",
                    )
        months = r.get(obj, "panel_period_months", path, _panel_period(r)) if optional else UNSET
        if len(r.problems) == before and isinstance(code, str) and isinstance(name, str):
            rows.append(UnitRow(code, name, owner, months if isinstance(months, int) else None))
    return rows


def _staff(r: Reader, items: list[Any], team_codes: frozenset[str]) -> list[StaffRow]:
    rows: list[StaffRow] = []
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        path = f"staff[{i}]"
        obj = r.obj(item, path)
        if obj is None:
            continue
        before = len(r.problems)
        r.keys(obj, path, _STAFF_REQUIRED, _STAFF_OPTIONAL)
        username = r.get(obj, "username", path, _username(r))
        if isinstance(username, str):
            seen = first.setdefault(username, i)
            if seen != i:
                r.problem(
                    f"{path}.username", f"duplicate username: staff[{seen}] has the same username"
                )
        names = {
            key: r.get(obj, key, path, lambda v, p: r.text(v, p, max_length=_STAFF_NAME_MAX))
            for key in ("first_name", "last_name")
        }
        email = r.get(obj, "email", path, _email(r))
        active = r.get(obj, "active", path, r.boolean)
        team = r.get(obj, "team", path, _code(r), nullable=True)
        if isinstance(team, str) and team not in team_codes:
            r.problem(f"{path}.team", f"{shown(team)} is not a team in the file or the database")
        roles = r.get(obj, "roles", path, r.choice_list(vocab.Role))
        if team is None and isinstance(roles, list) and active is not False:
            needing = [role for role in roles if role in ROLES_NEEDING_A_TEAM]
            if needing:
                r.problem(
                    f"{path}.team",
                    f"null, but the role{'s' if len(needing) > 1 else ''} "
                    f"{', '.join(needing)} need{'' if len(needing) > 1 else 's'} a team",
                )
        if len(r.problems) != before:
            continue
        # No problems: every required value was read (keys() reports a missing one).
        assert isinstance(username, str) and isinstance(roles, list)  # noqa: S101
        first_name, last_name = names["first_name"], names["last_name"]
        assert isinstance(first_name, str) and isinstance(last_name, str)  # noqa: S101
        rows.append(
            StaffRow(
                username=username,
                first_name=first_name,
                last_name=last_name,
                team=team if isinstance(team, str) else None,
                roles=role_order(roles),
                email=None if email is UNSET else email,
                active=None if active is UNSET else active,
            )
        )
    return rows


def _username(r: Reader) -> Callable[[object, str], str | None]:
    def read(value: object, path: str) -> str | None:
        text = r.text(value, path, max_length=_USERNAME_MAX, blank=False)
        if text is not None and not _USERNAME_PATTERN.match(text):
            r.problem(
                path,
                f"{shown(text)} is not a username: use only letters, digits and @ . + - _",
            )
            return None
        return text

    return read


def _email(r: Reader) -> Callable[[object, str], str | None]:
    def read(value: object, path: str) -> str | None:
        text = r.text(value, path, max_length=_EMAIL_MAX)
        if text and not _EMAIL_PATTERN.match(text):
            r.problem(path, f"{shown(text)} is not an email address")
            return None
        return text

    return read
