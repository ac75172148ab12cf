"""Parsing and validation of the case import format ``ippcase-import/1`` (docs/import-format.md).

Pure Python over the decoded JSON: nothing here touches the database. The service
(:func:`ippcase.services.cases_import`) looks up the teams, users and stored people that a file
refers to (:func:`referenced_names` says which), passes them in as :class:`References`, and writes
only when :func:`parse_document` returns no problems. Every problem in the file is collected,
never just the first, so that one run tells the sender everything that needs fixing.

The parsed rows use the model field names, so that the service can compare them with stored rows
attribute by attribute.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from django.db import models

from ippcase import vocab
from parole import vocab as parole_vocab

FORMAT: Final = "ippcase-import/1"
# \Z, not $: "$" also matches before a final newline, which would let "A123456\n" through.
CRN_PATTERN: Final = re.compile(r"^[A-Z][0-9]{6}\Z")
NOMIS_PATTERN: Final = re.compile(r"^[A-Z][0-9]{4}[A-Z]{2}\Z")
# fromisoformat() also accepts "20210203" and week dates; the format allows only YYYY-MM-DD.
_DATE_PATTERN: Final = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
FILE_LABEL: Final = "-"  # shown in place of a CRN for a problem with the file as a whole

# Field lengths of the models, checked here so that the database never rejects a valid file.
_NAME_MAX = 100
_PNC_MAX = 20
_PRISON_MAX = 100
_TEAM_CODE_MAX = 20
_TARIFF_YEARS_MAX = 99
# Free text (an offence's description, vulnerabilities, a condition's wording, a reason): the
# same limit as the forms of the app (ippcase.core.forms.TEXT_MAX_LENGTH).
_TEXT_MAX = 10_000
# The largest import file read: about 30,000 people (10,000 are 16.7 MB). A larger file is
# refused before it is read into memory; split it into several imports.
IMPORT_MAX_BYTES: Final = 50 * 1024 * 1024
# How much of a wrong value a message quotes.
_SHOWN_MAX = 40
# Sentences whose licence may be referred for termination.
_TERMINABLE: Final = frozenset({vocab.SentenceType.IPP, vocab.SentenceType.DPP})

T = TypeVar("T")


class Unset(enum.Enum):
    """The type of :data:`UNSET` (an enum, so that ``x is not UNSET`` narrows for mypy)."""

    UNSET = "UNSET"


# An optional field the record leaves out: an existing person keeps what is stored.
UNSET: Final = Unset.UNSET


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an import file.

    ``crn`` is the record's CRN as written in the file, ``people[N]`` for a record without a
    usable CRN, or ``-`` for the file as a whole. ``field`` is a dotted path inside the record
    (``releases[1].recall.date``; list positions count from 0), empty for the record itself.
    """

    crn: str
    field: str
    reason: str

    def __str__(self) -> str:
        if self.field:
            return f"{self.crn} {self.field}: {self.reason}"
        return f"{self.crn}: {self.reason}"


class ImportValidationError(Exception):
    """The file is invalid; nothing was written. ``errors`` lists every problem in file order."""

    def __init__(self, errors: list[ImportProblem]) -> None:
        self.errors = errors
        count = len(errors)
        super().__init__(
            f"{count} problem{'' if count == 1 else 's'} in the import; nothing written"
        )


class ImportFileError(ValueError):
    """The file cannot be read as an import at all (too large, binary, not JSON): one message,
    and nothing else is checked."""


