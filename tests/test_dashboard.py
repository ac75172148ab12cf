"""Manager dashboards (issue 6): access and scope, the caseload, deadline and recall panels'
figures, CSV, HTMX partials, a practitioner's caseload, and bounded query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ippcase import vocab
from ippcase.models import Person
from ippcase.reporting.dashboard import Link, Scope
from ippcase.reporting.headline import FIGURES
from ippcase.reporting.panels import PANELS, caseload, deadlines, recalls
from ippcase.reporting.views import default_date_from
from recall.models import ActionShortOfRecall, Concern, RecallRecommendation
from recall.vocab import MeetingKind
from recall.vocab import RecommendationStatus as RS
from tests import factories
from tests.conftest import client_for

TODAY = timezone.localdate


def _caseload_now(user, scope: str | None = None) -> dict[str, int]:
    """The caseload-now panel's rows for ``user`` (label -> people), as its page shows them."""
    params = {"scope": scope} if scope else {}
    response = client_for(user).get("/dashboard/panels/caseload-now/", params)
    assert response.status_code == 200
    rows = response.context["panels"][0]["tables"][0]["rows"]
    return {r[0]["text"]: int(r[1]["text"]) for r in rows}


def _scope(today: dt.date | None = None, **kwargs) -> Scope:
    today = today or timezone.localdate()
    values: dict[str, Any] = {
        "level": "national",
        "code": "",
        "date_from": default_date_from(today),
        "date_to": today,
        "today": today,
    }
    values.update(kwargs)
    return Scope(**values)


def _concern(person, days_ago: int, user, today: dt.date | None = None) -> Concern:
    today = today or timezone.localdate()
    return Concern.objects.create(
        person=person,
        occurred_on=today - dt.timedelta(days=days_ago),
        description="Missed appointment",
        source="other",
        recorded_by=user,
    )


def _recommendation(person, status, user, recall=None) -> RecallRecommendation:
    return RecallRecommendation.objects.create(
        person=person, status=status, created_by=user, recall=recall
    )


def _table(data, caption_start: str):
    return next(t for t in data.tables if t.caption.startswith(caption_start))


# ---------------------------------------------------------------------------------------------
# Panels: exact figures


def test_caseload_now_counts_each_position(team, practitioner):
    def on_licence(**kwargs):
        return factories.make_case(team, recalled=False, **kwargs)

    p1 = on_licence()
    _concern(p1, 10, practitioner)
    _concern(p1, 40, practitioner)  # outside the 30 days: p1 is counted once
    _recommendation(on_licence(), RS.DRAFT, practitioner)
    _recommendation(on_licence(), RS.AWAITING_SPO, practitioner)
    _recommendation(on_licence(), RS.READY, practitioner)
    _recommendation(on_licence(), RS.SUBMITTED, practitioner)
    at_large = on_licence()
    factories.RecallFactory(
        release=at_large.releases.get(), recall_date=dt.date(2020, 1, 1), returned_to_custody=None
    )
    in_custody = on_licence()
    factories.RecallFactory(release=in_custody.releases.get(), recall_date=dt.date(2020, 1, 1))
    factories.PersonFactory(team=team)  # not yet released
    # Released in 2014 and never recalled: the licence ended by law on 1 November 2024.
    factories.make_case(team, recalled=False, released=dt.date(2014, 5, 1))

    data = caseload.CASELOAD_NOW.compute(Person.objects.all(), _scope())
    assert {label: int(str(n)) for label, n in data.tables[0].rows} == {
        "People in scope": 9,
        "On licence": 5,
        "Licence ended (by law or the Parole Board)": 1,
        "Concerns recorded in the last 30 days": 1,
        "Recall being considered (draft recommendation)": 1,
        "Awaiting countersignature (SPO or ACO)": 1,
        "Countersigned, not yet sent to PPCS": 1,
        "Awaiting PPCS": 1,
        "Recalled, not yet in custody": 1,
        "In custody on recall, awaiting re-release review": 1,
    }
    assert len(data.charts) == 1 and "Caseload now: bar chart" in data.charts[0]


