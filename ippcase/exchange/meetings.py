"""Multi-agency meetings and their actions in the ``ippcase-import/1`` format (issue 19;
docs/import-format.md, "Meeting").

A person record's optional ``meetings`` list: reading and validating it (:func:`parse_meetings`,
with the same :class:`~.reader.Reader` and messages as the rest of a record), the usernames it
mentions (:func:`meeting_usernames`) and writing it (:func:`export_meetings`). The loader
(:mod:`.load`) plans the writes. The concerns a meeting discussed are not carried.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet

from ippcase.exchange.reader import Reader, shown, unstorable
from ippcase.exchange.rows import (
    UNSET,
    MeetingActionRow,
    MeetingRow,
    References,
    Row,
    Unset,
    attnames,
)
from ippcase.models import Person
from recall import vocab
from recall.models import MeetingAction, MultiAgencyMeeting

_SHORT_MAX = 200  # chair, other agency, an action's owner in another agency

_MEETING_REQUIRED = ("held", "kind", "chair", "agencies", "discussion", "recorded_by")
_MEETING_OPTIONAL = ("other_agency", "attendees", "decisions", "struck_out", "actions")
_ACTION_REQUIRED = ("description", "due")
_ACTION_OPTIONAL = ("owner", "owner_name", "done", "done_by", "done_note")


def meeting_usernames(raw: object) -> set[str]:
    """The usernames a person record's ``meetings`` mention, for the loader to look up. Never
    raises on malformed input: parsing reports that."""
    names: set[str] = set()

    def add(obj: object, key: str) -> None:
        value = obj.get(key) if isinstance(obj, dict) else None
        if isinstance(value, str) and unstorable(value) is None:
            names.add(value)

    meetings = raw.get("meetings") if isinstance(raw, dict) else None
    for meeting in meetings if isinstance(meetings, list) else ():
        add(meeting, "recorded_by")
        add(meeting.get("struck_out") if isinstance(meeting, dict) else None, "by")
        actions = meeting.get("actions") if isinstance(meeting, dict) else None
        for action in actions if isinstance(actions, list) else ():
            add(action, "owner")
            add(action, "done_by")
    return names


def _user(r: Reader, refs: References, value: object, path: str) -> int | None:
    username = r.text(value, path, blank=False)
    if username is None:
        return None
    user_id = refs.user_ids.get(username)
    if user_id is None:
        r.problem(path, f"no user with username {shown(username)}")
    return user_id


def _timestamp(r: Reader, value: object, path: str) -> dt.datetime | None:
    if not isinstance(value, str):
        r.problem(path, "expected a date and time such as 2026-01-31T14:05:00+00:00")
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or "T" not in value:
        r.problem(
            path,
            f"{shown(value)} is not a date and time with its offset, "
            "such as 2026-01-31T14:05:00+00:00",
        )
        return None
    if moment.date() > r.today + dt.timedelta(days=1):
        r.problem(path, f"{value} is in the future")
        return None
    return moment


def parse_meetings(r: Reader, value: object, refs: References) -> list[MeetingRow] | None:
    """The rows of a record's ``meetings``, or None after recording every problem."""

    def parse_one(item: object, path: str) -> MeetingRow | None:
        return _parse_meeting(r, item, path, refs)

    return _keyed_rows(r, value, "meetings", parse_one, "date and kind")


def _keyed_rows(
    r: Reader, value: object, path: str, parse_one: Callable[[object, str], Any], same: str
) -> Any:
    """The rows ``parse_one(item, item_path)`` makes of the array at ``path``, no two with the
    same ``key`` (``same`` says what the key is); None after recording every problem."""
    items = r.array(value, path)
    if items is None:
        return None
    rows: list[Any] | None = []
    seen: dict[object, int] = {}
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]"
        before = len(r.problems)
        row = parse_one(item, item_path)
        if row is not None:
            first = seen.setdefault(row.key, i)
            if first != i:
                r.problem(item_path, f"same {same} as {path}[{first}]")
        if len(r.problems) != before or row is None:
            rows = None
        elif rows is not None:
            rows.append(row)
    return rows


