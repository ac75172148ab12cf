"""Dashboard panels (issue 6): community, continuity, parole and proportionality. Each panel's
figures against data whose answer is known, its boundaries, its scoping to ``people`` and a
query count that does not grow with the data."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ippcase import vocab
from ippcase.cases.selectors import coms_since_latest_release
from ippcase.models import Person
from ippcase.reporting.dashboard import Link, PanelData, Scope, Table
from ippcase.reporting.panels import PANELS_BY_SLUG, community, continuity, parole, proportionality
from parole.models import Adjournment, ParoleReview, RiskAssessedRecallReview, TerminationReferral
from recall.models import RecallRecommendation
from recall.rules import RULES
from tests import factories

D = dt.date
LONDON = zoneinfo.ZoneInfo("Europe/London")
SCOPE = Scope(
    level="national", code="", date_from=D(2023, 4, 1), date_to=D(2024, 3, 31), today=D(2024, 6, 1)
)

pytestmark = pytest.mark.django_db


def _people(team) -> object:
    return Person.objects.filter(team=team)


def _rows(table: Table) -> dict[str, list[object]]:
    """The table's rows by their first cell (the row header)."""
    return {str(row[0]): list(row[1:]) for row in table.rows}


def _assert_panel_shape(data: PanelData) -> None:
    assert data.tables and data.charts and data.notes
    for chart in data.charts:
        assert chart.startswith("<svg") or "<svg" in chart


def _person(team, **kwargs):
    return factories.PersonFactory(team=team, **kwargs)


def _recall(person, released: dt.date, recalled: dt.date, **kwargs):
    release = factories.ReleaseFactory(person=person, date=released)
    return factories.RecallFactory(release=release, recall_date=recalled, **kwargs)


def _count_queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


# ---------------------------------------------------------------------------------------------
# Community


def test_community_time_in_community_buckets_by_whole_months_within_the_range(team, other_pdu_team):
    cases = [
        (D(2023, 1, 31), D(2023, 4, 30)),  # 2 months 30 days: less than 3 months
        (D(2023, 2, 1), D(2023, 5, 1)),  # exactly 3 months
        (D(2022, 4, 1), D(2023, 4, 1)),  # exactly 12 months, recalled on date_from
        (D(2022, 3, 31), D(2024, 3, 31)),  # exactly 2 years, recalled on date_to
        (D(2018, 6, 1), D(2023, 6, 1)),  # exactly 5 years
        (D(2018, 6, 2), D(2023, 6, 1)),  # 4 years 11 months 30 days
    ]
    for released, recalled in cases:
        _recall(_person(team), released, recalled)
    outside_range = _person(team)
    _recall(outside_range, D(2023, 1, 1), D(2023, 3, 31))  # the day before date_from
    _recall(outside_range, D(2023, 6, 1), D(2024, 4, 1))  # the day after date_to
    _recall(_person(other_pdu_team), D(2023, 1, 1), D(2023, 6, 1))  # not in people

    counts = community.time_in_community(_people(team), SCOPE)

    assert counts == {"lt_3m": 1, "3m_12m": 1, "12m_2y": 1, "2y_5y": 2, "5y_plus": 1}


def test_community_recalls_per_person_counts_people_with_at_least_one_recall(team, other_pdu_team):
    for n_recalls, n_people in ((1, 3), (2, 1), (3, 1), (5, 1), (7, 1)):
        for _ in range(n_people):
            person = _person(team)
            for k in range(n_recalls):
                _recall(person, D(2010 + k, 1, 1), D(2010 + k, 6, 1))
    factories.ReleaseFactory(person=_person(team))  # released, never recalled: not counted
    _person(team)  # never released
    outsider = _person(other_pdu_team)
    _recall(outsider, D(2010, 1, 1), D(2010, 6, 1))

    counts = community.recalls_per_person(_people(team))

    assert counts == {"1": 3, "2": 1, "3": 1, "4": 0, "5_plus": 2}


