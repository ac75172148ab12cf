"""Segregation of duties: no one countersigns, authorises or reviews their own work.

- The SPO and the ACO never countersign a recommendation they started or wrote answers of (in
  hours or out of hours as a duty manager), and the ACO is never the SPO who signed the same
  version; the SPO who sent a recommendation back may sign the revised version.
- PPCS never decides a recall request they started, wrote, submitted or countersigned.
- PPCS never records the risk-assessed recall review (RARR) of a recall they asked for,
  countersigned or authorised.
Each rule is a ``rules`` permission (recall/permissions.py) that the service enforces; the
pages show the service's refusal and record nothing.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from ippcase.vocab import Role
from parole import services as parole_services
from parole.models import RiskAssessedRecallReview
from recall import services
from recall.models import Oversight, PpcsDecision, RecallRecommendation
from recall.vocab import RecommendationStatus as Status
from tests import factories
from tests.conftest import client_for
from tests.test_recall_services import (
    CONFIRM,
    OUT_OF_HOURS,
    WORKING_DAY_2PM,
    _draft_ready_to_send,
    _send,
    _sign,
)


@pytest.fixture
def on_licence(team):
    return factories.make_case(
        team,
        recalled=False,
        released=factories.recently_released(),
        first_name="Lee",
        last_name="Hart",
    )


@pytest.fixture
def aco(team):
    return factories.UserFactory(username="aco", roles=[Role.SENIOR_MANAGER], team=team)


def _user(team, username: str, *roles: str):
    return factories.UserFactory(username=username, roles=list(roles), team=team)


def _awaiting_spo(person, author):
    return _send(_draft_ready_to_send(person, author), author)


def _submitted(person, author, spo, aco, submitter=None):
    rec = _sign(_sign(_awaiting_spo(person, author), spo, "spo"), aco, "aco")
    return services.recommendation_submit(
        rec_id=rec.pk, actor=submitter or author, expected_version=rec.version
    )


def _submitted_from(rec_id, author, spo, aco):
    rec = _send(RecallRecommendation.objects.get(pk=rec_id), author)
    rec = _sign(_sign(rec, spo, "spo"), aco, "aco")
    return services.recommendation_submit(rec_id=rec.pk, actor=author, expected_version=rec.version)


# ---------------------------------------------------------------------------------------------
# Countersignature


@pytest.mark.parametrize("when", [WORKING_DAY_2PM, OUT_OF_HOURS["a working day at 7pm"]])
def test_the_spo_cannot_countersign_a_recommendation_they_started(
    on_licence, team, london_clock, when
):
    author = _user(team, "com-spo", Role.PRACTITIONER, Role.MANAGER)
    rec = _awaiting_spo(on_licence, author)
    london_clock.at(*when)
    assert not author.has_perm("recall.countersign_spo", rec)
    with pytest.raises(services.NotAllowed, match="your own recommendation"):
        _sign(rec, author, "spo")
    rec.refresh_from_db()
    assert rec.status == Status.AWAITING_SPO and not Oversight.objects.exists()


def test_a_colleague_who_wrote_answers_cannot_countersign_them(on_licence, team, practitioner):
    co_author = _user(team, "com-spo", Role.PRACTITIONER, Role.MANAGER)
    rec = _draft_ready_to_send(on_licence, practitioner)
    rec = services.recommendation_update(
        rec_id=rec.pk,
        actor=co_author,
        expected_version=rec.version,
        changes={"causal_link": rec.causal_link + " Added by a colleague."},
    )
    rec = _send(rec, practitioner)
    assert not co_author.has_perm("recall.countersign_spo", rec)
    with pytest.raises(services.NotAllowed, match="your own recommendation"):
        _sign(rec, co_author, "spo")
    assert not Oversight.objects.exists()


def test_the_spo_who_sent_it_back_countersigns_the_revised_version(
    on_licence, practitioner, manager
):
    rec = _awaiting_spo(on_licence, practitioner)
    rec = _sign(rec, manager, "spo", decision="do_not_recall", rationale="Try AP first.")
    assert rec.status == Status.DRAFT  # returned: a change of status, not of any answer
    rec = services.recommendation_update(
        rec_id=rec.pk,
        actor=practitioner,
        expected_version=rec.version,
        changes={"why_considered": rec.why_considered + " AP tried and failed."},
    )
    rec = _send(rec, practitioner)
    assert manager.has_perm("recall.countersign_spo", rec)
    assert _sign(rec, manager, "spo").status == Status.AWAITING_ACO


def test_the_oversight_page_refuses_the_recommenders_own_signature(on_licence, team):
    author = _user(team, "com-spo", Role.PRACTITIONER, Role.MANAGER)
    rec = _awaiting_spo(on_licence, author)
    response = client_for(author).post(
        reverse("recall:oversight", args=[rec.pk]),
        {"version": rec.version, "decision": "recall", "rationale": "Mine.", **CONFIRM},
    )
    assert response.status_code == 200
    assert "You cannot countersign your own recommendation." in response.content.decode()
    assert not Oversight.objects.exists()


def test_the_aco_cannot_countersign_a_recommendation_they_started(on_licence, team, manager):
    author = _user(team, "com-aco", Role.PRACTITIONER, Role.SENIOR_MANAGER)
    rec = _sign(_awaiting_spo(on_licence, author), manager, "spo")
    assert rec.status == Status.AWAITING_ACO
    assert not author.has_perm("recall.countersign_aco", rec)
    with pytest.raises(services.NotAllowed, match="your own recommendation"):
        _sign(rec, author, "aco")
    rec.refresh_from_db()
    assert rec.status == Status.AWAITING_ACO
    assert list(Oversight.objects.values_list("level", flat=True)) == ["spo"]


def test_the_aco_cannot_be_the_spo_who_signed_the_same_version(on_licence, team, practitioner):
    both = _user(team, "spo-aco", Role.MANAGER, Role.SENIOR_MANAGER)
    rec = _sign(_awaiting_spo(on_licence, practitioner), both, "spo")
    assert not both.has_perm("recall.countersign_aco", rec)
    with pytest.raises(services.NotAllowed):
        _sign(rec, both, "aco")
    response = client_for(both).post(
        reverse("recall:oversight", args=[rec.pk]),
        {"version": rec.version, "decision": "recall", "rationale": "Again.", **CONFIRM},
    )
    assert response.status_code == 403
    rec.refresh_from_db()
    assert rec.status == Status.AWAITING_ACO
    assert list(Oversight.objects.values_list("level", flat=True)) == ["spo"]


def test_another_aco_countersigns_after_the_spo(on_licence, team, practitioner, aco):
    both = _user(team, "spo-aco", Role.MANAGER, Role.SENIOR_MANAGER)
    rec = _sign(_awaiting_spo(on_licence, practitioner), both, "spo")
    assert aco.has_perm("recall.countersign_aco", rec)
    assert _sign(rec, aco, "aco").status == Status.READY


# ---------------------------------------------------------------------------------------------
# The PPCS decision


@pytest.mark.parametrize(
    "part", ["started", "wrote answers", "submitted", "signed as SPO", "signed as ACO"]
)
def test_ppcs_cannot_decide_a_request_they_took_part_in(
    on_licence, team, practitioner, manager, aco, part
):
    if part == "started":
        involved = _user(team, "com-ppcs", Role.PRACTITIONER, Role.PPCS)
        rec = _submitted(on_licence, involved, manager, aco)
    elif part == "wrote answers":
        involved = _user(team, "com-ppcs", Role.PRACTITIONER, Role.PPCS)
        draft = _draft_ready_to_send(on_licence, practitioner)
        services.recommendation_update(
            rec_id=draft.pk,
            actor=involved,
            expected_version=draft.version,
            changes={"multi_agency_input": "Police consulted by a colleague."},
        )
        rec = _submitted_from(draft.pk, practitioner, manager, aco)
    elif part == "submitted":
        involved = _user(team, "com-ppcs", Role.PRACTITIONER, Role.PPCS)
        rec = _submitted(on_licence, practitioner, manager, aco, submitter=involved)
    elif part == "signed as SPO":
        involved = _user(team, "spo-ppcs", Role.MANAGER, Role.PPCS)
        rec = _submitted(on_licence, practitioner, involved, aco)
    else:
        involved = _user(team, "aco-ppcs", Role.SENIOR_MANAGER, Role.PPCS)
        rec = _submitted(on_licence, practitioner, manager, involved)
    assert rec.status == Status.SUBMITTED
    assert involved.has_perm("recall.view_request", rec)  # they may read it ...
    assert not involved.has_perm("recall.decide_request", rec)  # ... not decide it
    for outcome in ("authorised", "rejected", "info_requested"):
        with pytest.raises(services.NotAllowed, match="you made or countersigned"):
            services.ppcs_decide(rec_id=rec.pk, actor=involved, outcome=outcome, reason="Mine.")
    rec.refresh_from_db()
    assert rec.status == Status.SUBMITTED and rec.recall_id is None
    assert not PpcsDecision.objects.exists()


def test_the_ppcs_page_shows_the_refusal_and_records_nothing(on_licence, team, practitioner, aco):
    spo_ppcs = _user(team, "spo-ppcs", Role.MANAGER, Role.PPCS)
    rec = _submitted(on_licence, practitioner, spo_ppcs, aco)
    page = client_for(spo_ppcs).get(reverse("recall:ppcs_request", args=[rec.pk]))
    assert "another PPCS caseworker decides it" in page.content.decode()
    assert reverse("recall:ppcs_decide", args=[rec.pk]) not in page.content.decode()
    response = client_for(spo_ppcs).post(
        reverse("recall:ppcs_decide", args=[rec.pk]), {"outcome": "authorised"}
    )
    assert response.status_code == 200
    assert "You cannot decide a recall request you made or countersigned." in (
        response.content.decode()
    )
    assert not PpcsDecision.objects.exists()


def test_an_uninvolved_ppcs_caseworker_decides(on_licence, practitioner, manager, aco, ppcs):
    rec = _submitted(on_licence, practitioner, manager, aco)
    assert ppcs.has_perm("recall.decide_request", rec)
    page = client_for(ppcs).get(reverse("recall:ppcs_request", args=[rec.pk]))
    assert reverse("recall:ppcs_decide", args=[rec.pk]) in page.content.decode()
    decided = services.ppcs_decide(rec_id=rec.pk, actor=ppcs, outcome="authorised")
    assert decided.status == Status.AUTHORISED and decided.recall_id is not None


# ---------------------------------------------------------------------------------------------
# Risk-assessed recall review


def _rarr(recall, actor):
    return parole_services.rarr_record(
        recall_id=recall.pk,
        actor=actor,
        decided_on=timezone.localdate(),
        outcome="no_release",
        rationale="Risk not yet reduced.",
    )


def test_ppcs_cannot_review_a_recall_they_authorised(
    on_licence, team, practitioner, manager, aco, ppcs
):
    rec = services.ppcs_decide(
        rec_id=_submitted(on_licence, practitioner, manager, aco).pk,
        actor=ppcs,
        outcome="authorised",
    )
    assert not ppcs.has_perm("parole.review_recall", rec.recall)
    with pytest.raises(parole_services.NotAllowed, match="another PPCS caseworker"):
        _rarr(rec.recall, ppcs)
    assert not RiskAssessedRecallReview.objects.exists()
    colleague = _user(None, "ppcs-2", Role.PPCS)
    assert colleague.has_perm("parole.review_recall", rec.recall)
    assert _rarr(rec.recall, colleague).recorded_by == colleague


def test_ppcs_cannot_review_a_recall_they_countersigned(on_licence, team, practitioner, aco, ppcs):
    spo_ppcs = _user(team, "spo-ppcs", Role.MANAGER, Role.PPCS)
    rec = services.ppcs_decide(
        rec_id=_submitted(on_licence, practitioner, spo_ppcs, aco).pk,
        actor=ppcs,
        outcome="authorised",
    )
    with pytest.raises(parole_services.NotAllowed):
        _rarr(rec.recall, spo_ppcs)
    assert not RiskAssessedRecallReview.objects.exists()
