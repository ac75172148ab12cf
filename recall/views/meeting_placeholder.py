"""PLACEHOLDER (helper 2, issue 19): the names ``recall:meeting`` and ``recall:meeting_add`` that
the recommendation's "multi-agency input" and "progression panel" sections link to. Helper 1
builds the real meeting pages under these names; on merge, their views replace these (delete
this module and its two paths in recall/urls.py). Until then both answer 404."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from ippcase.core.http import AppRequest, role_required


@require_GET
@role_required()
def meeting(request: AppRequest, pk: int) -> HttpResponse:
    raise Http404("The meeting pages are not built on this branch.")


@require_GET
@role_required()
def meeting_add(request: AppRequest, crn: str) -> HttpResponse:
    raise Http404("The meeting pages are not built on this branch.")
