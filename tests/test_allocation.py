"""Transferring a case to another COM or team, and allocating an unallocated case (issue 14):
the rows written, who is told, the case history line, and every refusal changing nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ippcase import vocab
from ippcase.cases import history
from ippcase.cases.allocation import services
from ippcase.models import Allocation, Notification, Person
from recall.deadlines import long_date
from tests import factories
from tests.conftest import client_for

START = dt.date(2024, 1, 10)


def _user(username: str, first: str, last: str, role: str, team) -> object:
    return factories.UserFactory(
        username=username, first_name=first, last_name=last, roles=[role], team=team
    )


@pytest.fixture
def receiving(other_team_same_pdu):
    """Leeds B, with its SPO and a COM, Asha Khan."""
    return {
        "team": other_team_same_pdu,
        "spo": _user("spo-b", "Dylan", "Reynolds", vocab.Role.MANAGER, other_team_same_pdu),
        "com": _user("asha", "Asha", "Khan", vocab.Role.PRACTITIONER, other_team_same_pdu),
    }


@pytest.fixture
def held(person, practitioner):
    """The person's case, held by the practitioner of Leeds A since START."""
    allocation = factories.AllocationFactory(
        person=person, practitioner=practitioner, start_date=START
    )
    return allocation


def _snapshot(person) -> tuple:
    person.refresh_from_db()
    rows = tuple(
        Allocation.objects.filter(person=person)
        .order_by("pk")
        .values_list("pk", "practitioner_id", "start_date", "end_date")
    )
    return person.team_id, person.awaiting_pdu_id, rows, Notification.objects.count()


def _form(com, start: dt.date, marker: str, reason: str = "Moved to Leeds B's area.") -> dict:
    return {
        "practitioner": str(com.pk),
        "start_date-day": str(start.day),
        "start_date-month": str(start.month),
        "start_date-year": str(start.year),
        "reason": reason,
        "allocation": marker,
    }


def _team_url(person, team) -> str:
    return reverse("transfer_case_to_team", args=[person.crn, team.code])


# ---------------------------------------------------------------------------------------------
# The transfer


