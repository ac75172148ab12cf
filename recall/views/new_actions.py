"""Adding the actions short of recall recorded since a recommendation was started to its
alternatives (issue 16; recall.alternatives)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from ippcase.core.forms import summary_error
from ippcase.core.http import AppRequest, role_required
from recall import alternatives, services
from recall.views.common import load_recommendation, posted_version, require_editor
from recall.views.recommendation import recommendation_page


@require_POST
@role_required()
def add_new_actions(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = load_recommendation(request, rec_id)
    require_editor(request, rec)
    version = posted_version(request)
    if version is None:
        return recommendation_page(
            request, rec, errors=summary_error("Reload the page and try again.")
        )
    try:
        added = alternatives.add_new_actions(
            rec_id=rec.pk, actor=request.user, expected_version=version
        )
    except services.RecallError as error:
        return recommendation_page(request, rec, errors=summary_error(error))
    noun = "action" if added == 1 else "actions"
    messages.success(request, f"{added} {noun} added to the alternatives to recall.")
    if request.POST.get("from") == "alternatives":
        return redirect("recall:section", rec_id=rec.pk, slug="alternatives")
    return redirect("recall:recommendation", rec_id=rec.pk)