def test_at_risk_lists_people_with_concerns_and_no_action_since(
    team, other_team_same_pdu, practitioner
):
    today = timezone.localdate()
    a1 = factories.make_case(team, first_name="Ann", last_name="Able")
    for days in (5, 20, 80):
        _concern(a1, days, practitioner)
    a2 = factories.make_case(team)
    _concern(a2, 10, practitioner)
    ActionShortOfRecall.objects.create(
        person=a2,
        kind="warning_letter",
        taken_on=today - dt.timedelta(days=5),
        details="Letter",
        recorded_by=practitioner,
    )
    a3 = factories.make_case(team, first_name="Bob", last_name="Baker")
    _concern(a3, 30, practitioner)
    _concern(a3, 40, practitioner)
    ActionShortOfRecall.objects.create(
        person=a3,
        kind="warning_letter",
        taken_on=today - dt.timedelta(days=50),  # before the earliest concern: does not count
        details="Letter",
        recorded_by=practitioner,
    )
    _concern(factories.make_case(team), 100, practitioner)  # outside the 90 days
    a5 = factories.make_case(team)
    _concern(a5, 3, practitioner)
    _recommendation(a5, RS.DRAFT, practitioner)  # a recommendation is under way
    a6 = factories.make_case(other_team_same_pdu, first_name="Cat", last_name="Cole")
    _concern(a6, 1, practitioner)

    data = caseload.AT_RISK.compute(Person.objects.all(), _scope())
    people = data.tables[0]
    assert people.caption == "People at risk of recall (3 in all)"
    assert [(str(r[0]), r[1], r[4], r[5]) for r in people.rows] == [
        ("Ann Able", a1.crn, 3, f"{today - dt.timedelta(days=5):%-d %b %Y}"),
        ("Bob Baker", a3.crn, 2, f"{today - dt.timedelta(days=30):%-d %b %Y}"),
        ("Cat Cole", a6.crn, 1, f"{today - dt.timedelta(days=1):%-d %b %Y}"),
    ]
    link = people.rows[0][0]
    assert isinstance(link, Link) and link.url == reverse("person_overview", args=[a1.crn])
    assert list(data.tables[1].rows) == [("Leeds A", 2), ("Leeds B", 1)]


def test_at_risk_lists_only_people_on_licence(team, practitioner):
    """Someone already recalled (at large, or in custody on recall) is past the point of being
    "at risk of recall", whatever their recent concerns; only people on licence are listed."""
    on_licence = factories.make_case(team, first_name="Olive", last_name="Onlicence")
    at_large = factories.make_case(team, recalled=False, first_name="Alan", last_name="Atlarge")
    factories.RecallFactory(
        release=at_large.releases.get(), recall_date=dt.date(2020, 1, 1), returned_to_custody=None
    )
    in_custody = factories.make_case(team, recalled=False, first_name="Ian", last_name="Inside")
    factories.RecallFactory(release=in_custody.releases.get(), recall_date=dt.date(2020, 1, 1))
    for person in (on_licence, at_large, in_custody):
        _concern(person, 5, practitioner)

    data = caseload.AT_RISK.compute(Person.objects.all(), _scope())
    people = data.tables[0]
    assert [str(r[0]) for r in people.rows] == ["Olive Onlicence"]
    assert people.caption == "People at risk of recall (1 in all)"
    assert list(data.tables[1].rows) == [("Leeds A", 1)]


def _tracked_recall(team, user, *, rtc, submitted=None, served=None, status=RS.AUTHORISED):
    person = factories.PersonFactory(team=team)
    recall = factories.make_recall(person, recall_date=rtc, returned=rtc)
    recall.report_submitted_on = submitted
    recall.dossier_served_on = served
    recall.save()
    _recommendation(person, status, user, recall=recall)
    return recall


