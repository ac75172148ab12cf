"""The dashboard's headline figures (issue 16): exact counts for the last four weeks and the four
before, the change between them, the people lists behind each number (same people, same scope)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ippcase.models import Person
from ippcase.reporting import headline
from ippcase.reporting.dashboard import Scope
from ippcase.reporting.panels import caseload as caseload_panels
from recall.models import ActionShortOfRecall, Concern
from tests import factories
from tests.conftest import client_for


def _concern(person: Person, days_ago: int, user, struck: bool = False) -> Concern:
    return Concern.objects.create(
        person=person,
        occurred_on=timezone.localdate() - dt.timedelta(days=days_ago),
        description="Missed appointment",
        source="other",
        recorded_by=user,
        struck_out_at=timezone.now() if struck else None,
        struck_out_reason="Wrong person" if struck else "",
    )


def _recall(person: Person, days_ago: int) -> None:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    release = factories.ReleaseFactory(
        person=person, date=day - dt.timedelta(days=100), prison="HMP Leeds"
    )
    factories.RecallFactory(release=release, recall_date=day, returned_to_custody=day)


def test_period_dates_are_28_days_ending_today_and_the_28_before():
    today = dt.date(2026, 3, 1)
    assert headline.period_dates(today, "current") == (dt.date(2026, 2, 2), today)
    assert headline.period_dates(today, "previous") == (dt.date(2026, 1, 5), dt.date(2026, 2, 1))
    with pytest.raises(ValueError):
        headline.period_dates(today, "next")


def test_headline_counts_people_in_each_period_and_the_change(team, other_pdu_team, practitioner):
    a, b, c = (factories.make_case(team, recalled=False) for _ in range(3))
    outside = factories.make_case(other_pdu_team, recalled=False)
    _concern(a, 0, practitioner)  # today: current
    _concern(a, 3, practitioner)  # same person twice: counted once
    _concern(b, 27, practitioner)  # the first day of the current period
    _concern(c, 28, practitioner)  # the last day of the previous period
    _concern(c, 10, practitioner, struck=True)  # struck out: nowhere
    _concern(outside, 1, practitioner)  # another PDU: not in scope
    _recall(a, 40)
    ActionShortOfRecall.objects.create(
        person=b,
        kind="warning_letter",
        taken_on=timezone.localdate() - dt.timedelta(days=5),
        details="Warned",
        recorded_by=practitioner,
    )
    people = Person.objects.filter(team__pdu=team.pdu)
    figures = {h.figure.slug: h for h in headline.headline_figures(people, timezone.localdate())}
    assert (figures["concerns"].current, figures["concerns"].previous) == (2, 1)
    assert figures["concerns"].change_text == "up 1"
    assert (figures["recalled"].current, figures["recalled"].previous) == (0, 1)
    assert figures["recalled"].change_text == "down 1"
    assert (figures["actions"].current, figures["actions"].previous) == (1, 0)
    assert (figures["released"].current, figures["released"].previous) == (0, 0)
    assert figures["released"].change_text == "no change"


def test_dashboard_shows_each_figure_linking_to_its_people(manager, team, practitioner):
    person = factories.make_case(team, first_name="Ada", last_name="Ash", recalled=False)
    _concern(person, 2, practitioner)
    html = client_for(manager).get(reverse("dashboard")).content.decode()
    assert "The last 4 weeks" in html
    for figure in headline.FIGURES:
        assert f'href="/dashboard/figures/{figure.slug}/"' in html
        assert f'href="/dashboard/figures/{figure.slug}/?period=previous"' in html
    assert "up 1" in html  # concerns: 1 now, 0 before


def test_people_list_is_the_people_the_figure_counts(manager, team, practitioner):
    now = factories.make_case(team, first_name="Now", last_name="Person", recalled=False)
    before = factories.make_case(team, first_name="Before", last_name="Person", recalled=False)
    factories.make_case(team, first_name="Never", last_name="Person", recalled=False)
    _concern(now, 1, practitioner)
    _concern(before, 30, practitioner)
    client = client_for(manager)
    response = client.get(reverse("dashboard_people", args=["concerns"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>People with a new concern, last 4 weeks \u2013 Dashboard" in html
    assert "Now Person" in html and "Before Person" not in html and "Never Person" not in html
    html = client.get(
        reverse("dashboard_people", args=["concerns"]), {"period": "previous"}
    ).content.decode()
    assert "Before Person" in html and "Now Person" not in html


def test_people_list_keeps_to_the_viewers_scope(manager, team, other_pdu_team, practitioner):
    outside = factories.make_case(other_pdu_team, first_name="Out", last_name="Side")
    _concern(outside, 1, practitioner)
    client = client_for(manager)
    html = client.get(reverse("dashboard_people", args=["concerns"])).content.decode()
    assert "Out Side" not in html and "0 people" in html
    # A scope outside the manager's PDU: an error, never the people.
    response = client.get(
        reverse("dashboard_people", args=["concerns"]), {"scope": "pdu:wakefield"}
    )
    assert response.status_code == 400 and "Out Side" not in response.content.decode()


@pytest.mark.parametrize(("slug", "params"), [("nope", {}), ("concerns", {"period": "next"})])
def test_unknown_figure_or_period_is_404(manager, slug, params):
    response = client_for(manager).get(f"/dashboard/figures/{slug}/", params)
    assert response.status_code == 404


def test_people_list_is_forbidden_to_practitioners(practitioner_client):
    assert practitioner_client.get("/dashboard/figures/concerns/").status_code == 403


def test_panel_pages_have_their_panels_name_as_title(manager):
    from ippcase.reporting.panels import PANELS

    titles = set()
    for panel in PANELS:
        html = client_for(manager).get(f"/dashboard/panels/{panel.slug}/").content.decode()
        title = html.split("<title>")[1].split("</title>")[0]
        assert title.startswith(f"{panel.title} \u2013 Dashboard"), title
        titles.add(title)
    assert len(titles) == len(PANELS)


def _people_in_both_periods(team, practitioner, count: int) -> None:
    for n in range(count):
        person = factories.make_case(team, recalled=False)
        factories.AllocationFactory(person=person, practitioner=practitioner)
        _concern(person, n % 56, practitioner)  # both periods once there are 2 or more
        _recall(person, n % 56 + 1)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["manager", "ppcs"])
def test_people_lists_query_counts_do_not_grow_with_the_data(request, team, practitioner, persona):
    client = client_for(request.getfixturevalue(persona))
    urls = [
        f"/dashboard/figures/{slug}/?period={period}&scope=team:leeds-a"
        for slug in ("concerns", "recalled")
        for period in headline.PERIODS
    ]
    _people_in_both_periods(team, practitioner, 30)  # 15 a period: one page
    small = {url: _queries(client, url) for url in urls}
    _people_in_both_periods(team, practitioner, 90)  # several pages
    large = {url: _queries(client, url) for url in urls}
    assert small == large


# --- "Caseload now": each count opens the people behind it ----------------------------------------


def test_caseload_now_counts_link_to_their_people_in_the_same_scope(manager, team):
    factories.make_case(team, recalled=False)
    html = client_for(manager).get("/dashboard/panels/caseload-now/?scope=team:leeds-a").content
    for position in caseload_panels.POSITIONS:
        assert f'href="/dashboard/positions/{position.slug}/?scope=team%3Aleeds-a"' in html.decode()


def test_position_list_is_the_people_the_count_counts(manager, team, other_pdu_team, practitioner):
    on_licence = factories.make_case(team, first_name="On", last_name="Licence", recalled=False)
    concerned = factories.make_case(team, first_name="Has", last_name="Concern", recalled=False)
    _concern(concerned, 2, practitioner)
    outside = factories.make_case(other_pdu_team, first_name="Out", last_name="Side")
    _concern(outside, 2, practitioner)
    counts = {
        label: n
        for label, n in (
            (row[0], int(str(row[1])))
            for row in caseload_panels.CASELOAD_NOW.compute(
                Person.objects.filter(team__pdu=team.pdu), _scope(team)
            )
            .tables[0]
            .rows
        )
    }
    client = client_for(manager)
    html = client.get("/dashboard/positions/recent-concern/").content.decode()
    assert "Has Concern" in html and "On Licence" not in html and "Out Side" not in html
    assert "<title>Caseload now: Concerns recorded in the last 30 days" in html
    assert f"{counts['Concerns recorded in the last 30 days']} person" in html
    html = client.get("/dashboard/positions/on-licence/").content.decode()
    assert "Has Concern" in html and "On Licence" in html and "Out Side" not in html
    assert f"{counts['On licence']} people" in html and on_licence.crn in html
    # Another PDU's scope: the dashboard's error, never its people.
    response = client.get("/dashboard/positions/recent-concern/", {"scope": "pdu:wakefield"})
    assert response.status_code == 400 and "Out Side" not in response.content.decode()
    assert client.get("/dashboard/positions/nope/").status_code == 404


def _scope(team) -> Scope:
    today = timezone.localdate()
    return Scope("pdu", team.pdu.code, today - dt.timedelta(days=365), today, today)


def test_position_list_query_count_does_not_grow_with_the_data(manager, team, practitioner):
    client = client_for(manager)
    url = "/dashboard/positions/in-scope/?scope=team:leeds-a"
    _people_in_both_periods(team, practitioner, 5)
    small = _queries(client, url)
    _people_in_both_periods(team, practitioner, 60)  # several pages
    assert _queries(client, url) == small