@pytest.mark.parametrize(
    ("years", "months", "days", "band"),
    [
        (0, 0, 0, "lt_2y"),
        (1, 11, 30, "lt_2y"),  # from 1 January 2008: ends 31 December 2009
        (1, 11, 31, "2y_4y"),  # ends 1 January 2010: exactly 2 years on the calendar
        (2, 0, 0, "2y_4y"),
        (4, 0, 0, "2y_4y"),
        (4, 0, 1, "4y_6y"),
        (5, 11, 0, "4y_6y"),
        (6, 0, 0, "4y_6y"),
        (6, 0, 1, "6y_10y"),
        (10, 0, 0, "6y_10y"),
        (10, 0, 1, "gt_10y"),
        (9, 11, 365, "gt_10y"),
    ],
)
def test_community_tariff_bands_compare_exactly_on_the_calendar(team, years, months, days, band):
    person = _person(team)
    factories.SentenceFactory(
        person=person,
        sentence_date=D(2008, 1, 1),
        tariff_years=years,
        tariff_months=months,
        tariff_days=days,
    )

    counts = community.tariff_bands(_people(team))

    assert counts == {key: int(key == band) for key, _ in community.TARIFF_BANDS}


def test_community_tariff_bands_count_only_people_in_scope_with_a_sentence(team, other_pdu_team):
    for years in (1, 3, 3, 12):
        factories.SentenceFactory(person=_person(team), tariff_years=years)
    _person(team)  # no sentence recorded
    factories.SentenceFactory(person=_person(other_pdu_team), tariff_years=1)

    counts = community.tariff_bands(_people(team))

    assert counts == {"lt_2y": 1, "2y_4y": 2, "4y_6y": 0, "6y_10y": 0, "gt_10y": 1}


def test_community_panel_shows_the_same_numbers_in_tables_and_charts(team):
    person = _person(team)
    factories.SentenceFactory(person=person, tariff_years=3)
    _recall(person, D(2023, 1, 31), D(2023, 4, 30))

    data = community.COMMUNITY.compute(_people(team), SCOPE)

    _assert_panel_shape(data)
    assert len(data.charts) == len(data.tables) == 3
    time, per_person, tariff = (_rows(t) for t in data.tables)
    assert time["Less than 3 months"] == [1]  # the cohort report's labels
    assert time["Total"] == [1]
    assert per_person["One recall"] == [1]
    assert tariff["2 years to 4 years inclusive"] == [1]
    assert "Less than 3 months" in data.charts[0]


# ---------------------------------------------------------------------------------------------
# Continuity


def _allocate(person, practitioner, start, end=None):
    return factories.AllocationFactory(
        person=person, practitioner=practitioner, start_date=start, end_date=end
    )


def test_continuity_counts_three_or_more_coms_since_the_latest_release(team, other_pdu_team):
    u1, u2, u3, u4 = (factories.UserFactory(team=team) for _ in range(4))
    released = D(2020, 1, 1)

    def released_person(**kwargs):
        person = _person(team, **kwargs)
        factories.ReleaseFactory(person=person, date=D(2015, 1, 1))
        factories.ReleaseFactory(person=person, date=released)
        return person

    # Ended before the latest release (not counted), ended on its day, later, current: 3.
    three = released_person(last_name="Aaron")
    _allocate(three, u1, D(2015, 1, 1), D(2019, 12, 31))
    _allocate(three, u2, D(2016, 1, 1), released)
    _allocate(three, u3, D(2020, 1, 2), D(2021, 1, 1))
    _allocate(three, u4, D(2021, 1, 2))
    # The same, but the second COM left the day before the release: 2.
    two = released_person(last_name="Baker")
    _allocate(two, u1, D(2015, 1, 1), D(2019, 12, 31))
    _allocate(two, u2, D(2016, 1, 1), D(2019, 12, 31))
    _allocate(two, u3, D(2020, 1, 2), D(2021, 1, 1))
    _allocate(two, u4, D(2021, 1, 2))
    # The same COM twice counts once: 2.
    repeat = released_person(last_name="Carter")
    _allocate(repeat, u1, D(2020, 2, 1), D(2020, 3, 1))
    _allocate(repeat, u2, D(2020, 3, 2), D(2020, 4, 1))
    _allocate(repeat, u1, D(2020, 4, 2))
    # Never released: every allocation counts: 4.
    never = _person(team, last_name="Davies")
    for n, user in enumerate((u1, u2, u3)):
        _allocate(never, user, D(2010 + n, 1, 1), D(2010 + n, 6, 1))
    _allocate(never, u4, D(2014, 1, 1))
    outsider = _person(other_pdu_team)
    for n, user in enumerate((u1, u2, u3)):
        _allocate(outsider, user, D(2010 + n, 1, 1), D(2010 + n, 6, 1))

    count, listed = continuity.com_changes(_people(team))

    assert count == 2
    assert [(p.crn, p.coms_since_release) for p in listed] == [(never.crn, 4), (three.crn, 3)]
    # The same definition as the case overview's warning.
    for person in Person.objects.filter(team=team).prefetch_related("releases", "allocations"):
        expected = coms_since_latest_release(person)
        annotated = continuity.with_coms_since_release(_people(team)).get(pk=person.pk)
        assert annotated.coms_since_release == expected