def _parse_meeting(r: Reader, item: object, path: str, refs: References) -> MeetingRow | None:
    obj = r.obj(item, path)
    if obj is None:
        return None
    before = len(r.problems)
    r.keys(obj, path, _MEETING_REQUIRED, _MEETING_OPTIONAL)
    held = r.get(obj, "held", path, r.date)
    kind = r.get(obj, "kind", path, r.choice(vocab.MeetingKind))
    chair = r.get(obj, "chair", path, lambda v, p: r.text(v, p, max_length=_SHORT_MAX, blank=False))
    agencies = r.get(obj, "agencies", path, r.choice_list(vocab.Agency))
    other = r.get(obj, "other_agency", path, lambda v, p: r.text(v, p, max_length=_SHORT_MAX))
    other = "" if other is UNSET else other
    if isinstance(agencies, list) and isinstance(other, str):
        if vocab.Agency.OTHER in agencies and not other.strip():
            r.problem(f"{path}.other_agency", 'required when agencies include "other"')
        elif other and vocab.Agency.OTHER not in agencies:
            r.problem(f"{path}.other_agency", 'only when agencies include "other"')
    attendees = r.get(obj, "attendees", path, r.text)
    discussion = r.get(obj, "discussion", path, lambda v, p: r.text(v, p, blank=False))
    decisions = r.get(obj, "decisions", path, r.text)
    recorded_by = r.get(obj, "recorded_by", path, lambda v, p: _user(r, refs, v, p))
    struck = _parse_struck_out(r, obj, path, refs)
    actions: list[MeetingActionRow] | Unset | None = UNSET
    if "actions" in obj:
        actions = _parse_actions(r, obj["actions"], f"{path}.actions", refs, held)
    if (
        len(r.problems) != before
        or not isinstance(held, dt.date)
        or not isinstance(kind, str)
        or not isinstance(chair, str)
        or not isinstance(agencies, list)
        or not isinstance(discussion, str)
        or not isinstance(recorded_by, int)
        or struck is None
        or actions is None
    ):
        return None
    return MeetingRow(
        held_on=held,
        kind=kind,
        chair=chair,
        agencies=agencies,
        other_agency=other or "",
        attendees=attendees if isinstance(attendees, str) else "",
        discussion=discussion,
        decisions=decisions if isinstance(decisions, str) else "",
        recorded_by_id=recorded_by,
        struck_out_at=struck[0],
        struck_out_by_id=struck[1],
        struck_out_reason=struck[2],
        actions=actions,
    )


def _parse_struck_out(
    r: Reader, obj: dict[str, Any], path: str, refs: References
) -> tuple[dt.datetime | None, int | None, str] | None:
    """(when, by whom, why), all empty when not struck out; None after a problem."""
    value = obj.get("struck_out")
    if value is None:  # absent or null: not struck out
        return (None, None, "")
    path = f"{path}.struck_out"
    struck = r.obj(value, path)
    if struck is None:
        return None
    before = len(r.problems)
    r.keys(struck, path, ("at", "by", "reason"))
    at = r.get(struck, "at", path, lambda v, p: _timestamp(r, v, p))
    by = r.get(struck, "by", path, lambda v, p: _user(r, refs, v, p))
    reason = r.get(struck, "reason", path, lambda v, p: r.text(v, p, blank=False))
    if len(r.problems) != before or not isinstance(at, dt.datetime):
        return None
    if not isinstance(by, int) or not isinstance(reason, str):
        return None
    return (at, by, reason)


def _parse_actions(
    r: Reader, value: object, path: str, refs: References, held: object
) -> list[MeetingActionRow] | None:
    return _keyed_rows(
        r,
        value,
        path,
        lambda item, item_path: _parse_action(r, item, item_path, refs, held),
        "description and due date",
    )