# The opening bytes of files people send by mistake, and what they are.
_BINARY_SIGNATURES: Final = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx or Word .docx file is one)"),
    (b"\xd0\xcf\x11\xe0", "an old-style Office document (.xls or .doc)"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
_UTF8_BOM: Final = b"\xef\xbb\xbf"


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys silently; in an import that hides a mistake.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {_shown(key)} in an object")
        result[key] = value
    return result


def decode_import_file(raw: bytes, name: str) -> Any:
    """The JSON document in ``raw`` (the bytes of the file called ``name``), or
    :class:`ImportFileError` saying precisely why it is not one: too large (over
    ``IMPORT_MAX_BYTES``), empty, a binary file, not UTF-8, CSV or HTML rather than JSON, or
    invalid JSON. A UTF-8 byte order mark (which Excel and Notepad write) is ignored."""
    if len(raw) > IMPORT_MAX_BYTES:
        raise ImportFileError(
            f"{name} is too large: over {_size(IMPORT_MAX_BYTES)} (the most an import reads); "
            "split it into several files"
        )
    for signature, what in _BINARY_SIGNATURES:
        if raw.startswith(signature):
            raise ImportFileError(f"{name} is {what}, not a JSON text file")
    if b"\x00" in raw:
        raise ImportFileError(
            f"{name} is a binary file (it contains null bytes), not a JSON text file"
        )
    raw = raw.removeprefix(_UTF8_BOM)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{name} is not UTF-8 text: {exc.reason} at byte {exc.start}"
        ) from None
    if not text.strip():
        raise ImportFileError(f'{name} is empty; expected a JSON document ("{FORMAT}")')
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        first = text.lstrip()[:1]
        first_line = text.lstrip().split("\n", 1)[0]
        if first == "<":
            raise ImportFileError(
                f"{name} looks like HTML or XML, not JSON; the import takes JSON in the "
                f'"{FORMAT}" format'
            ) from None
        if first not in ("{", "[") and ("," in first_line or "\t" in first_line):
            raise ImportFileError(
                f"{name} looks like CSV (comma- or tab-separated values), not JSON; the import "
                f'takes JSON in the "{FORMAT}" format'
            ) from None
        raise ImportFileError(
            f"{name} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise ImportFileError(f"{name} is not valid JSON: it is nested too deeply") from None
    except ValueError as exc:  # a duplicate key, or a number too long to convert
        raise ImportFileError(f"{name} is not valid JSON: {exc}") from None


@dataclass(frozen=True)
class References:
    """What a file may refer to, looked up by the caller before parsing.

    Only the names the file mentions need to be present (see :func:`referenced_names`).
    """

    team_ids: Mapping[str, int]  # Team.code -> id
    user_ids: Mapping[str, int]  # User.username -> id
    stored_crns: frozenset[str]  # people already stored: an absent "team" keeps theirs
    default_team_code: str | None = None


@dataclass(frozen=True)
class Names:
    """The CRNs, team codes and usernames a file mentions (malformed values are skipped)."""

    crns: frozenset[str]
    team_codes: frozenset[str]
    usernames: frozenset[str]


@dataclass(frozen=True)
class OffenceRow:
    category: str
    description: str
    behaviours: list[str]

    @property
    def key(self) -> tuple[str, str]:
        """Natural key of a non-principal offence: a re-import updates the matching row."""
        return (self.category, self.description)

    def values(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "description": self.description,
            "behaviours": self.behaviours,
        }


@dataclass(frozen=True)
class AdjournmentRow:
    """An adjournment or deferral of a Parole Board review (parole.Adjournment)."""

    date: dt.date  # the natural key within its review
    kind: str
    reason: str
    new_date: dt.date | None
    prisoner_informed_on: dt.date | None

    @property
    def key(self) -> dt.date:
        return self.date

    def values(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "date": self.date,
            "reason": self.reason,
            "new_date": self.new_date,
            "prisoner_informed_on": self.prisoner_informed_on,
        }


@dataclass(frozen=True)
class ParoleReviewRow:
    """One Parole Board decision stage after a recall (parole.ParoleReview). ``adjournments``
    is :data:`UNSET` when the file leaves the list out: a stored review keeps its own."""

    referred_on: dt.date
    kind: str
    calder_answer: str
    hearing_date: dt.date | None
    decided_on: dt.date | None
    outcome: str
    adjournments: list[AdjournmentRow] | Unset

    @property
    def key(self) -> tuple[dt.date, str]:
        """Natural key within the recall: a re-import updates the matching review."""
        return (self.referred_on, self.kind)

    def values(self) -> dict[str, Any]:
        # Only the fields the format carries: notes and the PCA-N/PRA directions recorded in
        # the application are left as they are.
        return {
            "kind": self.kind,
            "referred_on": self.referred_on,
            "calder_answer": self.calder_answer,
            "hearing_date": self.hearing_date,
            "decided_on": self.decided_on,
            "outcome": self.outcome,
        }


@dataclass(frozen=True)
class RarrRow:
    """A risk-assessed recall review (parole.RiskAssessedRecallReview): at most one a recall."""

    decided_on: dt.date
    outcome: str

    def values(self) -> dict[str, Any]:
        return {"decided_on": self.decided_on, "outcome": self.outcome}


@dataclass(frozen=True)
class TerminationReferralRow:
    """A licence termination referral (parole.TerminationReferral)."""

    referred_on: dt.date  # the natural key within the person
    decided_on: dt.date | None
    outcome: str

    @property
    def key(self) -> dt.date:
        return self.referred_on

    def values(self) -> dict[str, Any]:
        return {
            "referred_on": self.referred_on,
            "decided_on": self.decided_on,
            "outcome": self.outcome,
        }


@dataclass(frozen=True)
class RecallRow:
    """A recall. The parole parts are :data:`UNSET` when the file leaves them out, so that a
    stored recall keeps what was recorded; ``rarr`` is None for "no RARR"."""

    recall_date: dt.date
    returned_to_custody: dt.date | None
    reasons: list[str]
    criteria: list[str]
    re_released_on: dt.date | Unset | None = UNSET
    parole_reviews: list[ParoleReviewRow] | Unset = UNSET
    rarr: RarrRow | Unset | None = UNSET

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "recall_date": self.recall_date,
            "returned_to_custody": self.returned_to_custody,
            "reasons": self.reasons,
            "criteria": self.criteria,
        }
        if self.re_released_on is not UNSET:
            values["re_released_on"] = self.re_released_on
        return values


@dataclass(frozen=True)
class ReleaseRow:
    date: dt.date  # the natural key: a person is released at most once a day
    prison: str
    approved_premises: bool
    recall: RecallRow | None

    def values(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "prison": self.prison,
            "approved_premises": self.approved_premises,
        }


@dataclass(frozen=True)
class SentenceRow:
    sentence_type: str
    sentence_date: dt.date
    tariff_years: int
    tariff_months: int
    tariff_days: int
    index_offence: OffenceRow
    other_offences: list[OffenceRow] | Unset

    def values(self) -> dict[str, Any]:
        return {
            "sentence_type": self.sentence_type,
            "sentence_date": self.sentence_date,
            "tariff_years": self.tariff_years,
            "tariff_months": self.tariff_months,
            "tariff_days": self.tariff_days,
        }


@dataclass(frozen=True)
class ConditionRow:
    kind: str
    standard_code: str
    text: str
    start_date: dt.date
    end_date: dt.date | None
    additional_code: str = ""

    @property
    def key(self) -> tuple[str, str, str, dt.date]:
        """Natural key: the same wording in force from the same day is the same condition."""
        return (self.kind, self.standard_code, self.text, self.start_date)

    def values(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "standard_code": self.standard_code,
            "additional_code": self.additional_code,
            "text": self.text,
            "start_date": self.start_date,
            "end_date": self.end_date,
        }


@dataclass(frozen=True)
class AllocationRow:
    practitioner_id: int
    start_date: dt.date
    end_date: dt.date | None

    @property
    def key(self) -> tuple[int, dt.date]:
        return (self.practitioner_id, self.start_date)

    def values(self) -> dict[str, Any]:
        return {
            "practitioner_id": self.practitioner_id,
            "start_date": self.start_date,
            "end_date": self.end_date,
        }


@dataclass(frozen=True)
class PersonRow:
    """A valid person record. ``fields`` holds Person attributes present in the file (team as
    ``team_id``); optional collections are :data:`UNSET` when the file leaves them out."""

    crn: str
    fields: dict[str, Any]
    sentence: SentenceRow
    releases: list[ReleaseRow]
    licence_conditions: list[ConditionRow] | Unset
    allocations: list[AllocationRow] | Unset
    termination_referrals: list[TerminationReferralRow] | Unset = UNSET