def test_continuity_lists_mappa_level_1_with_high_or_very_high_rosh(team, other_pdu_team):
    def mappa(level, rosh, **kwargs):
        return _person(team, mappa_category=1, mappa_level=level, rosh_level=rosh, **kwargs)

    high = mappa(1, vocab.RoshLevel.HIGH, last_name="Adams")
    very_high = mappa(1, vocab.RoshLevel.VERY_HIGH, last_name="Young")
    mappa(1, vocab.RoshLevel.MEDIUM)
    mappa(2, vocab.RoshLevel.HIGH)
    _person(team, rosh_level=vocab.RoshLevel.VERY_HIGH)  # not MAPPA managed
    _person(other_pdu_team, mappa_category=1, mappa_level=1, rosh_level=vocab.RoshLevel.HIGH)

    count, listed = continuity.mappa_1_high_rosh(_people(team))

    assert count == 2
    assert listed == [very_high, high]


def test_continuity_panel_tables_link_each_name_to_the_case(team):
    person = _person(
        team, first_name="Ann", last_name="Lee", mappa_category=1, mappa_level=1,
        rosh_level=vocab.RoshLevel.VERY_HIGH,
    )  # fmt: skip

    data = continuity.CONTINUITY.compute(_people(team), SCOPE)

    _assert_panel_shape(data)
    summary, coms, mappa = data.tables
    assert _rows(summary) == {
        "Three or more COMs since release": [0],
        "MAPPA level 1 with high or very high RoSH": [1],
    }
    assert coms.rows == []
    [row] = mappa.rows
    url = reverse("person_overview", args=[person.crn])
    assert row[0] == Link(text="Ann Lee", url=url)
    assert row[1:] == [person.crn, team.name, "Level 1", "Very high"]


def test_continuity_lists_at_most_fifty_people_and_says_so(team):
    for _ in range(continuity.LIST_LIMIT + 1):
        _person(team, mappa_category=1, mappa_level=1, rosh_level=vocab.RoshLevel.HIGH)

    data = continuity.CONTINUITY.compute(_people(team), SCOPE)

    mappa = data.tables[2]
    assert len(mappa.rows) == continuity.LIST_LIMIT
    assert mappa.caption.endswith("(first 50 of 51)")
    assert _rows(data.tables[0])["MAPPA level 1 with high or very high RoSH"] == [51]


# ---------------------------------------------------------------------------------------------
# Parole


def _review(recall, **kwargs):
    kwargs.setdefault("kind", "paper")
    kwargs.setdefault("referred_on", recall.returned_to_custody or recall.recall_date)
    return ParoleReview.objects.create(recall=recall, **kwargs)


