"""Drawing quality-assurance samples (issue 19; docs/quality-assurance-workflow.md): the
population, the strata, the reproducible draw from a seed, the scope, the form and its pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ippcase import vocab as case_vocab
from ippcase.quality import sampling, selectors, services
from ippcase.quality.models import QaItem, QaSample
from tests import factories
from tests.conftest import client_for
from tests.quality_data import PERIOD_START, TODAY, not_recalled_decision, recall_decision, staff


@pytest.fixture
def people(team):
    return staff(team)


@pytest.fixture
def qa_lead(team):
    return factories.UserFactory(username="qalead", roles=[case_vocab.Role.QA_LEAD], team=team)


def _draw(actor, scope_key, **kwargs):
    args = {
        "name": "Leeds, last quarter",
        "scope_key": scope_key,
        "period_start": PERIOD_START,
        "period_end": TODAY,
        "include_recalls": True,
        "include_not_recalled": True,
        "strata": [],
        "size": 3,
    }
    args.update(kwargs)
    return services.sample_draw(actor=actor, **args)


def _ids(sample):
    return list(sample.items.order_by("position").values_list("recommendation_id", flat=True))


def test_the_draw_is_reproducible_from_its_seed(team, people, senior_manager):
    for days in range(1, 9):
        recall_decision(team, people, recalled_on=TODAY - dt.timedelta(days=days))
    first = _draw(senior_manager, f"pdu:{team.pdu_id}", seed=12345)
    again = _draw(senior_manager, f"pdu:{team.pdu_id}", seed=12345)
    other = _draw(senior_manager, f"pdu:{team.pdu_id}", seed=999)
    assert first.population == 8 and len(_ids(first)) == 3
    assert _ids(first) == _ids(again)
    assert _ids(first) != _ids(other)
    # The draw is random.Random(seed).sample of the ids in order: anyone can check it.
    population = selectors.decisions().filter(person__team=team).values_list("pk", flat=True)
    assert _ids(first) == sampling.draw(list(population), 3, 12345)


def test_a_seed_is_chosen_when_none_is_given_and_recorded(team, people, senior_manager):
    recall_decision(team, people, recalled_on=TODAY - dt.timedelta(days=3))
    sample = _draw(senior_manager, f"pdu:{team.pdu_id}")
    assert 0 <= sample.seed <= sampling.MAX_SEED
    again = _draw(senior_manager, f"pdu:{team.pdu_id}", seed=sample.seed)
    assert _ids(again) == _ids(sample)


def test_the_population_holds_recalls_and_decisions_not_to_recall_in_the_period(
    team, people, senior_manager
):
    recall = recall_decision(team, people, recalled_on=TODAY - dt.timedelta(days=10))
    not_recalled = not_recalled_decision(team, people, decided_on=TODAY - dt.timedelta(days=20))
    recall_decision(team, people, recalled_on=PERIOD_START - dt.timedelta(days=1))  # before
    not_recalled_decision(team, people, decided_on=PERIOD_START - dt.timedelta(days=5))
    sample = _draw(senior_manager, f"team:{team.pk}", size=10)
    items = {i.recommendation_id: i for i in sample.items.all()}
    assert set(items) == {recall.pk, not_recalled.pk}
    assert items[recall.pk].kind == "recall" and items[not_recalled.pk].kind == "not_to_recall"
    assert sample.population == 2
    only_recalls = _draw(senior_manager, f"team:{team.pk}", include_not_recalled=False)
    assert _ids(only_recalls) == [recall.pk]


def test_strata_restrict_the_recalls_and_are_recorded_on_each_item(team, people, senior_manager):
    day = TODAY - dt.timedelta(days=10)
    emergency = recall_decision(team, people, recalled_on=day, emergency=True)
    from_ap = recall_decision(team, people, recalled_on=day, approved_premises=True)
    early = recall_decision(team, people, recalled_on=day, released_on=day - dt.timedelta(days=40))
    charged = recall_decision(team, people, recalled_on=day, allegation_status="charged")
    plain = recall_decision(team, people, recalled_on=day)
    not_recalled = not_recalled_decision(team, people, decided_on=day)
    scope = f"pdu:{team.pdu_id}"
    expected = {
        "emergency": emergency,
        "approved_premises": from_ap,
        "early": early,
        "on_charge": charged,
    }
    for stratum, rec in expected.items():
        sample = _draw(senior_manager, scope, strata=[stratum], include_not_recalled=False)
        assert _ids(sample) == [rec.pk], stratum
        assert sample.items.get().strata == [stratum]
    both = _draw(senior_manager, scope, strata=["emergency", "on_charge"], size=20)
    # The strata narrow the recalls only: the decision not to recall stays in.
    assert set(_ids(both)) == {emergency.pk, charged.pk, not_recalled.pk}
    assert plain.pk not in _ids(both)


def test_a_size_beyond_the_population_takes_all_and_the_page_says_so(team, people, senior_manager):
    recs = [recall_decision(team, people, recalled_on=TODAY - dt.timedelta(days=d)) for d in (1, 2)]
    sample = _draw(senior_manager, f"pdu:{team.pdu_id}", size=10)
    assert sorted(_ids(sample)) == sorted(r.pk for r in recs)
    html = client_for(senior_manager).get(reverse("quality:sample", args=[sample.pk])).content
    assert b'id="took-all"' in html and str(sample.seed).encode() in html


def test_an_empty_population_is_refused_and_nothing_is_created(team, senior_manager):
    with pytest.raises(services.QualityError, match="no decisions"):
        _draw(senior_manager, f"pdu:{team.pdu_id}")
    assert not QaSample.objects.exists()


def test_a_senior_manager_samples_their_own_pdu_only(team, other_pdu_team, people, senior_manager):
    ours = recall_decision(team, people, recalled_on=TODAY - dt.timedelta(days=5))
    recall_decision(other_pdu_team, staff(other_pdu_team), recalled_on=TODAY - dt.timedelta(days=5))
    keys = {s.key for s in selectors.scopes_for(senior_manager)}
    assert keys == {f"pdu:{team.pdu_id}", f"team:{team.pk}"}
    with pytest.raises(services.QualityError, match="within your own scope"):
        _draw(senior_manager, f"pdu:{other_pdu_team.pdu_id}")
    with pytest.raises(services.QualityError, match="within your own scope"):
        _draw(senior_manager, "national")
    assert _ids(_draw(senior_manager, f"pdu:{team.pdu_id}", size=10)) == [ours.pk]


def test_a_qa_lead_samples_their_region(team, people, qa_lead):
    other_pdu_same_region = factories.TeamFactory(pdu__region=team.pdu.region)
    elsewhere = factories.TeamFactory()
    here = recall_decision(team, people, recalled_on=TODAY - dt.timedelta(days=5))
    there = recall_decision(
        other_pdu_same_region,
        staff(other_pdu_same_region),
        recalled_on=TODAY - dt.timedelta(days=5),
    )
    recall_decision(elsewhere, staff(elsewhere), recalled_on=TODAY - dt.timedelta(days=5))
    sample = _draw(qa_lead, f"region:{team.pdu.region_id}", size=10)
    assert set(_ids(sample)) == {here.pk, there.pk}
    assert f"region:{elsewhere.pdu.region_id}" not in {s.key for s in selectors.scopes_for(qa_lead)}


def test_a_sample_out_of_scope_is_not_found(team, other_pdu_team, people, senior_manager):
    recall_decision(team, people, recalled_on=TODAY - dt.timedelta(days=5))
    sample = _draw(senior_manager, f"pdu:{team.pdu_id}")
    item = sample.items.first()
    outsider_sm = factories.UserFactory(roles=[case_vocab.Role.SENIOR_MANAGER], team=other_pdu_team)
    client = client_for(outsider_sm)
    assert client.get(reverse("quality:sample", args=[sample.pk])).status_code == 404
    assert client.get(reverse("quality:review", args=[item.pk])).status_code == 404
    assert sample.name not in client.get(reverse("quality:samples")).content.decode()


def test_practitioners_and_managers_cannot_reach_quality_pages(practitioner, manager):
    for user in (practitioner, manager):
        client = client_for(user)
        assert client.get(reverse("quality:samples")).status_code == 403
        assert client.get(reverse("quality:sample_new")).status_code == 403


# --- the form ------------------------------------------------------------------------------------


def _form(scope_key, **extra):
    data = {
        "name": "Leeds sample",
        "period_start-day": str(PERIOD_START.day),
        "period_start-month": str(PERIOD_START.month),
        "period_start-year": str(PERIOD_START.year),
        "period_end-day": str(TODAY.day),
        "period_end-month": str(TODAY.month),
        "period_end-year": str(TODAY.year),
        "scope": scope_key,
        "kinds": ["recall", "not_to_recall"],
        "size": "10",
        "submission_key": "6f1c3a52-2b55-4d8e-9c1b-0d1f1c9e8a11",
    }
    data.update(extra)
    return data


def test_the_form_draws_once_even_when_sent_twice(team, people, senior_manager):
    recall_decision(team, people, recalled_on=TODAY - dt.timedelta(days=5))
    client = client_for(senior_manager)
    url = reverse("quality:sample_new")
    page = client.get(url)
    assert page.status_code == 200 and b"Draw the sample" in page.content
    first = client.post(url, _form(f"pdu:{team.pdu_id}"))
    second = client.post(url, _form(f"pdu:{team.pdu_id}"))
    sample = QaSample.objects.get()
    assert first["Location"] == second["Location"] == reverse("quality:sample", args=[sample.pk])
    assert QaItem.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"name": ""}, "Enter a name for the sample"),
        ({"scope": "pdu:999999"}, "Choose a team, PDU or region from the list"),
        ({"kinds": []}, "Choose recalls, decisions not to recall, or both"),
        ({"size": "0"}, "1 or more"),
        ({"size": "ten"}, "whole number"),
        ({"seed": "-4"}, "The seed must be 0 or more"),
        ({"period_end-year": str(PERIOD_START.year - 1)}, "on or after its start"),
        ({"kinds": ["not_to_recall"], "strata": ["emergency"]}, "include recalls"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_drawn(
    team, people, senior_manager, extra, message
):
    recall_decision(team, people, recalled_on=TODAY - dt.timedelta(days=5))
    response = client_for(senior_manager).post(
        reverse("quality:sample_new"), _form(f"pdu:{team.pdu_id}", **extra)
    )
    html = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in html
    assert message in html
    assert "<title>Error: " in html
    assert not QaSample.objects.exists()


def test_an_empty_population_is_refused_on_the_page(team, senior_manager):
    response = client_for(senior_manager).post(
        reverse("quality:sample_new"), _form(f"pdu:{team.pdu_id}")
    )
    assert "There are no decisions of these kinds" in response.content.decode()
    assert not QaSample.objects.exists()


# --- navigation and home -----------------------------------------------------------------------


def test_the_service_navigation_links_quality_assurance_for_those_who_sample(
    senior_manager, practitioner
):
    assert b"Quality assurance" in client_for(senior_manager).get(reverse("caseload")).content
    assert b"Quality assurance" not in client_for(practitioner).get(reverse("caseload")).content


def test_a_qa_lead_lands_on_the_samples(qa_lead):
    response = client_for(qa_lead).get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("quality:samples")


# --- query counts ------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_samples_list_and_a_sample_page_take_the_same_queries_at_two_sizes(
    team, people, senior_manager
):
    client = client_for(senior_manager)
    for days in range(1, 3):
        recall_decision(team, people, recalled_on=TODAY - dt.timedelta(days=days))
    small = _draw(senior_manager, f"pdu:{team.pdu_id}", size=2)
    list_small = _queries(client, reverse("quality:samples"))
    page_small = _queries(client, reverse("quality:sample", args=[small.pk]))
    for days in range(3, 9):
        recall_decision(team, people, recalled_on=TODAY - dt.timedelta(days=days))
        not_recalled_decision(team, people, decided_on=TODAY - dt.timedelta(days=days))
    big = _draw(senior_manager, f"team:{team.pk}", size=12)
    _draw(senior_manager, f"pdu:{team.pdu_id}", size=5)
    assert big.items.count() == 12
    assert _queries(client, reverse("quality:samples")) == list_small
    assert _queries(client, reverse("quality:sample", args=[big.pk])) == page_small
