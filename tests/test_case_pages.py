"""What the case pages show: caseload search and status, timeline, case history."""

from __future__ import annotations

import datetime as dt

import pghistory
import pytest
from django.urls import reverse
from django.utils.html import escape

from ippcase.caseload.selectors import caseload
from ippcase.cases import selectors
from tests import factories


def _caseload_statuses(user) -> dict[str, str]:
    return {p.crn: p.status for p in caseload(user, per_page=100).object_list}


def test_caseload_status_follows_the_latest_release_and_its_recall(practitioner, team):
    on_licence = factories.make_case(team, recalled=True)  # recalled once, since re-released
    at_large = factories.PersonFactory(team=team)
    factories.RecallFactory(release__person=at_large, returned_to_custody=None)
    in_custody = factories.PersonFactory(team=team)
    factories.RecallFactory(release__person=in_custody)
    unreleased = factories.PersonFactory(team=team)
    expected = {
        on_licence.crn: selectors.CaseStatus.ON_LICENCE,
        at_large.crn: selectors.CaseStatus.RECALLED_AT_LARGE,
        in_custody.crn: selectors.CaseStatus.IN_CUSTODY_ON_RECALL,
        unreleased.crn: selectors.CaseStatus.NOT_YET_RELEASED,
    }
    assert _caseload_statuses(practitioner) == expected
    # The person page derives the same status in Python from the loaded rows.
    for person in (on_licence, at_large, in_custody, unreleased):
        loaded = selectors.person_with_history(person)
        assert selectors.case_status(loaded) == expected[person.crn]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("doe", {"Samuel Doe"}),
        ("SAM DOE", {"Samuel Doe"}),
        ("X999999", set()),
        ("Smith", {"Anna Smith"}),
    ],
)
def test_caseload_search_by_name_or_crn(practitioner, team, query, expected):
    factories.make_case(team, first_name="Samuel", last_name="Doe")
    factories.make_case(team, first_name="Anna", last_name="Smith", gender="female")
    found = {
        f"{p.first_name} {p.last_name}" for p in caseload(practitioner, query=query).object_list
    }
    assert found == expected


def test_caseload_search_by_exact_crn_and_team_filter(manager, team, other_team_same_pdu):
    mine = factories.make_case(team)
    theirs = factories.make_case(other_team_same_pdu)
    assert [p.crn for p in caseload(manager, query=mine.crn.lower()).object_list] == [mine.crn]
    assert [p.crn for p in caseload(manager, team_code=other_team_same_pdu.code).object_list] == [
        theirs.crn
    ]


