"""Opening a case: :func:`open_case` creates the person and everything the pages recorded —
sentence, index offences, the first RoSH/MAPPA record, releases and recalls, licence conditions
and the allocation — in one transaction, audited as "Case opened" with the user who opened it.

The answers come from the session (ippcase.cases.opening.answers); the service trusts their
formats (the forms checked them) but checks again everything that can have changed since, or
that spans pages: the team is one the user may open a case in, the COM is an active practitioner
of it, the release history is consistent with itself and with the sentence date
(ippcase.cases.release_checks, the import's messages), and no case holds the CRN or the NOMIS
number. The identifiers are locked for the transaction (an advisory lock on each), so two users
opening the same person at once cannot both succeed; the CRN's unique index backs it up.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pghistory
from django.db import IntegrityError, connection, transaction

from ippcase.cases.opening import answers as store
from ippcase.cases.opening.selectors import coms_for_team, existing_case, teams_for_new_case
from ippcase.cases.release_checks import release_history_problems, sentence_before_release_problems
from ippcase.core import once
from ippcase.models import (
    Allocation,
    IndexOffence,
    LicenceCondition,
    Person,
    Recall,
    Release,
    RiskChange,
    Sentence,
    User,
)
from ippcase.vocab import ConditionKind, RiskChangeKind
from recall.deadlines import long_date

# The reason every audit event of the opening carries (the case history shows it).
OPENED_REASON = "Case opened"
RISK_REASON = "Recorded when the case was opened"


class OpenCaseError(ValueError):
    """The case cannot be opened; the message is for the user. ``step`` is the answer key of
    the page to change (None: no page fixes it)."""

    def __init__(self, message: str, step: str | None = None) -> None:
        super().__init__(message)
        self.step = step


class DuplicateCase(OpenCaseError):
    """A case already holds the CRN or NOMIS number (``field``); ``existing`` is that case,
    for the view to link to only if the user may see it."""

    def __init__(self, existing: Person, field: str) -> None:
        what = "CRN" if field == "crn" else "NOMIS number"
        super().__init__(f"A case with this {what} already exists", step="person")
        self.existing = existing
        self.field = field


@dataclass(frozen=True)
class RecallDates:
    recall_date: dt.date | None
    returned_to_custody: dt.date | None
    re_released: object = None


@dataclass(frozen=True)
class ReleaseDates:
    date: dt.date | None
    recall: RecallDates | None


def release_dates(rows: Sequence[dict[str, Any]]) -> list[ReleaseDates]:
    """The releases answered, as release_checks reads them."""
    out = []
    for row in rows:
        recall_date = store.day(row.get("recall_date"))
        rtc = store.day(row.get("returned_to_custody"))
        recall = RecallDates(recall_date, rtc) if recall_date or rtc else None
        out.append(ReleaseDates(store.day(row.get("date")), recall))
    return out


def release_problems(
    sentence_date: dt.date | None, rows: Sequence[dict[str, Any]]
) -> list[tuple[str, str]]:
    """The import's date checks of the release history and the sentence, paths as the import's
    (``releases[1].recall.date``, ``sentence.sentence_date``)."""
    releases = release_dates(rows)
    return release_history_problems(releases) + sentence_before_release_problems(
        sentence_date, [r.date for r in releases]
    )


def sentence_after_birth_problem(born: dt.date | None, sentenced: dt.date | None) -> str | None:
    """The import's check that the person was born before the sentence."""
    if born is not None and sentenced is not None and born >= sentenced:
        return f"The sentence date must be after the date of birth ({long_date(born)})"
    return None


