"""Case history: every audited change that belongs to a person's case, as sentences a
practitioner reads ("Dylan Reynolds (SPO) countersigned: recall. Rationale: …").

The changes come from django-pghistory's event tables (append-only; each event's context holds
the acting user's id, or the import's name). :func:`case_history` reads them in a fixed number
of queries, level by level along the keys that tie rows to the case, whatever the history's
length:

1. the events of rows that point at the person: the person, sentence, releases, licence
   conditions, allocations, concerns, actions short of recall, multi-agency meetings, recall
   recommendations, termination referrals, supervision panels;
2. rows that point at those: index offences (sentence), recalls (release), management
   oversight, PPCS decisions and dossiers (recommendation), the actions a meeting agreed;
3. rows that point at a recall: Parole Board reviews, risk-assessed recall reviews;
4. rows that point at a review: adjournments and deferrals;

and then the names and roles of everyone they mention, and the teams (two queries). Ids come
from the events already read, not from the live tables, so a row deleted since (a recall
stopped before the return to custody) keeps its history.

Each event becomes one :class:`HistoryLine` through the describer of its model (``DESCRIBERS``):
a function of an :class:`Event` (typed values, the changed fields, who) that returns the
sentence, or ``None`` for an event that says nothing a practitioner needs (a PDF being built, a
status change another line already tells). Values are shown as people read them: choices by
label, dates as "3 March 2025", users by name; link keys, version counters, timestamps of the
row itself and JSON answers never are.

The recall and parole apps build on this one, so their models are looked up by name
(``apps.get_model``), never imported here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pghistory.models
from django.apps import apps
from django.db import models

from ippcase.cases.history_event import (
    ACTOR_WORDS,
    HIDDEN,
    Actor,
    Change,
    Describer,
    Event,
    HistoryLine,
    Names,
    generic_describer,
    long_time,
    reason_clause,
    typed_row,
)
from ippcase.cases.history_words import person_change
from ippcase.models import Person, Team, User
from recall.deadlines import long_date

__all__ = ["ACTOR_WORDS", "Change", "HistoryLine", "case_history", "long_date", "long_time"]

# The person's current RoSH and MAPPA: in the app they change only with a RiskChange row, in the
# same audit context, whose line tells the change (describe_risk_change).
RISK_FIELDS = ("rosh_level", "mappa_category", "mappa_level")


def describe_person(event: Event) -> str | None:
    if event.context.get("allocation"):
        return None  # the case moving team: the new allocation's line tells it
    if event.label == "insert":
        return "Case added to the service"
    if event.label == "delete":
        return "Case removed"
    skip = HIDDEN | set(RISK_FIELDS if "risk_was" in event.context else ())
    fields = Person._meta.concrete_fields
    return person_change(f.name for f in fields if f.name not in skip and event.changed(f.name))


def _mappa_phrase(category: Any, level: Any) -> str:
    if not category:
        return "not managed under MAPPA"
    return f"MAPPA category {category}" + (f", level {level}" if level else "")


def describe_risk_change(event: Event) -> str | None:
    """ "RoSH recorded as High from 3 March 2026 (was Medium): a new assessment. Reason: …";
    MAPPA likewise. What it replaced comes from the context (``risk_was``), when there."""
    if event.label != "insert":
        return generic_describer("RoSH and MAPPA record")(event)
    was = event.context.get("risk_was") or {}
    old_rosh = was.get("rosh_level")
    new = (
        event.display("rosh_level") if event.get("rosh_level") else "not assessed",
        _mappa_phrase(event.get("mappa_category"), event.get("mappa_level")),
    )
    old = (
        event.display("rosh_level", old_rosh) if old_rosh else "not assessed",
        _mappa_phrase(was.get("mappa_category"), was.get("mappa_level")),
    )
    shown = [i for i in (0, 1) if not was or new[i] != old[i]] or [0, 1]
    text = (
        f"Recorded as {new[1]}"
        if shown == [1]
        else " and ".join([f"RoSH recorded as {new[0]}", *([new[1]] if 1 in shown else [])])
    )
    text += f" from {event.display('changed_on')}"
    text += f" (was {'; '.join(old[i] for i in shown)})" if was else ""
    kind = event.display("kind")
    return f"{text}: {kind[:1].lower()}{kind[1:]}.{reason_clause('Reason', event.text('reason'))}"


def describe_sentence(event: Event) -> str | None:
    if event.label == "insert":
        return (
            f"Sentence recorded: {event.display('sentence_type')}, sentenced "
            f"{event.display('sentence_date')}"
        )
    return generic_describer("Sentence")(event)


def describe_offence(event: Event) -> str | None:
    if event.label == "insert":
        description = event.text("description")
        return f"Index offence recorded: {event.display('category')}" + (
            f" ({description})" if description else ""
        )
    return generic_describer("Index offence")(event)


def describe_release(event: Event) -> str | None:
    where = f" from {event.text('prison')}" if event.text("prison") else ""
    if event.label == "insert":
        ap = " to approved premises" if event.get("approved_premises") else ""
        return f"Released on licence{where} on {event.display('date')}{ap}"
    if event.label == "delete":
        return f"Release of {event.display('date')} removed"
    return generic_describer("Release")(event)


def describe_recall(event: Event) -> str | None:
    if event.label == "insert":
        # No reasons recorded (a case opened in the app): say nothing rather than "(blank)".
        reasons = event.display("reasons") if event.get("reasons") else ""
        return f"Recalled on {event.display('recall_date')}." + reason_clause("Reasons", reasons)
    if event.label == "delete":
        return f"Recall of {event.display('recall_date')} withdrawn before the return to custody"
    parts = []
    if event.changed("returned_to_custody") and event.get("returned_to_custody"):
        prison = event.text("custody_prison")
        parts.append(
            f"Returned to custody on {event.display('returned_to_custody')}"
            + (f" ({prison})" if prison else "")
        )
    if event.changed("dossier_served_on") and event.get("dossier_served_on"):
        parts.append(
            f"Recall dossier served on the prisoner on {event.display('dossier_served_on')}"
        )
    if event.changed("report_submitted_on") and event.get("report_submitted_on"):
        parts.append(f"Recall report submitted on {event.display('report_submitted_on')}")
    if event.changed("re_released_on") and event.get("re_released_on"):
        parts.append(f"Re-released on {event.display('re_released_on')}")
    if parts:
        return ". ".join(parts)
    return generic_describer(f"Recall of {event.display('recall_date')}")(event)


def describe_condition(event: Event) -> str | None:
    name = event.display("standard_code") if event.get("standard_code") else event.text("text")
    was = str(event.context.get("was") or "")
    if event.label == "insert" and event.get("varies") and was:
        return (
            f"Licence condition varied from {event.display('start_date')}: '{name}' (was '{was}')"
        )
    if event.label == "update" and was and event.changed("end_date"):
        return None  # the old condition of a variation: the variation's line tells it
    if event.label == "insert":
        return f"Licence condition added: {name} (from {event.display('start_date')})"
    if event.label == "delete":
        return f"Licence condition removed: {name}"
    if event.changed("end_date") and event.get("end_date"):
        return f"Licence condition '{name}' ended on {event.display('end_date')}"
    return generic_describer(f"Licence condition ({name})")(event)


def describe_allocation(event: Event) -> str | None:
    com = event.user("practitioner")
    name = com.name if com else "a former user"
    # A transfer (ippcase.cases.allocation.services): "transferred" or "allocated", the team.
    moved = event.context.get("allocation")
    if moved and event.label == "insert":
        team = event.context.get("team")
        where = f" ({team})" if team else ""
        return f"Case {moved} to {name}{where} from {event.display('start_date')}."
    if moved and event.label == "update":
        return None  # the previous COM's allocation ending: the new one's line tells it
    if event.label == "insert":
        return f"Case allocated to {name} from {event.display('start_date')}"
    if event.label == "delete":
        return f"Allocation to {name} removed"
    if event.changed("end_date") and event.get("end_date"):
        return f"Allocation to {name} ended on {event.display('end_date')}"
    return generic_describer(f"Allocation to {name}")(event)


_STRUCK_OUT = ("struck_out_at", "struck_out_by", "struck_out_reason")


def _corrected(what: str, event: Event) -> str | None:
    """A concern, an action or a meeting struck out, or corrected (each field from what to
    what; a meeting's action, never struck out itself, corrected); the reason comes from the
    audit context (recall.corrections, recall.meeting_corrections)."""
    if (
        event.label == "update"
        and event.data.get("struck_out_at")
        and event.changed("struck_out_at")
    ):
        return f"{what} struck out."
    changes = event.changes(skip=_STRUCK_OUT) if event.label == "update" else ()
    words = [f'{c.label.lower()} was "{c.old}", now "{c.new}"' for c in changes]
    if event.context.get("also"):  # links changed: a meeting's concerns, a concern's conditions
        words.append(str(event.context["also"]))
    if not words:
        return generic_describer(what)(event)
    return f"{what} corrected: {'; '.join(words)}."


def describe_concern(event: Event) -> str | None:
    if event.label == "insert":
        return (
            f"Concern recorded ({event.display('occurred_on')}, {event.display('source')}): "
            f"{event.text('description')}"
        )
    day = event.display("occurred_on", old=event.before is not None)
    return _corrected(f"Concern of {day}", event)


def describe_action(event: Event) -> str | None:
    if event.label == "insert":
        outcome = event.text("outcome")
        return (
            f"Action short of recall recorded: {event.display('kind')} on "
            f"{event.display('taken_on')}.{reason_clause('Details', event.text('details'))}"
            + (f" Outcome: {outcome}" if outcome else "")
        )
    old = event.before is not None
    kind, day = event.display("kind", old=old).lower(), event.display("taken_on", old=old)
    return _corrected(f"Action short of recall of {day} ({kind})", event)


def describe_meeting(event: Event) -> str | None:
    kind = event.display("kind", old=event.before is not None)
    if event.label == "insert":
        return (
            f"{kind} recorded: held on {event.display('held_on')}, chaired by "
            f"{event.text('chair')}."
        )
    return _corrected(f"{kind} of {event.display('held_on', old=True)}", event)


def _sentence(text: str) -> str:
    return text if not text or text.endswith((".", ":", "?", "!")) else f"{text}."


def describe_meeting_action(event: Event) -> str | None:
    what = _sentence(event.text("description"))
    if event.label == "insert":
        owner = event.user("owner")
        return (
            f"Meeting action agreed: {what} Owner: "
            f"{owner.name if owner else event.text('owner_name')}; due by "
            f"{event.display('due_on')}."
        )
    if event.changed("done_on") and event.get("done_on"):
        note = event.text("done_note")
        return f"Meeting action done: {what}" + (f" What was done: {note}" if note else "")
    return _corrected(f"Meeting action due by {event.display('due_on', old=True)}", event)


# Recommendation statuses another line already tells (the oversight, the PPCS decision).
_TOLD_ELSEWHERE = {"awaiting_aco", "ready", "not_recalled", "authorised", "rejected"}


def describe_recommendation(event: Event) -> str | None:
    if event.label == "insert":
        return "Recall recommendation started"
    if event.label == "delete":
        return "Recall recommendation removed"
    status, was = event.get("status"), event.was("status")
    if status != was:
        if status == "awaiting_spo":
            return "Recall recommendation sent for countersignature"
        if status == "submitted" and was == "info_requested":
            return "Further information sent to PPCS and the request resubmitted." + reason_clause(
                "Information", event.text("further_information")
            )
        if status == "submitted":
            return "Recall request submitted to PPCS"
        if status == "withdrawn":
            return "Recall recommendation withdrawn." + reason_clause(
                "Reason", event.text("withdrawn_reason")
            )
        if status == "rescinded":
            return "PPCS stopped or rescinded the recall." + reason_clause(
                "Reason", event.text("rescinded_reason")
            )
        if status == "draft":
            return "Recall recommendation returned to the practitioner as a draft"
        if status in _TOLD_ELSEWHERE or status == "info_requested":
            return None
    if event.changed("assigned_to") and event.get("assigned_to"):
        who = event.user("assigned_to")
        return f"{who.with_role('PPCS') if who else 'PPCS'} took the recall request"
    answers = event.changes(skip={"status", "assigned_to", "further_information"})
    if answers:
        names = ", ".join(c.label.lower() for c in answers)
        return f"Recall recommendation answers changed: {names}"
    return None


def describe_oversight(event: Event) -> str | None:
    if event.label != "insert":
        return generic_describer("Management oversight")(event)
    signer = event.user("signed_by")
    level = str(event.get("level") or "").upper()
    role = f"{level}, duty manager" if event.get("duty_manager") else level
    who = signer.with_role(role) if signer else f"The {level}"
    return (
        f"{who} countersigned: {event.display('decision').lower()}."
        f"{reason_clause('Rationale', event.text('rationale'))}"
    )


def describe_ppcs_decision(event: Event) -> str | None:
    if event.label != "insert":
        return generic_describer("PPCS decision")(event)
    outcome, reason = event.get("outcome"), event.text("reason")
    if outcome == "authorised":
        caseworker = event.user("decided_by")
        return f"{caseworker.with_role('PPCS') if caseworker else 'PPCS'} authorised the recall"
    if outcome == "rejected":
        return "PPCS rejected the request." + reason_clause("Reason", reason)
    return "PPCS asked for more information." + reason_clause("What is needed", reason)


def describe_dossier(event: Event) -> str | None:
    kind = "Dossier" if event.get("kind") == "dossier" else "Reasons for recall letter"
    number = event.get("version")
    if event.label == "insert":
        return f"{kind} requested (version {number})"
    if event.changed("state") and event.get("state") == "ready":
        pages = event.get("pages")
        return f"{kind} version {number} ready" + (f" ({pages} pages)" if pages else "")
    if event.changed("state") and event.get("state") == "failed":
        return f"{kind} version {number} could not be built"
    return None  # queued again, being built: nothing a practitioner needs


def _review_name(event: Event) -> str:
    return "paper review" if event.get("kind") == "paper" else "oral hearing"


def describe_review(event: Event) -> str | None:
    name = _review_name(event)
    if event.label == "insert":
        hearing = event.get("hearing_date")
        article = "an" if name[0] in "aeiou" else "a"
        return (
            f"Referred to the Parole Board for {article} {name} on {event.display('referred_on')}"
        ) + (f" (hearing {event.display('hearing_date')})" if hearing else "")
    if event.label == "delete":
        return f"Parole Board {name} removed"
    if event.changed("outcome") and event.get("outcome"):
        return (
            f"Parole Board {name} recorded: outcome {event.display('outcome').lower()} "
            f"(decided {event.display('decided_on')})"
        )
    return generic_describer(f"Parole Board {name} details")(event)


def describe_adjournment(event: Event) -> str | None:
    kind = event.display("kind")
    if event.label == "insert":
        new_date = event.get("new_date")
        return (
            f"{kind} recorded on {event.display('date')}."
            + reason_clause("Reason", event.text("reason"))
            + (f". New date: {event.display('new_date')}" if new_date else "")
        )
    if event.changed("prisoner_informed_on") and event.get("prisoner_informed_on"):
        return (
            f"Prisoner told of the {kind.lower()} of {event.display('date')} on "
            f"{event.display('prisoner_informed_on')}"
        )
    return generic_describer(f"{kind} of {event.display('date')}")(event)


def describe_rarr(event: Event) -> str | None:
    if event.label == "insert":
        return (
            f"Risk-assessed recall review: {event.display('outcome').lower()} (decided "
            f"{event.display('decided_on')}).{reason_clause('Rationale', event.text('rationale'))}"
        )
    return generic_describer("Risk-assessed recall review")(event)


def describe_termination(event: Event) -> str | None:
    if event.label == "insert":
        return f"Licence termination referral to the Parole Board on {event.display('referred_on')}"
    if event.changed("outcome") and event.get("outcome"):
        return (
            f"Licence termination referral decided: {event.display('outcome').lower()} "
            f"({event.display('decided_on')})"
        )
    return generic_describer("Licence termination referral")(event)


def describe_suspension(event: Event) -> str | None:
    if event.label == "insert":
        return (
            f"Supervision suspension panel on {event.display('panel_date')}: "
            f"{event.display('panel_recommendation').lower()}"
        )
    if event.changed("outcome") and event.get("outcome"):
        return (
            f"PPCS decision on suspending supervision: {event.display('outcome').lower()} "
            f"({event.display('decided_on')}).{reason_clause('Rationale', event.text('rationale'))}"
        )
    return generic_describer("Supervision suspension")(event)


# Tracked model label -> describer. A model not listed gets a generic line.
DESCRIBERS: dict[str, Describer] = {
    "ippcase.Person": describe_person,
    "ippcase.Sentence": describe_sentence,
    "ippcase.IndexOffence": describe_offence,
    "ippcase.Release": describe_release,
    "ippcase.Recall": describe_recall,
    "ippcase.LicenceCondition": describe_condition,
    "ippcase.Allocation": describe_allocation,
    "ippcase.RiskChange": describe_risk_change,
    "recall.Concern": describe_concern,
    "recall.ActionShortOfRecall": describe_action,
    "recall.MultiAgencyMeeting": describe_meeting,
    "recall.MeetingAction": describe_meeting_action,
    "recall.RecallRecommendation": describe_recommendation,
    "recall.Oversight": describe_oversight,
    "recall.PpcsDecision": describe_ppcs_decision,
    "recall.Dossier": describe_dossier,
    "parole.ParoleReview": describe_review,
    "parole.Adjournment": describe_adjournment,
    "parole.RiskAssessedRecallReview": describe_rarr,
    "parole.TerminationReferral": describe_termination,
    "parole.SupervisionSuspension": describe_suspension,
}
# Lines that list the changed fields under them (what else changed is in the sentence).
DETAILED = {"ippcase.Person", "ippcase.Sentence", "ippcase.IndexOffence"}

# The levels of the case: rows of the parent model (by the ids of its events) -> event models
# that point at it. Level 0 is the person.
LEVELS: tuple[tuple[str, ...], ...] = (
    (
        "ippcase.Sentence",
        "ippcase.Release",
        "recall.RecallRecommendation",
        "recall.MultiAgencyMeeting",
    ),
    ("ippcase.Recall",),
    ("parole.ParoleReview",),
)

USER_KEYS = (
    "practitioner_id",
    "signed_by_id",
    "decided_by_id",
    "assigned_to_id",
    "requested_by_id",
    "recorded_by_id",
    "submitted_by_id",
    "created_by_id",
    "owner_id",
    "done_by_id",
)


# ---------------------------------------------------------------------------------------------
# Reading


def _events_referencing(model: type[models.Model], ids: Iterable[int], limit: int) -> list[Any]:
    objs = [model(pk=pk) for pk in sorted(set(ids))]
    if not objs:  # references() with nothing would read every event table whole
        return []
    qs = pghistory.models.Events.objects.references(*objs).order_by("-pgh_created_at")
    return list(qs[:limit])


def case_history(person: Person, *, limit: int = 500) -> list[HistoryLine]:
    """Every audited change of ``person``'s case, newest first (at most ``limit``), each as
    one sentence with who and when.

    At most nine queries whatever the history's length: seven reads of events over four levels
    (a parent model with no events, such as a case with no recommendation, is not read) and
    two for the users and teams they name."""
    rows: dict[tuple[str, int], Any] = {}

    def keep(events: list[Any]) -> None:
        for event in events:
            rows[(event.pgh_model, event.pgh_id)] = event

    keep(_events_referencing(Person, [person.pk], limit))
    for level in LEVELS:
        for label in level:
            parent = apps.get_model(label)
            event_label = parent.pgh_event_model._meta.label
            ids = {int(e.pgh_obj_id) for e in rows.values() if e.pgh_model == event_label}
            keep(_events_referencing(parent, ids, limit))

    ordered = sorted(rows.values(), key=lambda e: e.pgh_created_at, reverse=True)[:limit]
    names = _names(ordered)
    lines = []
    for raw in ordered:
        line = _line(raw, names)
        if line is not None:
            lines.append(line)
    return lines


def _names(events: list[Any]) -> Names:
    """The users and teams the events name: two queries."""
    ids: set[int] = set()
    team_ids = {int(e.pgh_data["team_id"]) for e in events if (e.pgh_data or {}).get("team_id")}
    for event in events:
        context = event.pgh_context or {}
        if context.get("user"):
            ids.add(int(context["user"]))
        for key in USER_KEYS:
            value = (event.pgh_data or {}).get(key)
            if value:
                ids.add(int(value))
    users = {
        u.pk: Actor(u.display_name, tuple(u.roles or ()))
        for u in User.objects.filter(pk__in=ids).only(
            "first_name", "last_name", "username", "roles"
        )
    }
    teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))
    return Names(users=users, teams=teams)


def _line(raw: Any, names: Names) -> HistoryLine | None:
    tracked = apps.get_model(raw.pgh_obj_model)
    data = typed_row(tracked, raw.pgh_data) or {}
    before = None
    if raw.pgh_label == "update" and raw.pgh_diff:
        before = dict(data)
        for column, (old, _new) in raw.pgh_diff.items():
            typed = typed_row(tracked, {column: old}) or {}
            before.update(typed)
    elif raw.pgh_label == "update":
        return None  # nothing changed that the audit keeps
    context = raw.pgh_context or {}
    actor = names.users.get(int(context["user"])) if context.get("user") else None
    event = Event(
        model=tracked,
        label=raw.pgh_label,
        when=raw.pgh_created_at,
        actor=actor,
        data=data,
        before=before,
        names=names,
        context=context,
    )
    describe = DESCRIBERS.get(raw.pgh_obj_model) or generic_describer(
        _label_text(str(tracked._meta.verbose_name))
    )
    text = describe(event)
    if text is None:
        return None
    # A change made through a form that asks why (issue 14) carries the reason, and whether it
    # corrects a mistake or records a new fact, in the audit context:
    # ``pghistory.context(reason=..., correction=True)`` around the service's writes.
    reason = str(context.get("reason") or "").strip()
    if reason:
        text = f"{_sentence(text)}{reason_clause('Reason', reason)}"
    if context.get("correction"):
        text = f"Correction: {text}"
    if actor is not None:
        who = actor.with_role()
    elif context.get("actor"):
        who = ACTOR_WORDS.get(str(context["actor"]), str(context["actor"]))
    elif context.get("user"):
        who = "A former user"
    else:
        who = "The system"
    changes = event.changes() if raw.pgh_obj_model in DETAILED and before is not None else ()
    return HistoryLine(when=raw.pgh_created_at, who=who, text=text, changes=changes)


def _label_text(text: str) -> str:
    return text[:1].upper() + text[1:]
