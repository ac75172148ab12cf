"""Reviewing a sampled decision (issue 19; docs/quality-assurance-workflow.md): the read-only
record, who may review (nobody reviews a decision they made or signed; a case moved out of the
reviewer's scope is refused), drafts and publishing, and the feedback on the case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from ippcase import vocab as case_vocab
from ippcase.models import Notification
from ippcase.quality import services
from ippcase.quality.models import QaReview
from parole.models import ParoleReview
from recall import selectors as recall_selectors
from recall.models import Concern
from tests import factories, quality_data
from tests.conftest import client_for
from tests.quality_data import TODAY, recall_decision, staff

QA = case_vocab.Role.QA_LEAD


@pytest.fixture
def people(team):
    """Decision makers who could also review (each holds a role that samples), to show that it
    is having made or signed the decision that refuses them, not their role."""
    made = staff(team)
    for user in made.values():
        user.roles = [*user.roles, QA]
        user.team = team
        user.save()
    return made


@pytest.fixture
def decision(team, people):
    return recall_decision(
        team,
        people,
        recalled_on=TODAY - dt.timedelta(days=20),
        acknowledgements={"NO_PROGRESSION_PANEL": "A panel was booked for next month."},
        charge_outcome="no_further_action",
        allegation_status="charged",
    )


@pytest.fixture
def item(decision, senior_manager, team):
    sample = quality_data.draw(senior_manager, f"pdu:{team.pdu_id}", name="Leeds recalls", size=5)
    return sample.items.get()


def _url(item):
    return reverse("quality:review", args=[item.pk])


ANSWERS = {
    "legal_test": "yes",
    "causal_link": "partly",
    "risk_evidence": "no",
    "alternatives": "no",
    "agencies": "no",
    "oversight": "partly",
    "person_told": "not_known",
}


def _post(version=0, action="save", **extra):
    data = {"version": str(version), "action": action}
    data.update(extra)
    return data


def _complete(version=0):
    return _post(
        version,
        "publish",
        **ANSWERS,
        note_risk_evidence="One police log, three months old.",
        verdict_NO_PROGRESSION_PANEL="wrong",
        judgement="avoidable",
        reasons="The allegation was old and the AP could have held him.",
        avoidable_reasons=["stale_allegation", "alternatives_not_tried"],
        confirm="on",
    )


def test_the_review_page_shows_the_decision_read_only(item, senior_manager, decision):
    Concern.objects.create(
        person=decision.person,
        occurred_on=TODAY - dt.timedelta(days=30),
        description="Drinking at the hostel",
        source="ap_staff",
        recorded_by=decision.created_by,
    )
    Concern.objects.create(
        person=decision.person,
        occurred_on=TODAY - dt.timedelta(days=2),
        description="Seen after the recall",
        source="other",
        recorded_by=decision.created_by,
    )
    ParoleReview.objects.create(
        recall=decision.recall,
        kind="paper",
        referred_on=TODAY - dt.timedelta(days=10),
        decided_on=TODAY - dt.timedelta(days=3),
        outcome="release",
    )
    response = client_for(senior_manager).get(_url(item))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"<title>Review of decision 1: {escape(decision.person.full_name)}" in html
    assert 'id="answers"' in html and "recall:section" not in html and ">Change<" not in html
    assert 'id="finding-NO_PROGRESSION_PANEL"' in html
    assert "A panel was booked for next month." in html  # the acknowledged warning
    assert "Agreed: the risk is evidenced and current." in html  # the oversight
    assert "Drinking at the hostel" in html and "Seen after the recall" not in html
    assert "No further action" in html  # the charge outcome
    assert 'id="parole"' in html and "No referral recorded" not in html
    assert 'name="verdict_NO_PROGRESSION_PANEL"' in html
    for question in ANSWERS:
        assert f'name="{question}"' in html


def test_the_review_shows_the_findings_recorded_at_the_decision(item, senior_manager, decision):
    # A panel recorded after the decision, dated before it: recomputed, the NO_PROGRESSION_PANEL
    # warning would vanish; the review shows what the decision-maker was warned of.
    panel = {"code": "NO_PROGRESSION_PANEL", "severity": "warn", "message": "No panel then."}
    decision.decision_findings = [{**panel, "reference": "HMIP 2023, recommendation 3"}]
    decision.save(update_fields=["decision_findings"])
    factories.record_panel(decision.person, days_ago=40)
    again = recall_selectors.recommendation_with_context(decision.pk)
    recomputed = recall_selectors.findings_for(
        again, stage="submit", today=decision.recall.recall_date
    )
    assert "NO_PROGRESSION_PANEL" not in {f.code for f in recomputed}
    html = client_for(senior_manager).get(_url(item)).content.decode()
    assert 'id="finding-NO_PROGRESSION_PANEL"' in html and "No panel then." in html
    assert 'id="findings-recomputed"' not in html
    assert 'name="verdict_NO_PROGRESSION_PANEL"' in html  # the acknowledged warning to judge


def test_an_older_decision_says_its_findings_are_recomputed(item, senior_manager, decision):
    assert decision.decision_findings is None  # made before ippcase kept them
    html = client_for(senior_manager).get(_url(item)).content.decode()
    assert 'id="findings-recomputed"' in html
    assert "These are today's rules applied to the record as it stood on" in html


@pytest.mark.parametrize("who", ["author", "spo", "aco", "ppcs"])
def test_nobody_reviews_a_decision_they_made_or_signed(item, people, who):
    client = client_for(people[who])
    page = client.get(_url(item))
    assert page.status_code == 403
    assert "You made or signed this decision" in page.content.decode()
    posted = client.post(_url(item), _complete())
    assert posted.status_code == 403
    assert not QaReview.objects.exists()
    with pytest.raises(services.NotAllowed):
        services.review_save(
            item_id=item.pk,
            actor=people[who],
            expected_version=0,
            answers=services.ReviewAnswers(answers=ANSWERS),
        )


def test_a_decision_whose_case_moved_out_of_scope_is_refused(
    item, senior_manager, decision, other_pdu_team
):
    decision.person.team = other_pdu_team
    decision.person.save()
    client = client_for(senior_manager)
    page = client.get(_url(item))
    assert page.status_code == 403
    assert "no longer in your scope" in page.content.decode()
    assert client.post(_url(item), _complete()).status_code == 403
    assert not QaReview.objects.exists()


def test_publishing_needs_every_answer_a_judgement_and_reasons(item, senior_manager):
    client = client_for(senior_manager)
    response = client.post(_url(item), _post(action="publish", confirm="on", legal_test="yes"))
    html = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in html
    assert "Answer: Was the causal link to the index offence shown?" in html
    assert "Choose the overall judgement" in html and "Give the reasons" in html
    assert "right to go on past the warning NO_PROGRESSION_PANEL" in html
    assert not QaReview.objects.exists()
    avoidable_without_reasons = _complete()
    avoidable_without_reasons.pop("avoidable_reasons")
    html = client.post(_url(item), avoidable_without_reasons).content.decode()
    assert "Choose why the decision could have been avoided" in html
    no_confirm = _complete()
    no_confirm.pop("confirm")
    html = client.post(_url(item), no_confirm).content.decode()
    assert "Confirm that you have checked your answers" in html
    assert not QaReview.objects.exists()


def test_a_draft_is_saved_then_published_and_is_read_only_after(item, senior_manager):
    client = client_for(senior_manager)
    draft = client.post(_url(item), _post(legal_test="yes", judgement="proportionate"))
    assert draft.status_code == 302
    review = QaReview.objects.get()
    assert review.status == "draft" and review.legal_test == "yes" and review.version == 1
    assert review.avoidable_reasons == []
    stale = client.post(_url(item), _complete(version=0))
    assert "Someone else saved this review" in stale.content.decode()
    assert client.post(_url(item), _complete(version=1)).status_code == 302
    review.refresh_from_db()
    assert review.is_published and review.judgement == "avoidable"
    assert review.override_verdicts == {"NO_PROGRESSION_PANEL": "wrong"}
    assert review.notes == {"risk_evidence": "One police log, three months old."}
    page = client.get(_url(item)).content.decode()
    assert 'id="review-status"' in page and 'name="legal_test"' not in page
    again = client.post(_url(item), _complete(version=review.version))
    assert "cannot be changed" in again.content.decode()
    review.refresh_from_db()
    assert review.version == 2


def test_verdicts_only_for_acknowledged_warnings_and_choices_are_checked(item, senior_manager):
    answers = services.ReviewAnswers(
        answers=ANSWERS, override_verdicts={"NO_PROGRESSION_PANEL": "right", "MADE_UP": "wrong"}
    )
    review = services.review_save(
        item_id=item.pk, actor=senior_manager, expected_version=0, answers=answers
    )
    assert review.override_verdicts == {"NO_PROGRESSION_PANEL": "right"}
    with pytest.raises(services.QualityError, match="from the list"):
        services.review_save(
            item_id=item.pk,
            actor=senior_manager,
            expected_version=1,
            answers=services.ReviewAnswers(answers={"legal_test": "maybe"}),
        )


def test_feedback_reaches_the_practitioner_and_spo_only_once_published(
    item, senior_manager, people, decision, django_capture_on_commit_callbacks
):
    author = client_for(people["author"])
    reviews_url = reverse("quality:person_reviews", args=[decision.person.crn])
    overview = reverse("person_overview", args=[decision.person.crn])
    assert "Quality reviews" not in author.get(overview).content.decode()
    client = client_for(senior_manager)
    client.post(_url(item), _post(**ANSWERS, judgement="proportionate", reasons="Draft"))
    assert "No review of a decision" in author.get(reviews_url).content.decode()
    assert not Notification.objects.filter(link=reviews_url).exists()
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post(_url(item), _complete(version=1)).status_code == 302
    told = set(Notification.objects.filter(link=reviews_url).values_list("recipient", flat=True))
    assert told == {people["author"].pk, people["spo"].pk}
    page = author.get(reviews_url).content.decode()
    assert "The allegation was old and the AP could have held him." in page
    assert "<title>Quality reviews \N{EN DASH} " in page
    assert "Quality reviews" in author.get(overview).content.decode()


def test_the_reviews_page_follows_the_case_access(decision, outsider, admin_user):
    url = reverse("quality:person_reviews", args=[decision.person.crn])
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(admin_user).get(url).status_code == 200


# --- query counts ------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_review_page_takes_the_same_queries_at_two_sizes(item, senior_manager, decision):
    def add(days):
        Concern.objects.create(
            person=decision.person,
            occurred_on=TODAY - dt.timedelta(days=days),
            description="Late",
            source="other",
            recorded_by=decision.created_by,
        )
        factories.MeetingActionFactory(
            meeting=factories.MeetingFactory(
                person=decision.person, held_on=TODAY - dt.timedelta(days=days)
            )
        )

    client = client_for(senior_manager)
    add(30)  # one of each (a prefetch runs only when there is something to prefetch)
    small = _queries(client, _url(item))
    for days in range(31, 40):
        add(days)
    assert _queries(client, _url(item)) == small


def test_the_person_reviews_page_takes_the_same_queries_at_two_sizes(
    team, people, senior_manager, admin_user, django_capture_on_commit_callbacks
):
    def publish(days):
        rec = recall_decision(team, people, recalled_on=TODAY - dt.timedelta(days=days))
        person = rec.person
        sample = quality_data.draw(
            senior_manager,
            f"team:{team.pk}",
            name=f"Sample {days}",
            period_start=TODAY - dt.timedelta(days=days),
            period_end=TODAY - dt.timedelta(days=days),
            include_not_recalled=False,
            size=1,
        )
        with django_capture_on_commit_callbacks(execute=False):
            services.review_save(
                item_id=sample.items.get().pk,
                actor=senior_manager,
                expected_version=0,
                answers=services.ReviewAnswers(
                    answers=ANSWERS,
                    judgement="proportionate",
                    reasons="Sound",
                    override_verdicts={},
                ),
                publish=True,
            )
        return person

    first = publish(100)
    client = client_for(admin_user)
    url = reverse("quality:person_reviews", args=[first.crn])
    small = _queries(client, url)
    # More reviews of the same person's decisions: a second recall of theirs, sampled twice.
    second = recall_decision(team, people, recalled_on=TODAY - dt.timedelta(days=50))
    second.person = first
    second.save()
    for n in range(2):
        sample = quality_data.draw(
            senior_manager,
            f"team:{team.pk}",
            name=f"Again {n}",
            period_start=TODAY - dt.timedelta(days=50),
            period_end=TODAY - dt.timedelta(days=50),
            include_not_recalled=False,
            size=1,
        )
        with django_capture_on_commit_callbacks(execute=False):
            services.review_save(
                item_id=sample.items.get().pk,
                actor=senior_manager,
                expected_version=0,
                answers=services.ReviewAnswers(
                    answers=ANSWERS, judgement="proportionate", reasons="Sound"
                ),
                publish=True,
            )
    assert QaReview.objects.filter(item__recommendation__person=first).count() == 3
    assert _queries(client, url) == small


def test_a_draft_belongs_to_its_reviewer(item, senior_manager, team):
    lead = factories.UserFactory(roles=[QA], team=team)
    client_for(senior_manager).post(_url(item), _post(legal_test="yes"))
    page = client_for(lead).get(_url(item)).content.decode()
    assert 'id="review-status"' in page and 'name="legal_test"' not in page
    with pytest.raises(services.NotAllowed, match="only they can change"):
        services.review_save(
            item_id=item.pk,
            actor=lead,
            expected_version=1,
            answers=services.ReviewAnswers(answers={"legal_test": "no"}),
        )
    assert QaReview.objects.get().legal_test == "yes"
