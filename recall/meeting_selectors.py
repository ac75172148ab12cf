"""Reads of multi-agency meetings and their actions (issue 19; docs/multi-agency-panels.md):
the case's "Meetings and panels" tab, one meeting with its actions, the staff who may own an
action, and overdue actions on a case (its header) and for their owner (the home page). Each
read is a fixed number of queries, whatever the number of meetings or actions.

An action is **overdue** when it is not done and its due date is before today (due today is
still "Due"); actions of a struck-out meeting are never overdue: they count nowhere."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.text import Truncator

from ippcase.core.permissions import visible_people
from ippcase.models import Person, User
from ippcase.vocab import Role
from recall.models import Concern, MeetingAction, MultiAgencyMeeting
from recall.rules import add_months
from recall.selectors import version_digest

# The period a team sets for "a recent panel" when the case has no team (Team's default).
DEFAULT_PANEL_PERIOD_MONTHS = 6

# Who may own an action as a member of staff: the case team's practitioners and managers, and
# the managers and senior managers of its PDU (the people who may work on the case).
TEAM_ROLES = [Role.PRACTITIONER, Role.MANAGER, Role.SENIOR_MANAGER]
PDU_ROLES = [Role.MANAGER, Role.SENIOR_MANAGER]


class ActionStatus:
    DONE = "done"
    OVERDUE = "overdue"
    DUE = "due"
    # (tag text, tag class) for each status
    TAGS = {
        DONE: ("Done", "govuk-tag--green"),
        OVERDUE: ("Overdue", "govuk-tag--red"),
        DUE: ("Due", "govuk-tag--blue"),
    }


def action_status(action: MeetingAction, today: dt.date | None = None) -> str:
    day = timezone.localdate() if today is None else today
    if action.done_on is not None:
        return ActionStatus.DONE
    return ActionStatus.OVERDUE if action.due_on < day else ActionStatus.DUE


def _open() -> Q:
    return Q(done_on__isnull=True, meeting__struck_out_at__isnull=True)


# ---------------------------------------------------------------------------------------------
# The case's tab


@dataclass(frozen=True)
class PanelStatus:
    """The latest multi-agency forum (progression panel, MAPPA level 2 or 3; HMIP 2023
    recommendation 3) on the case and whether it was held within the team's period."""

    last_forum: MultiAgencyMeeting | None
    period_months: int
    period_start: dt.date  # a forum held on or after this day is recent

    @property
    def within_period(self) -> bool:
        return self.last_forum is not None and self.last_forum.held_on >= self.period_start


def panel_period_months(person: Person) -> int:
    team = person.team
    return team.panel_period_months if team is not None else DEFAULT_PANEL_PERIOD_MONTHS


def meetings_for(person: Person, *, today: dt.date | None = None) -> list[MultiAgencyMeeting]:
    """The person's meetings, struck-out ones included, newest first, each with
    ``actions_open`` and ``actions_overdue`` counted (one query)."""
    day = timezone.localdate() if today is None else today
    open_ = Q(actions__done_on__isnull=True)
    return list(
        MultiAgencyMeeting.objects.filter(person=person)
        .select_related("recorded_by", "struck_out_by")
        .annotate(
            actions_total=Count("actions"),
            actions_open=Count("actions", filter=open_),
            actions_overdue=Count("actions", filter=open_ & Q(actions__due_on__lt=day)),
        )
        .order_by("-held_on", "-id")
    )


def panel_status(
    person: Person, meetings: list[MultiAgencyMeeting], *, today: dt.date | None = None
) -> PanelStatus:
    """From the meetings already read (:func:`meetings_for`): no query."""
    day = timezone.localdate() if today is None else today
    months = panel_period_months(person)
    forums = [m for m in meetings if m.struck_out_at is None and m.is_forum]
    last = max(forums, key=lambda m: (m.held_on, m.pk), default=None)
    return PanelStatus(last, months, add_months(day, -months))