_PERSON_REQUIRED = (
    "crn",
    "nomis_number",
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "ethnicity",
    "sentence",
    "releases",
)
_PERSON_OPTIONAL = (
    "team",
    "pnc",
    "mappa",
    "rosh_level",
    "accommodation",
    "needs",
    "vulnerabilities",
    "opd_screening",
    "licence_conditions",
    "allocations",
    "licence_termination_referrals",
)


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _json_type(value: object) -> str:
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


def _shown(value: str, *, quote: bool = True) -> str:
    """``value`` as a message quotes it: at most ``_SHOWN_MAX`` characters, control characters
    and characters that cannot be written (a lone surrogate) escaped, so that a hostile value
    cannot flood or break the report."""
    text = value if len(value) <= _SHOWN_MAX else value[:_SHOWN_MAX] + "…"
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
def _vocabulary(choices: type[models.Choices]) -> tuple[frozenset[Any], str]:
    """The allowed values of ``choices`` and how to list them in a message. Cached: Django
    rebuilds ``Choices.values`` on every access, which dominates parsing a large file."""
    values = choices.values
    return frozenset(values), ", ".join(str(value) for value in values)


@dataclass
class _Reader:
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
        self.problem(path, f"expected an object, got {_json_type(value)}")
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
                self.problem(_join(path, key), "required field is missing")
        for key in obj:
            if key not in allowed:
                self.problem(
                    _join(path, _shown(key, quote=False)),
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
        path = _join(prefix, key)
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
        self.problem(path, f"expected a list, got {_json_type(value)}")
        return None

    def text(
        self, value: object, path: str, *, max_length: int | None = None, blank: bool = True
    ) -> str | None:
        if not isinstance(value, str):
            self.problem(path, f"expected a string, got {_json_type(value)}")
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
        self.problem(path, f"expected true or false, got {_json_type(value)}")
        return None

    def integer(self, value: object, path: str, *, low: int, high: int) -> int | None:
        # bool is an int subclass in Python, but true is not a number in the file.
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(path, f"expected a whole number, got {_json_type(value)}")
            return None
        if not low <= value <= high:
            self.problem(path, f"{value} is out of range; expected {low} to {high}")
            return None
        return value

    def date(self, value: object, path: str, *, future: bool = False) -> dt.date | None:
        if not isinstance(value, str):
            self.problem(path, f"expected a date as a YYYY-MM-DD string, got {_json_type(value)}")
            return None
        if not _DATE_PATTERN.match(value):
            self.problem(path, f"{_shown(value)} is not a date in the form YYYY-MM-DD")
            return None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError as exc:
            self.problem(path, f"{_shown(value)} is not a real date ({exc})")
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
                    self.problem(path, f"expected a whole number, got {_json_type(value)}")
                    return None
            elif not isinstance(value, str):
                self.problem(path, f"expected a string, got {_json_type(value)}")
                return None
            allowed, listed = _vocabulary(choices)
            if value not in allowed:
                shown = _shown(value) if isinstance(value, str) else str(value)
                self.problem(path, f"{shown} is not allowed; expected one of: {listed}")
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


# --- the document ----------------------------------------------------------------------------


def _crn_label(raw: object, index: int) -> str:
    crn = raw.get("crn") if isinstance(raw, dict) else None
    if isinstance(crn, str) and crn.strip():
        return crn if CRN_PATTERN.match(crn) else _shown(crn, quote=False)
    return f"people[{index}]"


def referenced_names(data: object) -> Names:
    """The CRNs, team codes and usernames that ``data`` mentions, for the caller to look up
    before :func:`parse_document`. Never raises on malformed input: parsing reports that."""
    crns: set[str] = set()
    teams: set[str] = set()
    users: set[str] = set()
    people = data.get("people") if isinstance(data, dict) else None
    for raw in people if isinstance(people, list) else ():
        if not isinstance(raw, dict):
            continue
        if isinstance(raw.get("crn"), str) and CRN_PATTERN.match(raw["crn"]):
            crns.add(raw["crn"])
        # Only names that could be stored are looked up: the database refuses a NUL in a query.
        if isinstance(raw.get("team"), str) and unstorable(raw["team"]) is None:
            teams.add(raw["team"])
        allocations = raw.get("allocations")
        for allocation in allocations if isinstance(allocations, list) else ():
            name = allocation.get("practitioner") if isinstance(allocation, dict) else None
            if isinstance(name, str) and unstorable(name) is None:
                users.add(name)
    return Names(frozenset(crns), frozenset(teams), frozenset(users))


def parse_document(
    data: object, *, refs: References, today: dt.date
) -> tuple[list[PersonRow], list[ImportProblem]]:
    """Validate a decoded import file.

    Returns the person rows and every problem found, in file order. The rows are complete and
    safe to write only when the problem list is empty. ``today`` (Europe/London) bounds the dates.
    """
    problems: list[ImportProblem] = []

    def file_problem(path: str, reason: str) -> None:
        problems.append(ImportProblem(FILE_LABEL, path, reason))

    if not isinstance(data, dict):
        file_problem("", f'expected an object with "format" and "people", got {_json_type(data)}')
        return [], problems
    if "format" not in data:
        file_problem("format", f'required field is missing; expected "{FORMAT}"')
        return [], problems
    if data["format"] != FORMAT:
        # Another format (or version) means the rest cannot be interpreted: stop here.
        given = data["format"]
        shown = (
            repr(given if len(given) <= _SHOWN_MAX else given[:_SHOWN_MAX] + "…")
            if isinstance(given, str)
            else _json_type(given)
        )
        file_problem("format", f'unknown format {shown}; expected "{FORMAT}"')
        return [], problems
    for key in data:
        if key not in ("format", "people"):
            file_problem(_shown(key, quote=False), "unknown field; allowed fields: format, people")
    people = data.get("people")
    if not isinstance(people, list):
        reason = "required field is missing" if "people" not in data else "expected a list"
        file_problem("people", reason)
        return [], problems

    default_team_id: int | None = None
    if refs.default_team_code is not None:
        default_team_id = refs.team_ids.get(refs.default_team_code)
        if default_team_id is None:
            file_problem("default_team", f"no team with code {_shown(refs.default_team_code)}")

    rows: list[PersonRow] = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(people):
        label = _crn_label(raw, index)
        reader = _Reader(label=label, today=today)
        # Checked on the raw CRN so that a duplicate is reported even if either record is invalid.
        if CRN_PATTERN.match(label):
            seen = first_index.setdefault(label, index)
            if seen != index:
                reader.problem("crn", f"duplicate CRN: people[{seen}] has the same CRN")
        row = _parse_person(reader, raw, refs, default_team_id)
        problems.extend(reader.problems)
        if row is not None and not reader.problems:
            rows.append(row)
    return rows, problems


def _parse_person(
    r: _Reader, raw: object, refs: References, default_team_id: int | None
) -> PersonRow | None:
    """Read one person record into ``r``; the row, or None when the record has problems."""
    obj = r.obj(raw, "")
    if obj is None:
        return None
    r.keys(obj, "", _PERSON_REQUIRED, _PERSON_OPTIONAL)
    crn = r.get(obj, "crn", "", r.text)
    if isinstance(crn, str) and not CRN_PATTERN.match(crn):
        r.problem(
            "crn",
            f"{_shown(crn)} is not a CRN: expected a capital letter and six digits, e.g. A123456",
        )
        crn = None

    fields: dict[str, Any] = {}
    readers: dict[str, Callable[[Any, str], Any]] = {
        "nomis_number": _nomis_reader(r),
        "first_name": r.name,
        "last_name": r.name,
        "date_of_birth": r.date,
        "gender": r.choice(vocab.Gender),
        "ethnicity": r.choice(vocab.Ethnicity),
        "pnc": lambda v, p: r.text(v, p, max_length=_PNC_MAX),
        "accommodation": r.choice(vocab.Accommodation),
        "needs": r.choice_list(vocab.Need),
        "vulnerabilities": r.text,
        "opd_screening": r.choice(vocab.OpdScreening),
    }
    for key, read in readers.items():
        value = r.get(obj, key, "", read)
        if value is not UNSET:
            fields[key] = value

    # null means "not assessed" (stored blank), as the export writes it.
    rosh = r.get(obj, "rosh_level", "", r.choice(vocab.RoshLevel), nullable=True)
    if rosh is not UNSET:
        fields["rosh_level"] = rosh or ""

    if "mappa" in obj:
        category, level = _parse_mappa(r, obj["mappa"])
        fields["mappa_category"] = category
        fields["mappa_level"] = level

    team = r.get(obj, "team", "", lambda v, p: r.text(v, p, max_length=_TEAM_CODE_MAX, blank=False))
    if isinstance(team, str):
        if team in refs.team_ids:
            fields["team_id"] = refs.team_ids[team]
        else:
            r.problem("team", f"no team with code {_shown(team)}")
    elif team is UNSET and isinstance(crn, str) and crn not in refs.stored_crns:
        if default_team_id is not None:
            fields["team_id"] = default_team_id
        elif refs.default_team_code is None:
            r.problem("team", "required for a person not already stored (or give a default team)")

    sentence = None
    if "sentence" in obj:
        sentence = _parse_sentence(r, obj["sentence"], fields.get("date_of_birth"))
    releases: list[_PartialRelease] | None = None
    if "releases" in obj:
        releases = _parse_releases(r, obj["releases"])
    if sentence is not None and releases:
        _check_sentence_before_release(r, sentence, releases)

    conditions: list[ConditionRow] | Unset | None = UNSET
    if "licence_conditions" in obj:
        conditions = _parse_conditions(r, obj["licence_conditions"])
    allocations: list[AllocationRow] | Unset | None = UNSET
    if "allocations" in obj:
        allocations = _parse_allocations(r, obj["allocations"], refs)

    referrals: list[TerminationReferralRow] | Unset | None = UNSET
    if "licence_termination_referrals" in obj:
        referrals = _parse_termination_referrals(
            r,
            obj["licence_termination_referrals"],
            sentence.sentence_type if sentence is not None else None,
        )

    if r.problems or not isinstance(crn, str) or sentence is None or releases is None:
        return None
    # No problems means that every collection present was read in full.
    assert conditions is not None and allocations is not None  # noqa: S101
    assert referrals is not None  # noqa: S101
    return PersonRow(
        crn=crn,
        fields=fields,
        sentence=sentence.row(),
        releases=[release.row() for release in releases],
        licence_conditions=conditions,
        allocations=allocations,
        termination_referrals=referrals,
    )


def _nomis_reader(r: _Reader) -> Callable[[Any, str], str | None]:
    def read(value: object, path: str) -> str | None:
        text = r.text(value, path)
        # Blank is allowed: a person released before NOMIS numbers were recorded may have none.
        if text and not NOMIS_PATTERN.match(text):
            r.problem(path, f"{_shown(text)} is not a NOMIS number: expected e.g. A1234BC")
            return None
        return text

    return read


def _parse_mappa(r: _Reader, value: object) -> tuple[int | None, int | None]:
    if value is None:
        return None, None
    obj = r.obj(value, "mappa")
    if obj is None:
        return None, None
    r.keys(obj, "mappa", ("category",), ("level",))
    category = r.get(obj, "category", "mappa", r.choice(vocab.MappaCategory))
    # A category may be set before the level is decided; the level alone means nothing.
    level = r.get(obj, "level", "mappa", r.choice(vocab.MappaLevel), nullable=True)
    return (
        category if isinstance(category, int) else None,
        level if isinstance(level, int) else None,
    )


def _parse_offence(r: _Reader, value: object, path: str) -> OffenceRow | None:
    obj = r.obj(value, path)
    if obj is None:
        return None
    r.keys(obj, path, ("category", "description", "behaviours"))
    category = r.get(obj, "category", path, r.choice(vocab.OffenceCategory))
    description = r.get(obj, "description", path, r.text)
    behaviours = r.get(obj, "behaviours", path, r.choice_list(vocab.Behaviour))
    if isinstance(category, str) and isinstance(description, str) and isinstance(behaviours, list):
        return OffenceRow(category, description, behaviours)
    return None


@dataclass
class _PartialSentence:
    """A sentence read so far; fields are None where invalid (cross-checks skip those)."""

    sentence_type: Any
    sentence_date: dt.date | None
    tariff: tuple[int, int, int] | None
    index_offence: OffenceRow | None
    other_offences: list[OffenceRow] | Unset | None

    def row(self) -> SentenceRow:
        assert self.tariff is not None and self.index_offence is not None  # noqa: S101
        assert self.sentence_date is not None and self.other_offences is not None  # noqa: S101
        years, months, days = self.tariff
        return SentenceRow(
            sentence_type=self.sentence_type,
            sentence_date=self.sentence_date,
            tariff_years=years,
            tariff_months=months,
            tariff_days=days,
            index_offence=self.index_offence,
            other_offences=self.other_offences,
        )


def _parse_sentence(
    r: _Reader, value: object, date_of_birth: dt.date | Unset | None
) -> _PartialSentence | None:
    obj = r.obj(value, "sentence")
    if obj is None:
        return None
    r.keys(
        obj, "sentence", ("type", "sentence_date", "tariff", "index_offence"), ("other_offences",)
    )
    sentence_type = r.get(obj, "type", "sentence", r.choice(vocab.SentenceType))
    sentence_date = r.get(obj, "sentence_date", "sentence", r.date)
    if (
        isinstance(sentence_date, dt.date)
        and isinstance(date_of_birth, dt.date)
        and date_of_birth >= sentence_date
    ):
        r.problem(
            "date_of_birth", f"{date_of_birth} is not before the sentence date ({sentence_date})"
        )

    tariff: tuple[int, int, int] | None = None
    tariff_obj = r.get(obj, "tariff", "sentence", r.obj)
    if isinstance(tariff_obj, dict):
        r.keys(tariff_obj, "sentence.tariff", ("years", "months", "days"))
        # Months and days are bounded as in the database; a longer tariff is written in years.
        years = r.get(
            tariff_obj,
            "years",
            "sentence.tariff",
            lambda v, p: r.integer(v, p, low=0, high=_TARIFF_YEARS_MAX),
        )
        months = r.get(
            tariff_obj, "months", "sentence.tariff", lambda v, p: r.integer(v, p, low=0, high=11)
        )
        days = r.get(
            tariff_obj, "days", "sentence.tariff", lambda v, p: r.integer(v, p, low=0, high=365)
        )
        if isinstance(years, int) and isinstance(months, int) and isinstance(days, int):
            tariff = (years, months, days)

    index_offence = None
    if "index_offence" in obj:
        index_offence = _parse_offence(r, obj["index_offence"], "sentence.index_offence")

    others: list[OffenceRow] | Unset | None = UNSET
    items = r.get(obj, "other_offences", "sentence", r.array)
    if isinstance(items, list):
        others = []
        seen: dict[tuple[str, str], int] = {}
        for i, item in enumerate(items):
            path = f"sentence.other_offences[{i}]"
            offence = _parse_offence(r, item, path)
            if offence is None:
                others = None
                continue
            first = seen.setdefault(offence.key, i)
            if first != i:
                r.problem(
                    path, f"same category and description as sentence.other_offences[{first}]"
                )
            if others is not None:
                others.append(offence)
    elif items is None:
        others = None
    return _PartialSentence(
        sentence_type,
        sentence_date if isinstance(sentence_date, dt.date) else None,
        tariff,
        index_offence,
        others,
    )


@dataclass
class _PartialRelease:
    date: dt.date | None
    prison: Any
    approved_premises: Any
    recall: _PartialRecall | None  # None: no recall (absent or null)

    def row(self) -> ReleaseRow:
        assert self.date is not None  # noqa: S101 - only called when the record has no problems
        return ReleaseRow(
            self.date,
            self.prison,
            self.approved_premises,
            self.recall.row() if self.recall else None,
        )


@dataclass
class _PartialRecall:
    recall_date: dt.date | None
    returned_to_custody: dt.date | None
    reasons: Any
    criteria: Any
    # The parole parts: UNSET when left out; None when null (or, with problems, invalid).
    re_released: dt.date | Unset | None = UNSET
    parole_reviews: list[ParoleReviewRow] | Unset | None = UNSET
    rarr: RarrRow | Unset | None = UNSET

    def row(self) -> RecallRow:
        assert self.recall_date is not None  # noqa: S101
        assert self.parole_reviews is not None  # noqa: S101
        return RecallRow(
            self.recall_date,
            self.returned_to_custody,
            self.reasons,
            self.criteria,
            re_released_on=self.re_released,
            parole_reviews=self.parole_reviews,
            rarr=self.rarr,
        )


def _parse_releases(r: _Reader, value: object) -> list[_PartialRelease] | None:
    items = r.array(value, "releases")
    if items is None:
        return None
    releases: list[_PartialRelease] = []
    for i, item in enumerate(items):
        path = f"releases[{i}]"
        obj = r.obj(item, path)
        if obj is None:
            releases.append(
                _PartialRelease(None, None, None, _PartialRecall(None, None, None, None))
            )
            continue
        r.keys(obj, path, ("date", "prison", "approved_premises"), ("recall",))
        date = r.get(obj, "date", path, r.date)
        prison = r.get(
            obj, "prison", path, lambda v, p: r.text(v, p, max_length=_PRISON_MAX, blank=False)
        )
        approved = r.get(obj, "approved_premises", path, r.boolean)
        recall = None
        if obj.get("recall") is not None:
            recall = _parse_recall(r, obj["recall"], f"{path}.recall")
        releases.append(
            _PartialRelease(date if isinstance(date, dt.date) else None, prison, approved, recall)
        )
    _check_release_order(r, releases)
    return releases


def _parse_recall(r: _Reader, value: object, path: str) -> _PartialRecall:
    obj = r.obj(value, path)
    if obj is None:
        # Still "a recall" for the order checks, so that it is not also reported as missing.
        return _PartialRecall(None, None, None, None)
    r.keys(
        obj,
        path,
        ("date", "reasons", "criteria"),
        ("returned_to_custody", "parole_reviews", "rarr", "re_released"),
    )
    date = r.get(obj, "date", path, r.date)
    rtc = r.get(obj, "returned_to_custody", path, r.date, nullable=True)
    reasons = r.get(obj, "reasons", path, r.choice_list(vocab.RecallReason))
    criteria = r.get(obj, "criteria", path, r.choice_list(vocab.RecallCriterion))
    recall_date = date if isinstance(date, dt.date) else None
    returned = rtc if isinstance(rtc, dt.date) else None

    reviews: list[ParoleReviewRow] | Unset | None = UNSET
    if "parole_reviews" in obj:
        reviews = _parse_reviews(r, obj["parole_reviews"], f"{path}.parole_reviews", recall_date)
    rarr: RarrRow | Unset | None = UNSET
    if "rarr" in obj:
        rarr = None
        if obj["rarr"] is not None:  # null: no RARR on this recall
            rarr = _parse_rarr(r, obj["rarr"], f"{path}.rarr", recall_date, returned)
    re_released = r.get(obj, "re_released", path, r.date, nullable=True)
    if isinstance(re_released, dt.date):
        _check_after_recall(r, re_released, f"{path}.re_released", recall_date, returned)
    return _PartialRecall(
        recall_date,
        returned,
        reasons,
        criteria,
        re_released=re_released if isinstance(re_released, dt.date | Unset) else None,
        parole_reviews=reviews,
        rarr=rarr,
    )


def _check_after_recall(
    r: _Reader,
    day: dt.date,
    path: str,
    recall_date: dt.date | None,
    returned: dt.date | None,
) -> None:
    """``day`` (a RARR decision, a re-release) comes on or after the recall and the return to
    custody; only the first of the two is reported, as the return is on or after the recall."""
    if recall_date is not None and day < recall_date:
        r.problem(path, f"{day} is before the recall date ({recall_date})")
    elif returned is not None and day < returned:
        r.problem(path, f"{day} is before the return to custody ({returned})")


def _decided(
    r: _Reader, obj: Mapping[str, Any], path: str, choices: type[models.Choices]
) -> tuple[dt.date | None, str]:
    """A decision's ``decided`` date and ``outcome`` (``""`` for none): both given or neither.
    Each may be null or left out while the decision is awaited."""
    decided = r.get(obj, "decided", path, r.date, nullable=True)
    outcome = r.get(obj, "outcome", path, r.choice(choices), nullable=True)
    has_decided, has_outcome = obj.get("decided") is not None, obj.get("outcome") is not None
    if has_decided and not has_outcome:
        r.problem(_join(path, "outcome"), 'required when "decided" is given (give both or neither)')
    elif has_outcome and not has_decided:
        r.problem(_join(path, "decided"), 'required when "outcome" is given (give both or neither)')
    return (
        decided if isinstance(decided, dt.date) else None,
        outcome if isinstance(outcome, str) else "",
    )


def _check_decided_after_referral(
    r: _Reader, path: str, decided: dt.date | None, referred: object
) -> None:
    if decided is not None and isinstance(referred, dt.date) and decided < referred:
        r.problem(_join(path, "decided"), f"{decided} is before the referral ({referred})")


def _parse_reviews(
    r: _Reader, value: object, path: str, recall_date: dt.date | None
) -> list[ParoleReviewRow] | None:
    items = r.array(value, path)
    if items is None:
        return None
    rows: list[ParoleReviewRow] | None = []
    seen: dict[tuple[dt.date, str], int] = {}
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]"
        row, key = _parse_review(r, item, item_path, recall_date)
        # Checked on the key alone, so that a duplicate is reported even if either is invalid.
        if key is not None:
            first = seen.setdefault(key, i)
            if first != i:
                r.problem(item_path, f"same referral date and kind as {path}[{first}]")
        if row is None:
            rows = None
        elif rows is not None:
            rows.append(row)
    return rows