def test_caseload_htmx_request_gets_only_the_results_fragment(practitioner_client, person):
    response = practitioner_client.get(
        reverse("caseload"), {"q": "Doe"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert 'id="results"' in body
    assert "<html" not in body
    assert person.crn in body


def test_timeline_alternates_custody_and_community_and_matches_the_table(practitioner_client, team):
    person = factories.PersonFactory(team=team)
    factories.SentenceFactory(person=person, sentence_date=dt.date(2008, 1, 10))
    first = factories.ReleaseFactory(person=person, date=dt.date(2012, 3, 1))
    factories.RecallFactory(
        release=first, recall_date=dt.date(2013, 1, 5), returned_to_custody=dt.date(2013, 1, 9)
    )
    factories.ReleaseFactory(person=person, date=dt.date(2016, 6, 1))
    timeline = selectors.build_timeline(
        selectors.person_with_history(person), today=dt.date(2020, 1, 1)
    )
    assert [(p.kind, p.start, p.end) for p in timeline.periods] == [
        ("custody", dt.date(2008, 1, 10), dt.date(2012, 3, 1)),
        ("community", dt.date(2012, 3, 1), dt.date(2013, 1, 5)),
        ("at_large", dt.date(2013, 1, 5), dt.date(2013, 1, 9)),
        ("custody", dt.date(2013, 1, 9), dt.date(2016, 6, 1)),
        ("community", dt.date(2016, 6, 1), None),
    ]
    assert (
        timeline.days_in_custody
        == (dt.date(2012, 3, 1) - dt.date(2008, 1, 10)).days
        + (dt.date(2016, 6, 1) - dt.date(2013, 1, 9)).days
    )
    bars = timeline.svg["bars"]
    assert [b["kind"] for b in bars] == ["custody", "community", "at_large", "custody", "community"]
    assert bars[0]["x"] == 40 and bars[-1]["x"] + bars[-1]["width"] == pytest.approx(920, abs=1)

    # WCAG 1.4.1: the kinds of period differ by more than colour, so at most one kind is plain.
    patterns = {b["kind"]: b["pattern"] for b in bars}
    assert len(set(patterns.values())) == len(patterns)

    body = practitioner_client.get(reverse("person_timeline", args=[person.crn])).content.decode()
    assert '<svg class="app-timeline" role="img"' in body
    for kind in ("custody", "at_large"):
        assert f'<pattern id="{patterns[kind]}"' in body
        assert body.count(f'fill="url(#{patterns[kind]})"') == [b["kind"] for b in bars].count(kind)
    for text in (
        "Release 1 from HMP Leeds",
        "Recall 1",
        "Returned to custody",
        "Release 2",
        "Tariff expired",
    ):
        assert text in body


def test_case_history_shows_who_changed_what(practitioner_client, practitioner, person):
    with pghistory.context(user=practitioner.pk):
        person.rosh_level = "very_high"
        person.save()
    body = practitioner_client.get(reverse("person_history", args=[person.crn])).content.decode()
    assert "Person details changed" in body
    assert escape(f"{practitioner.display_name} (COM)") in body
    assert "<strong>RoSH level</strong>: High → Very high" in body
    assert "very_high" not in body
    # inserts of related rows are listed too, found through the sentence and releases
    assert "Index offence recorded: " in body
    assert "Recalled on " in body


def test_overview_warns_when_three_or_more_coms_since_release(
    practitioner_client, practitioner, team
):
    person = factories.PersonFactory(team=team)
    release = factories.ReleaseFactory(person=person, date=dt.date(2020, 1, 1))
    for n in range(2):
        factories.AllocationFactory(
            person=person,
            start_date=release.date + dt.timedelta(days=n * 100),
            end_date=release.date + dt.timedelta(days=n * 100 + 99),
            practitioner__team=team,
        )
    url = reverse("person_overview", args=[person.crn])
    assert (
        "community offender managers since the latest release"
        not in practitioner_client.get(url).content.decode()
    )
    factories.AllocationFactory(
        person=person, practitioner=practitioner, start_date=dt.date(2021, 1, 1)
    )
    assert (
        "3 community offender managers since the latest release"
        in practitioner_client.get(url).content.decode()
    )


def test_sentence_page_lists_index_behaviours_and_current_and_varied_conditions(
    practitioner_client, person
):
    factories.LicenceConditionFactory(
        person=person,
        kind="additional",
        standard_code="",
        text="Exclusion zone: Leeds city centre",
        start_date=dt.date(2019, 2, 1),
        end_date=dt.date(2019, 6, 1),
    )
    body = practitioner_client.get(reverse("person_sentence", args=[person.crn])).content.decode()
    assert "Alcohol" in body and "Violence" in body
    assert "Conditions in force" in body
    assert "Conditions that have ended or been varied" in body
    assert "Exclusion zone: Leeds city centre" in body


def test_service_navigation_marks_only_the_section_you_are_in(rf, ppcs):
    from ippcase.platform.context_processors import navigation

    def active(path: str) -> list[str]:
        request = rf.get(path)
        request.user = ppcs
        return [i["label"] for i in navigation(request)["service_nav"] if i["active"]]

    assert active("/cases/") == ["Caseload"]
    assert active("/cases/X000001/timeline/") == ["Caseload"]
    assert active("/recall/ppcs/") == ["PPCS queue"]
    assert active("/recall/recommendations/1/") == []
