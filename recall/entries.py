"""Recording concerns and actions short of recall (the case's "Concerns and actions" tab).

Each create form carries a one-time key (issue 18, ``ippcase/core/once.py``): the same form sent
twice, or twice at once, records one entry, and the second request is given the first's
(``once.keyed``: the ``submission_key`` argument is taken by the decorator).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

import pghistory
from django.db import transaction

from ippcase.core import once
from ippcase.models import LicenceCondition, Person, User
from recall import services
from recall.models import ActionShortOfRecall, Concern


@once.keyed(Concern, services.RecallError)
@transaction.atomic
def concern_add(
    *,
    person: Person,
    actor: User,
    occurred_on: dt.date,
    description: str,
    source: str,
    behaviours: Iterable[str],
    conditions: Iterable[LicenceCondition] = (),
    submission_key: uuid.UUID | None = None,
) -> Concern:
    services._require(
        actor, "recall.record_on_case", person, "You cannot record concerns on this case."
    )
    if occurred_on > services._today():
        raise services.RecallError("The date of a concern cannot be in the future.")
    conditions = list(conditions)
    if any(c.person_id != person.pk for c in conditions):
        raise services.RecallError("Choose licence conditions of this person only.")

    with pghistory.context(user=actor.pk):
        concern = Concern.objects.create(
            person=person,
            occurred_on=occurred_on,
            description=description.strip(),
            source=source,
            behaviours=sorted(set(behaviours)),
            recorded_by=actor,
        )
        concern.conditions.set(conditions)
    return concern


@once.keyed(ActionShortOfRecall, services.RecallError)
@transaction.atomic
def action_add(
    *,
    person: Person,
    actor: User,
    kind: str,
    taken_on: dt.date,
    details: str,
    outcome: str = "",
    referral: str = "",
    submission_key: uuid.UUID | None = None,
) -> ActionShortOfRecall:
    services._require(
        actor, "recall.record_on_case", person, "You cannot record actions on this case."
    )
    if taken_on > services._today():
        raise services.RecallError("The date of an action cannot be in the future.")
    if referral and kind != "referral_partner_agency":
        raise services.RecallError(
            "Only a referral to a partner agency names who it was referred to."
        )

    with pghistory.context(user=actor.pk):
        return ActionShortOfRecall.objects.create(
            person=person,
            kind=kind,
            taken_on=taken_on,
            details=details.strip(),
            outcome=outcome.strip(),
            referral=referral,
            recorded_by=actor,
        )
