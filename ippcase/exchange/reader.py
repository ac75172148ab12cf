"""Reading the values of one person record, collecting every problem rather than the first.

:class:`Reader` has a method for each kind of value the format holds (an object, a list, text,
a date, a whole number, a choice from a vocabulary) and the checks they share: required and
unknown fields, null, length, dates not in the future. The message helpers quote a wrong value
safely (:func:`shown`) and name its JSON type as a sender would (:func:`json_type`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from django.db import models

from ippcase.exchange.rows import UNSET, ImportProblem, Unset

# fromisoformat() also accepts "20210203" and week dates; the format allows only YYYY-MM-DD.
_DATE_PATTERN: Final = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")

# Field lengths of the models, checked here so that the database never rejects a valid file.
_NAME_MAX = 100
# Free text (an offence's description, vulnerabilities, a condition's wording, a reason): the
# same limit as the forms of the app (ippcase.core.forms.TEXT_MAX_LENGTH).
_TEXT_MAX = 10_000
# How much of a wrong value a message quotes.
SHOWN_MAX = 40

T = TypeVar("T")


def join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def json_type(value: object) -> str:
    """How a sender would name the JSON type of ``value``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def shown(value: str, *, quote: bool = True) -> str:
    """``value`` as a message quotes it: at most ``SHOWN_MAX`` characters, control characters
    and characters that cannot be written (a lone surrogate) escaped, so that a hostile value
    cannot flood or break the report."""
    text = value if len(value) <= SHOWN_MAX else value[:SHOWN_MAX] + "…"
    text = "".join(
        c if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF else f"\\u{ord(c):04x}"
        for c in text
    )
    return f'"{text}"' if quote else text


def unstorable(value: str) -> str | None:
    """Why PostgreSQL cannot store ``value`` as text, or None. JSON can carry both a NUL
    character (``\\u0000``) and half of a surrogate pair (``\\ud800``); a database text column
    can hold neither."""
    if "\x00" in value:
        return "contains a null character (\\u0000), which cannot be stored"
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        return "contains an invalid character (an unpaired surrogate such as \\ud800)"
    return None


@functools.cache
def vocabulary(choices: type[models.Choices]) -> tuple[frozenset[Any], str]:
    """The allowed values of ``choices`` and how to list them in a message. Cached: Django
    rebuilds ``Choices.values`` on every access, which dominates parsing a large file."""
    values = choices.values
    return frozenset(values), ", ".join(str(value) for value in values)


