"""Corrections to a multi-agency meeting and to the actions it agreed (issue 19, as issue 14's
corrections of concerns and actions: recall/corrections.py). A meeting recorded with a wrong
date, type or chair, or an action given to the wrong person or the wrong date, is corrected with
a reason; the case history keeps what it said before, who corrected it and why.

Who may: ``recall.correct_entry`` on the meeting (the recorder's team, or a manager or senior
manager of the person's PDU), for the meeting and its actions alike. Each write: keyword-only,
one transaction, the meeting (and the action) locked, refused with a :class:`MeetingError` when
the user may not, the page is stale (``meeting_version`` / ``action_version``), the meeting is
struck out, no reason is given, the answers do not hold (the same checks as recording), or
nothing changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pghistory
from django.db import transaction

from ippcase.models import User
from recall import meeting_selectors as selectors
from recall.corrections import save_linked_correction
from recall.deadlines import long_date
from recall.meeting_services import (
    MeetingError,
    action_fields,
    locked_meeting,
    meeting_fields,
    not_struck_out,
)
from recall.models import Concern, MeetingAction, MultiAgencyMeeting

STALE = (
    "Someone else changed this {what} while you were working on it. Nothing was saved: look at "
    "it again and, if it still needs it, correct it again."
)


def _checked(
    meeting: MultiAgencyMeeting, actor: User, reason: str, what: str, *, current: bool
) -> None:
    """Refused unless the user may correct it, the page was current, the meeting is not struck
    out and a reason is given."""
    if not actor.has_perm("recall.correct_entry", meeting):
        raise MeetingError(f"You cannot correct this {what}.")
    if not current:
        raise MeetingError(STALE.format(what=what))
    not_struck_out(meeting)
    if not reason.strip():
        raise MeetingError(f"Enter why you are correcting the {what}")


@transaction.atomic
def meeting_correct(
    *,
    meeting_id: int,
    actor: User,
    expected_version: str,
    reason: str,
    held_on: dt.date,
    kind: str,
    chair: str,
    agencies: Iterable[str],
    other_agency: str = "",
    attendees: str = "",
    discussion: str,
    decisions: str = "",
    concerns: Iterable[Concern] = (),
) -> MultiAgencyMeeting:
    """Correct a meeting's answers or the concerns it discussed."""
    meeting = locked_meeting(meeting_id)
    current = selectors.meeting_version(meeting) == expected_version
    _checked(meeting, actor, reason, "meeting", current=current)
    linked = frozenset(meeting.concerns.values_list("pk", flat=True))
    new, chosen = meeting_fields(
        meeting.person,
        held_on=held_on,
        kind=kind,
        chair=chair,
        agencies=agencies,
        other_agency=other_agency,
        attendees=attendees,
        discussion=discussion,
        decisions=decisions,
        concerns=concerns,
        linked=linked,
    )
    early = meeting.actions.filter(due_on__lt=held_on).order_by("due_on").first()
    if early is not None:
        raise MeetingError(
            f"An action of this meeting is due by {long_date(early.due_on)}, before "
            f"{long_date(held_on)}: correct the action's due date first."
        )
    changed = [name for name, value in new.items() if getattr(meeting, name) != value]
    concerns_changed = linked != {c.pk for c in chosen}
    if not changed and not concerns_changed:
        raise MeetingError("Nothing has changed: change the meeting, or cancel.")
    for name in changed:
        setattr(meeting, name, new[name])
    named = "; ".join(selectors.concern_label(c) for c in chosen) or "none"
    save_linked_correction(
        meeting,
        actor,
        reason,
        changed,
        relink=(lambda: meeting.concerns.set(chosen)) if concerns_changed else None,
        also=f"concerns discussed now: {named}",
    )
    return meeting


@transaction.atomic
def meeting_action_correct(
    *,
    action_id: int,
    actor: User,
    expected_version: str,
    reason: str,
    description: str,
    due_on: dt.date,
    owner: User | None = None,
    owner_name: str = "",
) -> MeetingAction:
    """Correct what an action is, whose it is, or by when."""
    meeting_id = MeetingAction.objects.values_list("meeting_id", flat=True).get(pk=action_id)
    meeting = locked_meeting(meeting_id)
    action = MeetingAction.objects.select_for_update(of=("self",)).get(pk=action_id)
    current = selectors.action_version(action) == expected_version
    _checked(meeting, actor, reason, "action", current=current)
    new = action_fields(
        meeting, description=description, owner=owner, owner_name=owner_name, due_on=due_on
    )
    changed = [name for name, value in new.items() if getattr(action, name) != value]
    if not changed:
        raise MeetingError("Nothing has changed: change the action, or cancel.")
    for name in changed:
        setattr(action, name, new[name])
    with pghistory.context(user=actor.pk, reason=reason.strip()):
        action.save(update_fields=changed)
    return action