def test_report_deadlines_with_bank_holidays(team, practitioner):
    today = dt.date(2025, 6, 25)  # a Wednesday; 26 May 2025 was a bank holiday
    # RTC Fri 6 June: due Fri 27 June (this week).
    _tracked_recall(team, practitioner, rtc=dt.date(2025, 6, 6))
    # RTC Mon 19 May: due Tue 10 June (the bank holiday moves it a day), 11 working days late.
    _tracked_recall(team, practitioner, rtc=dt.date(2025, 5, 19))
    # Same RTC, submitted Thu 12 June: 2 working days late.
    _tracked_recall(team, practitioner, rtc=dt.date(2025, 5, 19), submitted=dt.date(2025, 6, 12))
    # RTC Mon 2 June: due Mon 23 June, submitted that day (on time), dossier served.
    _tracked_recall(
        team,
        practitioner,
        rtc=dt.date(2025, 6, 2),
        submitted=dt.date(2025, 6, 23),
        served=dt.date(2025, 6, 20),
    )
    # Not tracked: imported from history (no recommendation), and rescinded.
    factories.make_recall(
        factories.PersonFactory(team=team), recall_date=dt.date(2025, 5, 19), returned=None
    )
    untracked = factories.make_recall(
        factories.PersonFactory(team=team),
        recall_date=dt.date(2025, 5, 19),
        returned=dt.date(2025, 5, 19),
    )
    assert untracked.recommendation if hasattr(untracked, "recommendation") else True
    _tracked_recall(team, practitioner, rtc=dt.date(2025, 5, 20), status=RS.RESCINDED)

    data = deadlines.REPORT_DEADLINES.compute(Person.objects.all(), _scope(today))
    assert dict(data.tables[0].rows) == {
        "Reports due this week, not yet submitted": 1,
        "Reports overdue today": 1,
        "Reports submitted in the period": 2,
        "Reports submitted late in the period": 1,
        "Dossiers not yet served on the prisoner": 3,
    }
    assert dict(data.tables[1].rows) == {
        "Reports submitted late in the period": "2",
        "Reports overdue today": "11",
    }


def test_weighted_median():
    assert deadlines.weighted_median([]) is None
    assert deadlines.weighted_median([(3, 1)]) == 3
    assert deadlines.weighted_median([(1, 2), (10, 1)]) == 1
    assert deadlines.weighted_median([(1, 1), (4, 1)]) == 2.5


def test_recalls_over_time_by_month_with_reasons_and_criteria(team):
    def recall(day, reasons, criteria):
        r = factories.make_recall(factories.PersonFactory(team=team), recall_date=day)
        r.reasons, r.criteria = reasons, criteria
        r.save()

    recall(dt.date(2025, 1, 15), ["non_compliance", "drugs_alcohol"], ["i"])
    recall(dt.date(2025, 1, 20), ["further_charge"], ["ii", "iii"])
    recall(dt.date(2025, 3, 3), ["non_compliance"], ["iv"])
    recall(dt.date(2024, 12, 31), ["non_compliance"], ["i"])  # before the range

    scope = _scope(dt.date(2025, 6, 1), date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 3, 31))
    data = recalls.RECALLS_OVER_TIME.compute(Person.objects.all(), scope)
    reasons, criteria = data.tables
    assert reasons.columns[:2] == ("Month", "Recalls")
    by_month = {row[0]: row[1:] for row in reasons.rows}
    # Recalls, then: further charge, non-compliance, failed to reside, poor behaviour,
    # drugs or alcohol, failed to keep in touch, other.
    assert by_month == {
        "Jan 2025": (2, 1, 1, 0, 0, 1, 0, 0),
        "Feb 2025": (0, 0, 0, 0, 0, 0, 0, 0),
        "Mar 2025": (1, 0, 1, 0, 0, 0, 0, 0),
        "Total": (3, 1, 2, 0, 0, 1, 0, 0),
    }
    assert {row[0]: row[1:] for row in criteria.rows} == {
        "Jan 2025": (2, 1, 1, 1, 0),
        "Feb 2025": (0, 0, 0, 0, 0),
        "Mar 2025": (1, 0, 0, 0, 1),
        "Total": (3, 1, 1, 1, 1),
    }
    assert len(data.charts) == 2


