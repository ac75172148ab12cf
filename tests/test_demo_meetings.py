"""The demo's multi-agency meetings (issue 19): following HMIP 2023, most recalls had no forum
(progression panel, MAPPA level 2 or 3) in the 6 months before; meetings agree actions, some
done and some overdue. Both ways into the database carry them (tests/test_seed_demo.py compares
the two row for row)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from ippcase import demo
from ippcase.demo import generator, tables
from ippcase.demo.specs import PersonSpec
from recall.models import MeetingAction, MultiAgencyMeeting
from recall.vocab import FORUM_KINDS

SIX_MONTHS = dt.timedelta(days=183)


def _recalls_with_forum_before(people: list[PersonSpec]) -> tuple[int, int]:
    """(recalls with a forum meeting in the 6 months before, all recalls)."""
    with_forum = total = 0
    for person in people:
        forums = [m.held for m in person.meetings if m.kind in FORUM_KINDS]
        for release in person.releases:
            if release.recall is None:
                continue
            total += 1
            day = release.recall.date
            with_forum += any(day - SIX_MONTHS <= held < day for held in forums)
    return with_forum, total


def test_most_recalls_have_no_forum_in_the_six_months_before():
    data = demo.generate(people=1000, seed=7)
    with_forum, total = _recalls_with_forum_before(data.people)
    assert total > 1000
    share = with_forum / total
    # HMIP 2023: 7 of the 26 recalls reviewed had a panel when recall was at risk (27%).
    assert 0.20 < share < 0.35, share
    assert share < 0.5  # a minority


def test_meetings_agree_actions_some_done_some_overdue():
    data = demo.generate(people=300, seed=7)
    meetings = [m for p in data.people for m in p.meetings]
    actions = [a for m in meetings for a in m.actions]
    assert meetings and all(1 <= len(m.actions) <= 3 for m in meetings)
    done = [a for a in actions if a.done is not None]
    overdue = [a for a in actions if a.done is None and a.due < tables.REFERENCE_DATE]
    assert done and overdue
    assert all(a.done_by for a in done)
    assert all(a.owner or a.owner_name for a in actions)
    assert {m.kind for m in meetings} >= {"progression_panel", "professionals"}
    # Nothing after the reference date but a due date; each meeting's actions after it.
    for meeting in meetings:
        assert meeting.held <= tables.REFERENCE_DATE
        for action in meeting.actions:
            assert action.due > meeting.held
            assert action.done is None or meeting.held < action.done <= tables.REFERENCE_DATE


def test_meetings_do_not_change_the_rest_of_the_people(monkeypatch):
    """Their own random stream: the people are drawn exactly as without them."""
    with_meetings = demo.generate(people=50, seed=3)
    assert any(p.meetings for p in with_meetings.people)
    monkeypatch.setattr(generator, "add_meetings", lambda person, rng: None)
    without = demo.generate(people=50, seed=3)
    assert not any(p.meetings for p in without.people)
    for person in with_meetings.people:
        person.meetings = []
    assert demo.import_document(with_meetings) == demo.import_document(without)


@pytest.mark.django_db
def test_seed_demo_writes_meetings_and_actions_and_clear_removes_them():
    call_command("seed_demo", people=60, seed=5, stdout=io.StringIO())
    generated = demo.generate(people=60, seed=5)
    assert MultiAgencyMeeting.objects.count() == sum(len(p.meetings) for p in generated.people)
    assert MeetingAction.objects.count() == sum(
        len(m.actions) for p in generated.people for m in p.meetings
    )
    overdue = MeetingAction.objects.filter(done_on__isnull=True, due_on__lt=tables.REFERENCE_DATE)
    assert overdue.exists()
    assert MeetingAction.objects.filter(done_on__isnull=False, done_by__isnull=False).exists()
    call_command("seed_demo", people=10, seed=5, clear=True, stdout=io.StringIO())
    assert MultiAgencyMeeting.objects.count() == sum(
        len(p.meetings) for p in demo.generate(people=10, seed=5).people
    )


@pytest.mark.django_db
def test_load_demo_imports_the_fixture_meetings():
    call_command("load_demo", "--without-recall-work", stdout=io.StringIO())
    assert MultiAgencyMeeting.objects.filter(kind__in=FORUM_KINDS).exists()
    assert MeetingAction.objects.filter(done_on__isnull=True).exists()


# --- the demo QA sample ------------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_demo_draws_a_qa_sample_with_three_published_reviews():
    from ippcase.models import User
    from ippcase.quality import vocab as qa_vocab
    from ippcase.quality.models import QaReview, QaSample
    from ippcase.vocab import Role

    out = io.StringIO()
    call_command("seed_demo", people=300, seed=2025, stdout=out)

    lead = User.objects.get(roles__contains=[Role.QA_LEAD])
    assert lead.email.endswith("@demo.ippcase.example") and lead.check_password("ippcase-demo-2025")
    assert f"qa_lead         {lead.username}" in out.getvalue()
    sample = QaSample.objects.get()
    assert (sample.size, sample.seed, sample.drawn_by) == (10, tables.QA_SAMPLE_SEED, lead)
    assert sample.region_id == lead.team.pdu.region_id
    assert sample.items.count() == 10
    reviews = list(QaReview.objects.order_by("item__position"))
    assert [r.item.position for r in reviews] == [1, 2, 3]
    assert all(r.status == qa_vocab.ReviewStatus.PUBLISHED and r.reviewer == lead for r in reviews)
    avoidable = [r for r in reviews if r.judgement == qa_vocab.Judgement.AVOIDABLE]
    assert len(avoidable) == 1 and avoidable[0].avoidable_reasons

    # The same seed draws the same decisions; --clear removes the old sample first.
    drawn = list(sample.items.order_by("position").values_list("recommendation__person__crn"))
    call_command("seed_demo", people=300, seed=2025, clear=True, stdout=io.StringIO())
    again = QaSample.objects.get()
    assert list(again.items.order_by("position").values_list("recommendation__person__crn")) == (
        drawn
    )
    assert QaReview.objects.count() == 3