def _parse_review(
    r: _Reader, value: object, path: str, recall_date: dt.date | None
) -> tuple[ParoleReviewRow | None, tuple[dt.date, str] | None]:
    """One review and its natural key (None where unreadable)."""
    obj = r.obj(value, path)
    if obj is None:
        return None, None
    before = len(r.problems)
    r.keys(
        obj,
        path,
        ("referred", "kind"),
        ("decided", "outcome", "adjournments", "hearing_date", "calder"),
    )
    referred = r.get(obj, "referred", path, r.date)
    kind = r.get(obj, "kind", path, r.choice(parole_vocab.ReviewKind))
    if isinstance(referred, dt.date) and recall_date is not None and referred < recall_date:
        r.problem(f"{path}.referred", f"{referred} is before the recall date ({recall_date})")
    decided, outcome = _decided(r, obj, path, parole_vocab.ReviewOutcome)
    _check_decided_after_referral(r, path, decided, referred)
    if kind == parole_vocab.ReviewKind.ORAL and outcome == parole_vocab.ReviewOutcome.ORAL_HEARING:
        r.problem(
            f"{path}.outcome",
            '"oral_hearing" is only for a paper review: an oral hearing cannot direct another',
        )
    # A hearing is listed ahead, so its date may be in the future.
    hearing_date = r.get(obj, "hearing_date", path, r.future_date, nullable=True)
    if isinstance(hearing_date, dt.date) and kind == parole_vocab.ReviewKind.PAPER:
        r.problem(f"{path}.hearing_date", "only an oral review has a hearing date, not a paper one")
    calder = r.get(obj, "calder", path, r.choice(parole_vocab.CalderAnswer), nullable=True)
    adjournments: list[AdjournmentRow] | Unset | None = UNSET
    if "adjournments" in obj:
        adjournments = _parse_adjournments(r, obj["adjournments"], f"{path}.adjournments", referred)
    key = (referred, kind) if isinstance(referred, dt.date) and isinstance(kind, str) else None
    if len(r.problems) != before or key is None or adjournments is None:
        return None, key
    return (
        ParoleReviewRow(
            referred_on=key[0],
            kind=key[1],
            calder_answer=calder if isinstance(calder, str) else "",
            hearing_date=hearing_date if isinstance(hearing_date, dt.date) else None,
            decided_on=decided,
            outcome=outcome,
            adjournments=adjournments,
        ),
        key,
    )


