"""A person's parole pages: the Parole tab, the action pages (refer, review details, decision,
adjournments, RARR, re-release, termination, supervision), who may use them, invalid input that
changes nothing, the untold-adjournment warning in the person header, and bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ippcase.models import Recall, Release
from parole.models import (
    Adjournment,
    ParoleReview,
    RiskAssessedRecallReview,
    SupervisionSuspension,
    TerminationReferral,
)
from recall.reminders import calendar as working_calendar
from tests import factories
from tests.conftest import client_for

TODAY = timezone.localdate()


def _date(prefix: str, day: dt.date | None = None, *, raw: tuple[str, str, str] | None = None):
    d, m, y = raw or (str(day.day), str(day.month), str(day.year))  # type: ignore[union-attr]
    return {f"{prefix}-day": d, f"{prefix}-month": m, f"{prefix}-year": y}


def _working_days_ago(n: int) -> dt.date:
    cal = working_calendar()
    day = TODAY
    while cal.working_days_between(day, TODAY) < n:
        day -= dt.timedelta(days=1)
    return day


@pytest.fixture
def case(team):
    """An IPP case released in 2014 (so eligible for a termination referral), recalled 60 days
    ago and back in custody the day after."""
    return factories.make_case(
        team, recalled=False, released=dt.date(2014, 5, 1), first_name="Amos", last_name="Parr"
    )


@pytest.fixture
def recall(case):
    return factories.make_recall(
        case,
        recall_date=TODAY - dt.timedelta(days=60),
        returned=TODAY - dt.timedelta(days=59),
    )


def _review(recall, *, kind="paper", referred_days_ago=50, **fields) -> ParoleReview:
    return ParoleReview.objects.create(
        recall=recall,
        kind=kind,
        referred_on=TODAY - dt.timedelta(days=referred_days_ago),
        **fields,
    )


def _events(model, user) -> int:
    return model.pgh_event_model.objects.filter(pgh_context__metadata__user=user.pk).count()


def _url(name: str, case, *args) -> str:
    return reverse(f"parole:{name}", args=[case.crn, *args])


def _tab(case) -> str:
    return reverse("parole:person_parole", args=[case.crn])


def _assert_done(response, case, banner: str) -> None:
    assert response.redirect_chain[-1][0] == _tab(case)
    content = response.content.decode()
    assert "govuk-notification-banner--success" in content
    assert banner in content


def _assert_error(response, text: str) -> None:
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert text in content


# ---------------------------------------------------------------------------------------------
# The tab and who sees it


@pytest.mark.parametrize(
    "persona", ["practitioner", "manager", "senior_manager", "ppcs", "admin_user"]
)
def test_everyone_who_can_view_the_person_sees_the_parole_tab(request, case, recall, persona):
    _review(recall)
    user = request.getfixturevalue(persona)
    response = client_for(user).get(_tab(case))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'aria-current="page">Parole</a>' in content
    assert "Qualifying date for a termination referral" in content
    assert "Eligible now" in content
    assert "In custody, awaiting re-release" in content
    assert "Awaiting decision" in content
    overview = client_for(user).get(reverse("person_overview", args=[case.crn])).content.decode()
    assert _tab(case) in overview


def test_the_tab_shows_reviews_delays_rarr_and_termination(case, recall, ppcs):
    review = _review(
        recall,
        calder_answer="appropriate",
        pca_n_directed_on=TODAY - dt.timedelta(days=40),
        pca_n_recommendation="pra",
        decided_on=TODAY - dt.timedelta(days=20),
        outcome="oral_hearing",
    )
    oral = _review(recall, kind="oral", referred_days_ago=20, hearing_date=TODAY)
    Adjournment.objects.create(
        review=oral, kind="deferral", date=TODAY - dt.timedelta(days=10), reason="No report"
    )
    RiskAssessedRecallReview.objects.create(
        recall=recall, decided_on=TODAY - dt.timedelta(days=5), outcome="no_release", rationale="x"
    )
    TerminationReferral.objects.create(
        person=case,
        referred_on=dt.date(2020, 1, 6),
        decided_on=dt.date(2020, 6, 1),
        outcome="refused",
    )
    content = client_for(ppcs).get(_tab(case)).content.decode()
    assert "The recall was appropriate" in content
    assert "A psychology risk assessment (PRA) is recommended" in content
    assert "Directed to an oral hearing" in content
    assert "No report" in content and "Not told: overdue" in content
    assert "No re-release" in content
    assert "Termination refused" in content
    assert content.index(f'id="review-{oral.pk}"') < content.index(f'id="review-{review.pk}"')


def test_terminated_licence_is_shown(case, recall, ppcs):
    TerminationReferral.objects.create(
        person=case,
        referred_on=dt.date(2020, 1, 6),
        decided_on=dt.date(2020, 6, 1),
        outcome="terminated",
    )
    content = client_for(ppcs).get(_tab(case)).content.decode()
    assert "Licence ended on 1 June 2020" in content
    assert "The Parole Board terminated this licence on 1 June 2020." in content


def test_outsider_gets_404_anonymous_is_sent_to_sign_in_and_no_role_is_refused(
    case, recall, outsider, no_role_user, client
):
    review = _review(recall)
    for url in (
        _tab(case),
        _url("review_decision", case, review.pk),
        _url("refer", case, recall.pk),
    ):
        assert client_for(outsider).get(url).status_code == 404
        assert client_for(no_role_user).get(url).status_code == 403
        response = client.get(url)
        assert response.status_code == 302 and "next=" in response.url
    before = ParoleReview.objects.count()
    response = client_for(outsider).post(
        _url("refer", case, recall.pk), {"kind": "paper", **_date("referred_on", TODAY)}
    )
    assert response.status_code == 404
    assert ParoleReview.objects.count() == before


def test_an_object_of_another_case_is_not_found(case, recall, team, ppcs):
    other = factories.make_case(team, recalled=False)
    other_recall = factories.make_recall(other, recall_date=TODAY - dt.timedelta(days=30))
    assert client_for(ppcs).get(_url("refer", case, other_recall.pk)).status_code == 404


# ---------------------------------------------------------------------------------------------
# Happy paths


def test_ppcs_refers_a_recall_to_the_parole_board(case, recall, ppcs):
    client = client_for(ppcs)
    assert client.get(_url("refer", case, recall.pk)).status_code == 200
    response = client.post(
        _url("refer", case, recall.pk),
        {
            "kind": "oral",
            **_date("referred_on", TODAY),
            **_date("hearing_date", TODAY + dt.timedelta(days=90)),
        },
        follow=True,
    )
    _assert_done(response, case, "Referral to the Parole Board recorded.")
    review = ParoleReview.objects.get(recall=recall)
    assert review.kind == "oral" and review.hearing_date == TODAY + dt.timedelta(days=90)
    assert _events(ParoleReview, ppcs) == 1


def test_practitioner_records_review_details(case, recall, practitioner):
    review = _review(recall)
    response = client_for(practitioner).post(
        _url("review_details", case, review.pk),
        {
            "calder_answer": "not_appropriate",
            **_date("pca_n_directed_on", TODAY - dt.timedelta(days=10)),
            "pca_n_recommendation": "pra",
            **_date("pra_directed_on", TODAY - dt.timedelta(days=5)),
            "pra_recommendation": "open_conditions",
            "notes": "Psychology report ordered",
        },
        follow=True,
    )
    _assert_done(response, case, "Review details saved.")
    review.refresh_from_db()
    assert review.calder_answer == "not_appropriate"
    assert review.pra_recommendation == "open_conditions"
    assert review.notes == "Psychology report ordered"
    assert _events(ParoleReview, practitioner) == 1


def test_calder_is_offered_on_the_first_review_only(case, recall, practitioner):
    first = _review(recall, decided_on=TODAY - dt.timedelta(days=20), outcome="oral_hearing")
    second = _review(recall, kind="oral", referred_days_ago=20)
    client = client_for(practitioner)
    assert "Calder" in client.get(_url("review_details", case, first.pk)).content.decode()
    assert "Calder" not in client.get(_url("review_details", case, second.pk)).content.decode()


def test_paper_decision_directing_an_oral_hearing_opens_it(case, recall, ppcs):
    review = _review(recall)
    response = client_for(ppcs).post(
        _url("review_decision", case, review.pk),
        {
            **_date("decided_on", TODAY),
            "outcome": "oral_hearing",
            **_date("hearing_date", TODAY + dt.timedelta(days=120)),
        },
        follow=True,
    )
    _assert_done(response, case, "Parole Board decision recorded.")
    review.refresh_from_db()
    assert review.outcome == "oral_hearing"
    oral = ParoleReview.objects.get(recall=recall, kind="oral")
    assert oral.hearing_date == TODAY + dt.timedelta(days=120)
    assert _events(ParoleReview, ppcs) == 2


def test_the_oral_hearing_decision_does_not_offer_an_oral_hearing(case, recall, ppcs):
    review = _review(recall, kind="oral")
    content = client_for(ppcs).get(_url("review_decision", case, review.pk)).content.decode()
    assert 'value="release"' in content
    assert 'value="oral_hearing"' not in content


def test_adjournment_added_and_prisoner_told(case, recall, practitioner):
    review = _review(recall, kind="oral", hearing_date=TODAY + dt.timedelta(days=3))
    client = client_for(practitioner)
    response = client.post(
        _url("delay_add", case, review.pk),
        {
            "kind": "adjournment",
            **_date("date", TODAY - dt.timedelta(days=2)),
            "reason": "Report not ready",
            **_date("new_date", TODAY + dt.timedelta(days=60)),
        },
        follow=True,
    )
    _assert_done(response, case, "Adjournment or deferral recorded.")
    delay = Adjournment.objects.get(review=review)
    review.refresh_from_db()
    assert review.hearing_date == TODAY + dt.timedelta(days=60)
    assert _events(Adjournment, practitioner) == 1
    response = client.post(
        _url("delay_told", case, delay.pk), _date("informed_on", TODAY), follow=True
    )
    _assert_done(response, case, "Recorded that the prisoner was told.")
    delay.refresh_from_db()
    assert delay.prisoner_informed_on == TODAY
    assert _events(Adjournment, practitioner) == 2


def test_ppcs_records_a_rarr(case, recall, ppcs):
    response = client_for(ppcs).post(
        _url("rarr", case, recall.pk),
        {**_date("decided_on", TODAY), "outcome": "release", "rationale": "Risk manageable"},
        follow=True,
    )
    _assert_done(response, case, "Risk-assessed recall review recorded.")
    assert RiskAssessedRecallReview.objects.get(recall=recall).outcome == "release"
    assert _events(RiskAssessedRecallReview, ppcs) == 1


def test_re_release_after_a_release_decision(case, recall, practitioner):
    _review(recall, decided_on=TODAY - dt.timedelta(days=10), outcome="release")
    content = client_for(practitioner).get(_tab(case)).content.decode()
    assert _url("re_release", case, recall.pk) in content
    response = client_for(practitioner).post(
        _url("re_release", case, recall.pk),
        {**_date("released_on", TODAY), "prison": "HMP Hull", "approved_premises": "yes"},
        follow=True,
    )
    _assert_done(response, case, "Re-release recorded.")
    recall.refresh_from_db()
    assert recall.re_released_on == TODAY
    release = Release.objects.get(person=case, date=TODAY)
    assert release.prison == "HMP Hull" and release.approved_premises
    assert Recall.pgh_event_model.objects.filter(
        pgh_obj_id=recall.pk, pgh_context__metadata__user=practitioner.pk
    ).exists()


def test_ppcs_refers_the_licence_for_termination_and_records_the_decision(case, recall, ppcs):
    client = client_for(ppcs)
    assert _url("termination_refer", case) in client.get(_tab(case)).content.decode()
    response = client.post(
        _url("termination_refer", case),
        _date("referred_on", TODAY - dt.timedelta(days=3)),
        follow=True,
    )
    _assert_done(response, case, "Licence termination referral recorded.")
    referral = TerminationReferral.objects.get(person=case)
    assert _url("termination_refer", case) not in response.content.decode()  # one open at a time
    response = client.post(
        _url("termination_decision", case, referral.pk),
        {**_date("decided_on", TODAY), "outcome": "refused_varied"},
        follow=True,
    )
    _assert_done(response, case, "Termination decision recorded.")
    referral.refresh_from_db()
    assert referral.outcome == "refused_varied"
    assert _events(TerminationReferral, ppcs) == 2


def test_supervision_suspension_shows_as_not_applicable_and_keeps_history(team, ppcs):
    case = factories.make_case(team, recalled=False)
    SupervisionSuspension.objects.create(
        person=case,
        panel_date=dt.date(2019, 3, 4),
        panel_recommendation="suspend",
        decided_on=dt.date(2019, 4, 1),
        outcome="suspended",
        rationale="Stable for years",
        recorded_by=ppcs,
    )
    content = client_for(ppcs).get(_tab(case)).content.decode()
    assert "Not applicable to IPP and DPP licences under the current law" in content
    assert "Stable for years" in content  # the historic record stays readable
    assert "supervision/panel" not in content


# ---------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize(
    ("name", "model", "data"),
    [
        ("rarr", RiskAssessedRecallReview, {"outcome": "release", "rationale": "x"}),
        ("termination_refer", TerminationReferral, {}),
    ],
)
def test_practitioner_cannot_record_ppcs_work(case, recall, practitioner, name, model, data):
    url = _url(name, case, recall.pk) if name == "rarr" else _url(name, case)
    client = client_for(practitioner)
    assert client.get(url).status_code == 403
    before = model.objects.count()
    response = client.post(
        url, {**data, **_date("decided_on", TODAY), **_date("referred_on", TODAY)}
    )
    assert response.status_code == 403
    assert model.objects.count() == before
    content = client.get(_tab(case)).content.decode()
    assert url not in content


def test_manager_of_another_team_in_the_pdu_may_record_reviews_but_not_rarr(
    other_team_same_pdu, manager
):
    case = factories.make_case(other_team_same_pdu, recalled=False)
    recall = factories.make_recall(case, recall_date=TODAY - dt.timedelta(days=30), returned=TODAY)
    client = client_for(manager)
    assert client.get(_url("refer", case, recall.pk)).status_code == 200
    assert client.get(_url("rarr", case, recall.pk)).status_code == 403


# ---------------------------------------------------------------------------------------------
# Invalid input changes nothing


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "paper", **_date("referred_on", raw=("31", "2", "2025"))}, "must be a real date"),
        (
            {"kind": "paper", **_date("referred_on", TODAY + dt.timedelta(days=1))},
            "must be today or in the past",
        ),
        ({**_date("referred_on", TODAY)}, "Select whether the review is on the papers"),
        (
            {"kind": "paper", **_date("referred_on", TODAY - dt.timedelta(days=365))},
            "cannot be before the recall",
        ),
        (
            {"kind": "paper", **_date("referred_on", TODAY), **_date("hearing_date", TODAY)},
            "Only an oral hearing has a hearing date",
        ),
    ],
)
def test_invalid_referral_shows_errors_and_changes_nothing(case, recall, ppcs, data, message):
    before = ParoleReview.objects.count()
    response = client_for(ppcs).post(_url("refer", case, recall.pk), data)
    _assert_error(response, message)
    assert ParoleReview.objects.count() == before


def test_decision_before_the_referral_is_refused(case, recall, ppcs):
    review = _review(recall, referred_days_ago=10)
    response = client_for(ppcs).post(
        _url("review_decision", case, review.pk),
        {**_date("decided_on", TODAY - dt.timedelta(days=20)), "outcome": "no_release"},
    )
    _assert_error(response, "The decision date cannot be before the referral")
    review.refresh_from_db()
    assert review.decided_on is None and ParoleReview.objects.count() == 1


def test_oral_hearing_cannot_direct_an_oral_hearing(case, recall, ppcs):
    review = _review(recall, kind="oral")
    response = client_for(ppcs).post(
        _url("review_decision", case, review.pk),
        {**_date("decided_on", TODAY), "outcome": "oral_hearing"},
    )
    _assert_error(response, "An oral hearing decides release, no release or open conditions")
    review.refresh_from_db()
    assert review.decided_on is None and ParoleReview.objects.count() == 1


def test_invalid_adjournment_changes_nothing(case, recall, practitioner):
    review = _review(recall)
    response = client_for(practitioner).post(
        _url("delay_add", case, review.pk),
        {"kind": "adjournment", **_date("date", TODAY, raw=("31", "2", "2026")), "reason": ""},
    )
    _assert_error(response, "Enter the reason for the adjournment or deferral")
    assert "must be a real date" in response.content.decode()
    assert not Adjournment.objects.exists()


def test_re_release_without_a_release_decision_is_refused(case, recall, ppcs):
    response = client_for(ppcs).post(
        _url("re_release", case, recall.pk),
        {**_date("released_on", TODAY), "prison": "HMP Hull", "approved_premises": "no"},
    )
    _assert_error(response, "Record the decision to re-release first")
    recall.refresh_from_db()
    assert recall.re_released_on is None


# ---------------------------------------------------------------------------------------------
# The untold warning in the person header


def _untold(recall, days_ago: int) -> Adjournment:
    review = _review(recall)
    return Adjournment.objects.create(review=review, date=_working_days_ago(days_ago), reason="x")


def test_untold_warning_after_six_working_days(case, recall, practitioner):
    delay = _untold(recall, 6)
    client = client_for(practitioner)
    content = client.get(reverse("person_overview", args=[case.crn])).content.decode()
    assert "The prisoner has not been told about an adjournment or deferral of" in content
    assert "(6 working days ago)" in content
    assert _tab(case) in content
    client.post(_url("delay_told", case, delay.pk), _date("informed_on", TODAY))
    content = client.get(reverse("person_overview", args=[case.crn])).content.decode()
    assert "has not been told about an adjournment" not in content


def test_no_untold_warning_after_four_working_days(case, recall, practitioner):
    _untold(recall, 4)
    content = (
        client_for(practitioner).get(reverse("person_overview", args=[case.crn])).content.decode()
    )
    assert "has not been told about an adjournment" not in content


def test_untold_warning_gone_once_re_released(case, recall, practitioner):
    _untold(recall, 10)
    Recall.objects.filter(pk=recall.pk).update(re_released_on=TODAY)
    content = (
        client_for(practitioner).get(reverse("person_overview", args=[case.crn])).content.decode()
    )
    assert "has not been told about an adjournment" not in content


def test_untold_warning_tag_costs_one_query(case, recall):
    from parole.templatetags.parole_tags import untold_parole_delay

    _untold(recall, 8)
    with CaptureQueriesContext(connection) as ctx:
        found = untold_parole_delay(case)
    assert found is not None and found.working_days == 8
    assert len(ctx.captured_queries) == 1


# ---------------------------------------------------------------------------------------------
# Bounded queries


def _with_history(team, recalls: int):
    person = factories.make_case(team, recalled=False)
    for n in range(recalls):
        recall = factories.make_recall(
            person,
            recall_date=TODAY - dt.timedelta(days=400 * (recalls - n)),
            returned=TODAY - dt.timedelta(days=400 * (recalls - n) - 1),
            re_released=TODAY - dt.timedelta(days=400 * (recalls - n) - 200)
            if n < recalls - 1
            else None,
        )
        paper = ParoleReview.objects.create(
            recall=recall,
            kind="paper",
            referred_on=recall.recall_date + dt.timedelta(days=10),
            decided_on=recall.recall_date + dt.timedelta(days=50),
            outcome="oral_hearing",
        )
        oral = ParoleReview.objects.create(recall=recall, kind="oral", referred_on=paper.decided_on)
        Adjournment.objects.create(
            review=oral, date=oral.referred_on + dt.timedelta(days=5), reason="x"
        )
        Adjournment.objects.create(
            review=oral, date=oral.referred_on + dt.timedelta(days=9), reason="y"
        )
    return person


@pytest.mark.parametrize("persona", ["practitioner", "ppcs"])
def test_parole_tab_query_count_does_not_grow_with_recalls(request, team, persona):
    client = client_for(request.getfixturevalue(persona))
    counts = []
    for recalls in (1, 5):
        person = _with_history(team, recalls)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(_tab(person))
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def _caseload_crns(user, work: str) -> set[str]:
    response = client_for(user).get(reverse("caseload"), {"work": work})
    assert response.status_code == 200
    return {p.crn for p in response.context["page"].object_list}


def test_the_caseload_lists_each_kind_of_parole_work(team, ppcs, practitioner):
    four_years_ago = TODAY - relativedelta(years=4)  # qualified, licence in force
    referred = factories.make_case(
        team, recalled=False, released=four_years_ago, last_name="Referred"
    )
    TerminationReferral.objects.create(person=referred, referred_on=TODAY - dt.timedelta(days=9))
    not_referred = factories.make_case(
        team, recalled=False, released=four_years_ago, last_name="Unreferred"
    )
    # Released in 2014, then its licence ended on 1 November 2024: nothing left to refer.
    factories.make_case(team, recalled=False, released=dt.date(2014, 5, 1), last_name="Ended")
    in_custody = factories.make_case(
        team, recalled=False, released=dt.date(2014, 5, 1), last_name="Custody"
    )
    recall = factories.make_recall(
        in_custody,
        recall_date=TODAY - dt.timedelta(days=60),
        returned=TODAY - dt.timedelta(days=59),
    )
    review = _review(recall, kind="oral")
    Adjournment.objects.create(review=review, date=_working_days_ago(6), reason="Panel ill")
    told = factories.make_case(team, recalled=False, released=dt.date(2014, 5, 1), last_name="Told")
    told_recall = factories.make_recall(
        told, recall_date=TODAY - dt.timedelta(days=60), returned=TODAY - dt.timedelta(days=59)
    )
    Adjournment.objects.create(
        review=_review(told_recall, kind="oral"),
        date=_working_days_ago(6),
        reason="Panel ill",
        prisoner_informed_on=_working_days_ago(5),
    )

    # The recalled ones are in custody but still due a referral (the qualifying period runs
    # from the first release); the licence that ended is not.
    assert _caseload_crns(ppcs, "termination_due") == {not_referred.crn, in_custody.crn, told.crn}
    assert _caseload_crns(ppcs, "untold") == {in_custody.crn}
    assert _caseload_crns(practitioner, "awaiting_release") == {in_custody.crn, told.crn}
    # An unknown value filters nothing.
    assert len(_caseload_crns(practitioner, "nonsense")) == 5
