"""Corrections to concerns and actions short of recall (issue 14): corrected with a reason or
struck out (never deleted), shown in the log and the case history, left out of what the rules
see; every refusal changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ippcase import vocab
from ippcase.cases import history
from ippcase.models import Person
from ippcase.reporting.dashboard import Scope
from ippcase.reporting.panels import caseload
from recall import corrections, entries, selectors, services
from recall.deadlines import long_date
from recall.models import Concern, RecallRecommendation
from tests import factories
from tests.conftest import client_for

DAY = timezone.localdate() - dt.timedelta(days=10)


@pytest.fixture
def person(team):
    return factories.make_case(
        team, recalled=False, released=factories.recently_released(), first_name="Lee"
    )


@pytest.fixture
def concern(person, practitioner):
    return entries.concern_add(
        person=person,
        actor=practitioner,
        occurred_on=DAY,
        description="Drunk at the appointment.",
        source="ap_staff",
        behaviours=["alcohol", "threats"],
    )


@pytest.fixture
def action(person, practitioner):
    return entries.action_add(
        person=person,
        actor=practitioner,
        kind="referral_partner_agency",
        referral="substance_misuse",
        taken_on=DAY,
        details="Referred to the alcohol service.",
    )


def _state(entry) -> tuple:
    model = type(entry)
    row = model.objects.filter(pk=entry.pk).values().get()
    extra = (
        tuple(sorted(entry.conditions.values_list("pk", flat=True)))
        if isinstance(entry, Concern)
        else ()
    )
    return row, extra, model.pgh_event_model.objects.count()


def _date(prefix: str, day: dt.date) -> dict[str, str]:
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


def _concern_post(concern, **changes) -> dict:
    data = {
        **_date("occurred_on", concern.occurred_on),
        "description": concern.description,
        "source": concern.source,
        "behaviours": list(concern.behaviours),
        "reason": "Typed the wrong date.",
        "version": selectors.entry_version(concern),
    }
    data.update(changes)
    return data


def _url(name: str, entry) -> str:
    return reverse(f"recall:{name}", args=[entry.person.crn, entry.pk])


# ---------------------------------------------------------------------------------------------
# Correcting and striking out


def test_a_practitioner_corrects_a_concern_the_log_and_the_history(client, practitioner, concern):
    client.force_login(practitioner)
    page = client.get(_url("concern_correct", concern)).content.decode()
    assert f"<title>Correct the concern of {long_date(DAY)}" in page
    assert "Drunk at the appointment." in page  # prefilled
    new_day = DAY - dt.timedelta(days=1)
    response = client.post(
        _url("concern_correct", concern),
        _concern_post(concern, **_date("occurred_on", new_day), description="Drunk at home."),
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert (concern.occurred_on, concern.description) == (new_day, "Drunk at home.")
    line = history.case_history(concern.person)[0].text
    assert line.startswith(f"Concern of {long_date(DAY)} corrected: ")
    assert f'date was "{long_date(DAY)}", now "{long_date(new_day)}"' in line
    assert 'what happened was "Drunk at the appointment.", now "Drunk at home."' in line
    assert line.endswith("Reason: Typed the wrong date.")


def test_correcting_only_the_licence_conditions_is_in_the_history(client, practitioner, concern):
    condition = concern.person.licence_conditions.order_by("pk").first()
    client.force_login(practitioner)
    response = client.post(
        _url("concern_correct", concern),
        _concern_post(concern, conditions=[str(condition.pk)], reason="It broke the curfew."),
    )
    assert response.status_code == 302
    assert list(concern.conditions.all()) == [condition]
    line = history.case_history(concern.person)[0].text
    assert line == (
        f"Concern of {long_date(DAY)} corrected: licence conditions now: {condition}. "
        "Reason: It broke the curfew."
    )


def test_a_manager_strikes_out_a_concern_it_stays_in_the_log_struck_through(
    client, manager, concern
):
    client.force_login(manager)
    page = client.get(_url("concern_strike_out", concern)).content.decode()
    assert "Strike out the concern" in page
    response = client.post(
        _url("concern_strike_out", concern),
        {"reason": "Recorded on the wrong case.", "version": selectors.entry_version(concern)},
    )
    assert response.status_code == 302
    assert Concern.objects.filter(pk=concern.pk).exists()  # never deleted
    log = client.get(reverse("recall:concerns", args=[concern.person.crn])).content.decode()
    assert "<s>Drunk at the appointment.</s>" in log
    today = long_date(timezone.localdate())
    assert (
        f"Struck out by {escape(manager.display_name)} on {today}:</strong> Recorded on the wrong"
        in log
    )
    assert _url("concern_correct", concern) not in log  # nothing left to correct
    line = history.case_history(concern.person)[0].text
    assert line == f"Concern of {long_date(DAY)} struck out. Reason: Recorded on the wrong case."


def test_an_action_corrected_and_struck_out(client, practitioner, action):
    client.force_login(practitioner)
    data = {
        "kind": "warning_letter",
        "referral": "",
        **_date("taken_on", DAY),
        "details": "Warning letter sent.",
        "outcome": "",
        "reason": "It was a warning letter, not a referral.",
        "version": selectors.entry_version(action),
    }
    assert client.post(_url("action_correct", action), data).status_code == 302
    action.refresh_from_db()
    assert (action.kind, action.referral) == ("warning_letter", "")
    response = client.post(
        _url("action_strike_out", action),
        {"reason": "Duplicate entry.", "version": selectors.entry_version(action)},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.struck_out_by == practitioner
    lines = [line.text for line in history.case_history(action.person)]
    assert lines[0] == (
        f"Action short of recall of {long_date(DAY)} (warning letter) struck out. "
        "Reason: Duplicate entry."
    )
    assert lines[1].startswith(
        f"Action short of recall of {long_date(DAY)} (referral to a partner agency"
    )


def test_struck_out_entries_are_left_out_of_what_the_rules_see(
    person, practitioner, concern, action
):
    corrections.concern_strike_out(
        concern_id=concern.pk,
        actor=practitioner,
        expected_version=selectors.entry_version(concern),
        reason="Wrong case.",
    )
    corrections.action_strike_out(
        action_id=action.pk,
        actor=practitioner,
        expected_version=selectors.entry_version(action),
        reason="Wrong case.",
    )
    assert list(selectors.concerns_for(person)) == []
    assert list(selectors.actions_for(person)) == []
    assert len(selectors.concerns_for(person, with_struck_out=True)) == 1
    rec = services.recommendation_start(person=person, actor=practitioner)
    facts = selectors.facts_for(selectors.recommendation_with_context(rec.pk))
    assert "threats" not in facts.current_behaviours  # the struck-out concern's behaviours
    assert "substance_misuse" not in facts.referrals  # the struck-out action's referral
    assert rec.alternatives["referral_partner_agency"]["status"] == ""


def test_a_concern_not_struck_out_reaches_the_rules(person, practitioner, concern, action):
    rec = services.recommendation_start(person=person, actor=practitioner)
    facts = selectors.facts_for(selectors.recommendation_with_context(rec.pk))
    assert "threats" in facts.current_behaviours
    assert "substance_misuse" in facts.referrals


def test_changing_an_entry_cited_in_a_submitted_recommendation_says_so(
    client, practitioner, person, concern
):
    RecallRecommendation.objects.create(
        person=person,
        created_by=practitioner,
        status="rejected",
        submitted_at=timezone.now(),
        submitted_by=practitioner,
    )
    client.force_login(practitioner)
    page = client.get(_url("concern_strike_out", concern)).content.decode()
    assert "which may cite it" in page
    response = client.post(
        _url("concern_strike_out", concern),
        {"reason": "Wrong case.", "version": selectors.entry_version(concern)},
        follow=True,
    )
    assert "which may cite it" in response.content.decode()
    concern.refresh_from_db()
    assert concern.struck_out_at is not None


# ---------------------------------------------------------------------------------------------
# Refusals: nothing changes


def test_a_practitioner_of_another_team_cannot(client, other_team_same_pdu, concern):
    other = factories.UserFactory(roles=[vocab.Role.PRACTITIONER], team=other_team_same_pdu)
    before = _state(concern)
    client.force_login(other)
    for name in ("concern_correct", "concern_strike_out"):
        assert client.get(_url(name, concern)).status_code == 404
        assert client.post(_url(name, concern), _concern_post(concern)).status_code == 404
    with pytest.raises(corrections.CorrectionError):
        corrections.concern_strike_out(
            concern_id=concern.pk,
            actor=other,
            expected_version=selectors.entry_version(concern),
            reason="Not mine.",
        )
    assert _state(concern) == before


def test_a_practitioner_of_the_team_who_can_see_the_case_but_the_author_moved(
    client, practitioner, other_team_same_pdu, person, concern
):
    """The author's team decides: a colleague of the author's team now, not of the case's."""
    colleague = factories.UserFactory(roles=[vocab.Role.PRACTITIONER], team=person.team)
    practitioner.team = other_team_same_pdu
    practitioner.save()
    before = _state(concern)
    client.force_login(colleague)
    assert client.get(_url("concern_correct", concern)).status_code == 403
    assert client.post(_url("concern_correct", concern), _concern_post(concern)).status_code == 403
    assert _state(concern) == before