def test_a_manager_transfers_the_case_the_rows_the_notifications_and_the_history(
    client, manager, person, held, receiving
):
    client.force_login(manager)
    today = timezone.localdate()
    response = client.post(
        _team_url(person, receiving["team"]), _form(receiving["com"], today, str(held.pk))
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("person_overview", args=[person.crn])

    person.refresh_from_db()
    assert person.team == receiving["team"]
    held.refresh_from_db()
    assert held.end_date == today - dt.timedelta(days=1)
    new = Allocation.objects.get(person=person, end_date__isnull=True)
    assert (new.practitioner, new.start_date) == (receiving["com"], today)

    notes = {n.recipient_id: n for n in Notification.objects.all()}
    assert set(notes) == {receiving["spo"].pk, receiving["com"].pk}  # not the manager who did it
    for note in notes.values():
        for secret in (person.crn, person.last_name, person.first_name):
            assert secret not in note.subject and secret not in note.body
        assert note.link == reverse("person_overview", args=[person.crn])
        assert person.crn in note.text
    assert notes[receiving["spo"].pk].subject == "A case has been transferred to your team"
    assert notes[receiving["com"].pk].subject == "A case has been allocated to you"

    page = client.get(reverse("person_overview", args=[person.crn])).content.decode()
    assert "Case transferred to Asha Khan (Leeds B) from" in page  # the success banner

    lines = [line.text for line in history.case_history(person)]
    expected = (
        f"Case transferred to Asha Khan (Leeds B) from {long_date(today)}. "
        "Reason: Moved to Leeds B's area."
    )
    assert lines[0] == expected
    # The old allocation ending and the team changing say nothing the line does not.
    assert not any("Person details changed" in line for line in lines)
    assert not any(line.startswith("Allocation to") for line in lines)


def test_the_receiving_pdu_managers_are_told_when_the_team_has_no_spo(
    manager, person, held, other_pdu_team
):
    pdu_spo = _user("pdu-spo", "Pat", "Doe", vocab.Role.MANAGER, None)
    sister = factories.TeamFactory(pdu=other_pdu_team.pdu, code="wakefield-b")
    pdu_spo.team = sister
    pdu_spo.save()
    com = _user("newcom", "Sam", "Roe", vocab.Role.PRACTITIONER, other_pdu_team)
    services.transfer_case(
        person_id=person.pk,
        practitioner=com,
        start_date=timezone.localdate(),
        reason="Moved to Wakefield.",
        by=manager,
        expected_allocation_id=held.pk,
    )
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {pdu_spo.pk, com.pk}


def test_same_day_start_ends_the_current_allocation_on_that_day(manager, person, held, receiving):
    services.transfer_case(
        person_id=person.pk,
        practitioner=receiving["com"],
        start_date=START,
        reason="Allocated to the wrong COM by mistake.",
        by=manager,
        expected_allocation_id=held.pk,
    )
    held.refresh_from_db()
    assert held.end_date == START


def test_allocating_an_unallocated_person(client, manager, team, receiving):
    person = factories.PersonFactory(team=None, awaiting_pdu=team.pdu)
    client.force_login(manager)
    overview = client.get(reverse("person_overview", args=[person.crn])).content.decode()
    assert "Allocate<span" in overview and "Awaiting allocation" in overview
    page = client.get(reverse("transfer_case", args=[person.crn])).content.decode()
    assert "<title>Allocate the case" in page
    chosen = client.post(reverse("transfer_case", args=[person.crn]), {"team": "leeds-b"})
    assert chosen["Location"] == _team_url(person, receiving["team"])
    today = timezone.localdate()
    response = client.post(
        _team_url(person, receiving["team"]), _form(receiving["com"], today, "none")
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.team, person.awaiting_pdu) == (receiving["team"], None)
    assert Allocation.objects.get(person=person).practitioner == receiving["com"]
    assert history.case_history(person)[0].text.startswith("Case allocated to Asha Khan (Leeds B)")
    assert Notification.objects.filter(subject="A case has been allocated to your team").exists()


# ---------------------------------------------------------------------------------------------
# Refusals: nothing changes


def test_a_practitioner_cannot_transfer(client, practitioner, person, held, receiving):
    before = _snapshot(person)
    client.force_login(practitioner)
    assert client.get(reverse("transfer_case", args=[person.crn])).status_code == 403
    today = timezone.localdate()
    response = client.post(
        _team_url(person, receiving["team"]), _form(receiving["com"], today, str(held.pk))
    )
    assert response.status_code == 403
    assert _snapshot(person) == before
    with pytest.raises(services.TransferError):
        services.transfer_case(
            person_id=person.pk,
            practitioner=receiving["com"],
            start_date=today,
            reason="x",
            by=practitioner,
            expected_allocation_id=held.pk,
        )
    assert _snapshot(person) == before


def test_a_manager_of_another_pdu_gets_404(client, other_pdu_team, person, held, receiving):
    stranger = _user("stranger", "Jo", "Far", vocab.Role.MANAGER, other_pdu_team)
    before = _snapshot(person)
    client.force_login(stranger)
    assert client.get(reverse("transfer_case", args=[person.crn])).status_code == 404
    today = timezone.localdate()
    response = client.post(
        _team_url(person, receiving["team"]), _form(receiving["com"], today, str(held.pk))
    )
    assert response.status_code == 404
    assert _snapshot(person) == before


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("stale", "Someone else changed who holds this case"),
        ("same_com", "The case is already allocated to"),
        ("other_team", "is not in Leeds B"),
        ("before_start", "The start date must be the same as or after the start of the current"),
        ("future", "The start date must be today or in the past"),
        ("inactive", "is not an active probation practitioner"),
        ("no_reason", "Enter why the case is moving"),
    ],
)
def test_refusals_change_nothing(
    client, manager, practitioner, person, held, receiving, other_pdu_team, case, message
):
    client.force_login(manager)
    com = receiving["com"]
    start = timezone.localdate()
    marker = str(held.pk)
    reason = "Moving area."
    if case == "stale":
        marker = str(held.pk + 1000)
    elif case == "same_com":
        com = practitioner
        practitioner.team = receiving["team"]
        practitioner.save()
    elif case == "other_team":
        com = _user("elsewhere", "Kim", "Wu", vocab.Role.PRACTITIONER, other_pdu_team)
    elif case == "before_start":
        start = START - dt.timedelta(days=1)
    elif case == "future":
        start = timezone.localdate() + dt.timedelta(days=1)
    elif case == "inactive":
        com.is_active = False
        com.save()
    elif case == "no_reason":
        reason = "   "
    before = _snapshot(person)
    if case in ("other_team", "inactive"):
        # Not offered by the page: the service refuses them whatever the page sent.
        with pytest.raises(services.TransferError, match=message):
            services.transfer_case(
                person_id=person.pk,
                practitioner=com,
                start_date=start,
                reason=reason,
                by=manager,
                expected_allocation_id=held.pk,
                team=receiving["team"],
            )
        response = client.post(
            _team_url(person, receiving["team"]), _form(com, start, marker, reason)
        )
        assert response.status_code == 200
        assert "Select the new community offender manager" in response.content.decode()
    else:
        response = client.post(
            _team_url(person, receiving["team"]), _form(com, start, marker, reason)
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert message.replace("'", "&#x27;") in page
        assert "<title>Error: Transfer the case to Leeds B" in page
    assert _snapshot(person) == before


def test_the_stale_page_is_refused_by_the_service(
    manager, person, held, receiving, other_team_same_pdu
):
    other_com = _user("bo", "Bo", "Li", vocab.Role.PRACTITIONER, other_team_same_pdu)
    services.transfer_case(
        person_id=person.pk,
        practitioner=other_com,
        start_date=timezone.localdate(),
        reason="First move.",
        by=manager,
        expected_allocation_id=held.pk,
    )
    before = _snapshot(person)
    with pytest.raises(services.StaleAllocation):
        services.transfer_case(
            person_id=person.pk,
            practitioner=receiving["com"],
            start_date=timezone.localdate(),
            reason="Second move from an old page.",
            by=manager,
            expected_allocation_id=held.pk,
        )
    assert _snapshot(person) == before


def test_an_unknown_team_is_404_and_a_bad_team_choice_an_error(client, manager, person, held):
    client.force_login(manager)
    assert (
        client.get(reverse("transfer_case_to_team", args=[person.crn, "nowhere"])).status_code
        == 404
    )
    response = client.post(reverse("transfer_case", args=[person.crn]), {"team": "nowhere"})
    assert response.status_code == 200
    assert "<title>Error: Transfer the case" in response.content.decode()


def test_the_history_page_shows_the_warning_and_the_allocations(client, manager, person, team):
    client.force_login(manager)
    for n in range(3):
        com = _user(f"com{n}", "Com", f"Number{n}", vocab.Role.PRACTITIONER, team)
        factories.AllocationFactory(
            person=person,
            practitioner=com,
            start_date=factories.RE_RELEASED + dt.timedelta(days=n * 10),
            end_date=None if n == 2 else factories.RE_RELEASED + dt.timedelta(days=n * 10 + 9),
        )
    page = client.get(reverse("transfer_case", args=[person.crn])).content.decode()
    assert "Three or more COMs since release" in page
    table = page.split('id="allocation-history"')[1].split("</table>")[0]
    assert table.count("Com Number") == 3
    overview = client.get(reverse("person_overview", args=[person.crn])).content.decode()
    assert reverse("transfer_case", args=[person.crn]) in overview


def test_the_transfer_link_is_only_for_those_who_may(client, practitioner, person, held):
    client.force_login(practitioner)
    overview = client.get(reverse("person_overview", args=[person.crn])).content.decode()
    assert reverse("transfer_case", args=[person.crn]) not in overview


# ---------------------------------------------------------------------------------------------
# Query counts


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(person: Person, team, count: int) -> None:
    """``count`` more teams in the country, and ``count`` more past COMs on the case."""
    for n in range(count):
        extra = factories.TeamFactory()
        _user(f"grow-{extra.code}", "Extra", f"Com{n}", vocab.Role.PRACTITIONER, extra)
        com = _user(f"past-{extra.code}", "Past", f"Com{n}", vocab.Role.PRACTITIONER, team)
        day = dt.date(2010, 1, 1) + dt.timedelta(days=30 * Allocation.objects.count())
        factories.AllocationFactory(
            person=person, practitioner=com, start_date=day, end_date=day + dt.timedelta(days=20)
        )


@pytest.mark.parametrize("page", ["transfer_case", "transfer_case_to_team"])
def test_query_counts_do_not_grow(manager, person, team, held, page):
    client = client_for(manager)
    args = [person.crn] if page == "transfer_case" else [person.crn, team.code]
    _grow(person, team, 2)
    small = _queries(client, reverse(page, args=args))
    _grow(person, team, 12)
    assert _queries(client, reverse(page, args=args)) == small
