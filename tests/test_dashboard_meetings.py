"""The dashboard's "Multi-agency management" panel (issue 19): by team, people on licence in the
community with no progression panel or MAPPA level 2/3 meeting in the last 12 months, panels and
meetings held per month, meeting actions overdue; scoped like every panel, a fixed number of
queries whatever the data, served as an HTMX partial and as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ippcase.models import Person
from ippcase.reporting.dashboard import Link, Scope, Table
from ippcase.reporting.panels import PANELS, PANELS_BY_SLUG, meetings
from recall.vocab import MeetingKind
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = timezone.localdate()
PANEL = meetings.MULTI_AGENCY


def _scope(date_from: dt.date | None = None, date_to: dt.date | None = None) -> Scope:
    return Scope(
        level="national",
        code="",
        date_from=date_from or meetings.months_before(TODAY, 11).replace(day=1),
        date_to=date_to or TODAY,
        today=TODAY,
    )


def _rows(table: Table) -> dict[str, list[object]]:
    """The table's rows by their row header; a linked count as its number."""
    return {
        str(row[0]): [int(c.text) if isinstance(c, Link) else c for c in row[1:]]
        for row in table.rows
    }


def _on_licence(team) -> Person:
    return factories.make_case(team, recalled=False)


def _meeting(person, days_ago: int, kind=MeetingKind.PROGRESSION_PANEL, **kwargs):
    return factories.MeetingFactory(
        person=person, held_on=TODAY - dt.timedelta(days=days_ago), kind=kind, **kwargs
    )


def _struck_out(meeting) -> None:
    meeting.struck_out_at = timezone.now()
    meeting.struck_out_by = meeting.recorded_by
    meeting.struck_out_reason = "Recorded on the wrong case"
    meeting.save()


def test_months_before_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    assert meetings.months_before(D(2024, 6, 15), 12) == D(2023, 6, 15)
    assert meetings.months_before(D(2024, 5, 31), 3) == D(2024, 2, 29)
    assert meetings.months_before(D(2023, 3, 31), 1) == D(2023, 2, 28)
    assert meetings.months_before(D(2024, 1, 10), 1) == D(2023, 12, 10)


def test_people_in_the_community_with_no_panel_in_the_last_twelve_months(team, other_team_same_pdu):
    since, _ = meetings.panel_window(TODAY)
    with_panel = _on_licence(team)
    _meeting(with_panel, 30)
    with_mappa_3 = _on_licence(team)
    _meeting(with_mappa_3, (TODAY - since).days, MeetingKind.MAPPA_LEVEL_3)  # the first day
    professionals_only = _on_licence(team)  # not a forum of recommendation 3
    _meeting(professionals_only, 10, MeetingKind.PROFESSIONALS)
    _meeting(professionals_only, 20, MeetingKind.OPD_CONSULTATION)
    too_old = _on_licence(team)
    _meeting(too_old, (TODAY - since).days + 1, MeetingKind.MAPPA_LEVEL_2)  # the day before
    struck = _on_licence(team)
    _struck_out(_meeting(struck, 5))
    _on_licence(team)  # nothing recorded
    # Not in the community: recalled, not yet released, licence ended by law.
    recalled = factories.make_case(team, recalled=True)
    factories.RecallFactory(release=recalled.releases.order_by("-date").first(), recall_date=TODAY)
    factories.PersonFactory(team=team)
    factories.make_case(team, recalled=False, released=D(2014, 5, 1))
    other = _on_licence(other_team_same_pdu)
    _meeting(other, 100, MeetingKind.MAPPA_LEVEL_2)
    _on_licence(other_team_same_pdu)

    data = PANEL.compute(Person.objects.all(), _scope())
    rows = _rows(data.tables[0])

    assert rows["Leeds A"][:3] == [6, 4, "66.7%"]
    assert rows["Leeds B"][:3] == [2, 1, "50.0%"]
    assert rows["Total"][:3] == [8, 5, "62.5%"]


def test_the_panel_follows_the_people_in_scope(team, other_pdu_team):
    _on_licence(team)
    outsider = _on_licence(other_pdu_team)
    factories.MeetingActionFactory(
        meeting=_meeting(outsider, 40), due_on=TODAY - dt.timedelta(days=3)
    )

    data = PANEL.compute(Person.objects.filter(team=team), _scope())
    rows = _rows(data.tables[0])

    assert set(rows) == {"Leeds A", "Total"}
    assert rows["Total"] == [1, 1, "100.0%", 0, 0, 0, "None overdue"]
    assert _rows(data.tables[1])["Total"][-1] == 0