def test_parole_panel_figures(team, other_pdu_team):
    a, b, c, d, e = (_person(team, last_name=name) for name in "ABCDE")
    # Awaiting re-release today (1 June 2024): 31 and 61 days in custody so far.
    waiting_a = _recall(a, D(2024, 1, 1), D(2024, 5, 1), returned_to_custody=D(2024, 5, 1))
    _recall(b, D(2024, 1, 1), D(2024, 4, 1), returned_to_custody=D(2024, 4, 1))
    _recall(c, D(2024, 1, 1), D(2024, 5, 20), returned_to_custody=None)  # at large
    # Re-released in the range after a RARR: 184 days; re-released after the range: not counted.
    rarr = _recall(
        d, D(2022, 1, 1), D(2023, 5, 1), returned_to_custody=D(2023, 5, 1),
        re_released_on=D(2023, 11, 1),
    )  # fmt: skip
    RiskAssessedRecallReview.objects.create(
        recall=rarr, decided_on=D(2023, 10, 25), outcome="release"
    )
    late = _recall(
        e, D(2022, 1, 1), D(2023, 5, 1), returned_to_custody=D(2023, 5, 2),
        re_released_on=D(2024, 4, 1),
    )  # fmt: skip
    RiskAssessedRecallReview.objects.create(
        recall=late, decided_on=D(2024, 3, 30), outcome="release"
    )
    # Delays: one untold for weeks (listed), one too recent, one told, one on a closed recall.
    review = _review(waiting_a)
    untold = Adjournment.objects.create(
        review=review, kind="deferral", date=D(2024, 5, 10), reason="x"
    )
    Adjournment.objects.create(review=review, date=D(2024, 5, 30), reason="too recent")
    Adjournment.objects.create(
        review=review, date=D(2024, 5, 12), reason="told", prisoner_informed_on=D(2024, 5, 13)
    )
    Adjournment.objects.create(review=_review(rarr), date=D(2023, 6, 1), reason="closed recall")
    # Licence termination: two referred in the range, one decided in it (terminated).
    TerminationReferral.objects.create(
        person=a, referred_on=D(2023, 5, 1), decided_on=D(2023, 8, 1), outcome="terminated"
    )
    TerminationReferral.objects.create(
        person=b, referred_on=D(2023, 6, 1), decided_on=D(2024, 5, 1), outcome="refused"
    )
    # Someone outside people, in every list.
    out = _person(other_pdu_team)
    out_recall = _recall(out, D(2024, 1, 1), D(2024, 3, 1), returned_to_custody=D(2024, 3, 1))
    Adjournment.objects.create(review=_review(out_recall), date=D(2024, 3, 5), reason="x")
    TerminationReferral.objects.create(
        person=out, referred_on=D(2023, 5, 1), decided_on=D(2023, 8, 1), outcome="refused"
    )

    data = parole.PAROLE.compute(_people(team), SCOPE)

    _assert_panel_shape(data)
    summary, medians, outcomes, untold_table = data.tables
    assert _rows(summary) == {
        "In custody on recall, awaiting re-release (today)": [2],
        "Adjournments and deferrals not told to the prisoner (today)": [1],
        "Re-released after a RARR in the period": [1],
        "Licence termination referrals made in the period": [2],
        "Licence termination decisions in the period": [1],
    }
    assert _rows(medians) == {
        "Awaiting re-release: days in custody so far": ["46"],
        "Re-released in the period: all routes": ["184"],
        "Re-released in the period: Risk-assessed recall review (RARR)": ["184"],
        "Re-released in the period: Parole Board on the papers": ["No data"],
        "Re-released in the period: Parole Board oral hearing": ["No data"],
    }
    assert _rows(outcomes)["Licence terminated"] == [1, "100.0%"]
    assert _rows(outcomes)["Termination refused"] == [0, "0.0%"]
    assert _rows(outcomes)["Total"] == [1, "100.0%"]
    [row] = untold_table.rows
    url = reverse("person_overview", args=[a.crn])
    assert row == [
        Link(text=a.crn, url=url),
        a.full_name,
        "Deferral",
        "10 May 2024",
        22,
    ]
    assert untold.date == D(2024, 5, 10)


