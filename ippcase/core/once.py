"""One-time keys for create forms (issue 18): a double click or two identical POSTs at once
record one thing, and the second gets the first's result.

Each create form carries a fresh random key (a hidden field: ``ippcase.core.forms.KeyedForm``;
the view passes ``form.once_key()``). The service that creates is decorated with :func:`keyed`,
which calls :func:`once` with it inside its transaction: the key is inserted with
``ON CONFLICT DO NOTHING``. The first request inserts it and creates; a second request with the
same key waits on PostgreSQL's unique index until the first commits, inserts nothing, and is
given the object the first created. If the first failed (its transaction rolled back), the key
is free again and the second creates. A key is only good for its own user and kind of thing.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import ParamSpec, TypeVar, cast

from django.db import connection, models, transaction

from ippcase.models import SubmissionKey, User

M = TypeVar("M", bound=models.Model)
P = ParamSpec("P")


class KeyMisused(ValueError):
    """The key belongs to another user or another kind of form."""


def new_key() -> uuid.UUID:
    return uuid.uuid4()


def once(key: uuid.UUID | None, user: User, model: type[M], create: Callable[[], M]) -> M:
    """``create()`` unless ``key`` was used already, in which case what it created then. No key
    (a client that sends none): ``create()`` every time."""
    if key is None:
        return create()
    kind = model._meta.label_lower
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SubmissionKey._meta.db_table} (key, user_id, kind, created_at) "  # noqa: S608 - names from the model
            "VALUES (%s, %s, %s, now()) ON CONFLICT (key) DO NOTHING RETURNING key",
            [key, user.pk, kind],
        )
        claimed = cursor.fetchone() is not None
        if not claimed:
            first = SubmissionKey.objects.get(pk=key)
            if first.user_id != user.pk or first.kind != kind or first.object_id is None:
                raise KeyMisused("This form was already sent. Reload the page and try again.")
            return model._default_manager.get(pk=first.object_id)
        created = create()
        SubmissionKey.objects.filter(pk=key).update(object_id=created.pk)
        return created


def keyed(
    model: type[M], error: type[Exception], *, user: str = "actor"
) -> Callable[[Callable[P, M]], Callable[P, M]]:
    """Make a create service keyed: it takes ``submission_key`` (declared in its signature,
    default None, and not read by its body) and runs through :func:`once`, so the same key sent
    again returns the first result. ``user`` names the argument that is the acting user; a
    misused key is raised as ``error`` (the app's own error, which the views already show).

    Put it above ``@transaction.atomic``: the key is claimed before the service's checks run, so
    a replay is answered with the first result rather than refused by a check the first request
    made true (such as "a recommendation is already under way")."""

    def decorate(service: Callable[P, M]) -> Callable[P, M]:
        @functools.wraps(service)
        def keyed_service(*args: P.args, **kwargs: P.kwargs) -> M:
            key = cast("uuid.UUID | None", kwargs.pop("submission_key", None))
            actor = cast("User", kwargs[user])
            try:
                return once(key, actor, model, lambda: service(*args, **kwargs))
            except KeyMisused as misused:
                raise error(str(misused)) from misused

        return keyed_service

    return decorate


def first_result(key: uuid.UUID | None, user: User, model: type[M]) -> M | None:
    """What ``key`` created for ``user`` already (a ``model``), or None: for a view that must
    answer a replay before anything else (the check page of opening a case, whose answers the
    first request cleared from the session)."""
    if key is None:
        return None
    first = SubmissionKey.objects.filter(
        pk=key, user=user, kind=model._meta.label_lower, object_id__isnull=False
    ).first()
    if first is None:
        return None
    return model._default_manager.filter(pk=first.object_id).first()
