"""The case's own facts of issue 15: the main address, IOM, victims (the Victim Contact Scheme,
the victim liaison officer, victim safety) and letters in easy read. Each is kept on the case
with a reason, refused when nothing changed or the page is stale, told in the case history;
carried by the import and the export (with vulnerability types) and round-tripped; and easy
read chooses the easy-read version of the letters to the person, read back from the PDF."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from ippcase.cases import history
from ippcase.exchange import ImportValidationError, cases_export, cases_import
from ippcase.models import Person, RiskChange
from recall import dossiers
from recall.models import RecallRecommendation
from recall.vocab import DossierKind as Kind
from recall.vocab import RecommendationStatus as Status
from tests import factories
from tests.conftest import client_for
from tests.test_case_record import (
    REASON,
    _date,
    _details,
    _grow,
    _history_texts,
    _post,
    _queries,
    _risk,
    _snapshot,
)
from tests.test_dossiers import _authorise, _request_and_build, _submitted, pdf_text
from tests.test_import import document, person_record, problems_of
from tests.test_open_case import PERSON, answer_all, open_from_check, post

ADDRESS = "Flat 2, 14 Mill Lane\r\nLeeds LS1 4AB"
VLO = "Priya Shah, Leeds VLO team, 0113 000 0000"
SAFETY = "Exclusion zone: Harehills.\r\nNo contact with the victim or her family."


def _victims(**changes: Any) -> dict[str, Any]:
    data = {
        "victims_in_vcs": "yes",
        "victim_liaison_officer": VLO,
        "victim_safety": SAFETY,
        "change_kind": "new_fact",
        "reason": "The VLO wrote to say the victim has joined the scheme.",
    }
    data.update(changes)
    return data


def _circumstances(person: Person, **changes: Any) -> dict[str, Any]:
    data = {
        "needs": person.needs,
        "vulnerability_types": person.vulnerability_types,
        "vulnerabilities": person.vulnerabilities,
        "accommodation": person.accommodation,
        "opd_screening": person.opd_screening,
        "easy_read": "yes",
        "change_kind": "new_fact",
        "reason": "He asked for easy read letters at supervision.",
    }
    data.update(changes)
    return data


def _line(person: Person, start: str) -> str:
    return next(t for t in _history_texts(person) if start in t)


@pytest.fixture
def com_client(practitioner):
    return client_for(practitioner)


# ---------------------------------------------------------------------------------------------
# The address on personal details


def test_the_address_is_kept_shown_on_the_overview_and_told_in_the_history(
    person, com_client, practitioner
):
    overview = reverse("person_overview", args=[person.crn])
    response = _post(
        com_client,
        "change_person_details",
        person,
        _details(person, address=ADDRESS, change_kind="new_fact", next=overview),
        follow=True,
    )
    body = response.content.decode()
    assert "Personal details changed: main address" in body
    assert "Flat 2, 14 Mill Lane<br>Leeds LS1 4AB" in body
    person.refresh_from_db()
    assert person.address == "Flat 2, 14 Mill Lane\nLeeds LS1 4AB"
    assert _line(person, "Main address changed") == (
        f"{practitioner.display_name} (COM): Main address changed. Reason: {REASON}"
    )
    again = _post(com_client, "change_person_details", person, _details(person, address=ADDRESS))
    assert "You have not changed anything" in again.content.decode()


def test_an_address_too_long_is_refused_and_changes_nothing(person, com_client):
    before = _snapshot(person)
    response = _post(
        com_client, "change_person_details", person, _details(person, address="x" * 501)
    )
    body = response.content.decode()
    assert (
        "<title>Error: " in body
        and "Main address must be 500 characters or fewer (you entered 501)" in body
    )
    assert _snapshot(person) == before


def test_opening_a_case_keeps_the_address(practitioner, team):
    client = client_for(practitioner)
    answer_all(client, team, practitioner)
    post(
        client,
        "open_case_person",
        {**PERSON, "address": "3 Canal Street\r\nWakefield"},
        "open_case_sentence",
    )
    client.get(reverse("open_case_sentence"))
    check = client.get(reverse("open_case_check"))
    assert "3 Canal Street" in check.content.decode()
    assert open_from_check(client).status_code == 302
    assert Person.objects.get(crn="N123456").address == "3 Canal Street\nWakefield"


# ---------------------------------------------------------------------------------------------
# IOM beside MAPPA


def test_iom_alone_is_kept_on_the_person_without_a_rosh_row(person, com_client, practitioner):
    day = timezone.localdate() - dt.timedelta(days=2)
    data = _risk(
        rosh_level=person.rosh_level,
        mappa_category="none",
        mappa_level="none",
        iom="yes",
        kind="new_assessment",
        reason="Adopted by the IOM panel.",
        **_date("changed_on", day),
    )
    response = _post(com_client, "change_risk", person, data, follow=True)
    body = response.content.decode()
    assert f"IOM recorded from {day.day} " in body and ": IOM yes" in body
    person.refresh_from_db()
    assert person.iom == "yes"
    assert not RiskChange.objects.filter(person=person).exists()
    assert _line(person, "Integrated Offender Management") == (
        f"{practitioner.display_name} (COM): Integrated Offender Management (IOM) changed. "
        "Reason: Adopted by the IOM panel."
    )
    overview = com_client.get(reverse("person_overview", args=[person.crn])).content.decode()
    assert 'id="iom">Yes<' in overview


def test_iom_with_rosh_writes_the_rosh_row_and_names_both(person, com_client):
    response = _post(com_client, "change_risk", person, _risk(iom="no"), follow=True)
    assert "RoSH Very high; MAPPA category 2, level 2; IOM no" in response.content.decode()
    person.refresh_from_db()
    assert (person.rosh_level, person.iom) == ("very_high", "no")
    assert RiskChange.objects.filter(person=person).count() == 1
    texts = _history_texts(person)
    assert any("RoSH recorded as Very high" in t for t in texts)
    assert any("Integrated Offender Management (IOM) changed" in t for t in texts)


def test_an_iom_correction_is_called_a_correction(person, com_client, practitioner):
    data = _risk(rosh_level=person.rosh_level, mappa_category="none", mappa_level="none", iom="no")
    _post(com_client, "change_risk", person, {**data, "kind": "correction"})
    assert _line(person, "Integrated Offender Management").startswith(
        f"{practitioner.display_name} (COM): Correction: Integrated Offender Management (IOM) "
        "changed."
    )


def test_iom_changed_meanwhile_makes_the_risk_form_stale(person, com_client, manager):
    url = reverse("change_risk", args=[person.crn])
    marker = _marker_of(com_client, url)
    _post(
        client_for(manager),
        "change_risk",
        person,
        _risk(rosh_level=person.rosh_level, mappa_category="none", mappa_level="none", iom="yes"),
    )
    before = _snapshot(person)
    response = com_client.post(url, {"marker": marker, **_risk(iom="no")})
    assert "Someone else changed this part of the case" in response.content.decode()
    assert _snapshot(person) == before


def test_a_missing_or_unknown_iom_answer_is_refused(person, com_client):
    before = _snapshot(person)
    response = _post(com_client, "change_risk", person, _risk(iom="maybe"))
    assert "Select whether the person is managed under Integrated Offender Management" in (
        response.content.decode()
    )
    data = _risk()
    del data["iom"]
    response = _post(com_client, "change_risk", person, data)
    assert "Select whether the person is managed under Integrated Offender Management" in (
        response.content.decode()
    )
    assert _snapshot(person) == before


def _marker_of(client, url: str) -> str:
    body = client.get(url).content.decode()
    return body.split('name="marker" value="', 1)[1].split('"', 1)[0]


# ---------------------------------------------------------------------------------------------
# Easy read, a communication need


def test_easy_read_is_a_communication_need_on_the_circumstances_page(
    person, com_client, practitioner
):
    page = com_client.get(reverse("change_circumstances", args=[person.crn])).content.decode()
    assert "Communication needs" in page and "Send letters in easy read?" in page
    response = _post(
        com_client, "change_circumstances", person, _circumstances(person), follow=True
    )
    assert "Circumstances changed: send letters in easy read" in response.content.decode()
    person.refresh_from_db()
    assert person.easy_read is True
    assert _line(person, "Communication needs") == (
        f"{practitioner.display_name} (COM): Communication needs (letters in easy read) changed. "
        "Reason: He asked for easy read letters at supervision."
    )
    overview = com_client.get(reverse("person_overview", args=[person.crn])).content.decode()
    assert 'id="easy-read">Send letters in easy read<' in overview
    again = _post(com_client, "change_circumstances", person, _circumstances(person))
    assert "You have not changed anything" in again.content.decode()


def test_easy_read_unanswered_is_refused(person, com_client):
    before = _snapshot(person)
    data = _circumstances(person)
    del data["easy_read"]
    response = _post(com_client, "change_circumstances", person, data)
    assert "Select yes if letters to the person should be sent in easy read" in (
        response.content.decode()
    )
    assert _snapshot(person) == before


# ---------------------------------------------------------------------------------------------
# The victims page


def test_victims_are_kept_shown_and_told_in_the_history(person, com_client):
    url = reverse("change_victims", args=[person.crn])
    assert url == f"/cases/{person.crn}/change/victims/"
    page = com_client.get(url).content.decode()
    assert "<title>Change victim details" in page and page.count("<h1") == 1
    assert "Are any victims in the Victim Contact Scheme?" in page
    overview = reverse("person_overview", args=[person.crn])
    response = _post(
        com_client, "change_victims", person, {**_victims(), "next": overview}, follow=True
    )
    assert response.redirect_chain == [(overview, 302)]
    body = response.content.decode()
    assert "Victims changed: are any victims in the Victim Contact Scheme?, victim liaison" in body
    assert "Exclusion zone: Harehills.<br>No contact" in body and VLO in body
    person.refresh_from_db()
    assert (person.victims_in_vcs, person.victim_liaison_officer) == ("yes", VLO)
    assert (
        person.victim_safety
        == "Exclusion zone: Harehills.\nNo contact with the victim or her family."
    )
    lines = history.case_history(person)
    line = next(x for x in lines if x.text.startswith("Victims changed"))
    assert (
        line.text
        == "Victims changed. Reason: The VLO wrote to say the victim has joined the scheme."
    )
    assert ("Are any victims in the Victim Contact Scheme?", "Not known", "Yes") in {
        (c.label, c.old, c.new) for c in line.changes
    }


def test_victims_nothing_changed_stale_and_bad_values_change_nothing(person, com_client, manager):
    _post(com_client, "change_victims", person, _victims())
    before = _snapshot(person)
    same = _post(com_client, "change_victims", person, _victims())
    assert "You have not changed anything" in same.content.decode()
    url = reverse("change_victims", args=[person.crn])
    marker = _marker_of(com_client, url)
    _post(client_for(manager), "change_victims", person, _victims(victims_in_vcs="no"))
    changed = _snapshot(person)
    stale = com_client.post(url, {"marker": marker, **_victims(victim_safety="Other")})
    assert "Someone else changed this part of the case" in stale.content.decode()
    assert _snapshot(person) == changed != before
    for bad, message in (
        ({"victims_in_vcs": "perhaps"}, "Select whether any victims are in the Victim"),
        ({"victims_in_vcs": ""}, "Select whether any victims are in the Victim Contact Scheme"),
        ({"victim_liaison_officer": "x" * 201}, "must be 200 characters or fewer"),
        ({"reason": " "}, "Enter the reason for the change"),
    ):
        response = _post(com_client, "change_victims", person, _victims(**bad))
        assert response.status_code == 200 and message in response.content.decode(), bad
        assert "<title>Error: " in response.content.decode()
    assert _snapshot(person) == changed


def test_victims_page_access_other_team_404_ppcs_403(person, other_team_same_pdu, ppcs):
    other = factories.UserFactory(roles=["practitioner"], team=other_team_same_pdu)
    url = reverse("change_victims", args=[person.crn])
    before = _snapshot(person)
    assert client_for(other).get(url).status_code == 404
    assert client_for(other).post(url, _victims()).status_code == 404
    assert client_for(ppcs).get(url).status_code == 403
    assert client_for(ppcs).post(url, _victims()).status_code == 403
    assert _snapshot(person) == before


def test_change_links_to_the_new_fields_on_the_overview(person, com_client, ppcs):
    overview = reverse("person_overview", args=[person.crn])
    body = com_client.get(overview).content.decode()
    for name in ("change_victims", "change_person_details", "change_risk", "change_circumstances"):
        assert f'href="{reverse(name, args=[person.crn])}?next=' in body
    for hidden in ("main address", "IOM", "communication needs", "victim liaison officer"):
        assert f'<span class="govuk-visually-hidden"> {hidden}</span>' in body
    ppcs_body = client_for(ppcs).get(overview).content.decode()
    assert reverse("change_victims", args=[person.crn]) not in ppcs_body
    assert "Victims in the Victim Contact Scheme" in ppcs_body


def test_victims_page_query_count_is_the_same_for_a_short_and_a_long_case(
    team, practitioner, com_client
):
    counts = []
    for n in (1, 8):
        case = factories.PersonFactory(team=team)
        factories.IndexOffenceFactory(sentence=factories.SentenceFactory(person=case))
        _grow(case, practitioner, n)
        counts.append(_queries(com_client, reverse("change_victims", args=[case.crn])))
    assert counts[0] == counts[1]


# ---------------------------------------------------------------------------------------------
# Import and export


NEW_FIELDS = {
    "vulnerability_types": ["mental_health", "learning_difficulties"],
    "vulnerabilities": "Reads with support.",
    "address": "14 Mill Lane\nLeeds LS1 4AB",
    "iom": "yes",
    "easy_read": True,
    "victims_in_vcs": "yes",
    "victim_liaison_officer": VLO,
    "victim_safety": "Exclusion zone: Harehills.",
}


def test_the_import_keeps_the_new_fields_and_leaving_them_out_keeps_stored_values(team):
    cases_import(data=document(person_record(**NEW_FIELDS)))
    person = Person.objects.get(crn="A123456")
    assert {name: getattr(person, name) for name in NEW_FIELDS} == NEW_FIELDS
    cases_import(data=document(person_record()))  # the optional fields left out
    person.refresh_from_db()
    assert {name: getattr(person, name) for name in NEW_FIELDS} == NEW_FIELDS


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("iom", "maybe", 'iom: "maybe" is not allowed; expected one of: yes, no, not_known'),
        ("victims_in_vcs", True, "victims_in_vcs: expected a string, got true"),
        ("easy_read", "yes", "easy_read: expected true or false, got a string"),
        ("address", "x" * 501, "address: is 501 characters long; at most 500 allowed"),
        ("victim_liaison_officer", "x" * 201, "is 201 characters long; at most 200 allowed"),
        ("victim_safety", 3, "victim_safety: expected a string, got a number"),
        (
            "vulnerability_types",
            ["bullying", "bullying"],
            'vulnerability_types[1]: "bullying" is listed twice',
        ),
        ("vulnerability_types", ["sad"], 'vulnerability_types[0]: "sad" is not allowed'),
        ("easy_read", None, "easy_read: must not be null"),
    ],
)
def test_bad_values_of_the_new_fields_are_reported_clearly(team, field, value, expected):
    problems = problems_of(document(person_record(**{field: value})))
    assert len(problems) == 1 and expected in problems[0], problems
    assert problems[0].startswith(f"A123456 {field}")


def test_the_new_fields_round_trip_export_import_export(team, practitioner, tmp_path):
    cases_import(data=document(person_record(**NEW_FIELDS), person_record("A000002")))
    first = tmp_path / "first.json"
    call_command("export_cases", "--output", str(first), stderr=io.StringIO())
    exported = json.loads(first.read_text(encoding="utf-8"))["people"]
    assert [p["crn"] for p in exported] == ["A000002", "A123456"]
    assert {k: exported[1][k] for k in NEW_FIELDS} == NEW_FIELDS
    assert exported[0]["iom"] == "not_known" and exported[0]["easy_read"] is False

    Person.objects.all().delete()
    call_command("import_cases", str(first), stdout=io.StringIO())
    second = io.StringIO()
    call_command("export_cases", stdout=second)
    assert second.getvalue() == first.read_text(encoding="utf-8")


def test_an_invalid_file_writes_nothing(team):
    with pytest.raises(ImportValidationError):
        cases_import(data=document(person_record(iom="maybe")))
    assert not Person.objects.exists()
    assert cases_export()["people"] == []


# ---------------------------------------------------------------------------------------------
# Easy-read letters


@pytest.fixture
def aco(team):
    return factories.UserFactory(username="aco", roles=["senior_manager"], team=team)


def _authorised(team, practitioner, manager, aco, ppcs, *, easy_read: bool):
    person = factories.make_case(
        team, recalled=False, released=factories.recently_released(), first_name="Lee"
    )
    Person.objects.filter(pk=person.pk).update(easy_read=easy_read)
    person.refresh_from_db()
    return _authorise(_submitted(person, practitioner, manager, aco), ppcs)


# The facts both versions must give, whichever words they are in.
LETTER_FACTS = ("Dear Lee", "within 15 working days", "Parole Board", "recall dossier", "legal")


@pytest.mark.parametrize("easy_read", [False, True])
def test_the_reasons_for_recall_letter_follows_the_case(
    team, practitioner, manager, aco, ppcs, django_capture_on_commit_callbacks, easy_read
):
    rec = _authorised(team, practitioner, manager, aco, ppcs, easy_read=easy_read)
    letter = _request_and_build(
        rec, Kind.PRISONER_LETTER, practitioner, django_capture_on_commit_callbacks
    )
    text = " ".join(pdf_text(bytes(letter.pdf)).split())
    for fact in (
        *LETTER_FACTS,
        rec.person.crn,
        dossiers.CRITERIA_PLAIN["i"],
        practitioner.display_name,
    ):
        assert fact in text, fact
    questions = ("Why have you been recalled?", "What happens next?", "Who can help you?")
    assert all((q in text) is easy_read for q in questions)
    assert ("Who to contact" in text) is not easy_read
    assert ("easy read" in text) is easy_read


def _not_recalled(team, practitioner, *, easy_read: bool) -> RecallRecommendation:
    person = factories.make_case(team, recalled=False, first_name="Kim", easy_read=easy_read)
    return RecallRecommendation.objects.create(
        person=person,
        created_by=practitioner,
        status=Status.NOT_RECALLED,
        why_considered="Missed two appointments after his mother died.",
    )


@pytest.mark.parametrize("easy_read", [False, True])
def test_the_decision_not_to_recall_letter_follows_the_case(team, practitioner, easy_read):
    rec = _not_recalled(team, practitioner, easy_read=easy_read)
    response = client_for(practitioner).get(reverse("recall:letter", args=[rec.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    for fact in (
        "You are not being recalled to prison",
        "Dear Kim",
        "Missed two appointments after his mother died.",
        "conditions of your licence",
        practitioner.display_name,
    ):
        assert fact in text, fact
    assert ("Who can help you?" in text and "What happens next?" in text) is easy_read
    assert ("Who to contact" in text) is not easy_read


def test_the_letter_template_is_chosen_by_the_case(team):
    plain = factories.PersonFactory(team=team)
    easy = factories.PersonFactory(team=team, easy_read=True)
    assert (
        dossiers.template_for(Kind.PRISONER_LETTER, plain)
        == dossiers.TEMPLATES[Kind.PRISONER_LETTER]
    )
    assert dossiers.template_for(Kind.PRISONER_LETTER, easy).endswith("_easy_read.html")
    # The dossier is for the Parole Board and PPCS: never in easy read.
    assert dossiers.template_for(Kind.DOSSIER, easy) == dossiers.TEMPLATES[Kind.DOSSIER]
