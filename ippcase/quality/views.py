"""The pages of quality assurance (issue 19; docs/quality-assurance-workflow.md): the samples,
drawing one, a sample's decisions, the review of one decision, and the published reviews on a
case.

Access: the quality pages need ``quality.draw_sample`` (a senior manager, a QA lead or an
administrator). A sample outside the user's scope is not found (404), as a case out of view is;
a decision in a sample they may see but may not review (they made or signed it, or its case has
moved out of their scope) is refused with a page that says why (403)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ippcase.cases.pages import case_header, case_person
from ippcase.core.forms import ErrorSummary, error_summary, summary_error
from ippcase.core.http import AppRequest, mark_case_viewed, role_required
from ippcase.quality import forms, selectors, services, vocab
from ippcase.quality.models import QaItem
from ippcase.quality.permissions import decision_makers
from recall.views.common import answers

DRAW = "quality.draw_sample"


@require_GET
@role_required(DRAW)
def samples(request: AppRequest) -> HttpResponse:
    rows = list(selectors.samples_for(request.user))
    for sample in rows:
        sample.scope = selectors.sample_scope(sample)  # type: ignore[attr-defined]
    return render(request, "quality/samples.html", {"samples": rows})


@require_http_methods(["GET", "POST"])
@role_required(DRAW)
def sample_new(request: AppRequest) -> HttpResponse:
    scopes = selectors.scopes_for(request.user)
    form = forms.SampleForm(request.POST if request.method == "POST" else None, scopes=scopes)
    errors: ErrorSummary = []
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                sample = services.sample_draw(
                    actor=request.user,
                    name=data["name"],
                    scope_key=data["scope"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    include_recalls=vocab.DecisionKind.RECALL in data["kinds"],
                    include_not_recalled=vocab.DecisionKind.NOT_TO_RECALL in data["kinds"],
                    strata=list(data["strata"]),
                    size=data["size"],
                    seed=data["seed"],
                    submission_key=form.once_key(),
                )
            except services.QualityError as refused:
                errors = summary_error(refused)
            else:
                messages.success(request, f"Sample drawn: {sample.items.count()} decisions.")
                return redirect("quality:sample", pk=sample.pk)
        else:
            errors = error_summary(form)
    return render(request, "quality/sample_new.html", {"form": form, "errors": errors})


@require_GET
@role_required(DRAW)
def sample(request: AppRequest, pk: int) -> HttpResponse:
    found = selectors.sample_for(request.user, pk)
    if found is None:
        raise Http404
    items = selectors.sample_items(found)
    context = {
        "sample": found,
        "scope": selectors.sample_scope(found),
        "items": [
            {"item": item, "review": selectors.review_of(item), "strata": _labels(item.strata)}
            for item in items
        ],
        "took_all": found.size >= found.population,
        "strata": _labels(found.strata),
    }
    return render(request, "quality/sample.html", context)


def _labels(strata: list[str]) -> list[str]:
    names = dict(vocab.Stratum.choices)
    return [str(names.get(s, s)) for s in strata]


def _refusal(request: AppRequest, item: QaItem) -> HttpResponse | None:
    """The page that says why the user may not review ``item`` (403), or None if they may."""
    if request.user.has_perm("quality.review_item", item):
        return None
    if request.user.pk in decision_makers(item):
        reason = (
            "You made or signed this decision, so someone else must review it. Nobody reviews "
            "a decision they made, countersigned or decided."
        )
    else:
        reason = (
            "This case is no longer in your scope (it has moved to another team, PDU or "
            "region), so you cannot review its decision. Someone whose scope holds it can."
        )
    return render(request, "quality/refused.html", {"item": item, "reason": reason}, status=403)


@require_http_methods(["GET", "POST"])
@role_required(DRAW)
def review(request: AppRequest, pk: int) -> HttpResponse:
    item = selectors.item_for_review(request.user, pk)
    if item is None:
        raise Http404
    refused = _refusal(request, item)
    if refused is not None:
        return refused
    record = selectors.decision_record(item)
    existing = selectors.review_of(item)
    editable = existing is None or (
        not existing.is_published and existing.reviewer_id == request.user.pk
    )
    form = forms.ReviewForm(
        request.POST if request.method == "POST" else None,
        initial=forms.review_initial(existing),
        warnings=record.acknowledged,
    )
    errors: ErrorSummary = []
    if request.method == "POST":
        publish = request.POST.get("action") == "publish"
        if not editable:
            errors = summary_error("This review cannot be changed.")
        elif not form.is_valid():
            errors = error_summary(form)
        elif publish and not form.cleaned_data.get("confirm"):
            form.add_error("confirm", "Confirm that you have checked your answers to publish")
            errors = error_summary(form)
        else:
            try:
                saved = services.review_save(
                    item_id=item.pk,
                    actor=request.user,
                    expected_version=form.cleaned_data["version"],
                    answers=form.answers(),
                    publish=publish,
                )
            except services.ReviewIncomplete as incomplete:
                for name, message in incomplete.missing:
                    form.add_error(name if name in form.fields else None, message)
                errors = error_summary(form)
            except services.QualityError as refusal:
                errors = summary_error(refusal)
            else:
                messages.success(
                    request,
                    "Review published: the practitioner and the SPO can now read it."
                    if saved.is_published
                    else "Review saved as a draft.",
                )
                return redirect("quality:review", pk=item.pk)
    mark_case_viewed(request, record.rec.person)
    context: dict[str, Any] = {
        "item": item,
        "record": record,
        "rec": record.rec,
        "person": record.rec.person,
        "review": existing,
        "editable": editable,
        "form": form,
        "errors": errors,
        "change": False,
        "signatures": list(record.rec.oversights.all()),
        "decisions": list(item.recommendation.ppcs_decisions.all()),
        "warning_rows": [
            {"finding": f, "justification": text, "field": form[f"verdict_{f.code}"]}
            for f, text in record.acknowledged
        ],
        "verdict_labels": dict(vocab.OverrideVerdict.choices),
        "answered": _answered(existing),
        **answers(record.rec),
    }
    return render(request, "quality/review.html", context)


def _answered(review: Any) -> dict[str, Any] | None:
    """A saved review in words, for the read-only view."""
    if review is None:
        return None
    answer_names = dict(vocab.Answer.choices)
    return {
        "questions": [
            (
                label,
                str(answer_names.get(getattr(review, code), "Not answered")),
                review.notes.get(code, ""),
            )
            for code, label in vocab.Question.choices
        ],
        "avoidable": [
            str(dict(vocab.AvoidableReason.choices).get(a, a)) for a in review.avoidable_reasons
        ],
        "verdicts": [
            (code, str(dict(vocab.OverrideVerdict.choices).get(v, v)))
            for code, v in sorted(review.override_verdicts.items())
        ],
    }


@require_GET
@role_required()
def person_reviews(request: AppRequest, crn: str) -> HttpResponse:
    """The published reviews of the person's decisions, for whoever may view the case."""
    person = case_person(request, crn, perm="ippcase.view_person")
    context = case_header(request, person, "quality")
    context["reviews"] = [
        {"review": r, **(_answered(r) or {})} for r in selectors.published_reviews(person)
    ]
    return render(request, "quality/person_reviews.html", context)
