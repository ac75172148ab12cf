"""Writes of multi-agency meetings and their actions (issue 19; docs/multi-agency-panels.md).

Each is keyword-only, one transaction, the row it changes locked, refused with a
:class:`MeetingError` (a message for the person who tried) when the user may not or the input
does not hold, and audited with the user (and, for a strike-out, the reason) in pghistory's
context. The two create services carry the form's one-time key (``once.keyed``): the same form
sent twice records once.

A meeting is never deleted: it is struck out with a reason, stays on the case struck through,
and no longer counts (no panel, no overdue actions). An action is never deleted either: it is
marked done, with an optional note of what was done."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

import pghistory
from django.db import transaction
from django.utils import timezone

from ippcase.core import once
from ippcase.models import Person, User
from recall import vocab
from recall.deadlines import long_date
from recall.meeting_selectors import staff_who_may_own
from recall.models import Concern, MeetingAction, MultiAgencyMeeting
from recall.services import RecallError


class MeetingError(RecallError, ValueError):
    """A refused change to a meeting or an action. ``str(error)`` says why."""


def _require(actor: User, perm: str, obj: Any, message: str) -> None:
    if not actor.has_perm(perm, obj):
        raise MeetingError(message)


def not_struck_out(meeting: MultiAgencyMeeting) -> None:
    if meeting.struck_out_at is not None:
        when = long_date(timezone.localdate(meeting.struck_out_at))
        raise MeetingError(f"This meeting was struck out on {when}: it can no longer change.")


@once.keyed(MultiAgencyMeeting, RecallError)
@transaction.atomic
def meeting_record(
    *,
    person: Person,
    actor: User,
    held_on: dt.date,
    kind: str,
    chair: str,
    agencies: Iterable[str],
    other_agency: str = "",
    attendees: str = "",
    discussion: str,
    decisions: str = "",
    concerns: Iterable[Concern] = (),
    submission_key: uuid.UUID | None = None,
) -> MultiAgencyMeeting:
    """Record a meeting held about ``person``; its actions are added afterwards, one by one."""
    _require(actor, "recall.record_on_case", person, "You cannot record meetings on this case.")
    fields, chosen = meeting_fields(
        person,
        held_on=held_on,
        kind=kind,
        chair=chair,
        agencies=agencies,
        other_agency=other_agency,
        attendees=attendees,
        discussion=discussion,
        decisions=decisions,
        concerns=concerns,
    )
    with pghistory.context(user=actor.pk):
        meeting = MultiAgencyMeeting.objects.create(person=person, recorded_by=actor, **fields)
        meeting.concerns.set(chosen)
    return meeting


def meeting_fields(
    person: Person,
    *,
    held_on: dt.date,
    kind: str,
    chair: str,
    agencies: Iterable[str],
    other_agency: str,
    attendees: str,
    discussion: str,
    decisions: str,
    concerns: Iterable[Concern],
    linked: frozenset[int] = frozenset(),
) -> tuple[dict[str, Any], list[Concern]]:
    """A meeting's answers checked and tidied (recording it, or correcting it: the same rules),
    and the concerns it discussed: concerns of the person's log not struck out, or (correcting)
    ones it is ``linked`` to already."""
    if held_on > timezone.localdate():
        raise MeetingError("The date of the meeting cannot be in the future.")
    if kind not in vocab.MeetingKind.values:
        raise MeetingError("Select the type of meeting.")
    agencies = sorted(set(agencies))
    if not agencies or any(a not in vocab.Agency.values for a in agencies):
        raise MeetingError("Select the agencies that attended.")
    other_agency = other_agency.strip() if vocab.Agency.OTHER in agencies else ""
    if vocab.Agency.OTHER in agencies and not other_agency:
        raise MeetingError("Enter the name of the other agency.")
    if not chair.strip():
        raise MeetingError("Enter who chaired the meeting.")
    if not discussion.strip():
        raise MeetingError("Enter what was discussed.")
    chosen = list(concerns)
    if any(
        c.person_id != person.pk or (c.struck_out_at is not None and c.pk not in linked)
        for c in chosen
    ):
        raise MeetingError("Choose concerns of this person's log only.")
    fields = {
        "held_on": held_on,
        "kind": kind,
        "chair": chair.strip(),
        "agencies": agencies,
        "other_agency": other_agency,
        "attendees": attendees.strip(),
        "discussion": discussion.strip(),
        "decisions": decisions.strip(),
    }
    return fields, chosen


def locked_meeting(meeting_id: int) -> MultiAgencyMeeting:
    return (
        MultiAgencyMeeting.objects.select_for_update(of=("self",))
        .select_related("person__team__pdu", "recorded_by")
        .get(pk=meeting_id)
    )


@once.keyed(MeetingAction, RecallError)
@transaction.atomic
def meeting_action_add(
    *,
    meeting_id: int,
    actor: User,
    description: str,
    due_on: dt.date,
    owner: User | None = None,
    owner_name: str = "",
    submission_key: uuid.UUID | None = None,
) -> MeetingAction:
    """Add an action the meeting agreed: what, by when, and its owner: a member of staff who
    may work on the case, or someone in another agency named in words (one or the other)."""
    meeting = locked_meeting(meeting_id)
    person = meeting.person
    _require(actor, "recall.record_on_case", person, "You cannot add actions on this case.")
    not_struck_out(meeting)
    fields = action_fields(
        meeting, description=description, owner=owner, owner_name=owner_name, due_on=due_on
    )
    with pghistory.context(user=actor.pk):
        return MeetingAction.objects.create(meeting=meeting, **fields)


def action_fields(
    meeting: MultiAgencyMeeting,
    *,
    description: str,
    owner: User | None,
    owner_name: str,
    due_on: dt.date,
) -> dict[str, Any]:
    """An action's answers checked and tidied (adding it, or correcting it)."""
    if not description.strip():
        raise MeetingError("Enter the action.")
    owner_name = owner_name.strip()
    if (owner is None) == (not owner_name):
        raise MeetingError(
            "Choose a member of staff or name someone in another agency as the owner, not both."
        )
    if owner is not None and not staff_who_may_own(meeting.person).filter(pk=owner.pk).exists():
        raise MeetingError("Choose a member of staff of this case's team or its PDU's managers.")
    if due_on < meeting.held_on:
        raise MeetingError(
            f"The due date cannot be before the meeting ({long_date(meeting.held_on)})."
        )
    return {
        "description": description.strip(),
        "owner": owner,
        "owner_name": owner_name,
        "due_on": due_on,
    }