def test_panels_and_meetings_held_by_month_and_by_team(team, other_team_same_pdu):
    first = _on_licence(team)
    second = _on_licence(other_team_same_pdu)
    start = D(TODAY.year - 1, TODAY.month, 1)
    scope = _scope(date_from=start, date_to=TODAY)
    in_first_month = start + dt.timedelta(days=2)
    factories.MeetingFactory(person=first, held_on=in_first_month)
    factories.MeetingFactory(person=second, held_on=in_first_month, kind=MeetingKind.MAPPA_LEVEL_2)
    factories.MeetingFactory(person=second, held_on=in_first_month, kind=MeetingKind.PROFESSIONALS)
    factories.MeetingFactory(person=first, held_on=TODAY, kind=MeetingKind.OPD_CONSULTATION)
    factories.MeetingFactory(person=first, held_on=start - dt.timedelta(days=1))  # before
    _struck_out(factories.MeetingFactory(person=first, held_on=TODAY))

    data = PANEL.compute(Person.objects.all(), scope)
    by_month = data.tables[1]
    assert list(by_month.columns) == [
        "Month",
        "IPP progression panel",
        "MAPPA level 2 meeting",
        "MAPPA level 3 meeting",
        "Professionals meeting",
        "OPD case consultation",
        "All meetings",
    ]
    months = _rows(by_month)
    assert len(months) == 13 + 1  # 13 months and the total
    assert months[f"{start:%b %Y}"] == [1, 1, 0, 1, 0, 3]
    assert months[f"{TODAY:%b %Y}"] == [0, 0, 0, 0, 1, 1]
    assert months["Total"] == [1, 1, 0, 1, 1, 4]
    teams = _rows(data.tables[0])
    # Panels and MAPPA 2/3 meetings held in the period; all meetings held in the period.
    assert teams["Leeds A"][3:5] == [1, 2]
    assert teams["Leeds B"][3:5] == [1, 2]
    assert teams["Total"][3:5] == [2, 4]
    assert "Panels and meetings held by month: bar chart" in data.charts[1]


def test_meeting_actions_overdue_by_team(team, other_team_same_pdu):
    person = _on_licence(team)
    meeting = _meeting(person, 60)
    factories.MeetingActionFactory(meeting=meeting, due_on=TODAY - dt.timedelta(days=10))
    factories.MeetingActionFactory(meeting=meeting, due_on=TODAY - dt.timedelta(days=1))
    factories.MeetingActionFactory(meeting=meeting, due_on=TODAY)  # due today: not overdue
    done = factories.MeetingActionFactory(meeting=meeting, due_on=TODAY - dt.timedelta(days=20))
    done.done_on, done.done_by = TODAY - dt.timedelta(days=2), done.owner
    done.save()
    struck = _meeting(person, 50)
    factories.MeetingActionFactory(meeting=struck, due_on=TODAY - dt.timedelta(days=30))
    _struck_out(struck)
    other = _meeting(_on_licence(other_team_same_pdu), 40, MeetingKind.PROFESSIONALS)
    factories.MeetingActionFactory(
        meeting=other, owner=None, owner_name="Housing officer", due_on=TODAY - dt.timedelta(3)
    )

    rows = _rows(PANEL.compute(Person.objects.all(), _scope()).tables[0])

    assert rows["Leeds A"][5:] == [2, "10 days"]
    assert rows["Leeds B"][5:] == [1, "3 days"]
    assert rows["Total"][5:] == [3, "10 days"]


def test_one_day_overdue_is_singular(team):
    meeting = _meeting(_on_licence(team), 60)
    factories.MeetingActionFactory(meeting=meeting, due_on=TODAY - dt.timedelta(days=1))

    rows = _rows(PANEL.compute(Person.objects.all(), _scope()).tables[0])

    assert rows["Leeds A"][5:] == rows["Total"][5:] == [1, "1 day"]


def test_people_with_no_team_have_their_own_row_last(team):
    person = _on_licence(team)
    Person.objects.filter(pk=person.pk).update(team=None, awaiting_pdu=team.pdu)
    _on_licence(team)

    rows = PANEL.compute(Person.objects.all(), _scope()).tables[0].rows

    assert [row[0] for row in rows] == ["Leeds A", meetings.NO_TEAM, "Total"]


def test_the_panel_has_tables_charts_notes_and_is_registered():
    assert PANELS_BY_SLUG["multi-agency"] is PANEL
    assert PANEL in PANELS and PANEL.title == "Multi-agency management"
    data = PANEL.compute(Person.objects.none(), _scope())
    assert len(data.tables) == 2 and len(data.charts) == 2 and data.notes
    assert all("<svg" in chart for chart in data.charts)
    assert _rows(data.tables[0])["Total"][:3] == [0, 0, "Nobody on licence"]
    assert any("7 of 26" in note and "section 5.1" in note for note in data.notes)


def _populate(team, other_team, n: int) -> None:
    for k in range(n):
        person = _on_licence(team if k % 2 else other_team)
        for kind in MeetingKind.values:
            meeting = _meeting(person, 20 + k, kind)
            factories.MeetingActionFactory(meeting=meeting, due_on=TODAY - dt.timedelta(days=1 + k))
        _struck_out(_meeting(person, 5))