def meeting_on_case(person: Person, pk: int) -> Any:
    """One meeting of ``person`` with its actions (owners, who did them) and the concerns it
    discussed: three queries. None when there is no such meeting on this case. Each action
    carries ``status`` and ``tag`` (text, class); the meeting its ``action_list``."""
    meeting: Any = (
        MultiAgencyMeeting.objects.filter(pk=pk, person=person)
        .select_related("recorded_by", "struck_out_by")
        .prefetch_related("concerns")
        .first()
    )
    if meeting is None:
        return None
    meeting.person = person
    day = timezone.localdate()
    actions: list[Any] = list(
        MeetingAction.objects.filter(meeting=meeting)
        .select_related("owner", "done_by")
        .order_by("due_on", "id")
    )
    for action in actions:
        action.meeting = meeting
        action.status = action_status(action, day)
        action.tag = ActionStatus.TAGS[action.status]
    meeting.action_list = actions
    return meeting


def action_on_case(person: Person, pk: int) -> MeetingAction | None:
    """One action of a meeting about ``person`` (its meeting loaded), or None (one query)."""
    action = (
        MeetingAction.objects.filter(pk=pk, meeting__person=person)
        .select_related("meeting__recorded_by", "owner", "done_by")
        .first()
    )
    if action is not None:
        action.meeting.person = person
    return action


def meeting_version(meeting: MultiAgencyMeeting) -> str:
    """What a correction page was shown from (as ``recall.selectors.entry_version``): a digest
    of the meeting's answers, the concerns it discussed and its strike-out, so that a form sent
    after someone else changed the meeting is refused as stale. One query for the concerns
    unless prefetched."""
    concerns = sorted(c.pk for c in meeting.concerns.all())
    parts: list[Any] = [
        meeting.held_on,
        meeting.kind,
        meeting.chair,
        meeting.agencies,
        meeting.other_agency,
        meeting.attendees,
        meeting.discussion,
        meeting.decisions,
        concerns,
        meeting.struck_out_at,
    ]
    return version_digest(parts)


def action_version(action: MeetingAction) -> str:
    """The same for an action: what it is, whose, by when, and whether it is done."""
    parts = [action.description, action.owner_id, action.owner_name, action.due_on, action.done_on]
    return version_digest(parts)


def concern_label(concern: Concern) -> str:
    """ "3 March 2026: Drinking again since leaving the AP." (at most 80 characters of it)."""
    text = Truncator(" ".join(concern.description.split())).chars(80)
    return f"{concern.occurred_on:%-d %B %Y}: {text}"


def concerns_to_discuss(person: Person) -> list[Concern]:
    """The concerns a meeting may be linked to: the person's concerns not struck out, newest
    first (one query)."""
    return list(
        Concern.objects.filter(person=person, struck_out_at__isnull=True).order_by(
            "-occurred_on", "-id"
        )
    )


def staff_who_may_own(person: Person) -> QuerySet[User]:
    """The members of staff an action about ``person`` may be given to: active practitioners
    and managers of the case's team, and the managers and senior managers of its PDU."""
    team = person.team
    if team is None:
        return User.objects.none()
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(team_id=team.pk, roles__overlap=TEAM_ROLES)
            | Q(team__pdu_id=team.pdu_id, roles__overlap=PDU_ROLES)
        )
        .order_by("last_name", "first_name", "username")
    )


# ---------------------------------------------------------------------------------------------
# Overdue actions


@dataclass(frozen=True)
class Overdue:
    count: int
    earliest: dt.date | None


def overdue_on_case(person: Any, *, today: dt.date | None = None) -> Overdue:
    """How many actions of the person's meetings are overdue and the earliest due date of
    them (one query)."""
    day = timezone.localdate() if today is None else today
    found = MeetingAction.objects.filter(_open(), meeting__person=person, due_on__lt=day).aggregate(
        count=Count("id"), earliest=Min("due_on")
    )
    return Overdue(found["count"], found["earliest"])


def overdue_for_owner(user: User, *, today: dt.date | None = None) -> list[MeetingAction]:
    """The overdue actions ``user`` owns, on the people they may see, earliest due first, each
    with its meeting and person (one query)."""
    day = timezone.localdate() if today is None else today
    return list(
        MeetingAction.objects.filter(_open(), owner=user, due_on__lt=day)
        .filter(meeting__person__in=visible_people(user).values("pk"))
        .select_related("meeting__person")
        .order_by("due_on", "id")
    )