@transaction.atomic
def meeting_action_done(*, action_id: int, actor: User, note: str = "") -> MeetingAction:
    """Mark an action done today, with an optional note. Marked done already by the same user
    (a second click): the action as it is; by someone else: refused."""
    action = (
        MeetingAction.objects.select_for_update(of=("self",))
        .select_related("meeting__person__team__pdu", "done_by")
        .get(pk=action_id)
    )
    _require(
        actor, "recall.complete_meeting_action", action, "You cannot mark this action as done."
    )
    not_struck_out(action.meeting)
    if action.done_on is not None:
        if action.done_by_id == actor.pk:
            return action
        who = action.done_by.display_name if action.done_by else "someone else"
        raise MeetingError(f"{who} marked this action as done on {long_date(action.done_on)}.")
    action.done_on = timezone.localdate()
    action.done_by = actor
    action.done_note = note.strip()
    with pghistory.context(user=actor.pk):
        action.save(update_fields=["done_on", "done_by", "done_note"])
    return action


@transaction.atomic
def meeting_strike_out(*, meeting_id: int, actor: User, reason: str) -> MultiAgencyMeeting:
    """Strike a meeting out with a reason: it stays on the case, struck through, and counts
    nowhere (not as a panel, its actions not as overdue). Who may: as for a concern
    (``recall.correct_entry``)."""
    meeting = locked_meeting(meeting_id)
    _require(actor, "recall.correct_entry", meeting, "You cannot strike out this meeting.")
    not_struck_out(meeting)
    if not reason.strip():
        raise MeetingError("Enter why you are striking out the meeting")
    meeting.struck_out_at = timezone.now()
    meeting.struck_out_by = actor
    meeting.struck_out_reason = reason.strip()
    with pghistory.context(user=actor.pk, reason=reason.strip()):
        meeting.save(update_fields=["struck_out_at", "struck_out_by", "struck_out_reason"])
    return meeting