def _parse_adjournments(
    r: _Reader, value: object, path: str, referred: object
) -> list[AdjournmentRow] | None:
    items = r.array(value, path)
    if items is None:
        return None
    rows: list[AdjournmentRow] | None = []
    seen: dict[dt.date, int] = {}
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]"
        obj = r.obj(item, item_path)
        if obj is None:
            rows = None
            continue
        before = len(r.problems)
        r.keys(obj, item_path, ("date", "reason"), ("prisoner_informed", "kind", "new_date"))
        date = r.get(obj, "date", item_path, r.date)
        reason = r.get(obj, "reason", item_path, lambda v, p: r.text(v, p, blank=False))
        kind = r.get(obj, "kind", item_path, r.choice(parole_vocab.DelayKind))
        kind = parole_vocab.DelayKind.ADJOURNMENT.value if kind is UNSET else kind
        # The new date of an adjourned or deferred review lies ahead.
        new_date = r.get(obj, "new_date", item_path, r.future_date, nullable=True)
        informed = r.get(obj, "prisoner_informed", item_path, r.date, nullable=True)
        label = kind if isinstance(kind, str) else parole_vocab.DelayKind.ADJOURNMENT.value
        if isinstance(date, dt.date):
            if isinstance(referred, dt.date) and date < referred:
                r.problem(f"{item_path}.date", f"{date} is before the referral ({referred})")
            if isinstance(new_date, dt.date) and new_date <= date:
                r.problem(f"{item_path}.new_date", f"{new_date} is not after the {label} ({date})")
            if isinstance(informed, dt.date) and informed < date:
                r.problem(
                    f"{item_path}.prisoner_informed", f"{informed} is before the {label} ({date})"
                )
            first = seen.setdefault(date, i)
            if first != i:
                r.problem(item_path, f"same date as {path}[{first}]")
        if len(r.problems) != before or not isinstance(date, dt.date):
            rows = None
        elif rows is not None:
            rows.append(
                AdjournmentRow(
                    date=date,
                    kind=label,
                    reason=reason,  # type: ignore[arg-type]
                    new_date=new_date if isinstance(new_date, dt.date) else None,
                    prisoner_informed_on=informed if isinstance(informed, dt.date) else None,
                )
            )
    return rows


