"""Organisation import and export (ippcase-organisation/1): every problem named by its path and
nothing written, an identical re-import changes nothing, staff not in the file are left alone,
new staff cannot sign in with a password, and an export imports back to the same export."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ippcase import models
from ippcase.cases.history import ACTOR_WORDS
from ippcase.exchange import (
    ImportValidationError,
    organisation_export,
    organisation_import,
)
from tests import factories


def org_document(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": "ippcase-organisation/1",
        "regions": [{"code": "yorks", "name": "Yorkshire and the Humber"}],
        "pdus": [{"code": "leeds", "name": "Leeds", "region": "yorks"}],
        "teams": [
            {"code": "leeds-a", "name": "Leeds A", "pdu": "leeds"},
            {"code": "leeds-b", "name": "Leeds B", "pdu": "leeds"},
        ],
        "staff": [
            {
                "username": "amy.com",
                "first_name": "Amy",
                "last_name": "Cole",
                "email": "amy.cole@example.justice.gov.uk",
                "team": "leeds-a",
                "roles": ["practitioner"],
                "active": True,
            },
            {
                "username": "sam.spo",
                "first_name": "Sam",
                "last_name": "Price",
                "email": "sam.price@example.justice.gov.uk",
                "team": "leeds-b",
                "roles": ["manager", "local_admin"],
                "active": True,
            },
            {
                "username": "ada.admin",
                "first_name": "Ada",
                "last_name": "Mint",
                "email": "",
                "team": None,
                "roles": ["admin"],
                "active": True,
            },
        ],
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, int, int, int]:
    return (
        models.Region.objects.count(),
        models.Pdu.objects.count(),
        models.Team.objects.count(),
        models.User.objects.count(),
    )


def problems_of(data: Any) -> list[str]:
    before, exported = counts(), organisation_export()
    with pytest.raises(ImportValidationError) as caught:
        organisation_import(data=data)
    assert counts() == before
    assert organisation_export() == exported
    return [str(problem) for problem in caught.value.errors]


def test_a_valid_file_creates_the_organisation_and_staff(db):
    result = organisation_import(data=org_document())

    assert result.created == {"regions": 1, "pdus": 1, "teams": 2, "staff": 3}
    assert result.total_changed == 0
    amy = models.User.objects.get(username="amy.com")
    assert (amy.team.code, amy.team.pdu.code, amy.team.pdu.region.code) == (
        "leeds-a",
        "leeds",
        "yorks",
    )
    assert amy.roles == ["practitioner"] and amy.is_active
    assert not amy.has_usable_password()
    sam = models.User.objects.get(username="sam.spo")
    assert sam.roles == ["manager", "local_admin"]
    assert models.User.objects.get(username="ada.admin").team is None


def test_the_import_is_audited_as_the_organisation_import(db):
    organisation_import(data=org_document())

    team = models.Team.objects.get(code="leeds-a")
    event = models.Team.pgh_event_model.objects.get(pgh_obj_id=team.pk)
    assert event.pgh_context.metadata["actor"] == "import_organisation"
    assert ACTOR_WORDS["import_organisation"] == "Organisation import"


def test_an_identical_reimport_changes_nothing(db):
    organisation_import(data=org_document())
    events = models.User.pgh_event_model.objects.count()

    result = organisation_import(data=copy.deepcopy(org_document()))

    assert (result.total_created, result.total_changed) == (0, 0)
    assert models.User.pgh_event_model.objects.count() == events


def test_roles_in_another_order_are_not_a_change(db):
    organisation_import(data=org_document())
    data = org_document()
    data["staff"][1]["roles"] = ["local_admin", "manager"]

    assert organisation_import(data=data).total_changed == 0


def test_a_reimport_updates_by_code_and_username(db):
    organisation_import(data=org_document())
    data = org_document()
    data["teams"][1]["name"] = "Leeds North"
    data["staff"][0]["team"] = "leeds-b"
    data["staff"][0]["active"] = False

    result = organisation_import(data=data)

    assert result.changed == {"regions": 0, "pdus": 0, "teams": 1, "staff": 1}
    assert models.Team.objects.get(code="leeds-b").name == "Leeds North"
    amy = models.User.objects.get(username="amy.com")
    assert (amy.team.code, amy.is_active) == ("leeds-b", False)


def test_email_and_active_left_out_keep_what_is_stored(db):
    organisation_import(data=org_document())
    models.User.objects.filter(username="amy.com").update(is_active=False)
    data = org_document()
    del data["staff"][0]["email"], data["staff"][0]["active"]

    assert organisation_import(data=data).total_changed == 0
    amy = models.User.objects.get(username="amy.com")
    assert (amy.email, amy.is_active) == ("amy.cole@example.justice.gov.uk", False)


def test_staff_not_in_the_file_are_left_alone_and_counted(db):
    leaver = factories.UserFactory(username="old.hand", roles=["practitioner"])

    result = organisation_import(data=org_document())

    assert result.staff_not_in_file == 1
    leaver.refresh_from_db()
    assert leaver.is_active and leaver.roles == ["practitioner"]


def test_a_record_may_refer_to_a_team_already_stored(team):
    data = org_document(regions=[], pdus=[], teams=[])
    data["staff"] = [{**data["staff"][0], "team": team.code}]

    organisation_import(data=data)

    assert models.User.objects.get(username="amy.com").team == team


def test_a_dry_run_writes_nothing_and_says_what_would_change(db):
    before = counts()

    result = organisation_import(data=org_document(), dry_run=True)

    assert result.dry_run and result.created["staff"] == 3
    assert counts() == before


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(
            lambda d: d["staff"][1].update(team="leeds-z"),
            'staff[1].team: "leeds-z" is not a team in the file or the database',
            id="unknown-team",
        ),
        pytest.param(
            lambda d: d["pdus"][0].update(region="north"),
            'pdus[0].region: "north" is not a region in the file or the database',
            id="unknown-region",
        ),
        pytest.param(
            lambda d: d["teams"][0].update(pdu="bradford"),
            'teams[0].pdu: "bradford" is not a PDU in the file or the database',
            id="unknown-pdu",
        ),
        pytest.param(
            lambda d: d["teams"][1].update(code="leeds-a"),
            "teams[1].code: duplicate code: teams[0] has the same code",
            id="duplicate-code",
        ),
        pytest.param(
            lambda d: d["staff"][2].update(username="amy.com"),
            "staff[2].username: duplicate username: staff[0] has the same username",
            id="duplicate-username",
        ),
        pytest.param(
            lambda d: d["teams"][0].update(code="Leeds A"),
            'teams[0].code: "Leeds A" is not a code: use only letters, digits, hyphens and '
            "underscores",
            id="not-a-slug",
        ),
        pytest.param(
            lambda d: d["staff"][0].update(roles=["practitioner", "wizard"]),
            'staff[0].roles[1]: "wizard" is not allowed; expected one of: practitioner, '
            "manager, senior_manager, ppcs, admin, local_admin, qa_lead",
            id="unknown-role",
        ),
        pytest.param(
            lambda d: d["staff"][0].update(team=None),
            "staff[0].team: null, but the role practitioner needs a team",
            id="role-needs-a-team",
        ),
        pytest.param(
            lambda d: d["staff"][0].update(shoe_size=9),
            "staff[0].shoe_size: unknown field; allowed fields: username, first_name, "
            "last_name, team, roles, email, active",
            id="unknown-staff-key",
        ),
        pytest.param(
            lambda d: d.update(people=[]),
            "people: unknown field; allowed fields: format, regions, pdus, teams, staff",
            id="unknown-top-key",
        ),
        pytest.param(
            lambda d: d["regions"][0].pop("name"),
            "regions[0].name: required field is missing",
            id="missing-name",
        ),
        pytest.param(
            lambda d: d["staff"][0].update(email="not an address"),
            'staff[0].email: "not an address" is not an email address',
            id="bad-email",
        ),
        pytest.param(
            lambda d: d["staff"][0].update(active="yes"),
            "staff[0].active: expected true or false, got a string",
            id="active-not-boolean",
        ),
        pytest.param(
            lambda d: d["regions"][0].update(code="yorks\u0000"),
            "regions[0].code: contains a null character (\\u0000), which cannot be stored",
            id="nul-in-code",
        ),
        pytest.param(
            lambda d: d["teams"][0].update(name="x" * 101),
            "teams[0].name: is 101 characters long; at most 100 allowed",
            id="name-too-long",
        ),
        pytest.param(
            lambda d: d["staff"][0].update(username="amy com"),
            'staff[0].username: "amy com" is not a username: use only letters, digits and '
            "@ . + - _",
            id="bad-username",
        ),
        pytest.param(
            lambda d: d["staff"].append("amy"),
            "staff[3]: expected an object, got a string",
            id="staff-not-an-object",
        ),
        pytest.param(
            lambda d: d["teams"][0].update(panel_period_months=30),
            "teams[0].panel_period_months: 30 is out of range; expected 1 to 24",
            id="panel-period-out-of-range",
        ),
        pytest.param(
            lambda d: d["teams"][0].update(panel_period_months="6"),
            "teams[0].panel_period_months: expected a whole number, got a string",
            id="panel-period-not-a-number",
        ),
        pytest.param(
            lambda d: d["pdus"][0].update(panel_period_months=6),
            "pdus[0].panel_period_months: unknown field; allowed fields: code, name, region",
            id="panel-period-only-on-teams",
        ),
        pytest.param(
            lambda d: d.update(format="ippcase-import/1"),
            "format: unknown format 'ippcase-import/1'; expected \"ippcase-organisation/1\"",
            id="wrong-format",
        ),
    ],
)
def test_each_problem_is_named_by_its_path_and_nothing_is_written(db, mutate, expected):
    data = org_document()
    mutate(data)

    # The first problem is the one made; a code that is wrong also leaves its staff's team
    # unknown, which is reported after it.
    assert problems_of(data)[0] == expected


def test_every_problem_is_reported_and_the_valid_records_are_not_written(db):
    data = org_document()
    data["staff"][0]["team"] = "leeds-z"
    data["staff"][2]["roles"] = "admin"

    assert problems_of(data) == [
        'staff[0].team: "leeds-z" is not a team in the file or the database',
        "staff[2].roles: expected a list, got a string",
    ]
    assert not models.Region.objects.exists()


def test_a_failed_reimport_leaves_everything_as_it_was(db):
    organisation_import(data=org_document())
    data = org_document()
    data["teams"][0]["name"] = "Renamed"
    data["staff"][1]["roles"] = ["boss"]

    problems_of(data)

    assert models.Team.objects.get(code="leeds-a").name == "Leeds A"


# --- the commands ------------------------------------------------------------------------------


def _write(tmp_path, data: Any):
    path = tmp_path / "org.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_the_command_imports_and_a_reimport_says_nothing_changed(db, tmp_path):
    path = _write(tmp_path, org_document())
    factories.UserFactory(username="someone.else", team=None, roles=[])
    call_command("import_organisation", str(path), stdout=io.StringIO())
    stdout = io.StringIO()

    call_command("import_organisation", str(path), stdout=stdout)

    lines = stdout.getvalue().splitlines()
    assert lines[0] == f"Imported {path}: 0 created, 0 changed"
    assert "1 member of staff not in the file: left as they are" in lines[2]


def test_the_command_dry_run_writes_nothing(db, tmp_path):
    path = _write(tmp_path, org_document())
    stdout = io.StringIO()

    call_command("import_organisation", str(path), "--dry-run", stdout=stdout)

    assert stdout.getvalue().startswith(
        f"Dry run, nothing written {path}: 7 would be created, 0 would be changed"
    )
    assert counts() == (0, 0, 0, 0)


def test_the_command_prints_each_problem_and_fails(db, tmp_path):
    data = org_document()
    data["staff"][1]["team"] = "leeds-z"
    path = _write(tmp_path, data)
    stderr = io.StringIO()

    with pytest.raises(CommandError, match=r"^1 problem in .*org.json; nothing was imported$"):
        call_command("import_organisation", str(path), stderr=stderr, stdout=io.StringIO())

    assert stderr.getvalue().splitlines() == [
        'staff[1].team: "leeds-z" is not a team in the file or the database'
    ]
    assert counts() == (0, 0, 0, 0)


def test_the_command_names_the_organisation_format_for_an_empty_file(db, tmp_path):
    path = _write(tmp_path, "  ")

    with pytest.raises(CommandError, match='expected a JSON document \\("ippcase-organisation/1"'):
        call_command("import_organisation", str(path))


def test_export_then_import_changes_nothing(db, team, manager):
    factories.UserFactory(username="z.ppcs", team=None, roles=["ppcs", "admin"])
    data = organisation_export()

    result = organisation_import(data=data)

    assert (result.total_created, result.total_changed) == (0, 0)


def test_export_into_an_empty_database_round_trips(db, tmp_path):
    organisation_import(data=org_document())
    factories.UserFactory(username="leaver", team=None, roles=[], is_active=False)
    first = tmp_path / "first.json"
    call_command("export_organisation", "-o", str(first), stderr=io.StringIO())

    models.User.objects.all().delete()
    models.Team.objects.all().delete()
    models.Pdu.objects.all().delete()
    models.Region.objects.all().delete()
    call_command("import_organisation", str(first), stdout=io.StringIO())
    second = io.StringIO()
    call_command("export_organisation", stdout=second)

    assert second.getvalue() == first.read_text(encoding="utf-8")
    exported = json.loads(second.getvalue())
    assert [s["username"] for s in exported["staff"]] == [
        "ada.admin",
        "amy.com",
        "leaver",
        "sam.spo",
    ]


def test_export_issues_a_fixed_number_of_queries(db, django_assert_num_queries):
    organisation_import(data=org_document())
    with django_assert_num_queries(4):
        organisation_export()
    factories.UserFactory.create_batch(5)
    with django_assert_num_queries(4):
        organisation_export()


# --- the team's panel period (issue 19) ---------------------------------------------------------


def test_a_teams_panel_period_is_imported_and_defaults_to_six(db):
    data = org_document()
    data["teams"][0]["panel_period_months"] = 12

    organisation_import(data=data)

    periods = dict(models.Team.objects.values_list("code", "panel_period_months"))
    assert periods == {"leeds-a": 12, "leeds-b": 6}


def test_a_panel_period_left_out_keeps_the_stored_one_and_a_change_is_counted(db):
    data = org_document()
    data["teams"][1]["panel_period_months"] = 9
    organisation_import(data=data)

    left_out = org_document()  # no panel_period_months: leeds-b keeps its 9
    assert organisation_import(data=left_out).total_changed == 0
    assert models.Team.objects.get(code="leeds-b").panel_period_months == 9

    data["teams"][1]["panel_period_months"] = 3
    result = organisation_import(data=data)
    assert result.changed["teams"] == 1
    assert models.Team.objects.get(code="leeds-b").panel_period_months == 3


def test_the_panel_period_round_trips_through_the_export(db):
    organisation_import(data=org_document())
    models.Team.objects.filter(code="leeds-a").update(panel_period_months=18)
    exported = organisation_export()
    assert exported["teams"][0] == {
        "code": "leeds-a",
        "name": "Leeds A",
        "pdu": "leeds",
        "panel_period_months": 18,
    }

    models.User.objects.all().delete()
    models.Team.objects.all().delete()
    organisation_import(data=exported)

    assert organisation_export() == exported
    assert models.Team.objects.get(code="leeds-a").panel_period_months == 18
