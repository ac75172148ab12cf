"""Actions short of recall recorded after a recommendation was started (issue 16): the
recommendation page offers them ("2 new actions since you started: add them to
alternatives?"), and adding them marks each action's kind "tried" in the recommendation's
alternatives with the action's line (date, details, outcome) appended to its details, as the
prefill at the start does (``selectors.prefilled_alternatives``). An action counts as added
once its line is in its alternative's details, so adding twice adds nothing twice."""

from __future__ import annotations

from django.db import transaction

from ippcase.models import User
from recall import selectors, services, vocab
from recall.models import ActionShortOfRecall, RecallRecommendation


def action_line(action: ActionShortOfRecall) -> str:
    line = f"{action.taken_on:%d %b %Y}: {action.details}"
    if action.outcome:
        line += f" Outcome: {action.outcome}"
    return line


def new_actions(
    rec: RecallRecommendation, actions: list[ActionShortOfRecall]
) -> list[ActionShortOfRecall]:
    """Of the person's (not struck out) ``actions``, those recorded after the recommendation
    was started and not yet in its alternatives, oldest first."""
    return sorted(
        (
            a
            for a in actions
            if a.recorded_at > rec.created_at
            and action_line(a) not in str((rec.alternatives.get(a.kind) or {}).get("details", ""))
        ),
        key=lambda a: (a.taken_on, a.pk),
    )


@transaction.atomic
def add_new_actions(*, rec_id: int, actor: User, expected_version: int) -> int:
    """Add the new actions to the draft's alternatives; returns how many were added."""
    rec = services._locked(rec_id, expected_version)
    services._require(
        actor, "recall.edit_recommendation", rec, "You cannot change this recommendation."
    )
    services._guard_status(rec, vocab.RecommendationStatus.DRAFT, doing="add to its alternatives")
    added = new_actions(rec, list(selectors.actions_for(rec.person)))
    if not added:
        raise services.RecallError("There are no new actions to add to the alternatives.")
    alternatives = {k: dict(v) for k, v in rec.alternatives.items()}
    for action in added:
        entry = alternatives.setdefault(action.kind, {"status": "", "details": ""})
        entry["status"] = vocab.AlternativeStatus.TRIED
        entry["details"] = f"{entry.get('details', '')}\n{action_line(action)}".strip()
    services._save(rec, actor, alternatives=alternatives)
    return len(added)


def offered(rec: RecallRecommendation, can_edit: bool) -> list[ActionShortOfRecall]:
    """The new actions a page offers to add: a draft's, to its editor."""
    if not can_edit or rec.status != vocab.RecommendationStatus.DRAFT:
        return []
    return new_actions(rec, list(rec.person_actions))