def test_parole_panel_counts_every_untold_delay_beyond_the_listed_ones(team, monkeypatch):
    monkeypatch.setattr(parole, "LIST_LIMIT", 2)
    person = _person(team)
    recall = _recall(person, D(2023, 1, 1), D(2024, 1, 1), returned_to_custody=D(2024, 1, 2))
    review = _review(recall)
    for day in (3, 1, 2):
        Adjournment.objects.create(review=review, date=D(2024, 2, day), reason="x")
    people = _people(team)

    count, rows = parole.untold(people, SCOPE)

    assert count == 3
    assert [r.date for r in rows] == [D(2024, 2, 1), D(2024, 2, 2)]  # oldest first, 2 listed
    assert parole.untold(people.none(), SCOPE) == (0, [])


def test_parole_panel_median_of_an_even_count_is_the_mean_of_the_middle_two(team):
    for returned in (D(2024, 5, 31), D(2024, 5, 30)):  # 1 and 2 days
        _recall(_person(team), D(2024, 1, 1), returned, returned_to_custody=returned)

    figures = parole.awaiting(_people(team), SCOPE)

    assert figures == {"count": 2, "median_days": 1.5}
    medians = parole.PAROLE.compute(_people(team), SCOPE).tables[1]
    assert _rows(medians)["Awaiting re-release: days in custody so far"] == ["1.5"]


# ---------------------------------------------------------------------------------------------
# Proportionality


def _recommendation(person, submitted_at, acknowledgements, status="authorised"):
    return RecallRecommendation.objects.create(
        person=person,
        created_by=factories.UserFactory(),
        status=status,
        submitted_at=submitted_at,
        acknowledgements={code: "Justified because…" for code in acknowledgements},
    )


def _london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def test_proportionality_counts_acknowledged_prompts_by_rule_code(team, other_pdu_team):
    a, b = _person(team), _person(team)
    # In the range, by the London date: 00:30 BST on 1 April 2023 is 31 March in UTC.
    _recommendation(
        a, _london(2023, 4, 1, 0, 30), ["NO_PROGRESSION_PANEL", "NO_MULTI_AGENCY_INPUT"]
    )
    _recommendation(a, _london(2023, 9, 1, 12), ["NO_PROGRESSION_PANEL"])
    _recommendation(b, _london(2023, 10, 1, 12), [])
    _recommendation(b, _london(2024, 3, 31, 23, 30), ["COM_DISCONTINUITY", "NO_PROGRESSION_PANEL"])
    # Not counted: before and after the range, never submitted, someone outside people.
    _recommendation(a, _london(2023, 3, 31, 23, 59), ["NO_PROGRESSION_PANEL"])
    _recommendation(a, _london(2024, 4, 1, 0, 1), ["NO_PROGRESSION_PANEL"])
    _recommendation(b, None, ["NO_PROGRESSION_PANEL"], status="draft")
    _recommendation(_person(other_pdu_team), _london(2023, 9, 1, 12), ["NO_PROGRESSION_PANEL"])

    total, counts = proportionality.acknowledged_counts(_people(team), SCOPE)
    data = proportionality.PROPORTIONALITY.compute(_people(team), SCOPE)

    assert total == 4
    assert counts == {"NO_PROGRESSION_PANEL": 3, "NO_MULTI_AGENCY_INPUT": 1, "COM_DISCONTINUITY": 1}
    _assert_panel_shape(data)
    [table] = data.tables
    assert table.caption.endswith("in 4 recommendations submitted in the period")
    assert [list(row) for row in table.rows] == [
        ["No IPP progression panel held", "NO_PROGRESSION_PANEL", 3, "75.0%"],
        ["Other agencies not consulted", "NO_MULTI_AGENCY_INPUT", 1, "25.0%"],
        ["Three or more COMs since release", "COM_DISCONTINUITY", 1, "25.0%"],
    ]
    assert "No IPP progression panel held" in data.charts[0]


