"""What became of the allegation behind a recall (issue 12, section 2): recorded after the
recall by the case team or PPCS, and a prompt on the recall and parole tabs to review continued
detention when the allegation was not pursued (HMIP section 5.2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ippcase import vocab as case_vocab
from recall import services
from recall.models import RecallRecommendation
from tests import factories
from tests.conftest import client_for
from tests.test_recall_services import _send, _sign

TODAY = timezone.localdate()


@pytest.fixture
def aco(team):
    return factories.UserFactory(username="aco", roles=[case_vocab.Role.SENIOR_MANAGER], team=team)


@pytest.fixture
def person(team):
    return factories.make_case(
        team, recalled=False, released=factories.recently_released(), first_name="Rae"
    )


def _authorised(person, practitioner, manager, aco, ppcs, *, allegation="charged"):
    """A recall made on an allegation, authorised by PPCS (not yet back in custody)."""
    rec = services.recommendation_start(person=person, actor=practitioner)
    answers = {
        **factories.complete_answers(),
        "allegation_status": allegation,
        "allegation_incident_date": TODAY - dt.timedelta(days=5),
    }
    rec = services.recommendation_update(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version, changes=answers
    )
    rec = _send(factories.justify_warnings(rec, practitioner), practitioner)
    rec = _sign(_sign(rec, manager, "spo"), aco, "aco")
    rec = services.recommendation_submit(
        rec_id=rec.pk, actor=practitioner, expected_version=rec.version
    )
    return services.ppcs_decide(rec_id=rec.pk, actor=ppcs, outcome="authorised")


@pytest.fixture
def authorised(person, practitioner, manager, aco, ppcs):
    return _authorised(person, practitioner, manager, aco, ppcs)


@pytest.fixture
def in_custody(authorised, ppcs):
    services.recall_record_return_to_custody(
        recall_id=authorised.recall_id, actor=ppcs, returned_on=TODAY, prison="HMP Leeds"
    )
    return authorised


def _events(rec) -> int:
    return RecallRecommendation.pgh_event_model.objects.filter(pgh_obj_id=rec.pk).count()


# --- the service ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["practitioner", "manager", "ppcs"])
def test_the_case_team_or_ppcs_records_the_outcome_once_known(request, authorised, who):
    actor = request.getfixturevalue(who)
    version = authorised.version

    rec = services.recommendation_record_charge_outcome(
        rec_id=authorised.pk, actor=actor, outcome="discontinued"
    )

    rec.refresh_from_db()
    assert rec.charge_outcome == "discontinued"
    assert rec.version == version  # the countersigned version stays the current one
    event = RecallRecommendation.pgh_event_model.objects.filter(pgh_obj_id=rec.pk).latest("pgh_id")
    assert event.charge_outcome == "discontinued"
    assert event.pgh_context.metadata["user"] == actor.pk


def test_an_outsider_cannot_record_the_outcome_and_nothing_changes(authorised, outsider):
    before = _events(authorised)
    with pytest.raises(services.NotAllowed, match="cannot record the outcome of the allegation"):
        services.recommendation_record_charge_outcome(
            rec_id=authorised.pk, actor=outsider, outcome="acquitted"
        )
    authorised.refresh_from_db()
    assert authorised.charge_outcome == ""
    assert _events(authorised) == before


@pytest.mark.parametrize("outcome", ["dropped", "", "NO_FURTHER_ACTION"])
def test_an_unknown_outcome_is_refused_with_a_message_and_nothing_changes(
    authorised, practitioner, outcome
):
    before = _events(authorised)
    with pytest.raises(services.RecallError, match="Choose what happened to the allegation"):
        services.recommendation_record_charge_outcome(
            rec_id=authorised.pk, actor=practitioner, outcome=outcome
        )
    authorised.refresh_from_db()
    assert authorised.charge_outcome == ""
    assert _events(authorised) == before


def test_there_is_no_outcome_to_record_without_an_allegation(
    person, practitioner, manager, aco, ppcs
):
    rec = _authorised(person, practitioner, manager, aco, ppcs, allegation="none")
    with pytest.raises(services.IllegalTransition, match="not made on an allegation"):
        services.recommendation_record_charge_outcome(
            rec_id=rec.pk, actor=practitioner, outcome="no_further_action"
        )


def test_a_draft_records_the_outcome_in_its_allegations_section(person, practitioner):
    rec = services.recommendation_start(person=person, actor=practitioner)
    with pytest.raises(services.IllegalTransition, match="considering recall"):
        services.recommendation_record_charge_outcome(
            rec_id=rec.pk, actor=practitioner, outcome="acquitted"
        )
    rec = services.recommendation_update(
        rec_id=rec.pk,
        actor=practitioner,
        expected_version=rec.version,
        changes={"allegation_status": "charged", "charge_outcome": "acquitted"},
        section="allegation",
    )
    assert rec.charge_outcome == "acquitted"


# --- the recall tab's form and the warning on the recall and parole tabs ----------------------


def _tabs(client, person) -> tuple[str, str]:
    recall_tab = client.get(reverse("recall:person_recall", args=[person.crn]))
    parole_tab = client.get(reverse("parole:person_parole", args=[person.crn]))
    assert recall_tab.status_code == parole_tab.status_code == 200
    return recall_tab.content.decode(), parole_tab.content.decode()


def test_the_recall_tab_has_the_outcome_form_with_csrf(authorised, practitioner):
    html, _ = _tabs(client_for(practitioner), authorised.person)
    form = html.split('id="charge-outcome-form"', 1)[1].split("</form>", 1)[0]
    assert "csrfmiddlewaretoken" in form
    assert 'value="no_further_action"' in form
    assert reverse("recall:record_charge_outcome", args=[authorised.pk]) in html


@pytest.mark.parametrize("outcome", ["no_further_action", "discontinued", "acquitted"])
def test_a_dropped_allegation_while_in_custody_prompts_a_review_on_both_tabs(
    in_custody, practitioner, outcome
):
    client = client_for(practitioner)
    for html in _tabs(client, in_custody.person):
        assert 'id="detention-review-warning"' not in html

    response = client.post(
        reverse("recall:record_charge_outcome", args=[in_custody.pk]), {"charge_outcome": outcome}
    )

    assert response.status_code == 302
    for html in _tabs(client, in_custody.person):
        warning = html.split('id="detention-review-warning"', 1)[1].split("</div>", 1)[0]
        assert "govuk-warning-text__text" in warning
        assert "still in custody" in warning and "continued detention" in warning
        assert "risk-assessed recall review" in warning


@pytest.mark.parametrize("outcome", ["pending", "convicted"])
def test_no_prompt_when_the_allegation_stands(in_custody, practitioner, outcome):
    services.recommendation_record_charge_outcome(
        rec_id=in_custody.pk, actor=practitioner, outcome=outcome
    )
    for html in _tabs(client_for(practitioner), in_custody.person):
        assert 'id="detention-review-warning"' not in html


def test_no_prompt_before_the_return_to_custody_or_after_re_release(authorised, practitioner, ppcs):
    services.recommendation_record_charge_outcome(
        rec_id=authorised.pk, actor=practitioner, outcome="no_further_action"
    )
    client = client_for(practitioner)
    for html in _tabs(client, authorised.person):
        assert 'id="detention-review-warning"' not in html  # not yet in custody
    services.recall_record_return_to_custody(
        recall_id=authorised.recall_id, actor=ppcs, returned_on=TODAY, prison="HMP Leeds"
    )
    assert all('id="detention-review-warning"' in html for html in _tabs(client, authorised.person))
    services.recall_stop(rec_id=authorised.pk, actor=ppcs, reason="NFA.", released_on=TODAY)
    for html in _tabs(client, authorised.person):
        assert 'id="detention-review-warning"' not in html


def test_posting_no_outcome_shows_the_error_and_changes_nothing(authorised, practitioner):
    before = _events(authorised)
    response = client_for(practitioner).post(
        reverse("recall:record_charge_outcome", args=[authorised.pk]), {"charge_outcome": ""}
    )
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Select what has happened to the allegation" in html
    authorised.refresh_from_db()
    assert authorised.charge_outcome == "" and _events(authorised) == before


def test_an_outsider_cannot_post_the_outcome(authorised, outsider):
    response = client_for(outsider).post(
        reverse("recall:record_charge_outcome", args=[authorised.pk]),
        {"charge_outcome": "acquitted"},
    )
    assert response.status_code in (403, 404)
    authorised.refresh_from_db()
    assert authorised.charge_outcome == ""