# ---------------------------------------------------------------------------------------------
# Access and scope


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_practitioner_gets_403(practitioner_client):
    assert practitioner_client.get(reverse("dashboard")).status_code == 403
    assert practitioner_client.get("/dashboard/panels/caseload-now/").status_code == 403
    assert practitioner_client.get("/dashboard/panels/caseload-now.csv").status_code == 403


def test_manager_sees_their_pdu_by_default_and_only_its_choices(
    manager, team, other_team_same_pdu, other_pdu_team, practitioner
):
    factories.make_case(team)
    factories.make_case(other_pdu_team)
    response = client_for(manager).get(reverse("dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="pdu:leeds" selected' in html
    assert 'value="team:leeds-b"' in html
    assert f'value="practitioner:{practitioner.username}"' in html
    assert "wakefield" not in html and 'value="national"' not in html
    assert "Showing <strong>PDU: Leeds</strong>" in html
    assert _caseload_now(manager)["People in scope"] == 1  # one person in the PDU
    assert "Dashboard" in html and reverse("dashboard") in html  # the navigation item


@pytest.mark.parametrize(
    "scope", ["pdu:wakefield", "team:wakefield-a", "national", "region:anything", "nonsense"]
)
def test_manager_scope_outside_their_pdu_is_an_error_without_figures(
    manager, other_pdu_team, scope
):
    factories.make_case(other_pdu_team)
    response = client_for(manager).get(reverse("dashboard"), {"scope": scope})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and "your own PDU" in html
    assert response.context["panels"] == []
    assert "panel-caseload-now" not in html
    csv_response = client_for(manager).get("/dashboard/panels/caseload-now.csv", {"scope": scope})
    assert csv_response.status_code == 400
    assert csv_response["Content-Type"].startswith("text/html")


def test_ppcs_sees_national_figures_by_default(ppcs, team, other_pdu_team, practitioner):
    for t in (team, other_pdu_team):
        person = factories.make_case(t)
        _recommendation(person, RS.SUBMITTED, practitioner)
    response = client_for(ppcs).get(reverse("dashboard"))
    html = response.content.decode()
    assert 'value="national" selected' in html and 'value="pdu:wakefield"' in html
    rows = _caseload_now(ppcs)
    assert rows["People in scope"] == 2 and rows["Awaiting PPCS"] == 2
    assert _caseload_now(ppcs, scope="team:wakefield-a")["People in scope"] == 1


def test_figures_are_limited_to_people_the_user_can_see(ppcs, team):
    factories.PersonFactory(team=team)  # no PPCS work (never released): PPCS cannot see them
    assert _caseload_now(ppcs)["People in scope"] == 0


def test_practitioner_scope_counts_their_allocated_people(manager, team, practitioner):
    mine = factories.make_case(team)
    factories.AllocationFactory(person=mine, practitioner=practitioner)
    factories.make_case(team)
    scope = f"practitioner:{practitioner.username}"
    assert _caseload_now(manager, scope=scope)["People in scope"] == 1
    response = client_for(manager).get(reverse("dashboard"), {"scope": scope})
    html = response.content.decode()
    assert reverse("dashboard_practitioner", args=[practitioner.username]) in html


def test_bad_dates_give_an_error(manager):
    response = client_for(manager).get(
        reverse("dashboard"),
        {
            "date_from-day": "31",
            "date_from-month": "2",
            "date_from-year": "2025",
        },
    )
    assert "The start date must be a real date" in response.content.decode()
    assert response.context["panels"] == []


def test_date_range_defaults_to_the_last_twelve_months(manager):
    board = client_for(manager).get(reverse("dashboard")).context["board"]
    today = timezone.localdate()
    assert board.scope.date_to == today
    assert board.scope.date_from == default_date_from(today)
    assert default_date_from(dt.date(2025, 6, 25)) == dt.date(2024, 6, 26)
    assert default_date_from(dt.date(2024, 2, 29)) == dt.date(2023, 3, 1)


# ---------------------------------------------------------------------------------------------
# Panels alone, HTMX and CSV


def test_panel_endpoint_returns_the_partial_for_htmx_and_the_page_otherwise(manager, team):
    factories.make_case(team)
    client = client_for(manager)
    partial = client.get("/dashboard/panels/caseload-now/", HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert partial.status_code == 200
    assert html.lstrip().startswith("{#") is False and "<html" not in html
    assert 'id="panel-caseload-now"' in html and 'id="panel-at-risk"' not in html
    full = client.get("/dashboard/panels/caseload-now/")
    html = full.content.decode()
    assert "<html" in html and 'id="panel-caseload-now"' in html
    assert 'id="panel-at-risk"' not in html and "Show every panel" in html


def test_dashboard_htmx_request_returns_the_results_region(manager, team):
    response = client_for(manager).get(
        reverse("dashboard"), {"scope": "team:leeds-a"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html and html.strip().startswith('<div id="dashboard-results">')
    assert all(f'id="panel-{p.slug}"' in html for p in PANELS)
    assert 'hx-get="/dashboard/panels/caseload-now/?scope=team%3Aleeds-a"' in html


def test_dashboard_page_loads_each_panel_separately(manager, team):
    """The page computes no panel: each is a placeholder that HTMX fetches on load, and that
    links to the panel's own page and CSV for browsers without JavaScript."""
    factories.make_case(team)
    response = client_for(manager).get(reverse("dashboard"), {"scope": "pdu:leeds"})
    html = response.content.decode()
    assert response.context["panels"] == []
    for panel in PANELS:
        url = f"/dashboard/panels/{panel.slug}/?scope=pdu%3Aleeds"
        assert f'hx-get="{url}" hx-trigger="load" hx-swap="outerHTML"' in html
        assert f'href="{url}"' in html
    assert "People in scope" not in html  # no figures until a panel loads


def test_unknown_panel_is_404(manager):
    assert client_for(manager).get("/dashboard/panels/nope/").status_code == 404
    assert client_for(manager).get("/dashboard/panels/nope.csv").status_code == 404


def test_panel_csv_is_one_plain_table_header_row_first(manager, team):
    factories.make_case(team)
    dates = {
        "date_from-day": "1",
        "date_from-month": "1",
        "date_from-year": "2025",
        "date_to-day": "31",
        "date_to-month": "3",
        "date_to-year": "2025",
    }
    client = client_for(manager)
    response = client.get("/dashboard/panels/report-deadlines.csv", dates)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="dashboard-report-deadlines-1-2025-01-01-to-2025-03-31.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # No title line: the header row first, then only rows of the same width.
    assert rows[0] == ["Measure", "Recalls"]
    assert rows[1] == ["Reports due this week, not yet submitted", "0"]
    assert [] not in rows
    assert {len(row) for row in rows} == {2}
    second = client.get("/dashboard/panels/report-deadlines.csv", {**dates, "table": "2"})
    rows = list(csv.reader(io.StringIO(second.content.decode())))
    assert rows[0] == ["Reports", "Median working days late"]
    assert ["Reports submitted late in the period", "None"] in rows
    assert "report-deadlines-2-" in second["Content-Disposition"]


@pytest.mark.parametrize("table", ["0", "3", "x", "-1"])
def test_panel_csv_of_a_table_the_panel_does_not_have_is_404(manager, table):
    response = client_for(manager).get("/dashboard/panels/report-deadlines.csv", {"table": table})
    assert response.status_code == 404


def test_csv_zip_has_every_table_of_every_panel_as_a_plain_csv(manager, team):
    factories.make_case(team)
    response = client_for(manager).get(reverse("dashboard_csv_zip"), {"scope": "pdu:leeds"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="dashboard-')
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        assert "caseload-now.csv" in names
        assert "report-deadlines-1.csv" in names and "report-deadlines-2.csv" in names
        for panel in PANELS:
            assert any(n.startswith(panel.slug) for n in names), panel.slug
        caseload = list(csv.reader(io.StringIO(archive.read("caseload-now.csv").decode())))
    assert caseload[0][0] != "" and len(caseload[0]) > 1  # a header row, not a title line
    assert caseload[1][0] == "People in scope"


def test_csv_zip_outside_the_users_scope_is_400_and_has_no_figures(manager):
    response = client_for(manager).get(reverse("dashboard_csv_zip"), {"scope": "national"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_csv_links_keep_the_text_only(manager, team, practitioner):
    person = factories.make_case(team, first_name="Dee", last_name="Dunn")
    _concern(person, 2, practitioner)
    response = client_for(manager).get("/dashboard/panels/at-risk.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][:2] == ["Dee Dunn", person.crn]


def test_every_panel_has_a_download_link(manager):
    html = client_for(manager).get(reverse("dashboard"), {"scope": "pdu:leeds"}).content.decode()
    for panel in PANELS:
        assert f'href="/dashboard/panels/{panel.slug}.csv?scope=pdu%3Aleeds"' in html
    assert 'href="/dashboard/figures.zip?scope=pdu%3Aleeds"' in html


# ---------------------------------------------------------------------------------------------
# A practitioner's caseload


def test_practitioner_caseload_shows_the_caseload_badges(manager, team, practitioner):
    today = timezone.localdate()
    person = factories.make_case(team, recalled=False, first_name="Eve", last_name="Evans")
    factories.AllocationFactory(person=person, practitioner=practitioner)
    recall = factories.RecallFactory(
        release=person.releases.get(),
        recall_date=today - dt.timedelta(days=40),
        returned_to_custody=today - dt.timedelta(days=40),
    )
    _recommendation(person, RS.AUTHORISED, manager, recall=recall)
    other = factories.make_case(team, recalled=False, first_name="Fay", last_name="Fox")
    _recommendation(other, RS.AWAITING_SPO, practitioner)
    factories.AllocationFactory(person=other, practitioner=practitioner)
    factories.make_case(team, first_name="Not", last_name="Mine")

    response = client_for(manager).get(
        reverse("dashboard_practitioner", args=[practitioner.username])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Eve Evans" in html and "Fay Fox" in html and "Not Mine" not in html
    assert "In custody on recall" in html
    assert "Overdue" in html  # the report deadline badge
    assert "Awaiting SPO countersignature" in html
    assert "2 people allocated now" in html


def test_practitioner_caseload_outside_the_pdu_is_404(manager, outsider, ppcs):
    url = reverse("dashboard_practitioner", args=[outsider.username])
    assert client_for(manager).get(url).status_code == 404
    assert (
        client_for(manager).get(reverse("dashboard_practitioner", args=["nobody"])).status_code
        == 404
    )
    assert client_for(ppcs).get(url).status_code == 200


def test_practitioner_caseload_is_forbidden_to_practitioners(practitioner_client, practitioner):
    url = reverse("dashboard_practitioner", args=[practitioner.username])
    assert practitioner_client.get(url).status_code == 403


def test_caseload_still_uses_the_shared_table(practitioner_client, team):
    factories.make_case(team, first_name="Gil", last_name="Green")
    html = practitioner_client.get(reverse("caseload")).content.decode()
    assert "People on your caseload" in html and "Gil Green" in html


# ---------------------------------------------------------------------------------------------
# Query counts: the same at two data sizes


def _grow(team, other_team, practitioner, count: int) -> None:
    today = timezone.localdate()
    for n in range(count):
        person = factories.make_case(team if n % 2 else other_team, recalled=False)
        factories.AllocationFactory(person=person, practitioner=practitioner)
        release = person.releases.get()
        _concern(person, n % 60 + 1, practitioner)
        _concern(person, n % 80 + 2, practitioner)
        if n % 3 == 0:
            rtc = today - dt.timedelta(days=n * 7 + 3)
            recall = factories.RecallFactory(
                release=release,
                recall_date=rtc,
                returned_to_custody=rtc,
                report_submitted_on=rtc + dt.timedelta(days=25) if n % 2 else None,
            )
            _recommendation(person, RS.AUTHORISED, practitioner, recall=recall)
        elif n % 3 == 1:
            _recommendation(person, RS.DRAFT, practitioner)
        # Multi-agency panels and meetings (issue 19), some with an action now overdue.
        if n % 2 == 0:
            meeting = factories.MeetingFactory(
                person=person,
                held_on=today - dt.timedelta(days=n * 9 + 5),
                kind=MeetingKind.values[n % len(MeetingKind.values)],
                recorded_by=practitioner,
            )
            factories.MeetingActionFactory(
                meeting=meeting, owner=practitioner, due_on=today - dt.timedelta(days=n % 5 + 1)
            )


def _count(client, url: str, **extra) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


URLS = [
    "/dashboard/",
    "/dashboard/?scope=team:leeds-a",
    f"/dashboard/?scope=practitioner:{'practitioner'}",
    *(f"/dashboard/panels/{p.slug}/" for p in PANELS),
    *(f"/dashboard/panels/{p.slug}.csv" for p in PANELS),
    "/dashboard/panels/recalls-over-time.csv?table=2",
    "/dashboard/figures.zip",
    *(f"/dashboard/figures/{f.slug}/" for f in FIGURES),
    # The previous period: tests/test_dashboard_headline.py (an empty list is a query fewer).
]


@pytest.mark.parametrize("persona", ["manager", "ppcs"])
def test_dashboard_query_counts_do_not_grow_with_the_data(
    request, team, other_team_same_pdu, practitioner, persona
):
    client = client_for(request.getfixturevalue(persona))
    _grow(team, other_team_same_pdu, practitioner, 3)
    small = {url: _count(client, url) for url in URLS}
    small["htmx"] = _count(client, "/dashboard/panels/at-risk/", HTTP_HX_REQUEST="true")
    _grow(team, other_team_same_pdu, practitioner, 30)
    large = {url: _count(client, url) for url in URLS}
    large["htmx"] = _count(client, "/dashboard/panels/at-risk/", HTTP_HX_REQUEST="true")
    assert small == large


def test_practitioner_caseload_query_count_does_not_grow(
    manager, team, other_team_same_pdu, practitioner
):
    client = client_for(manager)
    url = reverse("dashboard_practitioner", args=[practitioner.username])
    _grow(team, other_team_same_pdu, practitioner, 3)
    small = _count(client, url)
    _grow(team, other_team_same_pdu, practitioner, 30)
    assert _count(client, url) == small


def test_roles_for_the_dashboard_permission(
    manager, senior_manager, ppcs, admin_user, practitioner
):
    assert manager.has_perm("ippcase.view_dashboard")
    assert senior_manager.has_perm("ippcase.view_dashboard")
    assert ppcs.has_perm("ippcase.view_dashboard")
    assert admin_user.has_perm("ippcase.view_dashboard")
    assert not practitioner.has_perm("ippcase.view_dashboard")
    assert vocab.Role.PRACTITIONER in practitioner.roles
