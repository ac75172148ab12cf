"""Multi-agency meetings and their actions in the case import and export (issue 19): validated
with the rest of the file (a bad one names the row and field and writes nothing), matched by
date and kind on re-import, left alone when the record leaves them out, and round-tripped."""

from __future__ import annotations

import copy
import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ippcase import models
from ippcase.exchange import ImportResult, ImportValidationError, cases_export, cases_import
from ippcase.vocab import Role
from recall.models import MeetingAction, MultiAgencyMeeting
from tests import factories
from tests.test_import import CASE_MODELS, document, full_record

MEETING_MODELS = (MultiAgencyMeeting, MeetingAction)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (*CASE_MODELS, *MEETING_MODELS)}


def meetings_record(crn: str = "A123456") -> dict[str, Any]:
    """A valid record with two meetings: a struck-out professionals meeting, and a progression
    panel with a done action, an open one owned by staff and one owned in another agency."""
    record = full_record(crn)
    record["meetings"] = [
        {
            "held": "2020-03-02",
            "kind": "professionals",
            "chair": "SPO",
            "agencies": ["police"],
            "other_agency": "",
            "attendees": "COM, police",
            "discussion": "Recorded on the wrong case",
            "decisions": "",
            "recorded_by": "practitioner",
            "struck_out": {
                "at": "2020-03-03T09:30:00+00:00",
                "by": "practitioner",
                "reason": "Recorded on the wrong case",
            },
            "actions": [],
        },
        {
            "held": "2021-05-10",
            "kind": "progression_panel",
            "chair": "Head of the PDU",
            "agencies": ["police", "housing", "other"],
            "other_agency": "Job centre",
            "attendees": "COM, SPO, police, housing officer",
            "discussion": "Move-on accommodation and drinking since the AP.",
            "decisions": "Refer to housing; alcohol work.",
            "recorded_by": "practitioner",
            "struck_out": None,
            "actions": [
                {
                    "description": "Refer to the housing options team",
                    "owner": "practitioner",
                    "owner_name": "",
                    "due": "2021-06-01",
                    "done": "2021-05-20",
                    "done_by": "practitioner",
                    "done_note": "Referred",
                },
                {
                    "description": "Book an alcohol assessment",
                    "owner": "practitioner",
                    "owner_name": "",
                    "due": "2021-07-01",
                    "done": None,
                    "done_by": None,
                    "done_note": "",
                },
                {
                    "description": "Check for intelligence",
                    "owner": None,
                    "owner_name": "DC Smith, police",
                    "due": "2021-06-15",
                    "done": None,
                    "done_by": None,
                    "done_note": "",
                },
            ],
        },
    ]
    return record


def problems_of(data: dict[str, Any]) -> list[str]:
    before = counts()
    with pytest.raises(ImportValidationError) as caught:
        cases_import(data=data)
    assert counts() == before, "a refused file must write nothing"
    return [str(problem) for problem in caught.value.errors]


@pytest.fixture
def stored(team, practitioner) -> dict[str, Any]:
    record = meetings_record()
    assert cases_import(data=document(copy.deepcopy(record))).created == 1
    return record


def test_meetings_and_actions_are_imported_into_their_rows(stored, practitioner):
    person = models.Person.objects.get(crn="A123456")
    struck, panel = person.meetings.order_by("held_on")
    assert struck.struck_out_at == dt.datetime(2020, 3, 3, 9, 30, tzinfo=dt.UTC)
    assert struck.struck_out_by == practitioner
    assert panel.kind == "progression_panel" and panel.is_forum
    assert panel.agencies == ["police", "housing", "other"] and panel.other_agency == "Job centre"
    assert panel.recorded_by == practitioner and panel.recorded_at is not None
    actions = {a.description: a for a in panel.actions.all()}
    assert actions["Refer to the housing options team"].done_on == dt.date(2021, 5, 20)
    assert actions["Refer to the housing options team"].done_by == practitioner
    assert actions["Check for intelligence"].owner is None
    assert actions["Check for intelligence"].owner_label == "DC Smith, police"
    assert MeetingAction.objects.filter(done_on__isnull=True).count() == 2


def test_export_import_into_an_empty_database_export_round_trips(stored, tmp_path):
    first = tmp_path / "first.json"
    call_command("export_cases", "--output", str(first), stderr=io.StringIO())
    before = counts()

    MeetingAction.objects.all().delete()
    MultiAgencyMeeting.objects.all().delete()
    models.Person.objects.all().delete()
    assert counts()["Person"] == 0
    call_command("import_cases", str(first), stdout=io.StringIO())
    second = io.StringIO()
    call_command("export_cases", stdout=second)

    assert second.getvalue() == first.read_text(encoding="utf-8")
    assert counts() == before
    assert cases_export()["people"][0]["meetings"] == stored["meetings"]