def answer_problems(answers: store.Answers, by: User) -> list[OpenCaseError]:
    """What stops the answers being opened as a case now (apart from a duplicate), each with
    the page that fixes it. Two queries at most."""
    missing = store.first_missing(answers)
    if missing is not None:
        key = next(k for k, page in store.STEPS if page == missing)
        return [OpenCaseError("Answer every question before opening the case", step=key)]
    problems: list[OpenCaseError] = []
    sentence_date = store.day(answers["sentence"].get("sentence_date"))
    born = store.day(answers["person"].get("date_of_birth"))
    if (problem := sentence_after_birth_problem(born, sentence_date)) is not None:
        problems.append(OpenCaseError(problem, step="sentence"))
    releases = answers["releases"]
    rows = releases.get("rows") or [] if releases.get("released") else []
    for path, message in release_problems(sentence_date, rows):
        step = "sentence" if path.startswith("sentence") else "releases"
        problems.append(OpenCaseError(f"{path_label(path)}: {message}", step=step))
    conditions = answers["conditions"]
    start = store.day(conditions.get("start_date"))
    latest = store.latest_release_date(answers) if rows else None
    has_conditions = bool(
        conditions.get("standard") or conditions.get("additional") or conditions.get("bespoke")
    )
    if has_conditions and latest is None:
        problems.append(
            OpenCaseError(
                "Licence conditions need a release: record the release, or remove the conditions",
                step="conditions",
            )
        )
    elif has_conditions and start is not None and latest is not None and start < latest:
        problems.append(
            OpenCaseError(
                "The licence conditions must start on or after the latest release "
                f"({long_date(latest)})",
                step="conditions",
            )
        )
    allocation = answers["allocation"]
    team_id = allocation.get("team")
    if not teams_for_new_case(by).filter(pk=team_id).exists():
        problems.append(OpenCaseError("You cannot open a case in that team", step="allocation"))
    elif not coms_for_team(team_id).filter(pk=allocation.get("practitioner")).exists():
        problems.append(
            OpenCaseError(
                "The COM chosen is no longer an active practitioner of the team: choose again",
                step="allocation",
            )
        )
    return problems


def path_label(path: str) -> str:
    """A release check's path in words: ``releases[1].recall.date`` -> "Release 2: recall date"."""
    if path.startswith("sentence"):
        return "Sentence date"
    head, _, rest = path.partition("].")
    number = int(head.removeprefix("releases[").rstrip("]")) + 1 if "[" in head else 1
    what = {
        "date": "date of release",
        "recall": "recall",
        "recall.date": "recall date",
        "recall.returned_to_custody": "date returned to custody",
    }.get(rest, rest.replace(".", " ").replace("_", " "))
    return f"Release {number}: {what}"


def _lock_identifiers(*keys: str) -> None:
    """Serialise the openings of one CRN or NOMIS number until the transaction ends."""
    with connection.cursor() as cursor:
        for key in sorted(k for k in keys if k):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(key)])


def _lock_id(key: str) -> int:
    # A stable signed 64-bit key per identifier (PostgreSQL's advisory lock space).
    return zlib.crc32(f"ippcase.person:{key}".encode()) - 2**31


@once.keyed(Person, OpenCaseError, user="by")  # issue 18: a replay gets the first
@transaction.atomic
def open_case(
    *, answers: store.Answers, by: User, submission_key: uuid.UUID | None = None
) -> Person:
    """Create the case the answers describe, as ``by``. Raises :class:`DuplicateCase` when a
    case holds the CRN or NOMIS number, :class:`OpenCaseError` for anything else; either way
    nothing is written."""
    if not by.has_perm("ippcase.open_case"):
        raise OpenCaseError("You do not have permission to open a case")
    problems = answer_problems(answers, by)
    if problems:
        raise problems[0]
    details = answers["person"]
    crn, nomis = details["crn"], details.get("nomis_number") or ""
    _lock_identifiers(f"crn:{crn}", f"nomis:{nomis}" if nomis else "")
    _refuse_duplicate(crn, nomis)
    allocation = answers["allocation"]
    com = (
        User.objects.select_for_update()
        .filter(pk=allocation["practitioner"], team_id=allocation["team"], is_active=True)
        .first()
    )
    if com is None:
        raise OpenCaseError("The COM chosen is no longer in the team: choose again", "allocation")
    risk = answers["risk"]
    with pghistory.context(user=by.pk, reason=OPENED_REASON):
        try:
            with transaction.atomic():
                person = Person.objects.create(
                    crn=crn,
                    nomis_number=nomis,
                    pnc=details.get("pnc") or "",
                    first_name=details["first_name"],
                    last_name=details["last_name"],
                    date_of_birth=_day(details["date_of_birth"]),
                    gender=details["gender"],
                    ethnicity=details["ethnicity"],
                    address=(details.get("address") or "").replace("\r\n", "\n").strip(),
                    team_id=allocation["team"],
                    rosh_level=risk["rosh_level"],
                    mappa_category=risk.get("mappa_category"),
                    mappa_level=risk.get("mappa_level"),
                )
        except IntegrityError:
            # Opened by someone else between the check and the insert (the lock makes this
            # unlikely; the unique index makes it safe).
            _refuse_duplicate(crn, nomis)
            raise
        _create_case_rows(person, answers, by, com)
    return person


