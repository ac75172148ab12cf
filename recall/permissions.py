"""The recall app's permissions (docs/permissions.md), built on the roles and scoping of
``ippcase.core.permissions``. Objects: a Person for concerns and actions; a RecallRecommendation
otherwise. Loaded, and PPCS's recall work registered, from ``RecallConfig.ready()``.
"""

from __future__ import annotations

from typing import Any

import rules
from django.apps import apps
from django.db.models import Exists, OuterRef, Q

from ippcase.core.permissions import (
    can_view_person,
    is_manager,
    is_ppcs,
    is_practitioner,
    is_senior_manager,
    person_in_own_pdu,
    person_in_own_team,
    register_ppcs_work,
)
from recall import reminders
from recall.models import EDITABLE_FIELDS, RecallRecommendation
from recall.vocab import PPCS_STATUSES


def _submitted_to_ppcs() -> Q:
    """People with a recommendation submitted to PPCS (or decided by it)."""
    return Q(
        Exists(RecallRecommendation.objects.filter(person=OuterRef("pk"), status__in=PPCS_STATUSES))
    )


def register() -> None:
    register_ppcs_work(_submitted_to_ppcs)


# ---------------------------------------------------------------------------------------------

can_work_on_case = (is_practitioner & person_in_own_team) | (
    (is_manager | is_senior_manager) & person_in_own_pdu
)


@rules.predicate
def _rec_person_in_own_team(user: Any, rec: Any) -> bool:
    return bool(person_in_own_team(user, rec.person))


@rules.predicate
def _rec_person_in_own_pdu(user: Any, rec: Any) -> bool:
    return bool(person_in_own_pdu(user, rec.person))


@rules.predicate
def is_out_of_hours_now() -> bool:
    """The clock, not the recommendation, says whether it is out of hours: outside office hours
    (``settings.OFFICE_HOURS``) or on a day that is not a working day. The practitioner's old
    yes/no (``RecallRecommendation.out_of_hours``) grants nothing (docs/permissions.md)."""
    return reminders.out_of_hours()


def recommendation_authors(rec: Any) -> set[int]:
    """Who wrote the recommendation: whoever started it and whoever changed one of its answers,
    read from its change history (one query). Sending it on, signing it or returning it to draft
    changes no answer, so the SPO who sent it back is not an author of the next version."""
    fields = sorted(EDITABLE_FIELDS)
    events = (
        apps.get_model("recall", "RecallRecommendationEvent")
        ._default_manager.filter(pgh_obj_id=rec.pk)
        .order_by("pgh_id")
        .values(*fields, "pgh_context__metadata")
    )
    authors = {rec.created_by_id}
    previous = None
    for event in events:
        if previous is not None and any(event[f] != previous[f] for f in fields):
            author = (event["pgh_context__metadata"] or {}).get("user")
            if author is not None:
                authors.add(author)
        previous = event
    return authors


@rules.predicate
def is_recommender(user: Any, rec: Any) -> bool:
    """Segregation of duties: ``user`` started the recommendation or wrote some of its answers."""
    return rec.created_by_id == user.pk or user.pk in recommendation_authors(rec)


@rules.predicate
def signed_this_version(user: Any, rec: Any) -> bool:
    return any(
        o.signed_by_id == user.pk and o.recommendation_version == rec.version
        for o in rec.oversights.all()
    )


rules.add_perm("recall.record_on_case", can_work_on_case)
rules.add_perm("recall.edit_recommendation", is_practitioner & _rec_person_in_own_team)
rules.add_perm(
    "recall.countersign_spo",
    is_manager & (_rec_person_in_own_pdu | is_out_of_hours_now) & ~is_recommender,
)
rules.add_perm(
    "recall.countersign_aco",
    is_senior_manager
    & (_rec_person_in_own_pdu | is_out_of_hours_now)
    & ~is_recommender
    & ~signed_this_version,
)


@rules.predicate
def _rec_reaches_ppcs(user: Any, rec: Any) -> bool:
    return bool(rec.status in PPCS_STATUSES)