def _parse_action(
    r: Reader, item: object, path: str, refs: References, held: object
) -> MeetingActionRow | None:
    obj = r.obj(item, path)
    if obj is None:
        return None
    before = len(r.problems)
    r.keys(obj, path, _ACTION_REQUIRED, _ACTION_OPTIONAL)
    description = r.get(obj, "description", path, lambda v, p: r.text(v, p, blank=False))
    owner = r.get(obj, "owner", path, lambda v, p: _user(r, refs, v, p), nullable=True)
    owner = None if owner is UNSET else owner
    owner_name = r.get(obj, "owner_name", path, lambda v, p: r.text(v, p, max_length=_SHORT_MAX))
    owner_name = "" if owner_name is UNSET else owner_name
    named = obj.get("owner_name")
    if obj.get("owner") is None and not (isinstance(named, str) and named.strip()):
        r.problem(
            f"{path}.owner",
            "required: give a member of staff's username, or owner_name for someone in "
            "another agency",
        )
    due = r.get(obj, "due", path, r.future_date)
    done = r.get(obj, "done", path, r.date, nullable=True)
    done = None if done is UNSET else done
    done_by = r.get(obj, "done_by", path, lambda v, p: _user(r, refs, v, p), nullable=True)
    done_by = None if done_by is UNSET else done_by
    note = r.get(obj, "done_note", path, r.text)
    note = "" if note is UNSET else note
    if obj.get("done") is not None and obj.get("done_by") is None:
        r.problem(f"{path}.done_by", 'required when "done" is given')
    if obj.get("done") is None and obj.get("done_by") is not None:
        r.problem(f"{path}.done", 'required when "done_by" is given')
    if isinstance(held, dt.date):
        for key, day in (("due", due), ("done", done)):
            if isinstance(day, dt.date) and day < held:
                r.problem(f"{path}.{key}", f"{day} is before the meeting ({held})")
    if len(r.problems) != before or not isinstance(description, str):
        return None
    if not isinstance(due, dt.date) or not isinstance(owner_name, str):
        return None
    return MeetingActionRow(
        description=description,
        owner_id=owner if isinstance(owner, int) else None,
        owner_name=owner_name,
        due_on=due,
        done_on=done if isinstance(done, dt.date) else None,
        done_by_id=done_by if isinstance(done_by, int) else None,
        done_note=note if isinstance(note, str) else "",
    )


# --- export ----------------------------------------------------------------------------------


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def export_meetings(selected: QuerySet[Person, Any]) -> dict[int, list[dict[str, Any]]]:
    """The ``meetings`` of each person in ``selected`` (a ``values("pk")`` queryset), by person
    id, in date order; people without meetings are left out. Two queries."""
    meetings = (
        MultiAgencyMeeting.objects.filter(person__in=selected)
        .order_by("held_on", "id")
        .values(*attnames(MultiAgencyMeeting), "recorded_by__username", "struck_out_by__username")
    )
    actions: defaultdict[int, list[Row]] = defaultdict(list)
    for action in (
        MeetingAction.objects.filter(meeting__person__in=selected)
        .order_by("id")
        .values(*attnames(MeetingAction), "owner__username", "done_by__username")
    ):
        actions[action["meeting_id"]].append(action)
    exported: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for meeting in meetings:
        exported[meeting["person_id"]].append(
            _export_meeting(meeting, actions.get(meeting["id"], []))
        )
    return exported


def _export_meeting(meeting: Row, actions: Iterable[Row]) -> dict[str, Any]:
    struck_at: dt.datetime | None = meeting["struck_out_at"]
    return {
        "held": _iso(meeting["held_on"]),
        "kind": meeting["kind"],
        "chair": meeting["chair"],
        "agencies": meeting["agencies"],
        "other_agency": meeting["other_agency"],
        "attendees": meeting["attendees"],
        "discussion": meeting["discussion"],
        "decisions": meeting["decisions"],
        "recorded_by": meeting["recorded_by__username"],
        "struck_out": None
        if struck_at is None
        else {
            "at": struck_at.astimezone(dt.UTC).isoformat(),
            "by": meeting["struck_out_by__username"],
            "reason": meeting["struck_out_reason"],
        },
        "actions": [
            {
                "description": action["description"],
                "owner": action["owner__username"],
                "owner_name": action["owner_name"],
                "due": _iso(action["due_on"]),
                "done": _iso(action["done_on"]),
                "done_by": action["done_by__username"],
                "done_note": action["done_note"],
            }
            for action in actions
        ],
    }
