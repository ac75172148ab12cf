"""The multi-agency meetings of a generated person (issue 19): IPP progression panels and MAPPA
meetings (the forums of HMIP 2023 recommendation 3), professionals meetings and OPD case
consultations, each with the actions it agreed.

Following the inspection, most recalls had no forum in the months before: a recall has a panel
2-20 weeks before it for 7 in 26 (:data:`~.tables.FORUM_BEFORE_RECALL_SHARE`). Drawn from a
random stream of its own per person, after the recall work, so nothing else changes.
"""

from __future__ import annotations

import datetime as dt
import random

from ippcase.demo.parole_work import licence_end
from ippcase.demo.recall_work import Coms
from ippcase.demo.sampling import at_office_hours, choice_fast, day_in, randint_fast
from ippcase.demo.specs import MeetingActionSpec, MeetingSpec, PersonSpec
from ippcase.demo.tables import (
    FORUM_BEFORE_RECALL_DAYS,
    FORUM_BEFORE_RECALL_SHARE,
    FORUM_EARLIER_GAP_DAYS,
    FORUM_EARLIER_SHARE,
    FORUM_ON_LICENCE_SHARE,
    MEETING_ACTION_DONE_SHARE,
    MEETING_ACTION_DUE_DAYS,
    MEETING_ACTIONS,
    OTHER_MEETING_SHARE,
    REFERENCE_DATE,
)
from recall.vocab import Agency, MeetingKind

_K = MeetingKind
_CHAIRS = {
    _K.PROGRESSION_PANEL: ("Senior probation officer", "Head of the PDU", "IPP lead"),
    _K.MAPPA_LEVEL_2: ("MAPPA chair (police)", "MAPPA chair (probation)"),
    _K.MAPPA_LEVEL_3: ("MAPPA chair (ACO)",),
    _K.PROFESSIONALS: ("Community offender manager", "Senior probation officer"),
    _K.OPD_CONSULTATION: ("OPD psychologist",),
}
_AGENCIES = {
    _K.PROGRESSION_PANEL: (Agency.POLICE, Agency.HOUSING, Agency.MENTAL_HEALTH, Agency.PRISON),
    _K.MAPPA_LEVEL_2: (Agency.POLICE, Agency.PRISON, Agency.HOUSING, Agency.SOCIAL_CARE),
    _K.MAPPA_LEVEL_3: (Agency.POLICE, Agency.PRISON, Agency.HEALTH, Agency.SOCIAL_CARE),
    _K.PROFESSIONALS: (Agency.HOUSING, Agency.SUBSTANCE_MISUSE, Agency.HEALTH),
    _K.OPD_CONSULTATION: (Agency.OPD,),
}
_ATTENDEE_WORDS = {
    Agency.POLICE: "police offender manager",
    Agency.PRISON: "prison offender manager",
    Agency.HEALTH: "GP practice nurse",
    Agency.MENTAL_HEALTH: "community mental health nurse",
    Agency.HOUSING: "housing officer",
    Agency.SUBSTANCE_MISUSE: "substance misuse worker",
    Agency.OPD: "OPD psychologist",
    Agency.SOCIAL_CARE: "social worker",
}
_DISCUSSION = {
    _K.PROGRESSION_PANEL: (
        "Progress since release, move-on from the approved premises and the risk of recall.",
        "Rising concerns at supervision: how to stabilise without recall.",
        "Plan for the next year on licence and whether to apply to suspend supervision.",
    ),
    _K.MAPPA_LEVEL_2: ("Risk to a former partner and the police intelligence received.",),
    _K.MAPPA_LEVEL_3: ("Escalating risk: police intelligence and threats reported.",),
    _K.PROFESSIONALS: (
        "Accommodation and benefits after the move-on.",
        "Drug use and engagement with the substance misuse service.",
    ),
    _K.OPD_CONSULTATION: ("Formulation of the person's difficulties with authority.",),
}
_DECISIONS = (
    "Actions below agreed; review at the next panel.",
    "Continue on licence with the support below.",
    "Increase contact and share information weekly.",
)
# (description, agency of the owner in another agency; None: the COM owns it)
_ACTIONS = (
    ("Refer to the housing options team", Agency.HOUSING),
    ("Share police intelligence with the COM", Agency.POLICE),
    ("Book an alcohol and drug assessment", Agency.SUBSTANCE_MISUSE),
    ("Increase reporting to weekly for six weeks", None),
    ("Complete a home visit", None),
    ("Arrange a psychology consultation", Agency.OPD),
    ("Update the risk management plan", None),
    ("Request a mental health assessment", Agency.MENTAL_HEALTH),
)
_OWNER_WORDS = {
    Agency.HOUSING: "Housing officer, local authority",
    Agency.POLICE: "Police offender manager",
    Agency.SUBSTANCE_MISUSE: "Substance misuse worker",
    Agency.OPD: "OPD psychologist",
    Agency.MENTAL_HEALTH: "Community mental health team",
}