@rules.predicate
def took_part_in_request(user: Any, rec: Any) -> bool:
    """Segregation of duties: ``user`` started, wrote, submitted or countersigned (any version
    of) the recommendation, so its decision is not theirs to take."""
    return (
        rec.submitted_by_id == user.pk
        or any(o.signed_by_id == user.pk for o in rec.oversights.all())
        or bool(is_recommender(user, rec))
    )


rules.add_perm("recall.decide", is_ppcs)
rules.add_perm("recall.view_request", is_ppcs & _rec_reaches_ppcs)
rules.add_perm("recall.decide_request", is_ppcs & _rec_reaches_ppcs & ~took_part_in_request)


# ---------------------------------------------------------------------------------------------
# Corrections to concerns and actions short of recall (issue 14). The object is the entry (a
# Concern or an ActionShortOfRecall, with ``person`` and ``recorded_by`` loaded): whoever can see
# the person and is a practitioner or manager of the team of the entry's author (their team
# now), or a manager or senior manager of the person's PDU. PPCS and administrators do not.


@rules.predicate
def _entry_person_visible(user: Any, entry: Any) -> bool:
    return bool(can_view_person(user, entry.person))


@rules.predicate
def _entry_author_in_own_team(user: Any, entry: Any) -> bool:
    return user.team_id is not None and entry.recorded_by.team_id == user.team_id


@rules.predicate
def _entry_person_in_own_pdu(user: Any, entry: Any) -> bool:
    return bool(person_in_own_pdu(user, entry.person))


rules.add_perm(
    "recall.correct_entry",
    _entry_person_visible
    & (
        ((is_practitioner | is_manager | is_senior_manager) & _entry_author_in_own_team)
        | ((is_manager | is_senior_manager) & _entry_person_in_own_pdu)
    ),
)


# ---------------------------------------------------------------------------------------------
# The recall paperwork (issue 15; docs/recall-paperwork.md). Evidence: the object is the
# recommendation. The report: the object is the RecallReport with ``recall.release.person``
# loaded (or, for starting one, the Person).


@rules.predicate
def _rec_person_visible(user: Any, rec: Any) -> bool:
    return bool(can_view_person(user, rec.person))


@rules.predicate
def _report_person_in_own_team(user: Any, report: Any) -> bool:
    return bool(person_in_own_team(user, report.recall.release.person))


@rules.predicate
def _report_person_in_own_pdu(user: Any, report: Any) -> bool:
    return bool(person_in_own_pdu(user, report.recall.release.person))


@rules.predicate
def wrote_report(user: Any, report: Any) -> bool:
    """Segregation of duties: the practitioner who wrote the report does not countersign it."""
    return bool(report.created_by_id == user.pk)


rules.add_perm("recall.add_evidence", is_practitioner & _rec_person_in_own_team)
rules.add_perm("recall.view_evidence", _rec_person_visible)
rules.add_perm("recall.start_report", is_practitioner & person_in_own_team)
rules.add_perm("recall.write_report", is_practitioner & _report_person_in_own_team)
rules.add_perm(
    "recall.countersign_report",
    (is_manager | is_senior_manager) & _report_person_in_own_pdu & ~wrote_report,
)


# ---------------------------------------------------------------------------------------------
# Multi-agency meetings and their actions (issue 19; docs/multi-agency-panels.md). Recording a
# meeting and adding its actions: ``recall.record_on_case`` on the person. Striking a meeting
# out: ``recall.correct_entry`` on the meeting (it has ``person`` and ``recorded_by``, as a
# concern). Marking an action done: the object is the MeetingAction with ``meeting.person``
# loaded: its owner (while they can see the case), or whoever may work on the case.


@rules.predicate
def _owns_action(user: Any, action: Any) -> bool:
    return bool(action.owner_id is not None and action.owner_id == user.pk)


@rules.predicate
def _action_person_visible(user: Any, action: Any) -> bool:
    return bool(can_view_person(user, action.meeting.person))


@rules.predicate
def _works_on_action_case(user: Any, action: Any) -> bool:
    return bool(can_work_on_case(user, action.meeting.person))


rules.add_perm(
    "recall.complete_meeting_action",
    (_owns_action & _action_person_visible) | _works_on_action_case,
)
