"""What every page of a person's case starts from, in one place for the case, recall and parole
pages: the person of the page, checked against the user's access, loaded with its history and
marked viewed (the read audit); and the header context of ``templates/ippcase/person_base.html``.

Access: 404 when the case is out of the user's view (existence is not leaked); 403 when it is in
view but the page asks for a permission on the person the user does not hold."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from ippcase.cases import selectors
from ippcase.core.http import AppRequest, mark_case_viewed
from ippcase.models import Person

# The permission behind the case's "Concerns and actions" and "Recall" tabs (recall/permissions.py).
WORK_ON_CASE = "recall.record_on_case"


def case_person(request: AppRequest, crn: str, *, perm: str | None = None) -> Person:
    """The person of this case page if the user may see them (404 otherwise) and, when ``perm``
    is given, holds it on them (403 otherwise); loaded for the case pages and marked viewed."""
    person = selectors.person_for_user(request.user, crn)
    if perm is not None and not request.user.has_perm(perm, person):
        raise PermissionDenied
    person = selectors.person_with_history(person)
    mark_case_viewed(request, person)
    return person


def case_header(
    request: AppRequest, person: Person, tab: str, *, can_work_on_case: bool | None = None
) -> dict[str, Any]:
    """The header of a case page (person, status, COM, licence notice), the current ``tab`` and
    whether the user may work on the case, which shows its work tabs. ``can_work_on_case`` is
    asked of the permission unless the caller already knows it."""
    if can_work_on_case is None:
        can_work_on_case = request.user.has_perm(WORK_ON_CASE, person)
    return {**selectors.person_header(person), "tab": tab, "can_work_on_case": can_work_on_case}


def person_context(
    request: AppRequest, crn: str, tab: str, *, perm: str | None = None
) -> dict[str, Any]:
    """:func:`case_person` and :func:`case_header` together: the context of a case page, the
    person in ``context["person"]``."""
    person = case_person(request, crn, perm=perm)
    return case_header(
        request, person, tab, can_work_on_case=True if perm == WORK_ON_CASE else None
    )