def _parse_rarr(
    r: _Reader,
    value: object,
    path: str,
    recall_date: dt.date | None,
    returned: dt.date | None,
) -> RarrRow | None:
    obj = r.obj(value, path)
    if obj is None:
        return None
    r.keys(obj, path, ("decided", "outcome"))
    decided = r.get(obj, "decided", path, r.date)
    outcome = r.get(obj, "outcome", path, r.choice(parole_vocab.RarrOutcome))
    if isinstance(decided, dt.date):
        _check_after_recall(r, decided, f"{path}.decided", recall_date, returned)
    if isinstance(decided, dt.date) and isinstance(outcome, str):
        return RarrRow(decided, outcome)
    return None


def _parse_termination_referrals(
    r: _Reader, value: object, sentence_type: object
) -> list[TerminationReferralRow] | None:
    path = "licence_termination_referrals"
    items = r.array(value, path)
    if items is None:
        return None
    # The licence of an IPP or DPP sentence may be terminated (s.31A); others are out of scope.
    if items and isinstance(sentence_type, str) and sentence_type not in _TERMINABLE:
        r.problem(
            path,
            f"only an IPP or DPP licence can be referred for termination, not {sentence_type}",
        )
    rows: list[TerminationReferralRow] | None = []
    seen: dict[dt.date, int] = {}
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]"
        obj = r.obj(item, item_path)
        if obj is None:
            rows = None
            continue
        before = len(r.problems)
        r.keys(obj, item_path, ("referred",), ("decided", "outcome"))
        referred = r.get(obj, "referred", item_path, r.date)
        decided, outcome = _decided(r, obj, item_path, parole_vocab.TerminationOutcome)
        _check_decided_after_referral(r, item_path, decided, referred)
        if isinstance(referred, dt.date):
            first = seen.setdefault(referred, i)
            if first != i:
                r.problem(item_path, f"same referral date as {path}[{first}]")
        if len(r.problems) != before or not isinstance(referred, dt.date):
            rows = None
        elif rows is not None:
            rows.append(TerminationReferralRow(referred, decided, outcome))
    return rows