def test_an_export_reimports_with_no_writes(stored):
    before = counts()
    with CaptureQueriesContext(connection) as queries:
        result = cases_import(data=cases_export())
    assert result == ImportResult(created=0, updated=0, unchanged=1)
    assert counts() == before
    statements = [q["sql"].lstrip().upper() for q in queries]
    assert [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE"))] == []


def test_a_done_action_and_a_removed_meeting_are_matched_on_reimport(stored, practitioner):
    record = copy.deepcopy(stored)
    del record["meetings"][0]  # the struck-out meeting goes
    action = record["meetings"][0]["actions"][1]
    action.update(done="2021-06-20", done_by="practitioner", done_note="Booked")
    panel_id = MultiAgencyMeeting.objects.get(kind="progression_panel").pk

    assert cases_import(data=document(record)).updated == 1

    assert list(MultiAgencyMeeting.objects.values_list("pk", flat=True)) == [panel_id]
    booked = MeetingAction.objects.get(description="Book an alcohol assessment")
    assert booked.done_on == dt.date(2021, 6, 20) and booked.meeting_id == panel_id
    assert MeetingAction.objects.count() == 3


def test_meetings_left_out_of_the_record_are_kept(stored):
    record = copy.deepcopy(stored)
    del record["meetings"]
    assert cases_import(data=document(record)).unchanged == 1
    assert MultiAgencyMeeting.objects.count() == 2


def test_meetings_recorded_in_the_app_are_exported(team, practitioner):
    person = factories.PersonFactory(crn="B000001", team=team)
    meeting = factories.MeetingFactory(person=person, recorded_by=practitioner)
    factories.MeetingActionFactory(meeting=meeting, owner=practitioner)
    exported = cases_export()["people"][0]
    assert exported["meetings"][0]["kind"] == "progression_panel"
    assert exported["meetings"][0]["actions"][0]["owner"] == "practitioner"


def test_a_case_without_meetings_exports_without_the_key(team, practitioner):
    cases_import(data=document(full_record()))
    assert "meetings" not in cases_export()["people"][0]


def test_export_queries_do_not_grow_with_meetings(team, practitioner, django_assert_num_queries):
    cases_import(data=document(meetings_record("A000001")))
    with django_assert_num_queries(10):
        cases_export()
    cases_import(data=document(*(meetings_record(f"A00000{n}") for n in range(2, 8))))
    assert MeetingAction.objects.count() == 21
    with django_assert_num_queries(10):
        assert len(cases_export()["people"]) == 7


def test_a_bad_meeting_names_the_row_and_field_and_writes_nothing(team, practitioner):
    record = meetings_record()
    panel = record["meetings"][1]
    panel["kind"] = "coffee"
    panel["agencies"] = ["police", "other"]
    panel["other_agency"] = ""
    panel["recorded_by"] = "nobody"
    panel["held"] = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    panel["actions"][2]["owner_name"] = ""
    panel["actions"][1]["done"] = "2021-06-01"
    panel["actions"][0]["colour"] = "red"
    record["meetings"][0]["struck_out"]["at"] = "yesterday"
    record["meetings"].append(copy.deepcopy(record["meetings"][0]))

    problems = problems_of(document(record))

    assert problems == [
        'A123456 meetings[0].struck_out.at: "yesterday" is not a date and time with its '
        "offset, such as 2026-01-31T14:05:00+00:00",
        f"A123456 meetings[1].held: {panel['held']} is in the future",
        'A123456 meetings[1].kind: "coffee" is not allowed; expected one of: '
        "progression_panel, mappa_level_2, mappa_level_3, professionals, opd_consultation",
        'A123456 meetings[1].other_agency: required when agencies include "other"',
        'A123456 meetings[1].recorded_by: no user with username "nobody"',
        "A123456 meetings[1].actions[0].colour: unknown field; allowed fields: description, "
        "due, owner, owner_name, done, done_by, done_note",
        'A123456 meetings[1].actions[1].done_by: required when "done" is given',
        "A123456 meetings[1].actions[2].owner: required: give a member of staff's username, "
        "or owner_name for someone in another agency",
        'A123456 meetings[2].struck_out.at: "yesterday" is not a date and time with its '
        "offset, such as 2026-01-31T14:05:00+00:00",
    ]


def test_a_duplicate_meeting_is_refused(team, practitioner):
    record = meetings_record()
    record["meetings"].append(copy.deepcopy(record["meetings"][1]))
    assert problems_of(document(record)) == [
        "A123456 meetings[2]: same date and kind as meetings[1]"
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("panel", "A123456 meetings: expected a list, got a string"),
        (["x"], "A123456 meetings[0]: expected an object, got a string"),
    ],
)
def test_a_malformed_meetings_list_is_reported(team, practitioner, value, expected):
    record = meetings_record()
    record["meetings"] = value
    assert problems_of(document(record)) == [expected]


def test_an_action_owner_may_be_any_existing_user(team, practitioner):
    factories.UserFactory(username="elsewhere", roles=[Role.MANAGER])
    record = meetings_record()
    record["meetings"][1]["actions"][1]["owner"] = "elsewhere"
    cases_import(data=document(record))
    assert MeetingAction.objects.get(owner__username="elsewhere").due_on == dt.date(2021, 7, 1)


def test_import_queries_do_not_grow_with_meetings(team, practitioner):
    """New people with meetings and actions, then a re-import that updates them: the same
    number of statements for one person as for six."""

    def queries(*crns: str, done: str | None = None) -> int:
        records = [meetings_record(crn) for crn in crns]
        if done is not None:
            for record in records:
                record["meetings"][1]["actions"][1].update(done=done, done_by="practitioner")
        with CaptureQueriesContext(connection) as captured:
            cases_import(data=document(*records))
        return len(captured)

    assert queries("A000001") == queries(*(f"A00000{n}" for n in range(2, 8)))
    assert queries("A000001", done="2021-06-20") == queries(
        *(f"A00000{n}" for n in range(2, 8)), done="2021-06-20"
    )
    assert MeetingAction.objects.filter(done_on=dt.date(2021, 6, 20)).count() == 7


def test_a_wrongly_typed_owner_name_is_reported_not_a_crash(team, practitioner):
    record = meetings_record()
    record["meetings"][1]["actions"][2]["owner_name"] = 5
    assert problems_of(document(record)) == [
        "A123456 meetings[1].actions[2].owner_name: expected a string, got a number",
        "A123456 meetings[1].actions[2].owner: required: give a member of staff's username, "
        "or owner_name for someone in another agency",
    ]