def _count(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


def test_the_query_count_does_not_grow_with_the_data(team, other_team_same_pdu):
    people = Person.objects.all()
    _populate(team, other_team_same_pdu, 1)
    small = _count(lambda: PANEL.compute(people, _scope()))
    _populate(team, other_team_same_pdu, 8)
    large = _count(lambda: PANEL.compute(people, _scope()))

    assert small == large == 3


def _grow(team, practitioner, n: int) -> None:
    for k in range(n):
        person = _on_licence(team)
        factories.AllocationFactory(person=person, practitioner=practitioner)
        meeting = _meeting(person, 15 + k, recorded_by=practitioner)
        factories.MeetingActionFactory(
            meeting=meeting, owner=practitioner, due_on=TODAY - dt.timedelta(days=2)
        )


@pytest.mark.parametrize("persona", ["manager", "ppcs", "admin_user"])
def test_the_htmx_partial_and_csv_work_with_a_fixed_number_of_queries(
    request, team, practitioner, persona
):
    client = client_for(request.getfixturevalue(persona))
    urls = ("/dashboard/panels/multi-agency/", "/dashboard/panels/multi-agency.csv")

    def counts() -> list[int]:
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, HTTP_HX_REQUEST="true")
            assert response.status_code == 200, url
            out.append(len(ctx.captured_queries))
        return out

    _grow(team, practitioner, 2)
    small = counts()
    _grow(team, practitioner, 7)
    assert counts() == small

    partial = client.get(urls[0], HTTP_HX_REQUEST="true").content.decode()
    assert 'id="panel-multi-agency"' in partial and "<html" not in partial
    assert "Multi-agency management by team" in partial
    assert "Panels and meetings held by month: bar chart" in partial
    table = list(csv.reader(io.StringIO(client.get(urls[1]).content.decode())))
    assert table[0][0] == "Team" and table[0][6] == "Meeting actions overdue"
    leeds = [row for row in table if row[0] == "Leeds A"]
    # PPCS see only people with recall or licence termination work: none of these.
    expected = [] if persona == "ppcs" else [["Leeds A", "9", "0", "0.0%", "9", "9", "9", "2 days"]]
    assert leeds == expected


def test_a_manager_of_another_pdu_cannot_choose_this_team(outsider, team):
    response = client_for(outsider).get(
        "/dashboard/panels/multi-agency/", {"scope": "team:leeds-a"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "There is a problem" in html and "your own PDU" in html
    assert response.context["panels"] == [] and "Multi-agency management by team" not in html


def test_the_no_panel_total_links_to_the_people_behind_it(team, other_pdu_team, manager):
    without = _on_licence(team)
    with_panel = _on_licence(team)
    _meeting(with_panel, 30)
    other = _on_licence(other_pdu_team)  # another PDU: not the manager's
    client = client_for(manager)

    data = PANEL.compute(Person.objects.filter(team=team), _scope())
    link = data.tables[0].rows[-1][2]
    assert link.url == reverse("dashboard_no_panel") and link.text == "1" and link.keep_query

    def listed(url: str) -> tuple[str, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return response.content.decode(), len(ctx.captured_queries)

    url = reverse("dashboard_no_panel") + "?scope=team:leeds-a"
    page, small = listed(url)
    assert without.crn in page and with_panel.crn not in page and other.crn not in page
    assert "<title>People on licence with no recent panel \u2013 Dashboard" in page
    assert 'id="result-count">1 person<' in page
    for _ in range(6):
        _on_licence(team)
    page, large = listed(url)
    assert 'id="result-count">7 people<' in page
    assert small == large


def test_the_no_panel_list_refuses_a_scope_outside_the_managers_pdu(manager, other_pdu_team):
    _on_licence(other_pdu_team)
    response = client_for(manager).get(reverse("dashboard_no_panel"), {"scope": "team:wakefield-a"})
    assert response.status_code == 400
    assert "result-count" not in response.content.decode()


def test_each_teams_no_panel_count_links_to_its_people(
    team, other_team_same_pdu, other_pdu_team, manager
):
    leeds_a = _on_licence(team)
    leeds_b = _on_licence(other_team_same_pdu)
    waiting = _on_licence(team)
    Person.objects.filter(pk=waiting.pk).update(team=None, awaiting_pdu=team.pdu)
    wakefield = _on_licence(other_pdu_team)
    client = client_for(manager)

    response = client.get(
        "/dashboard/panels/multi-agency/", {"scope": "pdu:leeds"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    base = reverse("dashboard_no_panel")
    for team_query in ("team=leeds-a", "team=leeds-b", "team=%28none%29"):
        # the dashboard's query string follows the team's with "&"
        assert f'href="{base}?{team_query}&amp;scope=pdu%3Aleeds"' in html
    assert f'href="{base}?scope=pdu%3Aleeds"' in html  # the total

    def crns(query: dict[str, str]) -> set[str]:
        page = client.get(base, query).content.decode()
        return {p.crn for p in (leeds_a, leeds_b, waiting, wakefield) if p.crn in page}

    assert crns({"team": "leeds-a"}) == {leeds_a.crn}
    assert crns({"team": "leeds-b"}) == {leeds_b.crn}
    assert crns({"team": meetings.NO_TEAM_CODE}) == {waiting.crn}
    assert crns({}) == {leeds_a.crn, leeds_b.crn, waiting.crn}
    # A team outside the manager's PDU lists nobody: the list stays within the scope.
    assert crns({"team": "wakefield-a"}) == set()
