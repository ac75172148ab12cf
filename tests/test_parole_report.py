"""The parole report (issue 5): every figure of parole.report.parole_report against data whose
answer is known, the management command, the page (access, scope, CSV, query count) and the
reusable SVG bar chart."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ippcase.core import charts
from ippcase.models import Person
from parole.models import Adjournment, ParoleReview, RiskAssessedRecallReview, TerminationReferral
from parole.report import financial_year, parole_report, percentage, report_rows
from tests import factories
from tests.conftest import client_for

D = dt.date
RECALLED = D(2021, 6, 1)
REFERRED = D(2021, 6, 15)

EMPTY_TERMINATION = {
    "referred": 0,
    "decided": 0,
    "outcomes": dict.fromkeys(
        ["terminated", "refused_varied", "refused", "adjourned", "oral_hearing"], 0
    ),
    "outcome_percentages": dict.fromkeys(
        ["terminated", "refused_varied", "refused", "adjourned", "oral_hearing"], 0.0
    ),
}


_recall_seq = iter(range(10_000))


def _recall(person, *, returned=None, re_released=None):
    # Each recall ends its own release (Recall is one-to-one with Release).
    n = next(_recall_seq)
    return factories.make_recall(
        person,
        recall_date=RECALLED - dt.timedelta(days=n),
        returned=returned,
        re_released=re_released,
    )


def _review(recall, kind, decided_on=None, outcome="", referred_on=REFERRED):
    return ParoleReview.objects.create(
        recall=recall, kind=kind, referred_on=referred_on, decided_on=decided_on, outcome=outcome
    )


RARR_DECIDED = D(2021, 12, 1)
MID_2022 = D(2022, 6, 1)


def _rarr(recall, outcome, decided_on=RARR_DECIDED):
    return RiskAssessedRecallReview.objects.create(
        recall=recall, decided_on=decided_on, outcome=outcome
    )


def _referral(person, referred_on, decided_on=None, outcome=""):
    return TerminationReferral.objects.create(
        person=person, referred_on=referred_on, decided_on=decided_on, outcome=outcome
    )


# ---------------------------------------------------------------------------------------------
# The selector


def test_financial_year_runs_from_1_april_to_31_march():
    assert financial_year(D(2023, 3, 31)) == "2022/2023"
    assert financial_year(D(2023, 4, 1)) == "2023/2024"
    assert financial_year(D(2022, 4, 1)) == "2022/2023"


def test_empty_report_has_every_key_with_zero_or_null(db):
    assert parole_report() == {
        "period": {"from": None, "to": None},
        "paper_decisions": {},
        "oral_decisions": {},
        "licence_termination": EMPTY_TERMINATION,
        "rarr": {"re_released": 0, "median_days_in_custody": None},
        "re_release": {
            "median_days_in_custody": None,
            "by_route": {"rarr": None, "paper": None, "oral": None},
        },
        "deferrals": {"total": 0, "prisoner_informed": 0, "not_informed": 0},
    }


@pytest.fixture
def decisions(team):
    person = factories.PersonFactory(team=team)
    recall = _recall(person)
    _review(recall, "paper", D(2022, 3, 31), "no_release")  # last day of 2021/2022
    _review(recall, "paper", D(2022, 4, 1), "oral_hearing")  # first day of 2022/2023
    _review(recall, "paper", D(2023, 3, 31), "open_conditions")  # last day of 2022/2023
    _review(recall, "paper", D(2023, 4, 1), "release")  # first day of 2023/2024
    _review(recall, "paper")  # undecided: not counted
    _review(recall, "oral", D(2022, 6, 1), "release")
    _review(recall, "oral", D(2022, 7, 1), "no_release")
    _review(recall, "oral", D(2022, 8, 1), "open_conditions")
    _review(recall, "oral", D(2024, 1, 1), "no_release")
    return person


def test_decisions_are_counted_by_financial_year_of_the_decision(decisions):
    report = parole_report()
    assert report["paper_decisions"] == {
        "2021/2022": {"negative": 1, "oral": 0, "open": 0, "release": 0},
        "2022/2023": {"negative": 0, "oral": 1, "open": 1, "release": 0},
        "2023/2024": {"negative": 0, "oral": 0, "open": 0, "release": 1},
    }
    assert list(report["paper_decisions"]) == ["2021/2022", "2022/2023", "2023/2024"]
    assert report["oral_decisions"] == {
        "2022/2023": {"negative": 1, "open": 1, "release": 1},
        "2023/2024": {"negative": 1, "open": 0, "release": 0},
    }


def test_decisions_date_range_is_inclusive_at_both_ends(decisions):
    report = parole_report(date_from=D(2022, 4, 1), date_to=D(2023, 3, 31))
    assert report["period"] == {"from": "2022-04-01", "to": "2023-03-31"}
    assert report["paper_decisions"] == {
        "2022/2023": {"negative": 0, "oral": 1, "open": 1, "release": 0}
    }
    assert report["oral_decisions"] == {"2022/2023": {"negative": 1, "open": 1, "release": 1}}
    only_from = parole_report(date_from=D(2023, 4, 1))
    assert list(only_from["paper_decisions"]) == ["2023/2024"]
    assert only_from["period"] == {"from": "2023-04-01", "to": None}
    only_to = parole_report(date_to=D(2022, 3, 31))
    assert list(only_to["paper_decisions"]) == ["2021/2022"]
    assert only_to["oral_decisions"] == {}


def test_termination_percentages_round_half_up_to_one_decimal(team):
    person = factories.PersonFactory(team=team)
    day = iter(range(100))
    # 16 decided: 1/16 = 6.25% (float rounding would give 6.2), 3/16 = 18.75%, 5/16 = 31.25%,
    # 7/16 = 43.75%; and two referrals not yet decided.
    for outcome, n in [("terminated", 1), ("refused_varied", 3), ("refused", 5), ("adjourned", 7)]:
        for _ in range(n):
            referred = D(2022, 1, 1) + dt.timedelta(days=next(day))
            _referral(person, referred, referred + dt.timedelta(days=30), outcome)
    _referral(person, D(2023, 1, 1))
    _referral(person, D(2023, 1, 2))
    assert parole_report()["licence_termination"] == {
        "referred": 18,
        "decided": 16,
        "outcomes": {
            "terminated": 1,
            "refused_varied": 3,
            "refused": 5,
            "adjourned": 7,
            "oral_hearing": 0,
        },
        "outcome_percentages": {
            "terminated": 6.3,
            "refused_varied": 18.8,
            "refused": 31.3,
            "adjourned": 43.8,
            "oral_hearing": 0.0,
        },
    }


def test_percentage_of_thirds_and_of_nothing():
    assert percentage(1, 3) == 33.3
    assert percentage(2, 3) == 66.7
    assert percentage(1, 6) == 16.7
    assert percentage(0, 0) == 0.0


def test_termination_referrals_and_decisions_count_by_their_own_dates(team):
    person = factories.PersonFactory(team=team)
    _referral(person, D(2022, 3, 15), D(2022, 4, 10), "terminated")  # decided in, referred out
    _referral(person, D(2022, 5, 1), D(2023, 5, 1), "oral_hearing")  # referred in, decided out
    _referral(person, D(2022, 6, 1), D(2022, 7, 1), "oral_hearing")  # both in
    _referral(person, D(2022, 12, 1))  # referred in, undecided
    term = parole_report(date_from=D(2022, 4, 1), date_to=D(2023, 3, 31))["licence_termination"]
    assert term["referred"] == 3
    assert term["decided"] == 2
    assert term["outcomes"] == {
        "terminated": 1,
        "refused_varied": 0,
        "refused": 0,
        "adjourned": 0,
        "oral_hearing": 1,
    }
    assert term["outcome_percentages"]["terminated"] == 50.0
    assert term["outcome_percentages"]["oral_hearing"] == 50.0
    nothing_decided = parole_report(date_from=D(2022, 11, 1), date_to=D(2022, 12, 31))
    assert nothing_decided["licence_termination"] == {**EMPTY_TERMINATION, "referred": 1}


@pytest.fixture
def re_releases(team):
    """Nine recalls with known routes and days in custody (returned 1 Jan 2022):

    - rarr: 10 days (RARR release); 20 days (RARR release beats a paper release);
      a RARR re-release with no return-to-custody date (counted, no days)
    - oral: 30 days (paper directed an oral hearing, which released); 70 days
    - paper: 41 days (an oral release, then a later paper release: the latest decides);
      50 days
    - no route: 60 days (re-released with no release decision recorded)
    - not re-released: a RARR release and a paper release, but no re-release date
    """
    person = factories.PersonFactory(team=team)
    rtc = D(2022, 1, 1)

    def recall(days, returned=rtc):
        return _recall(person, returned=returned, re_released=rtc + dt.timedelta(days=days))

    _rarr(recall(10), "release")
    r = recall(20)
    _rarr(r, "release")
    _review(r, "paper", D(2021, 12, 20), "release")
    _rarr(recall(15, returned=None), "release")
    r = recall(30)
    _rarr(r, "no_release")
    _review(r, "paper", D(2021, 12, 1), "oral_hearing")
    _review(r, "oral", D(2021, 12, 28), "release")
    _review(recall(70), "oral", D(2022, 3, 1), "release")
    r = recall(41)
    _review(r, "oral", D(2021, 12, 10), "release")
    _review(r, "paper", D(2021, 12, 20), "release")
    _review(recall(50), "paper", D(2022, 2, 1), "release")
    _review(recall(60), "paper", D(2021, 12, 1), "no_release")
    r = _recall(person, returned=rtc)
    _rarr(r, "release")
    _review(r, "paper", D(2021, 12, 20), "release")
    return person


def test_re_release_medians_by_route(re_releases):
    report = parole_report()
    assert report["rarr"] == {"re_released": 3, "median_days_in_custody": 15.0}  # (10+20)/2
    assert report["re_release"] == {
        # 10, 20, 30, 41, 50, 60, 70: an odd count, the middle value
        "median_days_in_custody": 41.0,
        "by_route": {"rarr": 15.0, "paper": 45.5, "oral": 50.0},
    }
    assert isinstance(report["re_release"]["median_days_in_custody"], float)


def test_re_release_is_filtered_by_re_release_date(re_releases):
    # Re-released 11, 16 (no RTC), 21 and 31 January: days 10, 20, 30.
    report = parole_report(date_from=D(2022, 1, 11), date_to=D(2022, 1, 31))
    assert report["rarr"] == {"re_released": 3, "median_days_in_custody": 15.0}
    assert report["re_release"] == {
        "median_days_in_custody": 20.0,
        "by_route": {"rarr": 15.0, "paper": None, "oral": 30.0},
    }


def test_deferrals_told_and_not_told_in_range(team):
    review = _review(_recall(factories.PersonFactory(team=team)), "oral")

    def delay(date, told=None, kind="adjournment"):
        Adjournment.objects.create(
            review=review, kind=kind, date=date, reason="Report missing", prisoner_informed_on=told
        )

    delay(D(2022, 4, 1), told=D(2022, 4, 2))
    delay(D(2022, 5, 1), kind="deferral")
    delay(D(2022, 6, 1), told=D(2022, 6, 1), kind="deferral")
    delay(D(2023, 3, 31))
    delay(D(2023, 4, 1), told=D(2023, 4, 5))  # outside the range below
    assert parole_report()["deferrals"] == {"total": 5, "prisoner_informed": 3, "not_informed": 2}
    assert parole_report(date_from=D(2022, 4, 1), date_to=D(2023, 3, 31))["deferrals"] == {
        "total": 4,
        "prisoner_informed": 2,
        "not_informed": 2,
    }


def _one_of_everything(team, *, decided=MID_2022) -> Person:
    """A person with one figure in every section of the report."""
    person = factories.PersonFactory(team=team)
    referred = decided - dt.timedelta(days=30)
    recall = _recall(person, returned=D(2022, 1, 1), re_released=D(2022, 1, 31))
    review = _review(recall, "paper", decided, "release", referred_on=referred)
    _review(_recall(person), "oral", decided, "no_release", referred_on=referred)
    Adjournment.objects.create(review=review, date=D(2022, 2, 1), reason="Late dossier")
    _referral(person, referred, decided, "refused")
    return person


def test_people_scopes_every_figure(team, other_pdu_team):
    _one_of_everything(team)
    _one_of_everything(other_pdu_team)
    ours = parole_report(people=Person.objects.filter(team=team))
    everyone = parole_report()
    assert ours["paper_decisions"] == {
        "2022/2023": {"negative": 0, "oral": 0, "open": 0, "release": 1}
    }
    assert everyone["paper_decisions"]["2022/2023"]["release"] == 2
    assert ours["oral_decisions"]["2022/2023"]["negative"] == 1
    assert everyone["oral_decisions"]["2022/2023"]["negative"] == 2
    assert ours["licence_termination"]["referred"] == 1
    assert everyone["licence_termination"]["referred"] == 2
    assert ours["licence_termination"]["outcome_percentages"]["refused"] == 100.0
    assert ours["re_release"]["by_route"]["paper"] == 30.0
    assert ours["deferrals"] == {"total": 1, "prisoner_informed": 0, "not_informed": 1}
    assert everyone["deferrals"]["total"] == 2
    assert parole_report(people=Person.objects.none())["deferrals"]["total"] == 0


def test_the_report_runs_a_fixed_number_of_queries(team):
    _one_of_everything(team)
    with CaptureQueriesContext(connection) as small:
        parole_report(people=Person.objects.filter(team=team))
    for _ in range(5):
        _one_of_everything(team, decided=D(2023, 6, 1))
    with CaptureQueriesContext(connection) as large:
        parole_report(people=Person.objects.filter(team=team))
    assert len(small.captured_queries) == len(large.captured_queries) == 4


def test_report_rows_flatten_with_dotted_keys():
    rows = report_rows({"a": {"2022/2023": {"x": 1}}, "b": {"m": None}, "period": {"to": "d"}})
    assert rows == [("a", "2022/2023.x", "1"), ("b", "m", ""), ("period", "to", "d")]


# ---------------------------------------------------------------------------------------------
# The management command


def test_command_prints_the_report_as_sorted_json(decisions):
    out = io.StringIO()
    call_command(
        "parole_report", "--json", "--from", "2022-04-01", "--to", "2023-03-31", stdout=out
    )
    expected = parole_report(date_from=D(2022, 4, 1), date_to=D(2023, 3, 31))
    assert json.loads(out.getvalue()) == expected
    assert out.getvalue() == json.dumps(expected, sort_keys=True, indent=2) + "\n"


def test_command_prints_plain_text_without_json(decisions):
    out = io.StringIO()
    call_command("parole_report", stdout=out)
    text = out.getvalue()
    assert "Paper decisions by financial year" in text
    assert "2021/2022: No release 1" in text
    assert "Median days in custody: No data" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2023-02-31"], "--from '2023-02-31' is not a real date"),
        (["--to", "31/03/2023"], "--to '31/03/2023' is not a real date"),
        (["--from", "2023-04-01", "--to", "2023-03-31"], "--from 2023-04-01 is after --to"),
    ],
)
def test_command_refuses_bad_dates(db, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("parole_report", "--json", *args, stdout=io.StringIO())


# ---------------------------------------------------------------------------------------------
# The page

URL = "/parole/report/"


def test_report_url_name():
    assert reverse("parole:report") == URL


def test_report_needs_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["practitioner", "no_role_user"])
def test_practitioners_and_users_without_a_role_get_403(request, persona):
    assert client_for(request.getfixturevalue(persona)).get(URL).status_code == 403


@pytest.mark.parametrize("persona", ["manager", "senior_manager"])
def test_managers_see_only_their_pdus_figures(
    request, persona, team, other_team_same_pdu, other_pdu_team
):
    _one_of_everything(team)
    _one_of_everything(other_team_same_pdu)
    _one_of_everything(other_pdu_team)
    response = client_for(request.getfixturevalue(persona)).get(URL)
    assert response.status_code == 200
    report = response.context["report"]
    assert report["deferrals"]["total"] == 2
    assert report["licence_termination"]["referred"] == 2
    assert report["paper_decisions"]["2022/2023"]["release"] == 2
    assert b"people in your probation delivery unit" in response.content


@pytest.mark.parametrize("persona", ["ppcs", "admin_user"])
def test_ppcs_and_admins_see_every_figure(request, persona, team, other_pdu_team):
    _one_of_everything(team)
    _one_of_everything(other_pdu_team)
    factories.PersonFactory(team=other_pdu_team)  # no recall work: PPCS still counts it
    response = client_for(request.getfixturevalue(persona)).get(URL)
    assert response.status_code == 200
    assert response.context["report"]["deferrals"]["total"] == 2
    assert response.context["report"]["licence_termination"]["referred"] == 2
    assert b"everyone in the service" in response.content


def test_page_shows_a_chart_and_a_table_per_section(manager, team):
    _one_of_everything(team)
    response = client_for(manager).get(URL)
    html = response.content.decode()
    assert "Parole report" in html
    assert html.count('<svg class="app-bar-chart" role="img"') == 5
    assert html.count('<table class="govuk-table">') == 5
    for chart_id in [
        "paper-chart",
        "oral-chart",
        "termination-chart",
        "re-release-chart",
        "deferrals-chart",
    ]:
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in html
        assert f'<title id="{chart_id}-title">' in html
    assert "<script>" not in html.split("<main")[1].split("</main>")[0]
    assert "<canvas" not in html
    assert 'href="?format=csv"' in html
    assert "Parole report" in html.split('id="navigation"')[1]


def test_page_with_no_data_says_so(manager):
    html = client_for(manager).get(URL).content.decode()
    assert "No paper decisions in this period." in html
    assert "No oral hearing decisions in this period." in html


def test_page_filters_by_the_dates_entered(manager, team):
    _one_of_everything(team, decided=D(2022, 6, 1))
    _one_of_everything(team, decided=D(2023, 6, 1))
    response = client_for(manager).get(
        URL,
        {
            "date_from-day": "1",
            "date_from-month": "4",
            "date_from-year": "2023",
            "date_to-day": "31",
            "date_to-month": "3",
            "date_to-year": "2024",
        },
    )
    report = response.context["report"]
    assert report["period"] == {"from": "2023-04-01", "to": "2024-03-31"}
    assert list(report["paper_decisions"]) == ["2023/2024"]
    assert "from 1 April 2023 to 31 March 2024" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"date_from-day": "31", "date_from-month": "2", "date_from-year": "2023"},
            "The start date must be a real date",
        ),
        (
            {"date_to-day": "1", "date_to-month": "", "date_to-year": "2023"},
            "The end date must include a month",
        ),
        (
            {
                "date_from-day": "2",
                "date_from-month": "4",
                "date_from-year": "2023",
                "date_to-day": "1",
                "date_to-month": "4",
                "date_to-year": "2023",
            },
            "The end date must be the same as or after the start date",
        ),
    ],
)
def test_invalid_dates_show_the_error_summary(manager, params, message):
    response = client_for(manager).get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert message in html
    assert "<title>Error: Parole report" in html
    assert "report" not in response.context or not response.context["report"]


def test_csv_download_has_the_same_figures(manager, team):
    _one_of_everything(team)
    response = client_for(manager).get(
        URL,
        {"format": "csv", "date_from-day": "1", "date_from-month": "4", "date_from-year": "2022"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="parole-report-from-2022-04-01.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "key", "value"]
    assert ["period", "from", "2022-04-01"] in rows
    assert ["period", "to", ""] in rows
    assert ["paper_decisions", "2022/2023.release", "1"] in rows
    assert ["licence_termination", "outcome_percentages.refused", "100.0"] in rows
    assert ["re_release", "by_route.paper", ""] in rows  # re-released 31 Jan 2022: before it
    assert ["rarr", "median_days_in_custody", ""] in rows
    assert ["deferrals", "not_informed", "0"] in rows  # adjourned 1 Feb 2022: before the range
    report = parole_report(people=Person.objects.filter(team=team), date_from=D(2022, 4, 1))
    assert rows[1:] == [list(r) for r in report_rows(report)]


def test_csv_without_dates_is_named_plainly(ppcs):
    response = client_for(ppcs).get(URL + "?format=csv")
    assert response["Content-Disposition"] == 'attachment; filename="parole-report.csv"'


@pytest.mark.parametrize("persona", ["manager", "ppcs"])
def test_page_query_count_does_not_grow_with_the_data(request, persona, team):
    client = client_for(request.getfixturevalue(persona))
    _one_of_everything(team)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for year in range(2015, 2022):
        _one_of_everything(team, decided=D(year, 6, 1))
    assert count() == small


# ---------------------------------------------------------------------------------------------
# The chart


def test_chart_escapes_its_text():
    svg = charts.bar_chart(
        [("<b>year</b>", [1, 2])],
        series=["A & B", "<script>"],
        title="T <x>",
        description='D "q"',
        chart_id="c1",
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&lt;b&gt;year&lt;/b&gt;" in svg
    assert "A &amp; B" in svg
    assert '<title id="c1-title">T &lt;x&gt;</title>' in svg
    assert 'role="img" aria-labelledby="c1-title c1-desc"' in svg


def test_grouped_chart_draws_one_bar_per_value_and_a_key():
    geometry = charts.layout_bar_chart(
        [("2022/2023", [1, 0, 3]), ("2023/2024", [2, None, 4])],
        series=["x", "y", "z"],
        title="t",
        description="d",
        chart_id="g",
    )
    assert len(geometry.bars) == 5  # a None value draws "no data", not a bar
    assert [k.label for k in geometry.key] == ["x", "y", "z"]
    assert max(b.width for b in geometry.bars) == pytest.approx(geometry.ticks[-1].x - 190)
    assert any(t.text == "no data" for t in geometry.texts)
    assert [t.label for t in geometry.ticks] == ["0", "1", "2", "3", "4"]
    fractional = charts.layout_bar_chart(
        [("a", [0.4])], series=["x"], title="t", description="d", chart_id="f"
    )
    assert [t.label for t in fractional.ticks] == ["0", "0.1", "0.2", "0.3", "0.4"]


def test_stacked_chart_draws_one_bar_per_category_with_its_total():
    geometry = charts.layout_bar_chart(
        [("a", [1, 2]), ("b", [3, 0])],
        series=["x", "y"],
        title="t",
        description="d",
        chart_id="s",
        stacked=True,
    )
    assert len(geometry.bars) == 3
    assert {b.y for b in geometry.bars if b.label.startswith("a,")} == {geometry.bars[0].y}
    assert [t.text for t in geometry.texts if t.text in {"3"}]  # both totals are 3
    assert [t.label for t in geometry.ticks] == ["0", "1", "2", "3"]  # whole numbers only


def test_single_series_has_no_key_and_shows_units():
    geometry = charts.layout_bar_chart(
        [("All routes", [35.5])],
        series=["Median"],
        title="t",
        description="d",
        chart_id="u",
        unit="days",
    )
    assert geometry.key == []
    assert any(t.text == "35.5 days" for t in geometry.texts)


def test_nice_ceiling():
    assert [charts.nice_ceiling(v) for v in (0, 1, 3, 7, 11, 26, 240)] == [1, 1, 5, 10, 20, 50, 250]


def test_axis_of_an_empty_or_zero_chart_runs_from_0_to_1():
    geometry = charts.layout_bar_chart(
        [("a", [0])], series=["x"], title="t", description="d", chart_id="z"
    )
    assert [t.label for t in geometry.ticks] == ["0", "1"]


def test_chart_needs_matching_values():
    with pytest.raises(ValueError, match="has 1 values for 2 series"):
        charts.layout_bar_chart(
            [("a", [1])], series=["x", "y"], title="t", description="d", chart_id="e"
        )