@pytest.mark.parametrize("persona", ["ppcs", "admin_user"])
def test_ppcs_and_administrators_cannot(request, client, concern, action, persona):
    user = request.getfixturevalue(persona)
    before = (_state(concern), _state(action))
    client.force_login(user)
    assert client.get(_url("concern_correct", concern)).status_code in (403, 404)
    response = client.post(
        _url("action_strike_out", action),
        {"reason": "x", "version": selectors.entry_version(action)},
    )
    assert response.status_code in (403, 404)
    with pytest.raises(corrections.CorrectionError, match="You cannot correct this action"):
        corrections.action_strike_out(
            action_id=action.pk,
            actor=user,
            expected_version=selectors.entry_version(action),
            reason="x",
        )
    assert (_state(concern), _state(action)) == before


def test_ppcs_who_sees_the_case_gets_403(client, ppcs, person, practitioner, concern):
    factories.RecallFactory(release=person.releases.get())  # a recall: PPCS sees the case
    client.force_login(ppcs)
    assert client.get(_url("concern_correct", concern)).status_code == 403


def test_a_stale_page_is_refused(client, practitioner, manager, concern):
    client.force_login(practitioner)
    shown = selectors.entry_version(concern)
    corrections.concern_correct(
        concern_id=concern.pk,
        actor=manager,
        expected_version=shown,
        reason="Manager corrected the source.",
        occurred_on=concern.occurred_on,
        description=concern.description,
        source="police_intelligence",
        behaviours=concern.behaviours,
    )
    concern.refresh_from_db()
    before = _state(concern)
    response = client.post(
        _url("concern_correct", concern), _concern_post(concern, description="X", version=shown)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else changed or struck out this concern" in page
    assert "<title>Error: Correct the concern" in page
    response = client.post(
        _url("concern_strike_out", concern), {"reason": "Old page.", "version": shown}
    )
    assert "Someone else changed or struck out this concern" in response.content.decode()
    assert _state(concern) == before


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("concern_correct", {"reason": ""}, "Enter why you are correcting the concern"),
        ("concern_correct", {"reason": "Why."}, "Nothing has changed"),
        ("concern_strike_out", {"reason": "   "}, "Enter why you are striking out the concern"),
        ("concern_correct", {"description": ""}, "Enter what happened"),
        ("concern_correct", {"version": ""}, "This page is out of date"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    client, practitioner, concern, name, data, message
):
    client.force_login(practitioner)
    before = _state(concern)
    posted = _concern_post(concern, **data)
    response = client.post(_url(name, concern), posted)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _state(concern) == before


def test_a_struck_out_entry_cannot_be_corrected(client, practitioner, concern):
    corrections.concern_strike_out(
        concern_id=concern.pk,
        actor=practitioner,
        expected_version=selectors.entry_version(concern),
        reason="Wrong case.",
    )
    concern.refresh_from_db()
    before = _state(concern)
    client.force_login(practitioner)
    page = client.get(_url("concern_correct", concern)).content.decode()
    assert "it can no longer be corrected" in page
    with pytest.raises(corrections.CorrectionError, match="no longer be corrected"):
        corrections.concern_correct(
            concern_id=concern.pk,
            actor=practitioner,
            expected_version=selectors.entry_version(concern),
            reason="Again.",
            occurred_on=DAY,
            description="Other.",
            source="other",
            behaviours=[],
        )
    assert _state(concern) == before


def test_an_entry_of_another_person_is_404(client, practitioner, team, concern):
    other = factories.make_case(team)
    client.force_login(practitioner)
    url = reverse("recall:concern_correct", args=[other.crn, concern.pk])
    assert client.get(url).status_code == 404


# ---------------------------------------------------------------------------------------------
# Query counts


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(person, practitioner, count: int) -> None:
    for n in range(count):
        c = entries.concern_add(
            person=person,
            actor=practitioner,
            occurred_on=DAY,
            description=f"Concern {n}",
            source="other",
            behaviours=["alcohol"],
        )
        a = entries.action_add(
            person=person, actor=practitioner, kind="warning_letter", taken_on=DAY, details="x"
        )
        if n % 2:
            _strike(c, practitioner)
            _strike(a, practitioner)


@pytest.mark.parametrize(
    "page",
    ["concerns", "concern_correct", "concern_strike_out", "action_correct", "action_strike_out"],
)
def test_query_counts_do_not_grow(practitioner, person, concern, action, page):
    client = client_for(practitioner)
    if page == "concerns":
        url = reverse("recall:concerns", args=[person.crn])
    else:
        url = _url(page, concern if page.startswith("concern") else action)
    _grow(person, practitioner, 2)
    small = _queries(client, url)
    _grow(person, practitioner, 10)
    assert _queries(client, url) == small


def _strike(entry, actor) -> None:
    if isinstance(entry, Concern):
        corrections.concern_strike_out(
            concern_id=entry.pk,
            actor=actor,
            expected_version=selectors.entry_version(entry),
            reason="Wrong case.",
        )
    else:
        corrections.action_strike_out(
            action_id=entry.pk,
            actor=actor,
            expected_version=selectors.entry_version(entry),
            reason="Wrong case.",
        )


def test_the_dashboards_do_not_count_struck_out_entries(team, practitioner):
    today = timezone.localdate()
    scope = Scope(
        level="national",
        code="",
        date_from=today - dt.timedelta(days=365),
        date_to=today,
        today=today,
    )
    at_risk = factories.make_case(team, recalled=False, released=factories.recently_released())
    entries.concern_add(
        person=at_risk,
        actor=practitioner,
        occurred_on=today - dt.timedelta(days=5),
        description="Missed appointments.",
        source="other",
        behaviours=[],
    )
    wrong_action = entries.action_add(
        person=at_risk,
        actor=practitioner,
        kind="warning_letter",
        taken_on=today - dt.timedelta(days=2),
        details="Entered on the wrong case.",
    )
    struck = factories.make_case(team, recalled=False, released=factories.recently_released())
    wrong_concern = entries.concern_add(
        person=struck,
        actor=practitioner,
        occurred_on=today - dt.timedelta(days=5),
        description="Entered on the wrong case.",
        source="other",
        behaviours=[],
    )
    people = Person.objects.filter(team=team)
    before = {
        k: int(str(n)) for k, n in caseload.CASELOAD_NOW.compute(people, scope).tables[0].rows
    }
    assert before["Concerns recorded in the last 30 days"] == 2
    # at_risk's action counts; struck's concern counts.
    assert [row[1] for row in caseload.AT_RISK.compute(people, scope).tables[0].rows] == [
        struck.crn
    ]

    _strike(wrong_concern, practitioner)
    _strike(wrong_action, practitioner)

    after = {k: int(str(n)) for k, n in caseload.CASELOAD_NOW.compute(people, scope).tables[0].rows}
    assert after["Concerns recorded in the last 30 days"] == 1
    rows = caseload.AT_RISK.compute(people, scope).tables[0].rows
    # The struck-out concern no longer puts struck at risk; the struck-out action no longer
    # counts as action taken on at_risk.
    assert [row[1] for row in rows] == [at_risk.crn]