def test_proportionality_names_every_prompt_a_practitioner_can_acknowledge():
    warn_codes = {rule.code for rule in RULES if "warn" in (rule.severity, rule.emergency_severity)}
    assert warn_codes <= set(proportionality.PROMPTS)
    assert proportionality.prompt("RETIRED_RULE") == "RETIRED_RULE"


def test_proportionality_panel_with_no_recommendations(team):
    data = proportionality.PROPORTIONALITY.compute(_people(team), SCOPE)

    assert data.tables[0].rows == []
    assert data.notes


# ---------------------------------------------------------------------------------------------
# Registration and query counts

_days = itertools.count()


def _populate(team, n: int) -> None:
    """``n`` people with every kind of data each panel reads."""
    for _ in range(n):
        k = next(_days)
        person = _person(team, mappa_category=1, mappa_level=1, rosh_level=vocab.RoshLevel.HIGH)
        factories.SentenceFactory(person=person, tariff_years=1 + k % 12)
        earlier = _recall(person, D(2015, 1, 1), D(2015, 6, 1))
        recalled = D(2023, 5, 1) + dt.timedelta(days=k % 300)
        recall = _recall(
            person, D(2022, 1, 1), recalled,
            returned_to_custody=max(recalled, D(2023, 6, 1)),
        )  # fmt: skip
        for m in range(3):
            _allocate(
                person, factories.UserFactory(team=team), D(2022, 1 + m, 1), D(2022, 1 + m, 20)
            )
        review = _review(recall)
        Adjournment.objects.create(review=review, date=D(2024, 1, 1), reason="untold")
        ParoleReview.objects.create(
            recall=earlier, kind="paper", referred_on=D(2015, 7, 1),
            decided_on=D(2023, 7, 1), outcome="release",
        )  # fmt: skip
        earlier.re_released_on = D(2023, 7, 1)
        earlier.returned_to_custody = D(2015, 6, 2)
        earlier.save()
        TerminationReferral.objects.create(
            person=person, referred_on=D(2023, 5, 1), decided_on=D(2023, 9, 1), outcome="refused"
        )
        _recommendation(
            person, _london(2023, 9, 1, 12), ["NO_PROGRESSION_PANEL", "AP_EARLY_RECALL"]
        )
        meeting = factories.MeetingFactory(person=person, held_on=D(2023, 10, 1 + k % 28))
        factories.MeetingActionFactory(meeting=meeting, due_on=D(2023, 11, 1))


EXPECTED_QUERIES = {
    "community": 3,
    "continuity": 4,
    "parole": 5,
    "proportionality": 2,
    "multi-agency": 3,
}


@pytest.mark.parametrize("slug", sorted(EXPECTED_QUERIES))
def test_panel_query_count_does_not_grow_with_the_data(team, slug):
    panel = PANELS_BY_SLUG[slug]
    people = _people(team)
    _populate(team, 1)
    small = _count_queries(lambda: panel.compute(people, SCOPE))
    _populate(team, 6)
    large = _count_queries(lambda: panel.compute(people, SCOPE))

    assert small == large == EXPECTED_QUERIES[slug]


def test_panels_are_registered_with_their_titles():
    assert PANELS_BY_SLUG["community"] is community.COMMUNITY
    assert PANELS_BY_SLUG["continuity"].title == "Continuity and risk management"
    assert PANELS_BY_SLUG["parole"] is parole.PAROLE
    assert PANELS_BY_SLUG["proportionality"].title == "Proportionality prompts acknowledged"


def test_community_buckets_are_the_cohort_reports():
    from ippcase.reporting import cohort

    assert [key for key, *_ in community.TIME_BUCKETS] == list(cohort.TIME_IN_COMMUNITY)
    assert [key for key, *_ in community.RECALL_COUNTS] == list(cohort.RECALL_COUNTS)
    assert [key for key, _ in community.TARIFF_BANDS] == list(cohort.TARIFF_BANDS)