@dataclass
class Reader:
    """Reads one person record, collecting its problems under its label (CRN or ``people[N]``).

    Each reader method returns the parsed value, or None after recording a problem; callers
    build rows only when the record ends with no problems.
    """

    label: str
    today: dt.date
    problems: list[ImportProblem] = field(default_factory=list)

    def problem(self, path: str, reason: str) -> None:
        self.problems.append(ImportProblem(self.label, path, reason))

    # --- structure -----------------------------------------------------------------------

    def obj(self, value: object, path: str) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.problem(path, f"expected an object, got {json_type(value)}")
        return None

    def keys(
        self,
        obj: Mapping[str, Any],
        path: str,
        required: Iterable[str],
        optional: Iterable[str] = (),
    ) -> None:
        """Report missing required fields, and unknown ones: a typo must not be dropped silently."""
        required = tuple(required)
        allowed = (*required, *optional)
        for key in required:
            if key not in obj:
                self.problem(join(path, key), "required field is missing")
        for key in obj:
            if key not in allowed:
                self.problem(
                    join(path, shown(key, quote=False)),
                    f"unknown field; allowed fields: {', '.join(allowed)}",
                )

    def get(
        self,
        obj: Mapping[str, Any],
        key: str,
        prefix: str,
        parse: Callable[[Any, str], T | None],
        *,
        nullable: bool = False,
    ) -> T | Unset | None:
        """``parse(obj[key])``; UNSET when absent (missing-required is reported by keys()),
        None when null and ``nullable``, or when invalid."""
        path = join(prefix, key)
        if key not in obj:
            return UNSET
        value = obj[key]
        if value is None:
            if not nullable:
                self.problem(path, "must not be null")
            return None
        return parse(value, path)

    # --- scalar types --------------------------------------------------------------------

    def array(self, value: object, path: str) -> list[Any] | None:
        if isinstance(value, list):
            return value
        self.problem(path, f"expected a list, got {json_type(value)}")
        return None

    def text(
        self, value: object, path: str, *, max_length: int | None = None, blank: bool = True
    ) -> str | None:
        if not isinstance(value, str):
            self.problem(path, f"expected a string, got {json_type(value)}")
            return None
        reason = unstorable(value)
        if reason is not None:
            self.problem(path, reason)
            return None
        if not blank and not value.strip():
            self.problem(path, "must not be blank")
            return None
        limit = _TEXT_MAX if max_length is None else max_length
        if len(value) > limit:
            self.problem(path, f"is {len(value):,} characters long; at most {limit:,} allowed")
            return None
        return value

    def name(self, value: object, path: str) -> str | None:
        return self.text(value, path, max_length=_NAME_MAX, blank=False)

    def boolean(self, value: object, path: str) -> bool | None:
        if isinstance(value, bool):
            return value
        self.problem(path, f"expected true or false, got {json_type(value)}")
        return None

    def integer(self, value: object, path: str, *, low: int, high: int) -> int | None:
        # bool is an int subclass in Python, but true is not a number in the file.
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(path, f"expected a whole number, got {json_type(value)}")
            return None
        if not low <= value <= high:
            self.problem(
                path, f"{shown(str(value), quote=False)} is out of range; expected {low} to {high}"
            )
            return None
        return value

    def date(self, value: object, path: str, *, future: bool = False) -> dt.date | None:
        if not isinstance(value, str):
            self.problem(path, f"expected a date as a YYYY-MM-DD string, got {json_type(value)}")
            return None
        if not _DATE_PATTERN.match(value):
            self.problem(path, f"{shown(value)} is not a date in the form YYYY-MM-DD")
            return None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError as exc:
            self.problem(path, f"{shown(value)} is not a real date ({exc})")
            return None
        if not future and day > self.today:
            self.problem(path, f"{value} is in the future")
            return None
        return day

    def future_date(self, value: object, path: str) -> dt.date | None:
        return self.date(value, path, future=True)

    def choice(self, choices: type[models.Choices]) -> Callable[[object, str], Any]:
        """A reader for one value of ``choices`` (strings or, for MAPPA, whole numbers)."""

        def read(value: object, path: str) -> Any:
            if issubclass(choices, models.IntegerChoices):
                if not isinstance(value, int) or isinstance(value, bool):
                    self.problem(path, f"expected a whole number, got {json_type(value)}")
                    return None
            elif not isinstance(value, str):
                self.problem(path, f"expected a string, got {json_type(value)}")
                return None
            allowed, listed = vocabulary(choices)
            if value not in allowed:
                quoted = shown(value) if isinstance(value, str) else shown(str(value), quote=False)
                self.problem(path, f"{quoted} is not allowed; expected one of: {listed}")
                return None
            return value

        return read

    def choice_list(
        self, choices: type[models.Choices]
    ) -> Callable[[object, str], list[str] | None]:
        """A reader for a list of distinct values of ``choices``, kept in file order."""
        read_one = self.choice(choices)

        def read(value: object, path: str) -> list[str] | None:
            items = self.array(value, path)
            if items is None:
                return None
            result: list[str] = []
            ok = True
            for i, item in enumerate(items):
                parsed = read_one(item, f"{path}[{i}]")
                if parsed is None:
                    ok = False
                elif parsed in result:
                    self.problem(f"{path}[{i}]", f'"{parsed}" is listed twice')
                    ok = False
                else:
                    result.append(parsed)
            return result if ok else None

        return read
