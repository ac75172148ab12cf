"""Opening a case (issue 14): the question pages, check your answers, and the service that
creates the whole case in one transaction; every refusal changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ippcase import vocab
from ippcase.cases import history
from ippcase.cases.opening import answers as store
from ippcase.cases.opening import services
from ippcase.cases.opening.selectors import teams_for_new_case
from ippcase.cases.opening.services import DuplicateCase, OpenCaseError, open_case
from ippcase.models import (
    Allocation,
    IndexOffence,
    LicenceCondition,
    Person,
    Recall,
    Release,
    RiskChange,
    Sentence,
)
from tests import factories
from tests.conftest import client_for

CRN = "N123456"
NOMIS = "B7654CD"
MODELS = (Person, Sentence, IndexOffence, RiskChange, Release, Recall, LicenceCondition, Allocation)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def date_parts(name: str, day: dt.date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


PERSON = {
    "crn": CRN.lower(),
    "nomis_number": NOMIS,
    "pnc": "2008/0123456X",
    "first_name": "Noel",
    "last_name": "Ashby",
    **date_parts("date_of_birth", dt.date(1979, 2, 3)),
    "gender": "male",
    "ethnicity": "white",
}
SENTENCE = {
    "sentence_type": "IPP",
    **date_parts("sentence_date", dt.date(2008, 5, 1)),
    "tariff_years": "3",
    "tariff_months": "",
    "tariff_days": "",
}
OFFENCES = {
    "principal-category": "violence_against_the_person",
    "principal-description": "Wounding with intent",
    "principal-behaviours": ["alcohol", "violence"],
    "offence-count": "1",
    "offence-0-category": "robbery",
    "offence-0-description": "Street robbery",
    "action": "continue",
}
RISK = {
    "rosh_level": "high",
    "mappa_category": "2",
    "mappa_level": "1",
    **date_parts("assessed_on", dt.date(2025, 1, 10)),
}


def releases_post(first: dt.date = dt.date(2013, 6, 1), recall: dt.date | None = None) -> dict:
    return {
        "released": "yes",
        "release-count": "2",
        **date_parts("release-0-date", first),
        "release-0-prison": "HMP Leeds",
        "release-0-approved_premises": "yes",
        **date_parts("release-0-recall_date", recall or dt.date(2014, 2, 1)),
        **date_parts("release-0-returned_to_custody", dt.date(2014, 2, 3)),
        **date_parts("release-1-date", dt.date(2024, 3, 1)),
        "release-1-prison": "HMP Wakefield",
        "release-1-approved_premises": "no",
        "action": "continue",
    }


CONDITIONS = {
    "standard": ["good_behaviour", "no_offence", "keep_in_touch"],
    "additional-count": "1",
    "additional-0-code": "curfew",
    "additional-0-text": "Curfew 7pm to 7am at the approved address",
    "bespoke-count": "1",
    "bespoke-0-text": "Not to enter the town of Otley",
    **date_parts("start_date", dt.date(2024, 3, 1)),
    "action": "continue",
}


def allocation_post(team: Any, com: Any) -> dict:
    return {
        "team": str(team.pk),
        "practitioner": str(com.pk),
        **date_parts("start_date", dt.date(2025, 2, 1)),
        "action": "continue",
    }


def post(client, name: str, data: dict, expect: str | None = None):
    response = client.post(reverse(name), data)
    if expect is not None:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert response["Location"] == reverse(expect)
    return response


def answer_all(client, team, com) -> None:
    post(client, "open_case_person", PERSON, "open_case_sentence")
    post(client, "open_case_sentence", SENTENCE, "open_case_offences")
    post(client, "open_case_offences", OFFENCES, "open_case_risk")
    post(client, "open_case_risk", RISK, "open_case_releases")
    post(client, "open_case_releases", releases_post(), "open_case_conditions")
    post(client, "open_case_conditions", CONDITIONS, "open_case_allocation")
    post(client, "open_case_allocation", allocation_post(team, com), "open_case_check")


def open_from_check(client):
    version = client.session[store.SESSION_KEY]["version"]
    return client.post(reverse("open_case_check"), {"version": version})


# ---------------------------------------------------------------------------------------------
# The whole flow


def test_the_whole_flow_creates_exactly_the_case_answered(practitioner, team):
    client = client_for(practitioner)
    assert client.get(reverse("open_case_start")).status_code == 200
    before = counts()
    answer_all(client, team, practitioner)
    page = client.get(reverse("open_case_check"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Check your answers" in body and "govuk-error-summary" not in body
    for text in (CRN, NOMIS, "Noel Ashby", "3 February 1979", "HMP Wakefield", "Street robbery"):
        assert text in body
    assert counts() == before  # nothing written until "Open case"

    response = open_from_check(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("person_overview", args=[CRN])
    after = counts()
    assert {k: after[k] - before[k] for k in after} == {
        "Person": 1,
        "Sentence": 1,
        "IndexOffence": 2,
        "RiskChange": 1,
        "Release": 2,
        "Recall": 1,
        "LicenceCondition": 5,
        "Allocation": 1,
    }
    person = Person.objects.get(crn=CRN)
    assert (person.nomis_number, person.first_name, person.team_id) == (NOMIS, "Noel", team.pk)
    assert (person.rosh_level, person.mappa_category, person.mappa_level) == ("high", 2, 1)
    sentence = person.sentence
    assert sentence.tariff_years == 3 and sentence.tariff_expiry_date == dt.date(2011, 5, 1)
    principal, other = sentence.offences.all()
    assert principal.is_principal and principal.behaviours == ["alcohol", "violence"]
    assert not other.is_principal and other.category == "robbery"
    risk = person.risk_changes.get()
    assert risk.kind == vocab.RiskChangeKind.NEW_ASSESSMENT
    assert risk.reason == "Recorded when the case was opened"
    assert risk.recorded_by == practitioner and risk.changed_on == dt.date(2025, 1, 10)
    first, latest = person.releases.all()
    assert first.recall.returned_to_custody == dt.date(2014, 2, 3)
    assert not hasattr(latest, "recall") or Recall.objects.filter(release=latest).count() == 0
    kinds = sorted(person.licence_conditions.values_list("kind", flat=True))
    assert kinds == ["additional", "bespoke", "standard", "standard", "standard"]
    assert set(person.licence_conditions.values_list("start_date", flat=True)) == {
        dt.date(2024, 3, 1)
    }
    allocation = person.allocations.get()
    assert allocation.practitioner == practitioner and allocation.end_date is None
    assert store.SESSION_KEY not in client.session
    overview = client.get(response["Location"]).content.decode()
    assert "Case opened for Noel Ashby" in overview


def test_the_history_of_a_new_case_tells_the_opening_in_words(practitioner, team):
    client = client_for(practitioner)
    answer_all(client, team, practitioner)
    open_from_check(client)
    lines = history.case_history(Person.objects.get(crn=CRN))
    texts = [line.text for line in lines]
    assert all(line.who.startswith(practitioner.display_name) for line in lines)
    assert all("Reason: Case opened" in text for text in texts)
    for expected in (
        "Case added to the service",
        "Sentence recorded: Imprisonment for public protection (IPP), sentenced 1 May 2008",
        "Index offence recorded: Violence against the person (Wounding with intent)",
        "Released on licence from HMP Leeds on 1 June 2013 to approved premises",
        "Recalled on 1 February 2014.",
        "Licence condition added: Not to enter the town of Otley (from 1 March 2024)",
        f"Case allocated to {practitioner.display_name} from 1 February 2025",
    ):
        assert any(text.startswith(expected) for text in texts), (expected, texts)
    assert not any("(blank)" in text for text in texts)
    page = client.get(reverse("person_history", args=[CRN])).content.decode()
    assert "Case added to the service" in page


def test_a_person_not_yet_released_has_no_releases_or_conditions(practitioner, team):
    client = client_for(practitioner)
    post(client, "open_case_person", PERSON, "open_case_sentence")
    post(client, "open_case_sentence", SENTENCE, "open_case_offences")
    post(client, "open_case_offences", OFFENCES, "open_case_risk")
    post(client, "open_case_risk", RISK, "open_case_releases")
    post(client, "open_case_releases", {"released": "no"}, "open_case_conditions")
    page = client.get(reverse("open_case_conditions")).content.decode()
    assert "has not been released on this sentence" in page
    post(client, "open_case_conditions", {}, "open_case_allocation")
    post(client, "open_case_allocation", allocation_post(team, practitioner), "open_case_check")
    open_from_check(client)
    person = Person.objects.get(crn=CRN)
    assert not person.releases.exists() and not person.licence_conditions.exists()
    assert person.allocations.count() == 1


def test_a_com_deactivated_since_the_allocation_page_is_refused(practitioner, team):
    com = factories.UserFactory(team=team)
    client = client_for(practitioner)
    answer_all(client, team, com)
    com.is_active = False
    com.save()
    before = counts()
    body = open_from_check(client).content.decode()
    assert "no longer an active practitioner of the team" in body
    assert reverse("open_case_allocation") + "?from=check" in body
    assert counts() == before


def test_change_links_return_to_the_check_page(practitioner, team):
    client = client_for(practitioner)
    answer_all(client, team, practitioner)
    page = client.get(reverse("open_case_sentence") + "?from=check")
    assert 'value="3"' in page.content.decode()
    response = client.post(
        reverse("open_case_sentence") + "?from=check", {**SENTENCE, "tariff_years": "4"}
    )
    assert response["Location"] == reverse("open_case_check")
    assert client.session[store.SESSION_KEY]["sentence"]["tariff_years"] == 4


def test_a_later_page_sends_the_user_to_the_first_unanswered_one(practitioner):
    client = client_for(practitioner)
    for name in ("open_case_risk", "open_case_check", "open_case_allocation"):
        response = client.get(reverse(name))
        assert response["Location"] == reverse("open_case_person")
    post(client, "open_case_person", PERSON, "open_case_sentence")
    assert client.get(reverse("open_case_check"))["Location"] == reverse("open_case_sentence")


def test_cancel_deletes_the_answers(practitioner, team):
    client = client_for(practitioner)
    post(client, "open_case_person", PERSON, "open_case_sentence")
    assert client.get(reverse("open_case_cancel")).status_code == 200
    assert store.SESSION_KEY in client.session  # a GET changes nothing
    response = client.post(reverse("open_case_cancel"))
    assert response["Location"] == reverse("caseload")
    assert store.SESSION_KEY not in client.session


def test_add_another_and_remove_rows_without_javascript(practitioner, team):
    client = client_for(practitioner)
    post(client, "open_case_person", PERSON, "open_case_sentence")
    post(client, "open_case_sentence", SENTENCE, "open_case_offences")
    added = client.post(reverse("open_case_offences"), {**OFFENCES, "action": "add-offence"})
    body = added.content.decode()
    assert added.status_code == 200 and 'name="offence-count" value="2"' in body
    assert "Street robbery" in body and "govuk-error-summary" not in body
    removed = client.post(
        reverse("open_case_offences"), {**OFFENCES, "action": "remove-offence-0"}
    ).content.decode()
    assert 'name="offence-count" value="0"' in removed and "Street robbery" not in removed
    assert "Wounding with intent" in removed


def test_caseload_offers_open_a_case_to_those_who_may(practitioner, ppcs):
    assert "Open a case" in client_for(practitioner).get(reverse("caseload")).content.decode()
    assert "Open a case" not in client_for(ppcs).get(reverse("caseload")).content.decode()


# ---------------------------------------------------------------------------------------------
# Refusals: nothing changes


def test_duplicate_crn_refused_on_the_person_page_with_a_link_when_visible(practitioner, team):
    existing = factories.make_case(team, crn=CRN)
    client = client_for(practitioner)
    before = counts()
    response = post(client, "open_case_person", PERSON)
    body = response.content.decode()
    assert response.status_code == 200
    assert "A case with this CRN already exists" in body
    assert reverse("person_overview", args=[existing.crn]) in body
    assert store.SESSION_KEY not in client.session and counts() == before


def test_duplicate_nomis_out_of_view_names_the_pdu_not_the_person(outsider, team):
    # A surname that cannot be part of the PDU's name ("Lee" is in "Leeds": a random one was).
    existing = factories.make_case(team, nomis_number=NOMIS, last_name="Okonkwo-Hart")
    client = client_for(outsider)
    response = post(client, "open_case_person", PERSON)
    body = response.content.decode()
    assert "A case with this NOMIS number already exists: contact Leeds PDU about it" in body
    assert existing.last_name not in body and existing.crn not in body
    assert reverse("person_overview", args=[existing.crn]) not in body


@pytest.mark.parametrize("field", ["crn", "nomis_number"])
def test_duplicate_refused_again_at_check(practitioner, team, field):
    client = client_for(practitioner)
    answer_all(client, team, practitioner)
    # Someone else opens the same person meanwhile.
    factories.make_case(team, **{field: CRN if field == "crn" else NOMIS})
    before = counts()
    response = open_from_check(client)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert counts() == before
    assert store.SESSION_KEY in client.session


def test_service_refuses_duplicate_and_writes_nothing(practitioner, team):
    client = client_for(practitioner)
    answer_all(client, team, practitioner)
    answers = store.load(client.session)
    open_case(answers=answers, by=practitioner)
    before = counts()
    with pytest.raises(DuplicateCase):
        open_case(answers=answers, by=practitioner)
    assert counts() == before


def test_release_before_sentence_refused(practitioner, team):
    client = client_for(practitioner)
    post(client, "open_case_person", PERSON, "open_case_sentence")
    post(client, "open_case_sentence", SENTENCE, "open_case_offences")
    post(client, "open_case_offences", OFFENCES, "open_case_risk")
    post(client, "open_case_risk", RISK, "open_case_releases")
    response = post(client, "open_case_releases", releases_post(first=dt.date(2007, 1, 1)))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Release 1: date of release: Sentence date" not in body
    assert "2008-05-01 is after the first release (2007-01-01)" in body
    assert "releases" not in client.session[store.SESSION_KEY]


def test_sentence_before_birth_refused(practitioner, team):
    client = client_for(practitioner)
    post(client, "open_case_person", PERSON, "open_case_sentence")
    data = {**SENTENCE, **date_parts("sentence_date", dt.date(1970, 1, 1))}
    body = post(client, "open_case_sentence", data).content.decode()
    assert "The sentence date must be after the date of birth (3 February 1979)" in body
    assert "sentence" not in client.session[store.SESSION_KEY]


def test_recall_before_its_release_refused(practitioner, team):
    client = client_for(practitioner)
    post(client, "open_case_person", PERSON, "open_case_sentence")
    post(client, "open_case_sentence", SENTENCE, "open_case_offences")
    post(client, "open_case_offences", OFFENCES, "open_case_risk")
    post(client, "open_case_risk", RISK, "open_case_releases")
    data = releases_post(recall=dt.date(2013, 1, 1))
    data.update(date_parts("release-0-returned_to_custody", dt.date(2013, 1, 2)))
    response = post(client, "open_case_releases", data)
    body = response.content.decode()
    assert "Release 1: recall date: 2013-01-01 is before the release it ends (2013-06-01)" in body
    assert 'href="#release-0-recall_date-day"' in body
    assert "releases" not in client.session[store.SESSION_KEY]


def test_practitioner_cannot_choose_another_team(practitioner, team, other_team_same_pdu):
    other_com = factories.UserFactory(team=other_team_same_pdu)
    client = client_for(practitioner)
    answer_all(client, team, practitioner)
    response = post(client, "open_case_allocation", allocation_post(other_team_same_pdu, other_com))
    assert response.status_code == 200
    assert "Select the team that will hold the case" in response.content.decode()
    # The service refuses it too, whatever the session says.
    answers = store.load(client.session)
    answers["allocation"] = {
        **answers["allocation"],
        "team": other_team_same_pdu.pk,
        "practitioner": other_com.pk,
    }
    before = counts()
    with pytest.raises(OpenCaseError, match="You cannot open a case in that team"):
        open_case(answers=answers, by=practitioner)
    assert counts() == before


def test_manager_may_open_in_any_team_of_the_pdu(
    manager, team, other_team_same_pdu, other_pdu_team
):
    teams = set(teams_for_new_case(manager))
    assert teams == {team, other_team_same_pdu}
    admin = factories.UserFactory(roles=["admin"], team=None)
    assert set(teams_for_new_case(admin)) >= {team, other_team_same_pdu, other_pdu_team}


def test_stale_check_page_refused(practitioner, team):
    client = client_for(practitioner)
    answer_all(client, team, practitioner)
    version = client.session[store.SESSION_KEY]["version"]
    post(client, "open_case_risk", {**RISK, "rosh_level": "medium"}, "open_case_releases")
    before = counts()
    response = client.post(reverse("open_case_check"), {"version": version})
    assert "This page is out of date" in response.content.decode()
    assert counts() == before


def test_ppcs_and_no_role_get_403_and_anonymous_signs_in(ppcs, no_role_user, client):
    for name in ("open_case_start", "open_case_person", "open_case_check"):
        url = reverse(name)
        assert client_for(ppcs).get(url).status_code == 403
        if name != "open_case_start":  # the start page is GET only (405)
            assert client_for(ppcs).post(url, PERSON).status_code == 403
        assert client_for(no_role_user).get(url).status_code == 403
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]
        if name != "open_case_start":
            response = client.post(url, PERSON)
            assert response.status_code == 302 and reverse("login") in response["Location"]
    assert Person.objects.count() == 0


def test_bad_input_is_named_and_changes_nothing(practitioner):
    client = client_for(practitioner)
    response = post(
        client,
        "open_case_person",
        {**PERSON, "crn": "12345", "nomis_number": "X1", "date_of_birth-month": "13"},
    )
    body = response.content.decode()
    assert "<title>Error: " in body
    assert "Enter a CRN in the correct format, like A123456" in body
    assert "Enter a NOMIS number in the correct format, like A1234BC" in body
    assert "the month must be between 1 and 12" in body
    assert store.SESSION_KEY not in client.session


# ---------------------------------------------------------------------------------------------
# Query counts: each page the same at two data sizes


def _grow(team, size: int) -> None:
    for _ in range(size):
        factories.UserFactory(team=team)
        factories.make_case(team)


@pytest.mark.parametrize(
    "name",
    [
        "open_case_start",
        "open_case_person",
        "open_case_sentence",
        "open_case_offences",
        "open_case_risk",
        "open_case_releases",
        "open_case_conditions",
        "open_case_allocation",
        "open_case_check",
        "open_case_cancel",
    ],
)
def test_query_count_equal_at_two_data_sizes(manager, team, other_team_same_pdu, name):
    com = factories.UserFactory(team=team)
    client = client_for(manager)
    answer_all(client, team, com)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(name))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    _grow(team, 1)
    small = queries()
    _grow(team, 8)
    _grow(other_team_same_pdu, 4)
    # More rows answered as well: offences, releases and conditions.
    more = {**OFFENCES, "offence-count": "3"}
    for i in (1, 2):
        more[f"offence-{i}-category"] = "arson"
    post(client, "open_case_offences", more)
    assert queries() == small


def test_a_race_past_the_check_is_caught_by_the_unique_crn(practitioner, team, monkeypatch):
    """Another opening commits between the duplicate check and the insert: the CRN's unique
    index refuses the insert and the user gets the same duplicate message; nothing written."""

    client = client_for(practitioner)
    answer_all(client, team, practitioner)
    answers = store.load(client.session)
    factories.make_case(team, crn=CRN)
    real = services.existing_case
    calls: list[str] = []

    def blind_first(crn: str, nomis: str):
        calls.append(crn)
        return None if len(calls) == 1 else real(crn, nomis)

    monkeypatch.setattr(services, "existing_case", blind_first)
    before = counts()
    with pytest.raises(DuplicateCase) as refused:
        open_case(answers=answers, by=practitioner)
    assert refused.value.field == "crn" and len(calls) == 2
    assert counts() == before
