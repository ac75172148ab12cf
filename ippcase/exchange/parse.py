"""Parsing and validation of a decoded ``ippcase-import/1`` document (docs/import-format.md).

Pure Python over the decoded JSON: nothing here touches the database. The loader
(:func:`ippcase.exchange.load.cases_import`) looks up the teams, users and stored people that a
file refers to (:func:`referenced_names` says which), passes them in as :class:`References`, and
writes only when :func:`parse_document` returns no problems. Every problem in the file is
collected, never just the first, so that one run tells the sender everything that needs fixing.

This module reads the document, each person, their sentence, licence conditions and
allocations; :mod:`.parse_releases` reads the releases, recalls and parole parts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ippcase import vocab
from ippcase.cases.identifiers import CRN_PATTERN, NOMIS_PATTERN
from ippcase.cases.release_checks import sentence_before_release_problems
from ippcase.exchange.meetings import meeting_usernames, parse_meetings
from ippcase.exchange.parse_releases import (
    PartialRelease,
    parse_releases,
    parse_termination_referrals,
)
from ippcase.exchange.reader import (
    SHOWN_MAX,
    Reader,
    json_type,
    shown,
    unstorable,
    vocabulary,
)
from ippcase.exchange.rows import (
    FILE_LABEL,
    FORMAT,
    UNSET,
    AllocationRow,
    ConditionRow,
    ImportProblem,
    MeetingRow,
    Names,
    OffenceRow,
    PersonRow,
    References,
    SentenceRow,
    TerminationReferralRow,
    Unset,
)

# Field lengths of the models, checked here so that the database never rejects a valid file.
_PNC_MAX = 20
_ADDRESS_MAX = 500  # as the case record's form (ippcase.cases.record.forms.ADDRESS_MAX)
_VLO_MAX = 200
_TEAM_CODE_MAX = 20
_TARIFF_YEARS_MAX = 99

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
    "pdu",
    "pnc",
    "mappa",
    "rosh_level",
    "accommodation",
    "needs",
    "vulnerability_types",
    "vulnerabilities",
    "opd_screening",
    "address",
    "iom",
    "easy_read",
    "victims_in_vcs",
    "victim_liaison_officer",
    "victim_safety",
    "licence_conditions",
    "allocations",
    "licence_termination_referrals",
    "meetings",
)


# --- the document ----------------------------------------------------------------------------


def _crn_label(raw: object, index: int) -> str:
    crn = raw.get("crn") if isinstance(raw, dict) else None
    if isinstance(crn, str) and crn.strip():
        return crn if CRN_PATTERN.match(crn) else shown(crn, quote=False)
    return f"people[{index}]"


def referenced_names(data: object) -> Names:
    """The CRNs, team and PDU codes and usernames that ``data`` mentions, for the caller to look up
    before :func:`parse_document`. Never raises on malformed input: parsing reports that."""
    crns: set[str] = set()
    teams: set[str] = set()
    pdus: set[str] = set()
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
        if isinstance(raw.get("pdu"), str) and unstorable(raw["pdu"]) is None:
            pdus.add(raw["pdu"])
        allocations = raw.get("allocations")
        for allocation in allocations if isinstance(allocations, list) else ():
            name = allocation.get("practitioner") if isinstance(allocation, dict) else None
            if isinstance(name, str) and unstorable(name) is None:
                users.add(name)
        users |= meeting_usernames(raw)
    return Names(frozenset(crns), frozenset(teams), frozenset(users), frozenset(pdus))


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
        file_problem("", f'expected an object with "format" and "people", got {json_type(data)}')
        return [], problems
    if "format" not in data:
        file_problem("format", f'required field is missing; expected "{FORMAT}"')
        return [], problems
    if data["format"] != FORMAT:
        # Another format (or version) means the rest cannot be interpreted: stop here.
        given = data["format"]
        quoted = (
            repr(given if len(given) <= SHOWN_MAX else given[:SHOWN_MAX] + "…")
            if isinstance(given, str)
            else json_type(given)
        )
        file_problem("format", f'unknown format {quoted}; expected "{FORMAT}"')
        return [], problems
    for key in data:
        if key not in ("format", "people"):
            file_problem(shown(key, quote=False), "unknown field; allowed fields: format, people")
    people = data.get("people")
    if not isinstance(people, list):
        reason = "required field is missing" if "people" not in data else "expected a list"
        file_problem("people", reason)
        return [], problems

    default_team_id: int | None = None
    if refs.default_team_code is not None:
        default_team_id = refs.team_ids.get(refs.default_team_code)
        if default_team_id is None:
            file_problem("default_team", f"no team with code {shown(refs.default_team_code)}")

    rows: list[PersonRow] = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(people):
        label = _crn_label(raw, index)
        reader = Reader(label=label, today=today)
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
    r: Reader, raw: object, refs: References, default_team_id: int | None
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
            f"{shown(crn)} is not a CRN: expected a capital letter and six digits, e.g. A123456",
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
        "vulnerability_types": r.choice_list(vocab.Vulnerability),
        "vulnerabilities": r.text,
        "opd_screening": r.choice(vocab.OpdScreening),
        "address": lambda v, p: r.text(v, p, max_length=_ADDRESS_MAX),
        "iom": r.choice(vocab.YesNoUnknown),
        "easy_read": r.boolean,
        "victims_in_vcs": r.choice(vocab.YesNoUnknown),
        "victim_liaison_officer": lambda v, p: r.text(v, p, max_length=_VLO_MAX),
        "victim_safety": r.text,
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

    _parse_team(r, obj, crn, refs, default_team_id, fields)

    sentence = None
    if "sentence" in obj:
        sentence = _parse_sentence(r, obj["sentence"], fields.get("date_of_birth"))
    releases: list[PartialRelease] | None = None
    if "releases" in obj:
        releases = parse_releases(r, obj["releases"])
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
        referrals = parse_termination_referrals(
            r,
            obj["licence_termination_referrals"],
            sentence.sentence_type if sentence is not None else None,
        )

    meetings: list[MeetingRow] | Unset | None = UNSET
    if "meetings" in obj:
        meetings = parse_meetings(r, obj["meetings"], refs)

    if r.problems or not isinstance(crn, str) or sentence is None or releases is None:
        return None
    # No problems means that every collection present was read in full.
    assert conditions is not None and allocations is not None  # noqa: S101
    assert referrals is not None and meetings is not None  # noqa: S101
    return PersonRow(
        crn=crn,
        fields=fields,
        sentence=sentence.row(),
        releases=[release.row() for release in releases],
        licence_conditions=conditions,
        allocations=allocations,
        termination_referrals=referrals,
        meetings=meetings,
    )


def _parse_team(
    r: Reader,
    obj: dict[str, Any],
    crn: object,
    refs: References,
    default_team_id: int | None,
    fields: dict[str, Any],
) -> None:
    """The team holding the case, or (no team) the PDU whose unallocated list it waits on.

    A team sets ``team_id`` and takes the person off any unallocated list. Without one, a new
    person goes to the default team if the import has one and the record gives no ``pdu``;
    otherwise they are imported unallocated: no team, on the list of the ``pdu`` given (none:
    the national list). A stored person without ``team`` in the record keeps theirs (a ``pdu``
    moves them to that PDU's list only if they are unallocated; the loader checks that).
    """

    def code(value: object, path: str) -> str | None:
        return r.text(value, path, max_length=_TEAM_CODE_MAX, blank=False)

    team = r.get(obj, "team", "", code)
    pdu = r.get(obj, "pdu", "", code, nullable=True)
    if isinstance(team, str):
        if team in refs.team_ids:
            fields["team_id"] = refs.team_ids[team]
            fields["awaiting_pdu_id"] = None
        else:
            r.problem("team", f"no team with code {shown(team)}")
        if pdu is not UNSET:
            r.problem(
                "pdu",
                "only for a person without a team (the unallocated list they wait on); "
                "leave it out, or leave out the team",
            )
        return
    if team is not UNSET:  # invalid, already reported
        return
    pdu_id: int | None = None
    if isinstance(pdu, str):
        pdu_id = refs.pdu_ids.get(pdu)
        if pdu_id is None:
            r.problem("pdu", f"no PDU with code {shown(pdu)}")
            return
    elif pdu is not UNSET and pdu is not None:  # invalid, already reported
        return
    is_new = isinstance(crn, str) and crn not in refs.stored_crns
    if is_new and pdu is UNSET and refs.default_team_code is not None:
        if default_team_id is not None:  # an unknown default team is reported once, for the file
            fields["team_id"] = default_team_id
            fields["awaiting_pdu_id"] = None
        return
    if is_new:
        fields["team_id"] = None
    if pdu is not UNSET:
        fields["awaiting_pdu_id"] = pdu_id
    elif is_new:
        fields["awaiting_pdu_id"] = None


def _nomis_reader(r: Reader) -> Callable[[Any, str], str | None]:
    def read(value: object, path: str) -> str | None:
        text = r.text(value, path)
        # Blank is allowed: a person released before NOMIS numbers were recorded may have none.
        if text and not NOMIS_PATTERN.match(text):
            r.problem(path, f"{shown(text)} is not a NOMIS number: expected e.g. A1234BC")
            return None
        return text

    return read


def _parse_mappa(r: Reader, value: object) -> tuple[int | None, int | None]:
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


def _parse_offence(r: Reader, value: object, path: str) -> OffenceRow | None:
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
    r: Reader, value: object, date_of_birth: dt.date | Unset | None
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


def _check_sentence_before_release(
    r: Reader, sentence: _PartialSentence, releases: list[PartialRelease]
) -> None:
    dates = [release.date for release in releases]
    for path, message in sentence_before_release_problems(sentence.sentence_date, dates):
        r.problem(path, message)


def _parse_conditions(r: Reader, value: object) -> list[ConditionRow] | None:
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


def _parse_condition(r: Reader, value: object, path: str) -> ConditionRow | None:
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
    # A kind or start left out was reported by keys() before ``before``, so the row may hold
    # UNSET there; the record has problems then, and the row is only used to report duplicates.
    return ConditionRow(kind, code, text, start, end, additional_code)  # type: ignore[arg-type]


def _additional_code(r: Reader) -> Callable[[object, str], str | None]:
    """A reader for the code of an additional condition, with a message that says what the
    code is for (the generic choice message would not)."""

    def read(value: object, path: str) -> str | None:
        if not isinstance(value, str):
            r.problem(path, f"expected a string, got {json_type(value)}")
            return None
        allowed, listed = vocabulary(vocab.AdditionalCondition)
        if value not in allowed:
            r.problem(
                path,
                f"{shown(value)} is not a code of an additional condition; expected one of: "
                f"{listed} (or leave the code out)",
            )
            return None
        return value

    return read


def _parse_allocations(r: Reader, value: object, refs: References) -> list[AllocationRow] | None:
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
                r.problem(f"{path}.practitioner", f"no user with username {shown(username)}")
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
            rows.append(AllocationRow(user_id, start, end))
    return rows
