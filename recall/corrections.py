"""Corrections to concerns and actions short of recall (issue 14): an entry is corrected with a
reason, or struck out with a reason; it is never deleted. Each write: keyword-only, one
transaction, the entry locked, refused with a typed error when the user may not
(``recall.correct_entry``), when the page is stale (``recall.selectors.entry_version``), when the
entry is already struck out, with no reason, or when nothing changes. The reason goes in the
audit context, so the case history shows it.

A struck-out entry stays in the log, shown struck through with who, when and why; the rules,
the prefilled answers of a recommendation, the dossier and the dashboards leave it out
(``recall.selectors.concerns_for`` / ``actions_for``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TypeVar

import pghistory
from django.db import models, transaction
from django.utils import timezone

from ippcase.models import LicenceCondition, User
from recall.deadlines import long_date
from recall.models import ActionShortOfRecall, Concern, MultiAgencyMeeting
from recall.selectors import entry_version
from recall.services import RecallError

Entry = TypeVar("Entry", Concern, ActionShortOfRecall)


class CorrectionError(RecallError, ValueError):
    """A refused correction. ``str(error)`` is a message for the person who tried it."""


class StaleEntry(CorrectionError):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"Someone else changed or struck out this {what} while you were working on it. "
            "Nothing was saved: look at it again and, if it still needs it, correct it again."
        )


def _what(entry: Concern | ActionShortOfRecall) -> str:
    return "concern" if isinstance(entry, Concern) else "action"


def _locked(model: type[Entry], pk: int, actor: User, expected_version: str, reason: str) -> Entry:
    """The entry, locked, once the user may correct it, the page is current, it is not struck
    out and a reason is given."""
    qs = model.objects.select_for_update(of=("self",)).select_related(
        "person__team__pdu", "recorded_by"
    )
    entry = qs.get(pk=pk)
    what = _what(entry)
    if not actor.has_perm("recall.correct_entry", entry):
        raise CorrectionError(f"You cannot correct this {what}.")
    if entry_version(entry) != expected_version:
        raise StaleEntry(what)
    if entry.struck_out_at is not None:
        raise CorrectionError(
            f"This {what} was struck out on {long_date(timezone.localdate(entry.struck_out_at))}: "
            "it can no longer be corrected."
        )
    if not reason.strip():
        raise CorrectionError(f"Enter why you are correcting the {what}")
    return entry


def _not_future(day: dt.date, what: str) -> None:
    if day > timezone.localdate():
        raise CorrectionError(f"The date of {what} cannot be in the future.")


def _save(entry: models.Model, actor: User, reason: str, fields: list[str]) -> None:
    with pghistory.context(user=actor.pk, reason=reason.strip()):
        entry.save(update_fields=fields)


@transaction.atomic
def concern_correct(
    *,
    concern_id: int,
    actor: User,
    expected_version: str,
    reason: str,
    occurred_on: dt.date,
    description: str,
    source: str,
    behaviours: Iterable[str],
    conditions: Iterable[LicenceCondition] = (),
) -> Concern:
    """Correct a concern's date, what happened, source, behaviours or licence conditions."""
    concern = _locked(Concern, concern_id, actor, expected_version, reason)
    _not_future(occurred_on, "a concern")
    conditions = list(conditions)
    if any(c.person_id != concern.person_id for c in conditions):
        raise CorrectionError("Choose licence conditions of this person only.")
    new = {
        "occurred_on": occurred_on,
        "description": description.strip(),
        "source": source,
        "behaviours": sorted(set(behaviours)),
    }
    changed = [name for name, value in new.items() if getattr(concern, name) != value]
    old_conditions = set(concern.conditions.values_list("pk", flat=True))
    conditions_changed = old_conditions != {c.pk for c in conditions}
    if not changed and not conditions_changed:
        raise CorrectionError("Nothing has changed: change the concern, or cancel.")
    for name in changed:
        setattr(concern, name, new[name])
    named = "; ".join(str(c) for c in conditions) or "none"
    save_linked_correction(
        concern,
        actor,
        reason,
        changed,
        relink=(lambda: concern.conditions.set(conditions)) if conditions_changed else None,
        also=f"licence conditions now: {named}",
    )
    return concern


def save_linked_correction(
    entry: Concern | MultiAgencyMeeting,
    actor: User,
    reason: str,
    changed: list[str],
    *,
    relink: Callable[[], None] | None,
    also: str,
) -> None:
    """Save a correction of an entry with a link table (a concern's licence conditions, a
    meeting's concerns discussed: recall/meeting_corrections.py). The link tables are not
    audited, so every correction sets ``corrected_at`` and always leaves an audit event; when
    the links change (``relink`` sets them) ``also`` names them in its context, for the case
    history's line."""
    entry.corrected_at = timezone.now()
    context: dict[str, object] = {"user": actor.pk, "reason": reason.strip()}
    if relink is not None:
        context["also"] = also
    with pghistory.context(**context):
        entry.save(update_fields=[*changed, "corrected_at"])
        if relink is not None:
            relink()


@transaction.atomic
def action_correct(
    *,
    action_id: int,
    actor: User,
    expected_version: str,
    reason: str,
    kind: str,
    taken_on: dt.date,
    details: str,
    outcome: str = "",
    referral: str = "",
) -> ActionShortOfRecall:
    """Correct an action's kind, date, details, outcome or who it was referred to."""
    action = _locked(ActionShortOfRecall, action_id, actor, expected_version, reason)
    _not_future(taken_on, "an action")
    if referral and kind != "referral_partner_agency":
        raise CorrectionError("Only a referral to a partner agency names who it was referred to.")
    new = {
        "kind": kind,
        "taken_on": taken_on,
        "details": details.strip(),
        "outcome": outcome.strip(),
        "referral": referral,
    }
    changed = [name for name, value in new.items() if getattr(action, name) != value]
    if not changed:
        raise CorrectionError("Nothing has changed: change the action, or cancel.")
    for name in changed:
        setattr(action, name, new[name])
    _save(action, actor, reason, changed)
    return action


def _strike_out(
    model: type[Entry], pk: int, actor: User, expected_version: str, reason: str
) -> Entry:
    entry = _locked(model, pk, actor, expected_version, reason)
    entry.struck_out_at = timezone.now()
    entry.struck_out_by = actor
    entry.struck_out_reason = reason.strip()
    _save(entry, actor, reason, ["struck_out_at", "struck_out_by", "struck_out_reason"])
    return entry


@transaction.atomic
def concern_strike_out(
    *, concern_id: int, actor: User, expected_version: str, reason: str
) -> Concern:
    """Strike a concern out: it stays in the log, struck through, and counts nowhere else."""
    return _strike_out(Concern, concern_id, actor, expected_version, reason)


@transaction.atomic
def action_strike_out(
    *, action_id: int, actor: User, expected_version: str, reason: str
) -> ActionShortOfRecall:
    """Strike an action short of recall out (as a concern)."""
    return _strike_out(ActionShortOfRecall, action_id, actor, expected_version, reason)
