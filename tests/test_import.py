"""Case import and export (ippcase-import/1): validation reports every problem and writes nothing,
a valid file is written all at once, re-imports update in place without audit churn, and an
export imports back to the same export."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

import pghistory.models
import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from ippcase import models
from ippcase.cases import history
from ippcase.exchange import (
    ImportProblem,
    ImportResult,
    ImportValidationError,
    cases_export,
    cases_import,
)
from ippcase.vocab import Role
from tests import factories

CASE_MODELS = (
    models.Person,
    models.Sentence,
    models.IndexOffence,
    models.Release,
    models.Recall,
    models.LicenceCondition,
    models.Allocation,
)


def person_record(crn: str = "A123456", **overrides: Any) -> dict[str, Any]:
    """A valid record, required fields and a team only: released, recalled, re-released."""
    record: dict[str, Any] = {
        "crn": crn,
        "nomis_number": "A1234BC",
        "first_name": "Sam",
        "last_name": "Doe",
        "date_of_birth": "1981-02-03",
        "gender": "male",
        "ethnicity": "white",
        "team": "leeds-a",
        "sentence": {
            "type": "IPP",
            "sentence_date": "2007-05-01",
            "tariff": {"years": 2, "months": 0, "days": 0},
            "index_offence": {
                "category": "violence_against_the_person",
                "description": "Wounding with intent",
                "behaviours": ["alcohol", "violence"],
            },
        },
        "releases": [
            {
                "date": "2012-03-01",
                "prison": "HMP Leeds",
                "approved_premises": True,
                "recall": {
                    "date": "2013-01-05",
                    "returned_to_custody": "2013-01-06",
                    "reasons": ["non_compliance"],
                    "criteria": ["i"],
                },
            },
            {"date": "2016-07-01", "prison": "HMP Wakefield", "approved_premises": False},
        ],
    }
    record.update(overrides)
    return record


def full_record(crn: str = "A123456", practitioner: str = "practitioner") -> dict[str, Any]:
    """A valid record using every optional field as well."""
    record = person_record(crn)
    record.update(
        pnc="2007/0123456A",
        mappa={"category": 2, "level": 1},
        rosh_level="high",
        accommodation="approved_premises",
        needs=["accommodation", "alcohol_misuse"],
        vulnerabilities="History of self-harm",
        opd_screening="screened_in",
        licence_conditions=[
            {"kind": "standard", "code": "keep_in_touch", "start": "2016-07-01", "end": None},
            {
                "kind": "additional",
                "text": "Not to enter Leeds city centre",
                "start": "2016-07-01",
                "end": "2017-01-01",
            },
            {
                "kind": "bespoke",
                "text": "Attend the OPD pathway",
                "start": "2016-08-01",
                "end": None,
            },
        ],
        allocations=[
            {"practitioner": practitioner, "start": "2016-07-01", "end": None},
        ],
    )
    record["sentence"]["other_offences"] = [
        {"category": "robbery", "description": "Street robbery", "behaviours": ["weapons"]}
    ]
    return record


def document(*records: dict[str, Any]) -> dict[str, Any]:
    return {"format": "ippcase-import/1", "people": list(records)}


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in CASE_MODELS}


def audit_event_count() -> int:
    event_models = [
        model
        for model in apps.get_app_config("ippcase").get_models()
        if hasattr(model, "pgh_tracked_model")
    ]
    return sum(model.objects.count() for model in event_models) + (
        pghistory.models.Context.objects.count()
    )


def problems_of(data: dict[str, Any], **kwargs: Any) -> list[str]:
    """The problems ``data`` is rejected with, as printed (and checks that nothing was written)."""
    before = row_counts()
    with pytest.raises(ImportValidationError) as caught:
        cases_import(data=data, **kwargs)
    assert row_counts() == before
    return [str(problem) for problem in caught.value.errors]


@pytest.fixture
def team_and_practitioner(team, practitioner):
    return team, practitioner


# --- a valid file ----------------------------------------------------------------------------


def test_a_valid_file_creates_the_person_and_every_child_row(team_and_practitioner):
    team, practitioner = team_and_practitioner

    result = cases_import(data=document(full_record(practitioner=practitioner.username)))

    assert result == ImportResult(created=1, updated=0, unchanged=0)
    person = models.Person.objects.get(crn="A123456")
    assert (person.first_name, person.last_name, person.team) == ("Sam", "Doe", team)
    assert person.date_of_birth == dt.date(1981, 2, 3)
    assert (person.mappa_category, person.mappa_level, person.rosh_level) == (2, 1, "high")
    assert person.needs == ["accommodation", "alcohol_misuse"]
    assert person.opd_screening == "screened_in"
    sentence = person.sentence
    assert sentence.tariff_expiry_date == dt.date(2009, 5, 1)  # derived, although bulk-created
    principal, other = sentence.offences.all()
    assert principal.is_principal and principal.behaviours == ["alcohol", "violence"]
    assert not other.is_principal and other.category == "robbery"
    first, second = person.releases.all()
    assert first.recall.recall_date == dt.date(2013, 1, 5)
    assert first.recall.criteria == ["i"]
    assert not hasattr(second, "recall")
    assert person.licence_conditions.count() == 3
    assert person.allocations.get().practitioner == practitioner


def test_the_import_is_audited_under_the_actor(team):
    cases_import(data=document(person_record()), actor="nightly-feed")

    person = models.Person.objects.get(crn="A123456")
    event = models.Person.pgh_event_model.objects.get(pgh_obj_id=person.pk)
    assert event.pgh_label == "insert"
    assert event.pgh_context.metadata["actor"] == "nightly-feed"


def test_a_new_person_without_a_team_goes_to_the_default_team(team, other_team_same_pdu):
    record = person_record()
    del record["team"]

    cases_import(data=document(record), default_team_code="leeds-b")

    assert models.Person.objects.get(crn="A123456").team == other_team_same_pdu


def test_a_new_person_without_a_team_or_a_default_is_imported_unallocated(team):
    record = person_record()
    del record["team"]

    assert cases_import(data=document(record)) == ImportResult(created=1, updated=0, unchanged=0)

    person = models.Person.objects.get(crn="A123456")
    assert (person.team, person.awaiting_pdu) == (None, None)  # the national list
    assert person.team_name == "Awaiting allocation"


def test_a_new_person_with_a_pdu_and_no_team_waits_on_that_pdus_list(team):
    record = person_record(pdu="leeds")
    del record["team"]

    cases_import(data=document(record), default_team_code="leeds-a")

    person = models.Person.objects.get(crn="A123456")
    assert (person.team, person.awaiting_pdu) == (None, team.pdu)
    assert person.pdu_id == team.pdu_id


def test_an_unknown_pdu_is_reported(team):
    record = person_record(pdu="nowhere")
    del record["team"]

    assert problems_of(document(record)) == ['A123456 pdu: no PDU with code "nowhere"']


def test_a_pdu_beside_a_team_is_refused(team):
    assert problems_of(document(person_record(pdu="leeds"))) == [
        "A123456 pdu: only for a person without a team (the unallocated list they wait on); "
        "leave it out, or leave out the team"
    ]


def test_a_pdu_for_a_stored_person_with_a_team_is_refused(team):
    cases_import(data=document(person_record()))
    record = person_record(pdu="leeds")
    del record["team"]

    assert problems_of(document(record)) == [
        "A123456 pdu: the person is stored with a team, which the import keeps when the record "
        "gives none; a pdu is only for a person awaiting allocation (leave it out, or give the "
        "team)"
    ]
    assert models.Person.objects.get().team == team


def test_a_reimport_with_a_team_allocates_an_unallocated_person(team):
    record = person_record(pdu="leeds")
    del record["team"]
    cases_import(data=document(record))

    result = cases_import(data=document(person_record()))

    assert result.updated == 1
    person = models.Person.objects.get()
    assert (person.team, person.awaiting_pdu) == (team, None)


def test_an_unallocated_person_exports_their_pdu_and_round_trips(team, tmp_path):
    on_list = person_record("A000001", pdu="leeds")
    national = person_record("A000002")
    del on_list["team"], national["team"]
    cases_import(data=document(on_list, national, person_record("A000003")))

    exported = cases_export()
    first, second, third = exported["people"]
    assert "team" not in first and first["pdu"] == "leeds"
    assert "team" not in second and second["pdu"] is None
    assert "pdu" not in third and third["team"] == "leeds-a"
    assert cases_import(data=copy.deepcopy(exported)).unchanged == 3

    models.Person.objects.all().delete()
    cases_import(data=copy.deepcopy(exported))
    assert cases_export() == exported


def test_an_unknown_default_team_is_reported_once(team):
    record = person_record()
    del record["team"]

    assert problems_of(document(record), default_team_code="nowhere") == [
        '- default_team: no team with code "nowhere"'
    ]


# --- invalid records: each reported with CRN, field and reason, nothing written ---------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation that sets the value at a dotted path such as ``releases.0.recall.date``."""

    def mutate(record: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = record
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return mutate


_DELETE = object()


def _all(*mutations: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def mutate(record: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(record)

    return mutate


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(
            _set("gender", "unknown"),
            'A123456 gender: "unknown" is not allowed; expected one of: male, female, other',
            id="bad-vocabulary",
        ),
        pytest.param(
            _set("sentence.index_offence.behaviours", ["alcohol", "shoplifting"]),
            'A123456 sentence.index_offence.behaviours[1]: "shoplifting" is not allowed; '
            "expected one of: alcohol, drugs, violence, weapons, sexual, online_sexual, "
            "domestic_abuse, harassment_stalking, threats, acquisitive, arson, "
            "criminal_associates, grievance_rumination, mental_health_deterioration, "
            "non_disclosure, non_compliance, out_of_contact",
            id="bad-behaviour",
        ),
        pytest.param(
            _set("releases.0.recall.criteria", ["v"]),
            'A123456 releases[0].recall.criteria[0]: "v" is not allowed; '
            "expected one of: i, ii, iii, iv",
            id="bad-criterion",
        ),
        pytest.param(
            _set("date_of_birth", "2021-02-31"),
            'A123456 date_of_birth: "2021-02-31" is not a real date '
            "(day is out of range for month)",
            id="impossible-date",
        ),
        pytest.param(
            _set("date_of_birth", "03/02/1981"),
            'A123456 date_of_birth: "03/02/1981" is not a date in the form YYYY-MM-DD',
            id="date-format",
        ),
        pytest.param(
            _set("releases.0.recall.date", "2012-02-01"),
            "A123456 releases[0].recall.date: 2012-02-01 is before the release it ends "
            "(2012-03-01)",
            id="recall-before-release",
        ),
        pytest.param(
            _all(
                _set("releases.0.recall.date", "2016-07-01"),
                _set("releases.0.recall.returned_to_custody", None),
            ),
            "A123456 releases[0].recall.date: 2016-07-01 is not before the next release "
            "(2016-07-01)",
            id="recall-on-next-release",
        ),
        pytest.param(
            _set("releases.0.recall.returned_to_custody", "2013-01-04"),
            "A123456 releases[0].recall.returned_to_custody: 2013-01-04 is before the recall date "
            "(2013-01-05)",
            id="rtc-before-recall",
        ),
        pytest.param(
            _set("releases.0.recall", None),
            "A123456 releases[0].recall: required: only the last release may have no recall",
            id="non-last-release-without-recall",
        ),
        pytest.param(
            _set("sentence.sentence_date", "2012-03-02"),
            "A123456 sentence.sentence_date: 2012-03-02 is after the first release (2012-03-01)",
            id="sentence-after-first-release",
        ),
        pytest.param(
            _set("date_of_birth", "2007-06-01"),
            "A123456 date_of_birth: 2007-06-01 is not before the sentence date (2007-05-01)",
            id="born-after-sentence",
        ),
        pytest.param(
            _set("releases.1.date", "2999-01-01"),
            "A123456 releases[1].date: 2999-01-01 is in the future",
            id="future-date",
        ),
        pytest.param(
            _set("team", "nowhere"),
            'A123456 team: no team with code "nowhere"',
            id="unknown-team",
        ),
        pytest.param(
            _set("last_name", _DELETE),
            "A123456 last_name: required field is missing",
            id="missing-field",
        ),
        pytest.param(
            _set("releases.0.approved_premises", "yes"),
            "A123456 releases[0].approved_premises: expected true or false, got a string",
            id="wrong-type",
        ),
        pytest.param(
            _set("sentence.tariff.months", 12),
            "A123456 sentence.tariff.months: 12 is out of range; expected 0 to 11",
            id="tariff-months",
        ),
        pytest.param(
            _set("rosh", "high"),
            "A123456 rosh: unknown field; allowed fields: crn, nomis_number, first_name, "
            "last_name, date_of_birth, gender, ethnicity, sentence, releases, team, pdu, pnc, "
            "mappa, rosh_level, accommodation, needs, vulnerability_types, vulnerabilities, "
            "opd_screening, address, iom, easy_read, victims_in_vcs, victim_liaison_officer, "
            "victim_safety, licence_conditions, allocations, licence_termination_referrals, "
            "meetings",
            id="unknown-field",
        ),
        pytest.param(
            _set("mappa", {"category": 4, "level": 1}),
            "A123456 mappa.category: 4 is not allowed; expected one of: 1, 2, 3",
            id="mappa-category",
        ),
        pytest.param(
            _set("nomis_number", "12345"),
            'A123456 nomis_number: "12345" is not a NOMIS number: expected e.g. A1234BC',
            id="nomis-number",
        ),
        pytest.param(
            _set("licence_conditions", [{"kind": "standard", "start": "2016-07-01"}]),
            "A123456 licence_conditions[0].code: required for a standard condition",
            id="standard-condition-without-code",
        ),
        pytest.param(
            _set(
                "licence_conditions",
                [{"kind": "additional", "code": "tagging", "text": "Tag", "start": "2016-07-01"}],
            ),
            'A123456 licence_conditions[0].code: "tagging" is not a code of an additional '
            "condition; expected one of: drug_testing, alcohol_monitoring, curfew, "
            "electronic_monitoring, polygraph, exclusion_zone, non_contact, "
            "residence_requirement, residence_approved_premises, disclose_relationships, "
            "internet_monitoring, programme_attendance, psychology_appointments, other "
            "(or leave the code out)",
            id="additional-condition-unknown-code",
        ),
        pytest.param(
            _set(
                "licence_conditions",
                [
                    {
                        "kind": "additional",
                        "code": "keep_in_touch",
                        "text": "x",
                        "start": "2016-07-01",
                    }
                ],
            ),
            'A123456 licence_conditions[0].code: "keep_in_touch" is not a code of an additional '
            "condition; expected one of: drug_testing, alcohol_monitoring, curfew, "
            "electronic_monitoring, polygraph, exclusion_zone, non_contact, "
            "residence_requirement, residence_approved_premises, disclose_relationships, "
            "internet_monitoring, programme_attendance, psychology_appointments, other "
            "(or leave the code out)",
            id="additional-condition-standard-code",
        ),
        pytest.param(
            _set(
                "licence_conditions",
                [{"kind": "bespoke", "code": "curfew", "text": "Curfew", "start": "2016-07-01"}],
            ),
            "A123456 licence_conditions[0].code: only a standard or additional condition has a "
            "code, not a bespoke one",
            id="bespoke-condition-with-code",
        ),
        pytest.param(
            _set("licence_conditions", [{"kind": "bespoke", "text": " ", "start": "2016-07-01"}]),
            "A123456 licence_conditions[0].text: must not be blank",
            id="bespoke-condition-without-text",
        ),
        pytest.param(
            _set(
                "licence_conditions",
                [
                    {
                        "kind": "additional",
                        "text": "Curfew",
                        "start": "2016-07-01",
                        "end": "2016-06-01",
                    }
                ],
            ),
            "A123456 licence_conditions[0].end: 2016-06-01 is before the start (2016-07-01)",
            id="condition-ends-before-start",
        ),
        pytest.param(
            _set("allocations", [{"practitioner": "nobody", "start": "2016-07-01", "end": None}]),
            'A123456 allocations[0].practitioner: no user with username "nobody"',
            id="unknown-practitioner",
        ),
        pytest.param(
            _set(
                "allocations",
                [
                    {"practitioner": "practitioner", "start": "2016-07-01"},
                    {"practitioner": "practitioner", "start": "2017-07-01", "end": None},
                ],
            ),
            "A123456 allocations[1].end: only one allocation may be open (no end); "
            "allocations[0] is too",
            id="two-open-allocations",
        ),
    ],
)
def test_an_invalid_record_is_reported_with_crn_field_and_reason(
    team_and_practitioner, mutate, expected
):
    record = person_record()
    mutate(record)

    assert problems_of(document(record)) == [expected]


def test_releases_out_of_order_are_reported(team):
    record = person_record()
    record["releases"].reverse()
    record["releases"][0]["recall"] = record["releases"][1].pop("recall")
    record["releases"][0]["recall"].update(date="2016-08-01", returned_to_custody=None)

    problems = problems_of(document(record))

    assert (
        "A123456 releases[1].date: 2012-03-01 is not after the previous release (2016-07-01); "
        "releases must be listed in date order, one per day"
    ) in problems


def test_a_bad_crn_is_reported(team):
    assert problems_of(document(person_record("a12345"))) == [
        'a12345 crn: "a12345" is not a CRN: expected a capital letter and six digits, e.g. A123456'
    ]


def test_a_record_without_a_crn_is_named_by_its_position(team):
    record = person_record()
    del record["crn"]

    assert problems_of(document(person_record("A000001"), record)) == [
        "people[1] crn: required field is missing"
    ]


def test_a_duplicate_crn_in_the_file_is_reported(team):
    problems = problems_of(document(person_record(), person_record("A000002"), person_record()))

    assert problems == ["A123456 crn: duplicate CRN: people[0] has the same CRN"]


def test_an_unknown_format_is_reported_and_nothing_else_is_read(team):
    data = {"format": "ippcase-import/2", "people": [{"crn": "bad"}]}

    assert problems_of(data) == [
        "- format: unknown format 'ippcase-import/2'; expected \"ippcase-import/1\""
    ]


def test_every_problem_in_the_file_is_reported_and_valid_records_are_not_written(team):
    valid = person_record("A000001")
    two_problems = person_record("A000002", gender="robot")
    two_problems["releases"][0]["recall"]["date"] = "2012-02-30"
    not_an_object = "A000003"

    problems = problems_of(document(valid, two_problems, not_an_object, person_record("B1")))

    assert problems == [
        'A000002 gender: "robot" is not allowed; expected one of: male, female, other',
        'A000002 releases[0].recall.date: "2012-02-30" is not a real date '
        "(day is out of range for month)",
        "people[2]: expected an object, got a string",
        'B1 crn: "B1" is not a CRN: expected a capital letter and six digits, e.g. A123456',
    ]
    assert not models.Person.objects.exists()


# --- the command ------------------------------------------------------------------------------


def _write(tmp_path, data: Any, name: str = "cases.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_the_command_prints_each_problem_to_stderr_and_fails(team, tmp_path):
    path = _write(tmp_path, document(person_record(gender="robot"), person_record("A1")))
    stderr = io.StringIO()

    with pytest.raises(CommandError, match=r"^2 problems in .*cases.json; nothing was imported$"):
        call_command("import_cases", str(path), stderr=stderr, stdout=io.StringIO())

    assert stderr.getvalue().splitlines() == [
        'A123456 gender: "robot" is not allowed; expected one of: male, female, other',
        'A1 crn: "A1" is not a CRN: expected a capital letter and six digits, e.g. A123456',
    ]
    assert not models.Person.objects.exists()


def test_the_command_reports_malformed_json_in_one_line(team, tmp_path):
    path = _write(tmp_path, '{"format": "ippcase-import/1", "people": [}')

    with pytest.raises(CommandError) as caught:
        call_command("import_cases", str(path))

    message = str(caught.value)
    assert message == f"{path} is not valid JSON: Expecting value (line 1, column 43)"
    assert "\n" not in message
    assert not models.Person.objects.exists()


def test_the_command_rejects_a_duplicate_key(team, tmp_path):
    path = _write(tmp_path, '{"format": "ippcase-import/1", "format": "x", "people": []}')

    with pytest.raises(CommandError, match='not valid JSON: duplicate key "format"'):
        call_command("import_cases", str(path))


def test_the_command_imports_and_summarises(team, tmp_path):
    record = person_record()
    del record["team"]
    path = _write(tmp_path, document(record, person_record("A000002")))
    stdout = io.StringIO()

    call_command("import_cases", str(path), "--default-team", "leeds-a", stdout=stdout)

    assert stdout.getvalue() == f"Imported {path}: 2 created, 0 updated, 0 unchanged\n"
    assert models.Person.objects.count() == 2


def test_the_command_exit_status_is_non_zero_on_problems(team, tmp_path):
    path = _write(tmp_path, document(person_record("bad")))

    with pytest.raises(CommandError) as caught:
        call_command("import_cases", str(path), stderr=io.StringIO())

    assert caught.value.returncode != 0


# --- re-import --------------------------------------------------------------------------------


def test_an_identical_reimport_writes_nothing_and_no_audit_events(team_and_practitioner):
    data = document(full_record("A000001"), person_record("A000002"))
    cases_import(data=data)
    counts, events = row_counts(), audit_event_count()
    assert events > sum(counts.values()), "every inserted row has an insert event"

    with CaptureQueriesContext(connection) as queries:
        result = cases_import(data=copy.deepcopy(data))

    assert result == ImportResult(created=0, updated=0, unchanged=2)
    assert row_counts() == counts
    assert audit_event_count() == events
    # Not even a no-op save: the audit trigger skips those, but they would still lock and churn.
    writes = [q["sql"] for q in queries if "INSERT" in q["sql"] or "UPDATE " in q["sql"]]
    assert [sql for sql in writes if "FOR UPDATE" not in sql] == []
    assert not any(q["sql"].lstrip().upper().startswith("DELETE") for q in queries)


def test_a_reimport_updates_the_person_in_place(team):
    cases_import(data=document(person_record()))
    person = models.Person.objects.get()
    kept, removed = person.releases.all()
    changed = person_record(rosh_level="very_high", first_name="Samuel")
    del changed["releases"][1]
    changed["releases"][0]["recall"]["returned_to_custody"] = None

    result = cases_import(data=document(changed), actor="correction")

    assert result == ImportResult(created=0, updated=1, unchanged=0)
    person.refresh_from_db()
    assert (person.first_name, person.rosh_level) == ("Samuel", "very_high")
    assert list(person.releases.all()) == [kept]  # the same row, not a replacement
    assert kept.recall.returned_to_custody is None
    diff = models.Person.pgh_event_model.objects.filter(pgh_obj_id=person.pk).latest("pgh_id")
    assert diff.pgh_label == "update"
    assert diff.pgh_context.metadata["actor"] == "correction"
    assert list(
        models.Release.pgh_event_model.objects.filter(pgh_obj_id=removed.pk).values_list(
            "pgh_label", flat=True
        )
    ) == ["insert", "delete"]
    assert models.Release.pgh_event_model.objects.filter(pgh_obj_id=kept.pk).count() == 1, (
        "an unchanged release must not be re-saved"
    )


def test_a_reimport_without_optional_fields_keeps_the_stored_ones(team_and_practitioner):
    team, _ = team_and_practitioner
    cases_import(data=document(full_record()))
    before = cases_export()

    result = cases_import(data=document({**person_record(), "team": team.code}))

    assert result.unchanged == 1
    assert cases_export() == before


def test_a_reimport_replaces_the_current_allocation(team, practitioner):
    colleague = factories.UserFactory(username="colleague", roles=[Role.PRACTITIONER], team=team)
    record = full_record()
    cases_import(data=document(record))
    record["allocations"] = [
        {"practitioner": "practitioner", "start": "2016-07-01", "end": "2018-01-31"},
        {"practitioner": "colleague", "start": "2018-02-01", "end": None},
    ]

    cases_import(data=document(record))

    allocations = models.Person.objects.get().allocations.order_by("start_date")
    assert [(a.practitioner, a.end_date) for a in allocations] == [
        (practitioner, dt.date(2018, 1, 31)),
        (colleague, None),
    ]


def test_a_reimport_moves_the_person_to_the_team_in_the_file(team, other_team_same_pdu):
    cases_import(data=document(person_record()))

    cases_import(data=document(person_record(team="leeds-b")))

    assert models.Person.objects.get().team == other_team_same_pdu


def test_a_reimport_without_a_team_keeps_the_stored_team(team, other_team_same_pdu):
    cases_import(data=document(person_record()))
    record = person_record()
    del record["team"]

    result = cases_import(data=document(record), default_team_code="leeds-b")

    assert result.unchanged == 1
    assert models.Person.objects.get().team == team


def test_a_reimport_adds_a_recall_and_a_new_release(team):
    cases_import(data=document(person_record()))
    record = person_record()
    record["releases"][1]["recall"] = {
        "date": "2017-02-01",
        "returned_to_custody": "2017-02-03",
        "reasons": ["further_charge"],
        "criteria": ["ii", "iii"],
    }
    record["releases"].append(
        {"date": "2019-05-01", "prison": "HMP Hull", "approved_premises": True, "recall": None}
    )

    assert cases_import(data=document(record)).updated == 1

    releases = list(models.Person.objects.get().releases.all())
    assert [r.date for r in releases] == [
        dt.date(2012, 3, 1),
        dt.date(2016, 7, 1),
        dt.date(2019, 5, 1),
    ]
    assert releases[1].recall.criteria == ["ii", "iii"]
    assert not hasattr(releases[2], "recall")


def test_a_reimport_updates_child_rows_in_place_and_removes_the_rest(team_and_practitioner):
    record = full_record()
    cases_import(data=document(record))
    person = models.Person.objects.get()
    standard, additional, bespoke = (
        person.licence_conditions.get(kind=kind) for kind in ("standard", "additional", "bespoke")
    )
    record["licence_conditions"] = [
        {**record["licence_conditions"][0], "end": "2018-01-01"},
        record["licence_conditions"][2],
    ]
    record["sentence"]["other_offences"][0]["behaviours"] = ["weapons", "threats"]

    cases_import(data=document(record))

    assert set(person.licence_conditions.values_list("pk", "end_date")) == {
        (standard.pk, dt.date(2018, 1, 1)),
        (bespoke.pk, None),
    }
    assert not models.LicenceCondition.objects.filter(pk=additional.pk).exists()
    other = person.sentence.offences.get(is_principal=False)
    assert other.behaviours == ["weapons", "threats"]
    events = models.IndexOffence.pgh_event_model.objects.filter(pgh_obj_id=other.pk)
    assert list(events.order_by("pgh_id").values_list("pgh_label", flat=True)) == [
        "insert",
        "update",
    ]


def test_an_additional_condition_code_is_imported_exported_and_updated_in_place(team):
    record = person_record()
    record["licence_conditions"] = [
        {"kind": "additional", "code": "drug_testing", "text": "Drug tests", "start": "2016-07-01"},
        {"kind": "additional", "code": None, "text": "Report weekly", "start": "2016-07-01"},
        {"kind": "additional", "text": "Not to enter Leeds", "start": "2016-07-01"},
    ]
    cases_import(data=document(record))
    person = models.Person.objects.get()
    coded = person.licence_conditions.get(text="Drug tests")
    assert coded.additional_code == "drug_testing"
    assert set(person.licence_conditions.values_list("additional_code", flat=True)) == {
        "drug_testing",
        "",
    }
    exported = cases_export()["people"][0]["licence_conditions"]
    assert [c.get("code") for c in exported] == ["drug_testing", None, None]
    assert exported[0] == {
        "kind": "additional",
        "code": "drug_testing",
        "text": "Drug tests",
        "start": "2016-07-01",
        "end": None,
    }

    record["licence_conditions"][2]["code"] = "exclusion_zone"
    cases_import(data=document(record))

    zone = person.licence_conditions.get(text="Not to enter Leeds")
    assert zone.additional_code == "exclusion_zone"
    assert person.licence_conditions.count() == 3  # the same rows, updated in place


def test_only_an_additional_condition_may_carry_an_additional_code(team):
    person = factories.make_case(team)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.LicenceConditionFactory(person=person, additional_code="curfew")
    factories.LicenceConditionFactory(
        person=person, kind="additional", standard_code="", text="Curfew", additional_code="curfew"
    )


def test_a_person_stored_without_a_sentence_gets_the_sentence_in_the_file(team):
    factories.PersonFactory(crn="A123456", team=team)

    result = cases_import(data=document(person_record()))

    assert result.updated == 1
    sentence = models.Person.objects.get().sentence
    assert sentence.tariff_expiry_date == dt.date(2009, 5, 1)
    assert sentence.offences.get().is_principal


def test_a_failed_reimport_leaves_the_stored_person_as_it_was(team):
    cases_import(data=document(person_record()))
    before = cases_export()

    problems_of(document(person_record(first_name="Samuel", gender="robot")))

    assert cases_export() == before


# --- export and the round trip ------------------------------------------------------------------


def test_export_import_export_round_trips(team, practitioner, tmp_path):
    factories.make_case(team, crn="X000001", pnc="99/1234X", rosh_level="")
    person = factories.make_case(team, crn="X000002", recalled=False, mappa_category=1)
    factories.AllocationFactory(person=person, practitioner=practitioner)
    factories.LicenceConditionFactory(
        person=person, kind="bespoke", standard_code="", text="Live at the AP"
    )
    factories.IndexOffenceFactory(sentence=person.sentence, is_principal=False, category="arson")
    cases_import(data=document(full_record("A123456")))
    first = tmp_path / "first.json"
    call_command("export_cases", "--output", str(first), stderr=io.StringIO())

    models.Person.objects.all().delete()
    call_command("import_cases", str(first), stdout=io.StringIO())
    second = io.StringIO()
    call_command("export_cases", stdout=second)

    assert second.getvalue() == first.read_text(encoding="utf-8")
    exported = json.loads(second.getvalue())
    assert [p["crn"] for p in exported["people"]] == ["A123456", "X000001", "X000002"]
    assert exported["people"][1]["rosh_level"] is None


def test_export_issues_a_fixed_number_of_queries(team, practitioner, django_assert_num_queries):
    cases_import(data=document(full_record("A000001")))
    with django_assert_num_queries(10):
        cases_export()
    cases_import(data=document(*(full_record(f"A00000{n}") for n in range(2, 8))))
    with django_assert_num_queries(10):
        assert len(cases_export()["people"]) == 7


def test_export_of_a_queryset_writes_only_those_people(team):
    cases_import(data=document(person_record("A000001"), person_record("A000002")))

    data = cases_export(people=models.Person.objects.filter(crn="A000002"))

    assert [p["crn"] for p in data["people"]] == ["A000002"]


def test_import_problem_prints_without_a_field_for_the_record_itself():
    assert str(ImportProblem("people[2]", "", "expected an object")) == (
        "people[2]: expected an object"
    )


# --- hostile imports (issue 18) ----------------------------------------------------------------


def test_the_current_allocation_must_be_to_a_practitioner_of_the_persons_team(
    team, practitioner, manager, outsider
):
    """A manager (no practitioner role), a practitioner of another PDU's team, and a deactivated
    practitioner are each refused as the current COM."""
    leaver = factories.UserFactory(
        username="leaver", roles=[Role.PRACTITIONER], team=team, is_active=False
    )
    records = [
        full_record("A000001", practitioner=manager.username),
        full_record("A000002", practitioner=outsider.username),
        full_record("A000003", practitioner=leaver.username),
    ]
    assert problems_of(document(*records)) == [
        'A000001 allocations[0].practitioner: "manager" is not a probation practitioner',
        'A000002 allocations[0].practitioner: "outsider" is not in the person\'s team',
        'A000003 allocations[0].practitioner: "leaver" is not an active user',
    ]


def test_the_current_allocation_is_checked_against_the_stored_team(
    team, other_team_same_pdu, practitioner
):
    cases_import(data=document(person_record(team="leeds-b")))
    record = full_record()
    del record["team"]  # keeps the stored team, leeds-b
    assert problems_of(document(record)) == [
        'A123456 allocations[0].practitioner: "practitioner" is not in the person\'s team'
    ]


def test_a_past_allocation_may_be_to_someone_who_has_since_moved_or_changed_role(
    team, practitioner, manager, outsider
):
    record = full_record()
    record["allocations"] = [
        {"practitioner": "outsider", "start": "2014-01-01", "end": "2015-01-01"},
        {"practitioner": "manager", "start": "2015-01-02", "end": "2016-06-30"},
        {"practitioner": "practitioner", "start": "2016-07-01", "end": None},
    ]
    cases_import(data=document(record))
    assert models.Allocation.objects.count() == 3


def test_a_huge_number_is_quoted_short_in_the_message(team):
    record = person_record()
    record["sentence"]["tariff"]["years"] = 10**200
    (problem,) = problems_of(document(record))
    assert problem.startswith("A123456 sentence.tariff.years: 1000000000")
    assert "…" in problem and len(problem) < 120


def test_the_actor_must_be_an_existing_user_and_is_shown_as_who(team, manager, tmp_path):
    path = _write(tmp_path, document(person_record()))
    with pytest.raises(CommandError, match='--actor: no active user with username "Mallory'):
        call_command("import_cases", str(path), "--actor", "Mallory the admin")
    assert not models.Person.objects.exists()

    call_command("import_cases", str(path), "--actor", manager.username, stdout=io.StringIO())
    person = models.Person.objects.get()
    lines = history.case_history(person)
    assert lines and {line.who for line in lines} == {manager.display_name + " (SPO)"}


def test_without_an_actor_the_history_says_case_import(team, tmp_path):
    call_command(
        "import_cases", str(_write(tmp_path, document(person_record()))), stdout=io.StringIO()
    )
    lines = history.case_history(models.Person.objects.get())
    assert {line.who for line in lines} == {"Case import"}