def _check_release_order(r: _Reader, releases: list[_PartialRelease]) -> None:
    """Releases in date order; each recall inside its own period on licence; only the last
    period may still be open. Dates already reported as invalid are skipped."""
    previous: dt.date | None = None
    for i, release in enumerate(releases):
        path = f"releases[{i}]"
        following = releases[i + 1] if i + 1 < len(releases) else None
        next_date = following.date if following else None
        if release.date is not None:
            if previous is not None and release.date <= previous:
                r.problem(
                    f"{path}.date",
                    f"{release.date} is not after the previous release ({previous}); "
                    "releases must be listed in date order, one per day",
                )
            previous = release.date if previous is None else max(previous, release.date)
        recall = release.recall
        if recall is None:
            if following is not None:
                r.problem(f"{path}.recall", "required: only the last release may have no recall")
            continue
        if recall.recall_date is not None:
            if release.date is not None and recall.recall_date < release.date:
                r.problem(
                    f"{path}.recall.date",
                    f"{recall.recall_date} is before the release it ends ({release.date})",
                )
            if next_date is not None and recall.recall_date >= next_date:
                r.problem(
                    f"{path}.recall.date",
                    f"{recall.recall_date} is not before the next release ({next_date})",
                )
        rtc = recall.returned_to_custody
        if rtc is not None:
            if recall.recall_date is not None and rtc < recall.recall_date:
                r.problem(
                    f"{path}.recall.returned_to_custody",
                    f"{rtc} is before the recall date ({recall.recall_date})",
                )
            # A person is re-released only from custody, so the return comes first.
            if next_date is not None and rtc >= next_date:
                r.problem(
                    f"{path}.recall.returned_to_custody",
                    f"{rtc} is not before the next release ({next_date})",
                )
        # The re-release ends this recall's time in custody, so it is the next release listed.
        re_released = recall.re_released
        if isinstance(re_released, dt.date) and next_date is not None and re_released != next_date:
            r.problem(
                f"{path}.recall.re_released",
                f"{re_released} is not the date of the next release ({next_date})",
            )


