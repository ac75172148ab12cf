"""The read audit's page: who viewed a person's case (issue 7). For the senior managers of the
person's PDU and administrators (``ippcase.view_case_views``); a case out of scope is 404."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ippcase.cases import selectors
from ippcase.cases.pages import person_context
from ippcase.core.http import AppRequest, role_required

# What each recorded page is called on the "Who viewed this case" page.
PAGE_LABELS = {
    "person_overview": "Overview",
    "person_sentence": "Sentence and licence",
    "person_timeline": "Timeline",
    "person_history": "Case history",
    "person_viewers": "Who viewed this case",
    "recall:concerns": "Concerns and actions",
    "recall:person_recall": "Recall",
    "recall:recommendation": "Recall recommendation",
    "recall:section": "Recall recommendation: a section",
    "recall:withdraw": "Recall recommendation: withdraw",
    "recall:oversight": "Management oversight",
    "recall:letter": "Decision not to recall letter (PDF)",
    "recall:dossiers": "Dossiers and letters",
    "recall:dossier_download": "Dossier or letter (PDF)",
    "recall:ppcs_request": "PPCS request",
    "parole:person_parole": "Parole",
}


def page_label(url_name: str) -> str:
    if url_name in PAGE_LABELS:
        return PAGE_LABELS[url_name]
    if url_name.startswith("parole:"):
        return "Parole: " + url_name.split(":", 1)[1].replace("_", " ")
    return url_name


@require_GET
@role_required()
def person_viewers(request: AppRequest, crn: str) -> HttpResponse:
    context = person_context(request, crn, "viewers", perm="ippcase.view_case_views")
    person = context["person"]
    page = selectors.case_viewers(person, page_number=request.GET.get("page", 1))
    context.update(
        page=page,
        rows=[{"event": event, "page": page_label(event.url_name)} for event in page],
    )
    return render(request, "ippcase/person_viewers.html", context)
