"""The one table of the recommendation's statuses (recall.vocab.TRANSITIONS): complete, every
status reachable from a draft, the final ones final, and the services refuse a move it lacks."""

from __future__ import annotations

import pytest

from recall import services
from recall.models import RecallRecommendation
from recall.vocab import TRANSITIONS, RecommendationStatus

S = RecommendationStatus
FINAL = {S.REJECTED, S.RESCINDED, S.NOT_RECALLED, S.WITHDRAWN}


def test_every_status_has_its_row_and_only_the_final_ones_have_no_way_out() -> None:
    assert set(TRANSITIONS) == set(S)
    assert {status for status, moves in TRANSITIONS.items() if not moves} == FINAL
    assert all(moves <= set(S) for moves in TRANSITIONS.values())


def test_every_status_can_be_reached_from_a_draft() -> None:
    reached, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()] - reached:
            reached.add(nxt)
            frontier.append(nxt)
    assert reached == set(S)


def test_nothing_before_ppcs_reaches_a_ppcs_decision_without_submission() -> None:
    """Only a submitted request is decided; only an authorised recall is rescinded."""
    for status, moves in TRANSITIONS.items():
        if moves & {S.AUTHORISED, S.REJECTED, S.INFO_REQUESTED}:
            assert status == S.SUBMITTED
        if S.RESCINDED in moves:
            assert status == S.AUTHORISED


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.DRAFT, S.SUBMITTED),
        (S.SUBMITTED, S.WITHDRAWN),
        (S.WITHDRAWN, S.DRAFT),
        (S.READY, S.AUTHORISED),
    ],
)
def test_a_move_the_table_lacks_is_refused_and_changes_nothing(start: S, to: S) -> None:
    rec = RecallRecommendation(status=start)
    with pytest.raises(services.IllegalTransition, match="cannot go from"):
        services._move(rec, to)
    assert rec.status == start


def test_a_move_the_table_has_is_made() -> None:
    rec = RecallRecommendation(status=S.READY)
    services._move(rec, S.SUBMITTED)
    assert rec.status == S.SUBMITTED