def _check_sentence_before_release(
    r: _Reader, sentence: _PartialSentence, releases: list[_PartialRelease]
) -> None:
    dates = [release.date for release in releases if release.date is not None]
    if sentence.sentence_date is not None and dates and sentence.sentence_date > min(dates):
        r.problem(
            "sentence.sentence_date",
            f"{sentence.sentence_date} is after the first release ({min(dates)})",
        )


def _parse_conditions(r: _Reader, value: object) -> list[ConditionRow] | None:
    items = r.array(value, "licence_conditions")
    if items is None:
        return None
    rows: list[ConditionRow] | None = []
    seen: dict[tuple[str, str, str, dt.date], int] = {}
    for i, item in enumerate(items):
        path = f"licence_conditions[{i}]"
        row = _parse_condition(r, item, path)
        if row is None:
            rows = None
            continue
        first = seen.setdefault(row.key, i)
        if first != i:
            r.problem(path, f"same condition and start date as licence_conditions[{first}]")
        if rows is not None:
            rows.append(row)
    return rows


def _parse_condition(r: _Reader, value: object, path: str) -> ConditionRow | None:
    obj = r.obj(value, path)
    if obj is None:
        return None
    r.keys(obj, path, ("kind", "start"), ("code", "text", "end"))
    before = len(r.problems)
    kind = r.get(obj, "kind", path, r.choice(vocab.ConditionKind))
    code: Any = ""
    additional_code: Any = ""
    text: Any = ""
    if kind == vocab.ConditionKind.STANDARD:
        if "code" not in obj:
            r.problem(f"{path}.code", "required for a standard condition")
        code = r.get(obj, "code", path, r.choice(vocab.StandardCondition))
        # A standard condition's wording comes from its code; extra text is optional.
        text = r.get(obj, "text", path, r.text)
        text = "" if text is UNSET else text
    elif kind == vocab.ConditionKind.ADDITIONAL:
        # Optional: what the condition is about, so that the recall rules see it.
        additional_code = r.get(obj, "code", path, _additional_code(r), nullable=True)
        additional_code = "" if additional_code in (UNSET, None) else additional_code
        if "text" not in obj:
            r.problem(f"{path}.text", f"required for an {kind} condition")
        text = r.get(obj, "text", path, lambda v, p: r.text(v, p, blank=False))
    elif isinstance(kind, str):
        if "code" in obj:
            r.problem(
                f"{path}.code",
                f"only a standard or additional condition has a code, not a {kind} one",
            )
        if "text" not in obj:
            r.problem(f"{path}.text", f"required for an {kind} condition")
        text = r.get(obj, "text", path, lambda v, p: r.text(v, p, blank=False))
    start = r.get(obj, "start", path, r.date)
    # A condition may be set to lapse on a known future day.
    end = r.get(obj, "end", path, r.future_date, nullable=True)
    end = None if end is UNSET else end
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        r.problem(f"{path}.end", f"{end} is before the start ({start})")
    if len(r.problems) != before:
        return None
    return ConditionRow(kind, code, text, start, end, additional_code)  # type: ignore[arg-type]


def _additional_code(r: _Reader) -> Callable[[object, str], str | None]:
    """A reader for the code of an additional condition, with a message that says what the
    code is for (the generic choice message would not)."""

    def read(value: object, path: str) -> str | None:
        if not isinstance(value, str):
            r.problem(path, f"expected a string, got {_json_type(value)}")
            return None
        allowed, listed = _vocabulary(vocab.AdditionalCondition)
        if value not in allowed:
            r.problem(
                path,
                f"{_shown(value)} is not a code of an additional condition; expected one of: "
                f"{listed} (or leave the code out)",
            )
            return None
        return value

    return read


def _parse_allocations(r: _Reader, value: object, refs: References) -> list[AllocationRow] | None:
    items = r.array(value, "allocations")
    if items is None:
        return None
    rows: list[AllocationRow] | None = []
    seen: dict[tuple[str, dt.date], int] = {}
    open_index: int | None = None
    for i, item in enumerate(items):
        path = f"allocations[{i}]"
        obj = r.obj(item, path)
        if obj is None:
            rows = None
            continue
        before = len(r.problems)
        r.keys(obj, path, ("practitioner", "start"), ("end",))
        username = r.get(obj, "practitioner", path, lambda v, p: r.text(v, p, blank=False))
        user_id = None
        if isinstance(username, str):
            user_id = refs.user_ids.get(username)
            if user_id is None:
                r.problem(f"{path}.practitioner", f"no user with username {_shown(username)}")
        start = r.get(obj, "start", path, r.date)
        end = r.get(obj, "end", path, r.date, nullable=True)
        end = None if end is UNSET else end
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            r.problem(f"{path}.end", f"{end} is before the start ({start})")
        if obj.get("end") is None:  # absent or null: the current allocation
            if open_index is not None:
                r.problem(
                    f"{path}.end",
                    f"only one allocation may be open (no end); allocations[{open_index}] is too",
                )
            else:
                open_index = i
        if isinstance(username, str) and isinstance(start, dt.date):
            first = seen.setdefault((username, start), i)
            if first != i:
                r.problem(path, f"same practitioner and start date as allocations[{first}]")
        if len(r.problems) != before or user_id is None or not isinstance(start, dt.date):
            rows = None
        elif rows is not None:
            rows.append(AllocationRow(user_id, start, end))  # type: ignore[arg-type]
    return rows
