"""Management oversight: the SPO's and then the ACO's countersignature of a recommendation (a
duty manager from another PDU out of hours), with the answers and findings read-only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ippcase.cases.pages import WORK_ON_CASE
from ippcase.core.forms import ErrorSummary, error_summary, summary_error
from ippcase.core.http import AppRequest, role_required
from recall import dossiers, forms, selectors, services
from recall.views.common import (
    answers,
    finding_rows,
    header,
    load_recommendation,
    may_countersign,
    oversight_level,
)


@require_http_methods(["GET", "POST"])
@role_required()
def oversight(request: AppRequest, rec_id: int) -> HttpResponse:
    rec = load_recommendation(request, rec_id)
    user = request.user
    level = oversight_level(rec)
    # The recommender is let through so that the service can say why they cannot sign.
    if not (user.has_role("manager", "senior_manager") or rec.created_by_id == user.pk):
        raise PermissionDenied
    posted = request.POST if request.method == "POST" else None  # an empty POST is a POST too
    form = forms.OversightForm(posted, initial={"version": rec.version})
    errors: ErrorSummary = []
    if request.method == "POST":
        if level is None:
            errors = summary_error("This recommendation is not awaiting countersignature.")
        elif not (may_countersign(user, rec) or rec.created_by_id == user.pk):
            raise PermissionDenied
        elif form.is_valid():
            data = form.cleaned_data
            try:
                dossiers.recommendation_countersign(
                    rec_id=rec.pk,
                    actor=request.user,
                    expected_version=data["version"],
                    level=level,
                    decision=data["decision"],
                    rationale=data["rationale"],
                    **{name: data[name] for name in forms.OversightForm.CONFIRMATIONS},
                )
            except services.RecallError as error:
                errors = summary_error(error)
            else:
                messages.success(request, f"Your {level.upper()} decision has been recorded.")
                if not user.has_perm(WORK_ON_CASE, rec.person):
                    return redirect("caseload")  # a duty manager from elsewhere: signed, done
                return redirect("recall:oversight", rec_id=rec.pk)
        else:
            errors = error_summary(form)
    findings = selectors.findings_for(rec)
    context = header(request, rec.person, "recall")
    context.update(
        answers(rec),
        rec=rec,
        level=level,
        form=form,
        errors=errors,
        can_countersign=may_countersign(user, rec),
        finding_rows=finding_rows(rec, findings),
        signatures=list(rec.oversights.all()),
    )
    return render(request, "recall/oversight.html", context)
