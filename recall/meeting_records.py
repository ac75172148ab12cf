"""What the multi-agency meeting records say for one recall decision (issue 19; docs/rules.md
"Meetings"): the latest forum (IPP progression panel, MAPPA level 2 or 3 meeting) and the
meetings with other agencies, held on or before the decision, within the team's period. The
rules' facts (``recall.selectors.facts_for``) and the recommendation's "multi-agency input" and
"progression panel" sections, its answers and the dossier all read them from here, so that a
page shows exactly what the rules counted.

Reads only: the meetings themselves are recorded on their own pages (recall:meeting_add)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from ippcase.models import Person
from recall import rules, vocab
from recall.models import MeetingAction, MultiAgencyMeeting, RecallRecommendation


def meetings_for(person: Person) -> QuerySet[MultiAgencyMeeting]:
    """The person's meetings that are not struck out, newest first, with their actions and the
    actions' owners (two queries)."""
    return (
        MultiAgencyMeeting.objects.filter(person=person, struck_out_at__isnull=True)
        .prefetch_related(
            Prefetch("actions", queryset=MeetingAction.objects.select_related("owner"))
        )
        .order_by("-held_on", "-id")
    )


def decision_date(rec: RecallRecommendation, today: dt.date | None = None) -> dt.date:
    """The date the rules judge the recommendation on: when it was submitted, or today."""
    return rec.submitted_at.date() if rec.submitted_at else (today or timezone.localdate())


def period_months(person: Person) -> int:
    """The team's period (Team.panel_period_months), or the default for a person with no team."""
    team = person.team
    return team.panel_period_months if team is not None else rules.DEFAULT_MEETING_PERIOD_MONTHS


@dataclass(frozen=True)
class ShownMeeting:
    """A meeting as the recommendation shows it, with its open and overdue actions."""

    meeting: MultiAgencyMeeting
    open_actions: list[MeetingAction]
    overdue_actions: list[MeetingAction]


def _shown(meeting: MultiAgencyMeeting, today: dt.date) -> ShownMeeting:
    open_actions = [a for a in meeting.actions.all() if a.done_on is None]
    return ShownMeeting(
        meeting=meeting,
        open_actions=open_actions,
        overdue_actions=[a for a in open_actions if a.due_on < today],
    )


@dataclass(frozen=True)
class MeetingRecords:
    """The meetings that bear on a decision on ``decision_date``."""

    decision_date: dt.date
    period_months: int
    # The latest forum held on or before the decision, whether or not within the period.
    forum: ShownMeeting | None
    forum_in_period: bool
    # The latest meeting of any kind with another agency, on or before the decision.
    latest_with_agencies: MultiAgencyMeeting | None
    # Every meeting with another agency within the period, newest first.
    with_agencies_in_period: list[ShownMeeting] = field(default_factory=list)

    @property
    def agencies_heard_in_period(self) -> bool:
        return bool(self.with_agencies_in_period)

    def facts(self) -> dict[str, object]:
        """The rules' facts about the meetings (recall.rules.Facts)."""
        forum = self.forum.meeting if self.forum is not None else None
        latest = self.latest_with_agencies
        return {
            "latest_forum_date": forum.held_on.isoformat() if forum else None,
            "latest_forum_kind": str(forum.kind) if forum else None,
            "latest_meeting_date": latest.held_on.isoformat() if latest else None,
            "meeting_agencies": sorted(set(latest.agencies)) if latest else [],
            "meeting_period_months": self.period_months,
        }


def records_for(rec: RecallRecommendation, *, today: dt.date | None = None) -> MeetingRecords:
    """The meeting records for ``rec``. Uses ``rec.person_meetings`` when
    ``recall.selectors.recommendation_with_context`` loaded them (no query), else two queries."""
    meetings: list[MultiAgencyMeeting] | None = getattr(rec, "person_meetings", None)
    if meetings is None:
        meetings = list(meetings_for(rec.person))
    on = decision_date(rec, today)
    months = period_months(rec.person)
    now = today or timezone.localdate()
    held = [m for m in meetings if m.struck_out_at is None and m.held_on <= on]
    held.sort(key=lambda m: (m.held_on, m.pk), reverse=True)
    forum = next((m for m in held if m.kind in vocab.FORUM_KINDS), None)
    with_agencies = [m for m in held if m.agencies]
    return MeetingRecords(
        decision_date=on,
        period_months=months,
        forum=_shown(forum, now) if forum is not None else None,
        forum_in_period=forum is not None and rules.meeting_counts(forum.held_on, on, months),
        latest_with_agencies=with_agencies[0] if with_agencies else None,
        with_agencies_in_period=[
            _shown(m, now) for m in with_agencies if rules.meeting_counts(m.held_on, on, months)
        ],
    )