def add_meetings(person: PersonSpec, rng: random.Random) -> None:
    """The meetings of ``person`` in each period in the community, dated from the release to
    the recall that ended it (or to the reference date, or the day before the licence ended),
    recorded by the COM of the day."""
    coms = Coms(person.allocations)
    ended = licence_end(person)
    last_day = REFERENCE_DATE if ended is None else min(REFERENCE_DATE, ended - dt.timedelta(1))
    forum = _forum_kind(person.mappa_level)
    meetings: list[MeetingSpec] = []
    for release in person.releases:
        start = release.date
        recall = release.recall
        end = recall.date - dt.timedelta(1) if recall is not None else last_day
        if end < start:
            continue
        if recall is not None:
            if rng.random() < FORUM_BEFORE_RECALL_SHARE:
                low, high = FORUM_BEFORE_RECALL_DAYS
                first = max(start, recall.date - dt.timedelta(high))
                last = max(first, recall.date - dt.timedelta(low))
                meetings.append(_meeting(rng, coms, forum, day_in(rng, first, min(last, end))))
            earliest = recall.date - dt.timedelta(FORUM_EARLIER_GAP_DAYS)
            if earliest > start and rng.random() < FORUM_EARLIER_SHARE:
                meetings.append(_meeting(rng, coms, forum, day_in(rng, start, earliest)))
        elif rng.random() < FORUM_ON_LICENCE_SHARE:
            meetings.append(_meeting(rng, coms, forum, day_in(rng, start, end)))
        if rng.random() < OTHER_MEETING_SHARE:
            kind = _K.PROFESSIONALS if rng.random() < 0.7 else _K.OPD_CONSULTATION
            day = day_in(rng, start, end)
            # A forum cannot be mistaken for this: its kind differs, so (date, kind) stays unique.
            meetings.append(_meeting(rng, coms, kind, day))
    seen: set[tuple[dt.date, str]] = set()
    for meeting in sorted(meetings, key=lambda m: m.held):
        if (meeting.held, meeting.kind) not in seen:
            seen.add((meeting.held, meeting.kind))
            person.meetings.append(meeting)


def _forum_kind(mappa_level: int | None) -> MeetingKind:
    if mappa_level == 3:
        return _K.MAPPA_LEVEL_3
    if mappa_level == 2:
        return _K.MAPPA_LEVEL_2
    return _K.PROGRESSION_PANEL


def _meeting(rng: random.Random, coms: Coms, kind: MeetingKind, held: dt.date) -> MeetingSpec:
    com_on = coms.on
    pool = _AGENCIES[kind]
    count = min(len(pool), randint_fast(rng, 1, 3))
    agencies = [str(a) for a in pool[:count]]
    attendees = ", ".join(["COM", *(_ATTENDEE_WORDS[Agency(a)] for a in agencies)])
    meeting = MeetingSpec(
        held=held,
        kind=str(kind),
        chair=choice_fast(rng, _CHAIRS[kind]),
        agencies=agencies,
        attendees=attendees,
        discussion=choice_fast(rng, _DISCUSSION[kind]),
        decisions=choice_fast(rng, _DECISIONS),
        recorded_by=com_on(held),
        recorded_at=at_office_hours(rng, min(REFERENCE_DATE, held + dt.timedelta(1))),
    )
    first = int(rng.random() * len(_ACTIONS))
    for n in range(randint_fast(rng, *MEETING_ACTIONS)):
        description, agency = _ACTIONS[(first + n) % len(_ACTIONS)]
        due = held + dt.timedelta(randint_fast(rng, *MEETING_ACTION_DUE_DAYS))
        done: dt.date | None = None
        if due <= REFERENCE_DATE and rng.random() < MEETING_ACTION_DONE_SHARE:
            done = day_in(rng, held + dt.timedelta(1), min(due, REFERENCE_DATE))
        meeting.actions.append(
            MeetingActionSpec(
                description=description,
                owner="" if agency is not None else com_on(held),
                owner_name=_OWNER_WORDS[agency] if agency is not None else "",
                due=due,
                done=done,
                done_by=com_on(done) if done is not None else "",
                done_note="Done" if done is not None else "",
            )
        )
    return meeting