def _day(value: Any) -> dt.date:
    """A date the pages require, from the answers."""
    day = store.day(value)
    if day is None:
        raise OpenCaseError("Answer every question before opening the case")
    return day


def _refuse_duplicate(crn: str, nomis: str) -> None:
    existing = existing_case(crn, nomis)
    if existing is not None:
        raise DuplicateCase(existing, "crn" if existing.crn == crn else "nomis_number")


def _create_case_rows(person: Person, answers: store.Answers, by: User, com: User) -> None:
    s = answers["sentence"]
    sentence = Sentence.objects.create(
        person=person,
        sentence_type=s["sentence_type"],
        sentence_date=_day(s["sentence_date"]),
        tariff_years=s.get("tariff_years") or 0,
        tariff_months=s.get("tariff_months") or 0,
        tariff_days=s.get("tariff_days") or 0,
    )
    IndexOffence.objects.bulk_create(
        IndexOffence(
            sentence=sentence,
            category=o["category"],
            description=o.get("description") or "",
            behaviours=list(o.get("behaviours") or []),
            is_principal=index == 0,
        )
        for index, o in enumerate(answers["offences"])
    )
    risk = answers["risk"]
    RiskChange.objects.create(
        person=person,
        rosh_level=risk["rosh_level"],
        mappa_category=risk.get("mappa_category"),
        mappa_level=risk.get("mappa_level"),
        changed_on=_day(risk["assessed_on"]),
        kind=RiskChangeKind.NEW_ASSESSMENT,
        reason=RISK_REASON,
        recorded_by=by,
    )
    releases = answers["releases"]
    for row in releases.get("rows") or [] if releases.get("released") else []:
        release = Release.objects.create(
            person=person,
            date=_day(row["date"]),
            prison=row["prison"],
            approved_premises=bool(row.get("approved_premises")),
        )
        if row.get("recall_date"):
            Recall.objects.create(
                release=release,
                recall_date=_day(row["recall_date"]),
                returned_to_custody=store.day(row.get("returned_to_custody")),
            )
    _create_conditions(person, answers["conditions"])
    Allocation.objects.create(
        person=person, practitioner=com, start_date=_day(answers["allocation"]["start_date"])
    )


def _create_conditions(person: Person, conditions: dict[str, Any]) -> None:
    start = store.day(conditions.get("start_date"))
    if start is None:
        return
    rows = [
        LicenceCondition(
            person=person, kind=ConditionKind.STANDARD, standard_code=code, start_date=start
        )
        for code in conditions.get("standard") or []
    ]
    rows += [
        LicenceCondition(
            person=person,
            kind=ConditionKind.ADDITIONAL,
            additional_code=row.get("code") or "",
            text=row["text"],
            start_date=start,
        )
        for row in conditions.get("additional") or []
    ]
    rows += [
        LicenceCondition(
            person=person, kind=ConditionKind.BESPOKE, text=row["text"], start_date=start
        )
        for row in conditions.get("bespoke") or []
    ]
    LicenceCondition.objects.bulk_create(rows)
