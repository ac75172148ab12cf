"""Changing the case record (issue 14): personal details, the sentence and its index offences,
RoSH and MAPPA with their history, and circumstances. Each form saves, goes back to the page the
link was on with a banner, and shows in the case history in words with the reason and who; each
refusal (wrong team, wrong role, stale form, nothing changed, bad dates, duplicate NOMIS) changes
nothing; each page's query count is the same for a short and a long case."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pghistory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ippcase import vocab
from ippcase.cases import history
from ippcase.cases.record import selectors, services
from ippcase.models import IndexOffence, Person, RiskChange, Sentence
from recall.deadlines import long_date
from recall.models import RecallRecommendation
from tests import factories
from tests.conftest import client_for
from tests.test_query_counts import _add_merry_go_round

REASON = "Checked against the court record."
PAGES = (
    "change_person_details",
    "change_sentence",
    "add_offence",
    "change_offence",
    "change_risk",
    "change_circumstances",
)


def _url(name: str, person: Person) -> str:
    if name == "change_offence":
        offence = IndexOffence.objects.filter(sentence__person=person, is_principal=True).get()
        return reverse(name, args=[person.crn, offence.pk])
    return reverse(name, args=[person.crn])


def _marker(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    found = re.search(r'name="marker" value="([0-9a-f]+)"', response.content.decode())
    assert found, "the form has no marker"
    return found.group(1)


def _date(name: str, day: dt.date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def _details(person: Person, **changes: Any) -> dict[str, Any]:
    data = {
        "nomis_number": person.nomis_number,
        "pnc": person.pnc,
        "first_name": person.first_name,
        "last_name": person.last_name,
        **_date("date_of_birth", person.date_of_birth),
        "gender": person.gender,
        "ethnicity": person.ethnicity,
        "change_kind": "correction",
        "reason": REASON,
    }
    data.update(changes)
    return data


def _risk(**changes: Any) -> dict[str, Any]:
    data = {
        "rosh_level": "very_high",
        "mappa_category": "2",
        "mappa_level": "2",
        "iom": "not_known",
        **_date("changed_on", timezone.localdate() - dt.timedelta(days=3)),
        "kind": "new_assessment",
        "reason": "OASys review after the arrest.",
    }
    data.update(changes)
    return data


def _post(client, name: str, person: Person, data: dict[str, Any], **kwargs: Any):
    url = _url(name, person)
    return client.post(url, {"marker": _marker(client, url), **data}, **kwargs)


def _history_texts(person: Person) -> list[str]:
    return [f"{line.who}: {line.text}" for line in history.case_history(person)]


def _snapshot(person: Person) -> tuple[Any, ...]:
    """Everything these forms could change on ``person``."""
    fresh = Person.objects.get(pk=person.pk)
    sentence = Sentence.objects.filter(person=person).values().first()
    offences = list(IndexOffence.objects.filter(sentence__person=person).values().order_by("pk"))
    risk = list(RiskChange.objects.filter(person=person).values())
    fields = [f.attname for f in Person._meta.concrete_fields]
    return tuple(getattr(fresh, f) for f in fields), sentence, offences, risk


@pytest.fixture
def com(team):
    return factories.UserFactory(
        username="asha", first_name="Asha", last_name="Khan", roles=["practitioner"], team=team
    )


@pytest.fixture
def com_client(com):
    return client_for(com)


# ---------------------------------------------------------------------------------------------
# Each form saves, goes back with a banner, and is told in the case history


def test_personal_details_change_goes_back_with_a_banner_and_into_the_history(person, com_client):
    overview = reverse("person_overview", args=[person.crn])
    page = com_client.get(_url("change_person_details", person) + f"?next={overview}")
    body = page.content.decode()
    assert 'value="Samuel"' in body and "The CRN cannot be changed here" in body
    assert "<title>Change personal details" in body and body.count("<h1") == 1

    response = _post(
        com_client,
        "change_person_details",
        person,
        _details(person, last_name="Dough", nomis_number="b1234cd", next=overview),
        follow=True,
    )
    assert response.redirect_chain == [(overview, 302)]
    assert "Personal details changed: NOMIS number and last name" in response.content.decode()
    person.refresh_from_db()
    assert (person.last_name, person.nomis_number) == ("Dough", "B1234CD")
    line = next(x for x in history.case_history(person) if "Person details" in x.text)
    assert line.who == "Asha Khan (COM)"
    assert line.text == f"Correction: Person details changed. Reason: {REASON}"
    assert {(c.label, c.old, c.new) for c in line.changes} >= {("Last name", "Doe", "Dough")}
    page = com_client.get(reverse("person_history", args=[person.crn])).content.decode()
    assert html.escape(f"Correction: Person details changed. Reason: {REASON}") in page


def test_a_new_fact_is_not_called_a_correction(person, com_client):
    _post(
        com_client,
        "change_person_details",
        person,
        _details(person, pnc="2001/12345A", change_kind="new_fact"),
    )
    texts = _history_texts(person)
    assert f"Asha Khan (COM): Person details changed. Reason: {REASON}" in texts


def test_an_unsafe_next_goes_back_to_the_page_of_the_item(person, com_client):
    response = _post(
        com_client,
        "change_person_details",
        person,
        _details(person, first_name="Sam", next="https://evil.example/"),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("person_overview", args=[person.crn])


def test_sentence_change_recomputes_the_tariff_expiry_and_is_in_the_history(person, com_client):
    data = {
        "sentence_type": "IPP",
        **_date("sentence_date", dt.date(2008, 3, 14)),
        "tariff_years": "3",
        "tariff_months": "6",
        "tariff_days": "0",
        "change_kind": "correction",
        "reason": REASON,
    }
    response = _post(com_client, "change_sentence", person, data, follow=True)
    assert "Sentence changed: tariff years and tariff months" in response.content.decode()
    sentence = Sentence.objects.get(person=person)
    assert sentence.tariff_expiry_date == dt.date(2011, 9, 14)
    line = next(
        x for x in history.case_history(person) if x.text.startswith("Correction: Sentence")
    )
    assert line.text == f"Correction: Sentence changed. Reason: {REASON}"
    assert line.who == "Asha Khan (COM)"


def test_adding_a_principal_offence_demotes_the_old_one_in_the_same_change(person, com_client):
    old = IndexOffence.objects.get(sentence__person=person)
    data = {
        "category": "robbery",
        "description": "Street robbery with a knife",
        "behaviours": ["weapons", "violence"],
        "principal": "yes",
        "change_kind": "new_fact",
        "reason": "A further conviction added to the sentence on appeal.",
    }
    response = _post(com_client, "add_offence", person, data, follow=True)
    assert "Index offence added: Robbery" in response.content.decode()
    old.refresh_from_db()
    new = IndexOffence.objects.get(sentence__person=person, category="robbery")
    assert (new.is_principal, old.is_principal) == (True, False)
    assert new.behaviours == ["violence", "weapons"]
    texts = _history_texts(person)
    assert (
        "Asha Khan (COM): Index offence recorded: Robbery (Street robbery with a knife). Reason: "
        "A further conviction added to the sentence on appeal." in texts
    )
    assert any(t.startswith("Asha Khan (COM): Index offence changed. Reason:") for t in texts)


def test_changing_an_offence_behaviours_and_making_an_additional_one_principal(person, com_client):
    principal = IndexOffence.objects.get(sentence__person=person)
    extra = factories.IndexOffenceFactory(
        sentence=principal.sentence, is_principal=False, category="arson", behaviours=[]
    )
    url = reverse("change_offence", args=[person.crn, extra.pk])
    data = {
        "marker": _marker(com_client, url),
        "category": "arson",
        "description": "Set fire to a car",
        "behaviours": ["arson"],
        "principal": "yes",
        "change_kind": "correction",
        "reason": REASON,
    }
    response = com_client.post(url, data, follow=True)
    assert "Index offence changed: description, behaviours and is principal" in (
        response.content.decode()
    )
    principal.refresh_from_db()
    extra.refresh_from_db()
    assert (extra.is_principal, principal.is_principal, extra.behaviours) == (
        True,
        False,
        ["arson"],
    )


def test_the_principal_offence_cannot_be_made_additional(person, com_client):
    before = _snapshot(person)
    data = {
        "category": "violence_against_the_person",
        "description": "Wounding with intent",
        "behaviours": ["alcohol", "violence"],
        "principal": "no",
        "change_kind": "correction",
        "reason": REASON,
    }
    response = _post(com_client, "change_offence", person, data)
    assert response.status_code == 200
    assert "There must be one principal index offence" in response.content.decode()
    assert _snapshot(person) == before


def test_risk_change_keeps_history_updates_the_person_and_reads_in_words(person, com_client):
    day = timezone.localdate() - dt.timedelta(days=3)
    overview = reverse("person_overview", args=[person.crn])
    response = _post(com_client, "change_risk", person, {**_risk(), "next": overview}, follow=True)
    assert response.redirect_chain == [(overview, 302)]
    body = response.content.decode()
    assert f"RoSH and MAPPA recorded from {long_date(day)}: RoSH Very high" in body
    assert 'id="risk-history"' in body and "OASys review after the arrest." in body
    person.refresh_from_db()
    assert (person.rosh_level, person.mappa_category, person.mappa_level) == ("very_high", 2, 2)
    change = RiskChange.objects.get(person=person)
    assert (change.changed_on, change.kind, change.recorded_by.username) == (
        day,
        "new_assessment",
        "asha",
    )
    texts = _history_texts(person)
    assert (
        f"Asha Khan (COM): RoSH recorded as Very high and MAPPA category 2, level 2 from "
        f"{long_date(day)} (was High; not managed under MAPPA): a new assessment. "
        "Reason: OASys review after the arrest." in texts
    )
    # The person's own row changed too, but the risk line tells it: no second line.
    assert not any("Person details changed" in t for t in texts)

    # A second change: only RoSH, a correction dated earlier than the first (allowed).
    earlier = day - dt.timedelta(days=10)
    _post(
        com_client,
        "change_risk",
        person,
        _risk(
            rosh_level="high",
            kind="correction",
            reason="Typed the wrong level.",
            **_date("changed_on", earlier),
        ),
    )
    assert RiskChange.objects.filter(person=person).count() == 2
    assert (
        f"Asha Khan (COM): RoSH recorded as High from {long_date(earlier)} (was Very high): "
        "a correction of what was recorded. Reason: Typed the wrong level."
        in _history_texts(person)
    )


def test_circumstances_change_shows_vulnerabilities_on_the_overview(person, com_client):
    data = {
        "needs": ["accommodation", "alcohol_misuse"],
        "vulnerability_types": ["suicide_self_harm", "learning_difficulties"],
        "vulnerabilities": "Self-harm in custody in 2019.\r\nReads with support.",
        "accommodation": "approved_premises",
        "opd_screening": "screened_in",
        "easy_read": "no",
        "change_kind": "new_fact",
        "reason": "Moved to approved premises after the recall.",
    }
    response = _post(com_client, "change_circumstances", person, data, follow=True)
    body = response.content.decode()
    assert "Circumstances changed: needs, vulnerability types, details of vulnerabilities" in body
    person.refresh_from_db()
    assert person.accommodation == "approved_premises"
    assert person.vulnerability_types == ["suicide_self_harm", "learning_difficulties"]
    assert person.vulnerabilities == "Self-harm in custody in 2019.\nReads with support."
    overview = com_client.get(reverse("person_overview", args=[person.crn])).content.decode()
    assert "Risk of suicide or self-harm" in overview and "Learning difficulties" in overview
    line = next(x for x in history.case_history(person) if "Person details" in x.text)
    assert (
        line.text == "Person details changed. Reason: Moved to approved premises after the recall."
    )
    assert ("Accommodation", "Not known", "Approved premises") in {
        (c.label, c.old, c.new) for c in line.changes
    }
    # The same boxes ticked again, in another order: nothing changed.
    data["needs"] = ["alcohol_misuse", "accommodation"]
    again = _post(com_client, "change_circumstances", person, data)
    assert "You have not changed anything" in again.content.decode()


# ---------------------------------------------------------------------------------------------
# Refusals change nothing


@pytest.mark.parametrize("name", PAGES)
def test_a_practitioner_of_another_team_gets_404_and_changes_nothing(
    name, person, other_team_same_pdu
):
    stranger = factories.UserFactory(username="stranger", team=other_team_same_pdu)
    client = client_for(stranger)
    before = _snapshot(person)
    url = _url(name, person)
    assert client.get(url).status_code == 404
    assert client.post(url, _details(person, last_name="Changed")).status_code == 404
    assert _snapshot(person) == before


@pytest.mark.parametrize("name", PAGES)
def test_ppcs_gets_403_on_a_case_it_sees_and_changes_nothing(name, person, ppcs):
    client = client_for(ppcs)
    before = _snapshot(person)
    url = _url(name, person)
    assert client.get(reverse("person_overview", args=[person.crn])).status_code == 200
    assert client.get(url).status_code == 403
    assert client.post(url, _risk()).status_code == 403
    assert _snapshot(person) == before


def test_ppcs_gets_404_on_a_case_it_does_not_see(team, ppcs):
    unseen = factories.make_case(team, recalled=False)
    assert client_for(ppcs).get(_url("change_risk", unseen)).status_code == 404


def test_the_service_refuses_an_actor_without_the_permission(person, ppcs):
    with pytest.raises(services.NotAllowed):
        services.change_circumstances(
            person_id=person.pk,
            actor=ppcs,
            marker="0" * 32,
            needs=[],
            vulnerability_types=[],
            vulnerabilities="",
            accommodation="settled",
            opd_screening="not_screened",
            correction=False,
            reason="x",
        )


def test_managers_of_the_pdu_may_change_the_case(person, manager, other_team_same_pdu):
    client = client_for(manager)
    response = _post(client, "change_person_details", person, _details(person, first_name="Sam"))
    assert response.status_code == 302


def test_a_stale_form_is_refused_and_changes_nothing(person, com_client, manager):
    url = _url("change_person_details", person)
    marker = _marker(com_client, url)
    # Someone else changes the same values after the form was shown.
    _post(client_for(manager), "change_person_details", person, _details(person, pnc="99/1A"))
    before = _snapshot(person)
    response = com_client.post(url, {"marker": marker, **_details(person, last_name="Other")})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Someone else changed this part of the case" in body
    assert "<title>Error: Change personal details" in body
    assert _snapshot(person) == before


@pytest.mark.parametrize("marker", ["", "not-a-marker", "0" * 32])
def test_a_missing_or_altered_marker_is_stale(person, com_client, marker):
    before = _snapshot(person)
    response = com_client.post(
        _url("change_risk", person), {**_risk(), **({"marker": marker} if marker else {})}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "out of date" in body or "Someone else changed" in body
    assert _snapshot(person) == before


def test_a_risk_change_recorded_meanwhile_makes_the_risk_form_stale(person, com_client, manager):
    url = _url("change_risk", person)
    marker = _marker(com_client, url)
    _post(client_for(manager), "change_risk", person, _risk())
    before = _snapshot(person)
    response = com_client.post(url, {"marker": marker, **_risk(rosh_level="medium")})
    assert "Someone else changed this part of the case" in response.content.decode()
    assert _snapshot(person) == before


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("change_person_details", None),
        ("change_risk", {"rosh_level": "high", "mappa_category": "none", "mappa_level": "none"}),
    ],
)
def test_nothing_changed_is_refused(person, com_client, name, data):
    before = _snapshot(person)
    payload = _details(person) if data is None else _risk(**data)
    response = _post(com_client, name, person, payload)
    assert response.status_code == 200
    assert "You have not changed anything" in response.content.decode()
    assert _snapshot(person) == before


def test_a_future_risk_date_is_refused(person, com_client):
    before = _snapshot(person)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = _post(com_client, "change_risk", person, _risk(**_date("changed_on", tomorrow)))
    assert "The date of the change must be today or in the past" in response.content.decode()
    assert _snapshot(person) == before
    actor = factories.UserFactory(username="service-com", team=person.team)
    with pytest.raises(services.CaseRecordError, match="must be today or in the past"):
        services.change_risk(
            person_id=person.pk,
            actor=actor,
            marker=selectors.risk_marker(person, None),
            rosh_level="low",
            mappa_category=None,
            mappa_level=None,
            changed_on=tomorrow,
            kind="new_assessment",
            reason="x",
        )
    assert _snapshot(person) == before


def test_a_new_assessment_before_the_latest_change_is_refused(person, com_client):
    day = timezone.localdate() - dt.timedelta(days=3)
    _post(com_client, "change_risk", person, _risk())
    before = _snapshot(person)
    earlier = _date("changed_on", day - dt.timedelta(days=1))
    response = _post(com_client, "change_risk", person, _risk(rosh_level="low", **earlier))
    assert (
        f"The date of a new assessment cannot be before the latest recorded change "
        f"({long_date(day)})" in response.content.decode()
    )
    assert _snapshot(person) == before


def test_a_mappa_level_without_a_category_is_refused(person, com_client):
    before = _snapshot(person)
    response = _post(
        com_client, "change_risk", person, _risk(mappa_category="none", mappa_level="1")
    )
    assert "A MAPPA level needs a MAPPA category" in response.content.decode()
    assert _snapshot(person) == before


def test_a_sentence_after_the_first_release_is_refused_with_the_import_message(person, com_client):
    before = _snapshot(person)
    data = {
        "sentence_type": "IPP",
        **_date("sentence_date", dt.date(2015, 1, 1)),
        "tariff_years": "2",
        "tariff_months": "0",
        "tariff_days": "0",
        "change_kind": "correction",
        "reason": REASON,
    }
    response = _post(com_client, "change_sentence", person, data)
    assert response.status_code == 200
    assert "2015-01-01 is after the first release (2014-05-01)" in response.content.decode()
    assert _snapshot(person) == before


def test_a_duplicate_nomis_number_is_refused(person, com_client, team):
    other = factories.PersonFactory(team=team, nomis_number="C7654DE")
    before = _snapshot(person)
    response = _post(
        com_client, "change_person_details", person, _details(person, nomis_number="c7654de")
    )
    body = response.content.decode()
    assert "C7654DE is the NOMIS number of another case" in body
    assert other.crn not in body  # another case's existence and CRN are not revealed
    assert 'href="#id_nomis_number"' in body
    assert _snapshot(person) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"nomis_number": "12345"}, "Enter a NOMIS number in the right format"),
        ({"reason": "  "}, "Enter the reason for the change"),
        ({"change_kind": ""}, "Select whether this corrects a mistake or records a new fact"),
        ({"first_name": ""}, "Enter the first name"),
        ({"date_of_birth-year": "3020"}, "The date of birth must be today or in the past"),
    ],
)
def test_bad_details_are_shown_back_and_change_nothing(person, com_client, changes, message):
    before = _snapshot(person)
    response = _post(com_client, "change_person_details", person, _details(person, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _snapshot(person) == before


def test_an_offence_of_another_case_is_404(person, com_client, team):
    other = factories.make_case(team)
    offence = IndexOffence.objects.get(sentence__person=other)
    assert (
        com_client.get(reverse("change_offence", args=[person.crn, offence.pk])).status_code == 404
    )


# ---------------------------------------------------------------------------------------------
# Links to the forms


def test_change_links_for_those_who_may_change_the_case_only(person, com_client, ppcs):
    overview = reverse("person_overview", args=[person.crn])
    sentence = reverse("person_sentence", args=[person.crn])
    mine = com_client.get(overview).content.decode()
    assert f"{reverse('change_risk', args=[person.crn])}?next={overview}" in mine
    assert 'Change<span class="govuk-visually-hidden"> NOMIS number</span>' in mine
    assert "RoSH and MAPPA history" in mine
    on_sentence = com_client.get(sentence).content.decode()
    assert reverse("add_offence", args=[person.crn]) in on_sentence
    assert reverse("change_sentence", args=[person.crn]) in on_sentence
    theirs = client_for(ppcs).get(overview).content.decode()
    assert "/change/" not in theirs
    assert "/change/" not in client_for(ppcs).get(sentence).content.decode()


def test_the_recommendation_links_to_the_risk_form(person, com_client, com):
    rec = RecallRecommendation.objects.create(person=person, created_by=com)
    page = com_client.get(reverse("recall:recommendation", args=[rec.pk])).content.decode()
    assert (
        f'RoSH and MAPPA come from <a class="govuk-link" href="'
        f"{reverse('change_risk', args=[person.crn])}?next=" in page
    )


def test_cases_overview_still_resolves_beside_the_change_pages(person):
    assert reverse("person_overview", args=[person.crn]) == f"/cases/{person.crn}/"
    assert reverse("change_risk", args=[person.crn]) == f"/cases/{person.crn}/change/risk/"


# ---------------------------------------------------------------------------------------------
# Query counts


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(person: Person, practitioner, size: int) -> None:
    _add_merry_go_round(person, practitioner, size)
    sentence = Sentence.objects.get(person=person)
    for n in range(size):
        factories.IndexOffenceFactory(
            sentence=sentence, is_principal=False, category="theft_and_handling"
        )
        RiskChange.objects.create(
            person=person,
            rosh_level=vocab.RoshLevel.HIGH,
            changed_on=dt.date(2020, 1, 1) + dt.timedelta(days=n),
            kind=vocab.RiskChangeKind.NEW_ASSESSMENT,
            reason=f"Review {n}",
            recorded_by=practitioner,
        )


@pytest.mark.parametrize("name", (*PAGES, "person_overview", "person_sentence"))
def test_query_count_of_each_page_is_the_same_for_a_short_and_a_long_case(
    name, team, com, com_client
):
    short = factories.PersonFactory(team=team)
    factories.IndexOffenceFactory(sentence=factories.SentenceFactory(person=short))
    _grow(short, com, 1)
    long = factories.PersonFactory(team=team)
    factories.IndexOffenceFactory(sentence=factories.SentenceFactory(person=long))
    _grow(long, com, 8)
    assert _queries(com_client, _url(name, short)) == _queries(com_client, _url(name, long))


# ---------------------------------------------------------------------------------------------
# More of the history's words, and a case with no sentence yet


def test_a_mappa_only_change_and_a_row_written_without_what_it_replaced(person, com, com_client):
    day = timezone.localdate() - dt.timedelta(days=40)
    with pghistory.context(user=com.pk):  # as a case is opened: no risk_was in the context
        RiskChange.objects.create(
            person=person,
            rosh_level="high",
            mappa_category=1,
            mappa_level=1,
            changed_on=day,
            kind="new_assessment",
            reason="Recorded when the case was opened",
            recorded_by=com,
        )
    Person.objects.filter(pk=person.pk).update(mappa_category=1, mappa_level=1)
    assert (
        f"Asha Khan (COM): RoSH recorded as High and MAPPA category 1, level 1 from "
        f"{long_date(day)}: a new assessment. Reason: Recorded when the case was opened"
    ) in _history_texts(person)
    later = timezone.localdate()
    _post(
        com_client,
        "change_risk",
        person,
        _risk(rosh_level="high", mappa_category="1", mappa_level="2", **_date("changed_on", later)),
    )
    assert (
        f"Asha Khan (COM): Recorded as MAPPA category 1, level 2 from {long_date(later)} "
        "(was MAPPA category 1, level 1): a new assessment. Reason: OASys review after the arrest."
    ) in _history_texts(person)


def test_a_case_with_no_sentence_records_one_before_its_offences(team, com_client):
    person = factories.PersonFactory(team=team)
    response = com_client.get(reverse("add_offence", args=[person.crn]))
    assert response["Location"] == reverse("change_sentence", args=[person.crn])
    data = {
        "sentence_type": "DPP",
        **_date("sentence_date", dt.date(2009, 1, 5)),
        "tariff_years": "4",
        "tariff_months": "0",
        "tariff_days": "0",
        "change_kind": "new_fact",
        "reason": "Sentence missing from the import.",
    }
    assert _post(com_client, "change_sentence", person, data).status_code == 302
    assert Sentence.objects.get(person=person).tariff_expiry_date == dt.date(2013, 1, 5)
    assert (
        "Asha Khan (COM): Sentence recorded: Detention for public protection (DPP), sentenced "
        "5 January 2009. Reason: Sentence missing from the import."
    ) in _history_texts(person)
    offence = {
        "category": "arson",
        "principal": "no",
        "change_kind": "new_fact",
        "reason": "From the court record.",
    }
    response = _post(com_client, "add_offence", person, offence)
    assert "this one must be the principal offence" in response.content.decode()
    assert not IndexOffence.objects.filter(sentence__person=person).exists()
    assert (
        _post(com_client, "add_offence", person, {**offence, "principal": "yes"}).status_code == 302
    )
    assert IndexOffence.objects.get(sentence__person=person).is_principal
