"""Transferring a case to another COM or team, or allocating a case that waits for allocation.
One transaction, the person locked, a typed error for anything refused (nothing changes), the
reason in the audit context (the case history shows it)."""

from __future__ import annotations

import datetime as dt
import uuid

import pghistory
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ippcase.cases.allocation import selectors
from ippcase.core import once
from ippcase.core.notifications import notify
from ippcase.models import Allocation, Person, Team, User
from ippcase.vocab import Role
from recall.deadlines import long_date

# The audit context key that marks the writes of a transfer (ippcase.cases.history reads it):
# "transferred" or "allocated", with the receiving team's name under TEAM_KEY.
CONTEXT_KEY = "allocation"
TEAM_KEY = "team"


class TransferError(ValueError):
    """A refused transfer. ``str(error)`` is a message for the person who tried it."""


class StaleAllocation(TransferError):
    def __init__(self) -> None:
        super().__init__(
            "Someone else changed who holds this case while you were working on it. Nothing was "
            "changed: look at the allocation again and, if it is still needed, start again."
        )


def end_of_current(current: Allocation, start_date: dt.date) -> dt.date:
    """When the current allocation ends: the day before the new one starts, or the same day
    when both start on the same day (an allocation never ends before it starts)."""
    if start_date > current.start_date:
        return start_date - dt.timedelta(days=1)
    return current.start_date


def verb_for(person: Person) -> str:
    """ "allocated" for a case waiting for allocation, "transferred" otherwise."""
    return "allocated" if person.team_id is None else "transferred"


@once.keyed(Allocation, TransferError, user="by")  # issue 18: a replay gets the first
@transaction.atomic
def transfer_case(
    *,
    person_id: int,
    practitioner: User,
    start_date: dt.date,
    reason: str,
    by: User,
    expected_allocation_id: int | None,
    team: Team | None = None,
    submission_key: uuid.UUID | None = None,
) -> Allocation:
    """Give the case to ``practitioner`` (of ``team``; by default their own team) from
    ``start_date``: the current allocation ends (:func:`end_of_current`), a new one starts, the
    case moves to the team (off any unallocated list), and the receiving team's SPOs and the new
    COM are told. Refused (nothing changes) when the page is stale (``expected_allocation_id`` is
    not the current allocation), or for the same COM, a COM who is not an active practitioner
    of the team, a start before the current allocation's or in the future, no reason, or a
    user who may not transfer the case."""
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("team__pdu", "awaiting_pdu")
        .get(pk=person_id)
    )
    if not by.has_perm("ippcase.transfer_case", person):
        raise TransferError("You cannot transfer this case.")
    current = (
        Allocation.objects.select_for_update()
        .filter(person=person, end_date__isnull=True)
        .select_related("practitioner")
        .first()
    )
    if (current.pk if current else None) != expected_allocation_id:
        raise StaleAllocation
    reason = reason.strip()
    if not reason:
        raise TransferError(f"Enter why the case is being {verb_for(person)}")
    com = User.objects.select_related("team__pdu").filter(pk=practitioner.pk).first()
    team = team or (com.team if com else None)
    if com is None or team is None:
        raise TransferError("Choose a probation practitioner of the receiving team.")
    if current is not None and current.practitioner_id == com.pk:
        raise TransferError(f"The case is already allocated to {com.display_name}.")
    if not com.is_active or Role.PRACTITIONER not in (com.roles or []):
        raise TransferError(f"{com.display_name} is not an active probation practitioner.")
    if com.team_id != team.pk:
        raise TransferError(f"{com.display_name} is not in {team.name}.")
    today = timezone.localdate()
    if start_date > today:
        raise TransferError(
            f"The start date must be today or in the past (today is {long_date(today)})"
        )
    if current is not None and start_date < current.start_date:
        raise TransferError(
            "The start date must be the same as or after the start of the current allocation "
            f"({long_date(current.start_date)})"
        )
    verb = verb_for(person)
    with pghistory.context(user=by.pk, reason=reason, **{CONTEXT_KEY: verb, TEAM_KEY: team.name}):
        if current is not None:
            current.end_date = end_of_current(current, start_date)
            current.save(update_fields=["end_date"])
        allocation = Allocation.objects.create(
            person=person, practitioner=com, start_date=start_date
        )
        if person.team_id != team.pk or person.awaiting_pdu_id is not None:
            person.team = team
            person.awaiting_pdu = None
            person.save(update_fields=["team", "awaiting_pdu"])
    _tell(person, com, team, start_date, reason, by, verb)
    return allocation


def _tell(
    person: Person, com: User, team: Team, start: dt.date, reason: str, by: User, verb: str
) -> None:
    """The receiving team's SPOs and the new COM (not whoever made the change). The email names
    no one; the in-app text gives the CRN and links to the case."""
    link = reverse("person_overview", args=[person.crn])
    text = (
        f"{by.display_name} has {verb} the case {person.crn} to {com.display_name} ({team.name}) "
        f"from {long_date(start)}.\n\nReason: {reason}"
    )
    managers = [u for u in selectors.receiving_managers(team) if u.pk not in (by.pk, com.pk)]
    notify(
        recipients=managers, subject=f"A case has been {verb} to your team", text=text, link=link
    )
    if com.pk != by.pk:
        notify(recipients=[com], subject="A case has been allocated to you", text=text, link=link)
