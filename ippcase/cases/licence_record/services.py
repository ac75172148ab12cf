"""Writes of the licence record: a release, and a licence condition added, varied or ended.

Each write locks the person (a release) or the condition (a variation or an end), refuses a page
out of date (``marker``: the state the form was shown from), refuses with a
:class:`LicenceRecordError` a user reads, and records its reason in the audit context."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pghistory
from django.db import transaction

from ippcase.cases.release_checks import (
    release_history_problems,
    sentence_before_release_problems,
)
from ippcase.core import once
from ippcase.core.forms import STALE_PAGE
from ippcase.models import LicenceCondition, Person, Recall, Release, Sentence, User
from ippcase.vocab import ConditionKind
from recall.deadlines import long_date


class LicenceRecordError(ValueError):
    """A change to the licence record refused; ``messages`` are shown to the user."""

    def __init__(self, *messages: str) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


# ---------------------------------------------------------------------------------------------
# Markers: what the form was shown from


def _digest(parts: Iterable[object]) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:16]


def releases_marker(releases: Sequence[Release]) -> str:
    """The release history as the page showed it (each release and its recall's dates)."""
    parts: list[object] = []
    for release in releases:
        recall = _recall_of(release)
        parts += [release.pk, release.date]
        if recall is not None:
            parts += [
                recall.pk,
                recall.recall_date,
                recall.returned_to_custody,
                recall.re_released_on,
            ]
    return _digest(parts)


def condition_marker(condition: LicenceCondition) -> str:
    """One condition as the page showed it."""
    return _digest(
        [
            condition.pk,
            condition.standard_code,
            condition.additional_code,
            condition.text,
            condition.start_date,
            condition.end_date,
        ]
    )


def _recall_of(release: Release) -> Recall | None:
    try:
        return release.recall
    except Recall.DoesNotExist:
        return None


# ---------------------------------------------------------------------------------------------
# Releases


@dataclass(frozen=True)
class _RecallDates:
    recall_date: dt.date | None
    returned_to_custody: dt.date | None
    re_released: object


@dataclass(frozen=True)
class _ReleaseDates:
    date: dt.date | None
    recall: _RecallDates | None


def release_problems(person: Person, releases: Sequence[Release], date: dt.date) -> list[str]:
    """What is wrong with a release on ``date`` after ``releases`` (with their recalls): the
    person must be in custody (never released, or recalled and returned), and the history with
    the new release must pass the import's checks."""
    latest = releases[-1] if releases else None
    latest_recall = _recall_of(latest) if latest is not None else None
    if latest is not None and latest_recall is None:
        return [
            f"{person.full_name} has been on licence since {long_date(latest.date)}: a release "
            "needs them in custody. Record the recall and the return to custody first."
        ]
    if latest_recall is not None and latest_recall.returned_to_custody is None:
        return [
            f"{person.full_name} was recalled on {long_date(latest_recall.recall_date)} and has "
            "not returned to custody (they are at large): a release needs them in custody. "
            "Record the return to custody first."
        ]
    history: list[_ReleaseDates] = []
    for release in releases:
        recall = _recall_of(release)
        history.append(
            _ReleaseDates(
                release.date,
                None
                if recall is None
                else _RecallDates(
                    recall.recall_date,
                    recall.returned_to_custody,
                    # The latest recall ends with this release unless parole work already
                    # gave its re-release date (which must then be this one).
                    recall.re_released_on or (date if release is latest else None),
                ),
            )
        )
    history.append(_ReleaseDates(date, None))
    problems = [message for _path, message in release_history_problems(history)]
    sentence = Sentence.objects.filter(person=person).first()
    if sentence is None:
        problems.append("Record the sentence before a release.")
    else:
        problems += [
            f"The release date must be after the sentence: {message}"
            for _path, message in sentence_before_release_problems(
                sentence.sentence_date, [r.date for r in history]
            )
        ]
    return problems


@once.keyed(Release, LicenceRecordError)  # issue 18: a replay gets the first
@transaction.atomic
def record_release(
    *,
    person: Person,
    actor: User,
    date: dt.date,
    prison: str,
    approved_premises: bool,
    reason: str,
    correction: bool = False,
    marker: str,
    submission_key: uuid.UUID | None = None,
) -> Release:
    """A first release, or a re-release after a recall with a return to custody (whose
    ``re_released_on`` becomes the release date when empty: that time in custody ends)."""
    Person.objects.select_for_update().filter(pk=person.pk).get()
    releases = list(
        Release.objects.select_for_update(of=("self",))
        .filter(person=person)
        .select_related("recall")
        .order_by("date")
    )
    if marker != releases_marker(releases):
        raise LicenceRecordError(STALE_PAGE)
    problems = release_problems(person, releases, date)
    if problems:
        raise LicenceRecordError(*problems)
    with pghistory.context(reason=reason, correction=correction):
        release = Release.objects.create(
            person=person, date=date, prison=prison, approved_premises=approved_premises
        )
        latest_recall = _recall_of(releases[-1]) if releases else None
        if latest_recall is not None and latest_recall.re_released_on is None:
            Recall.objects.filter(pk=latest_recall.pk).update(re_released_on=date)
    return release


# ---------------------------------------------------------------------------------------------
# Licence conditions


def _latest_release_date(person: Person) -> dt.date | None:
    return (
        Release.objects.filter(person=person).order_by("-date").values_list("date", flat=True)
    ).first()


@once.keyed(LicenceCondition, LicenceRecordError)
@transaction.atomic
def add_condition(
    *,
    person: Person,
    actor: User,
    kind: str,
    standard_code: str,
    additional_code: str,
    text: str,
    start_date: dt.date,
    reason: str,
    correction: bool = False,
    submission_key: uuid.UUID | None = None,
) -> LicenceCondition:
    """A new condition from ``start_date`` (on or after the latest release)."""
    Person.objects.select_for_update().filter(pk=person.pk).get()
    released = _latest_release_date(person)
    if released is None:
        raise LicenceRecordError("A licence condition needs a release: record the release first.")
    if start_date < released:
        raise LicenceRecordError(
            f"The start date must be on or after the latest release ({long_date(released)})"
        )
    if kind == ConditionKind.STANDARD:
        additional_code, text = "", ""
    else:
        standard_code = ""
        if kind == ConditionKind.BESPOKE:
            additional_code = ""
    with pghistory.context(reason=reason, correction=correction):
        return LicenceCondition.objects.create(
            person=person,
            kind=kind,
            standard_code=standard_code,
            additional_code=additional_code,
            text=text,
            start_date=start_date,
        )


def _locked_condition(person: Person, condition_id: int, marker: str) -> LicenceCondition:
    condition = (
        LicenceCondition.objects.select_for_update().filter(person=person, pk=condition_id).first()
    )
    if condition is None or marker != condition_marker(condition):
        raise LicenceRecordError(STALE_PAGE)
    if condition.end_date is not None:
        raise LicenceRecordError(
            f"This condition ended on {long_date(condition.end_date)}: it cannot be changed."
        )
    return condition


@transaction.atomic
def vary_condition(
    *,
    person: Person,
    actor: User,
    condition_id: int,
    text: str,
    additional_code: str,
    varied_on: dt.date,
    reason: str,
    correction: bool = False,
    marker: str,
) -> LicenceCondition:
    """Vary an additional or bespoke condition: the old one ends the day before ``varied_on``
    and its replacement, with the new wording, starts on ``varied_on`` (``varies`` = the old)."""
    old = _locked_condition(person, condition_id, marker)
    if old.kind == ConditionKind.STANDARD:
        raise LicenceRecordError(
            "A standard condition has fixed wording: end it, or add an additional or bespoke "
            "condition."
        )
    if varied_on <= old.start_date:
        raise LicenceRecordError(
            f"The variation date must be after the condition started ({long_date(old.start_date)})"
        )
    if old.kind == ConditionKind.BESPOKE:
        additional_code = ""
    with pghistory.context(reason=reason, correction=correction, was=old.wording):
        old.end_date = varied_on - dt.timedelta(days=1)
        old.save(update_fields=["end_date"])
        return LicenceCondition.objects.create(
            person=person,
            kind=old.kind,
            additional_code=additional_code,
            text=text,
            start_date=varied_on,
            varies=old,
        )


@transaction.atomic
def end_condition(
    *,
    person: Person,
    actor: User,
    condition_id: int,
    end_date: dt.date,
    reason: str,
    correction: bool = False,
    marker: str,
) -> LicenceCondition:
    """End a condition in force on ``end_date`` (its last day; not before it started)."""
    condition = _locked_condition(person, condition_id, marker)
    if end_date < condition.start_date:
        raise LicenceRecordError(
            f"The end date must be on or after the condition started "
            f"({long_date(condition.start_date)})"
        )
    with pghistory.context(reason=reason, correction=correction):
        condition.end_date = end_date
        condition.save(update_fields=["end_date"])
    return condition
