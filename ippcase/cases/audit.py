"""The read audit (issue 7): who viewed a person's case.

A case page calls ``ippcase.core.http.mark_case_viewed(request, person)``; this middleware
writes one row once the page has been served: a GET answered 200, not an HTMX partial (such as
the dossier list's polling, whose page load was recorded), not a refusal. The rows are
append-only (a database trigger refuses UPDATE and DELETE).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ippcase.models import CaseViewEvent, Person, User


def case_view_record(*, user: User, person: Person, url_name: str, path: str) -> None:
    """Append one read-audit row: ``user`` opened the page ``url_name`` of ``person``'s case.
    One INSERT, no lock."""
    CaseViewEvent.objects.create(user=user, person=person, url_name=url_name[:100], path=path[:300])


class ReadAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        person = getattr(request, "case_viewed", None)
        if (
            person is not None
            and request.method == "GET"
            and response.status_code == 200
            and not getattr(request, "htmx", False)
            and isinstance(request.user, User)
        ):
            match = request.resolver_match
            case_view_record(
                user=request.user,
                person=person,
                url_name=match.view_name if match else "",
                path=request.path,
            )
        return response
