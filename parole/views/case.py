"""A person's parole pages: the Parole tab (licence position, Parole Board reviews of each recall
with their adjournments and deferrals, RARR, termination and supervision) and one small page per
action (GET shows the form, POST calls one service).

Access as on the recall pages: 404 when the case is out of view, 403 when it is in view but the
action is not the user's to take. A refused action (services.ParoleError) is shown in the error
summary and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms as django_forms
from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ippcase.cases import licence
from ippcase.cases.pages import case_header, case_person
from ippcase.core.forms import ErrorSummary, GovukDateField, error_summary, summary_error
from ippcase.core.http import AppRequest, role_required
from ippcase.models import Person, Recall, User
from parole import forms, law, selectors, services
from parole.models import Adjournment, ParoleReview, TerminationReferral
from recall.deadlines import long_date

M = TypeVar("M", bound=Model)


def _permissions(request: AppRequest, person: Person) -> dict[str, bool]:
    user = request.user
    return {
        "can_review": user.has_perm("parole.record_review", person),
        # RARR is the Secretary of State's power for recalled IPP and DPP sentences only.
        "can_rarr": user.has_perm("parole.record_rarr", person)
        and getattr(getattr(person, "sentence", None), "sentence_type", None)
        in law.PREVENTIVE_SENTENCES,
        "can_termination": user.has_perm("parole.record_termination", person),
    }


# ---------------------------------------------------------------------------------------------
# The Parole tab


@require_GET
@role_required()
def person_parole(request: AppRequest, crn: str) -> HttpResponse:
    person = case_person(request, crn)
    case = selectors.parole_case(person.pk)
    untold_ids = {delay.pk for delay in case.untold}
    recalls = []
    for recall in case.recalls:
        reviews = list(recall.parole_reviews.all())
        first_id = reviews[0].pk if reviews else None
        recalls.append(
            {
                "recall": recall,
                "open": recall.re_released_on is None,
                "reviews": [
                    {
                        "review": review,
                        "first": review.pk == first_id,
                        "delays": [
                            {"delay": delay, "overdue": delay.pk in untold_ids}
                            for delay in review.delays.all()
                        ],
                    }
                    for review in reversed(reviews)
                ],
                "has_open_review": any(r.decided_on is None for r in reviews),
                "rarr": getattr(recall, "rarr", None),
                "release_decided": selectors.release_decision(recall) is not None,
            }
        )
    referrals = list(case.person.termination_referrals.all())
    suspensions = list(case.person.supervision_suspensions.all())
    context = case_header(request, person, "parole")
    context.update(_permissions(request, person))
    context.update(
        {
            "case": case,
            "position": case.position,
            "recalls": recalls,
            "referrals": referrals,
            "suspensions": suspensions,
            "open_referral": any(r.decided_on is None for r in referrals),
            "untold_days": licence.periods().untold_delay_working_days,
        }
    )
    return render(request, "parole/parole_tab.html", context)


# ---------------------------------------------------------------------------------------------
# The action pages


@dataclass(frozen=True)
class Action:
    """One form page: who may use it, what it is about, the form and the service it calls."""

    perm: str
    title: str
    button: str
    done: str
    form_class: type[forms.ParoleForm]
    # (person, url id) -> the object the action is about; Http404 when it is not the person's
    load: Callable[[Person, int | None], Any]
    # (object, actor, form) -> None: calls the service
    call: Callable[[Any, User, forms.ParoleForm], Any]
    form_kwargs: Callable[[Any], dict[str, Any]] = lambda obj: {}
    about: Callable[[Any], str] = lambda obj: ""


def _get(qs: QuerySet[M], pk: int | None) -> M:
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404("Not found on this case.")
    return obj


def _recall(person: Person, pk: int | None) -> Recall:
    return _get(Recall.objects.filter(release__person=person), pk)


def _review(person: Person, pk: int | None) -> ParoleReview:
    return _get(
        ParoleReview.objects.filter(recall__release__person=person).select_related("recall"), pk
    )


def _delay(person: Person, pk: int | None) -> Adjournment:
    return _get(
        Adjournment.objects.filter(review__recall__release__person=person).select_related(
            "review__recall"
        ),
        pk,
    )


def _referral(person: Person, pk: int | None) -> TerminationReferral:
    return _get(TerminationReferral.objects.filter(person=person), pk)


def _about_recall(recall: Recall) -> str:
    return f"Recall of {long_date(recall.recall_date)}"


def _about_review(review: ParoleReview) -> str:
    return (
        f"{_about_recall(review.recall)}: {review.get_kind_display().lower()}, referred "
        f"{long_date(review.referred_on)}"
    )


def _is_first_review(review: ParoleReview) -> bool:
    first = review.recall.parole_reviews.order_by("referred_on", "id").values_list("pk").first()
    return first is not None and first[0] == review.pk


ACTIONS: dict[str, Action] = {
    "refer": Action(
        perm="parole.record_review",
        title="Refer the recall to the Parole Board",
        button="Record the referral",
        done="Referral to the Parole Board recorded.",
        form_class=forms.ReferForm,
        load=_recall,
        call=lambda recall, actor, form: services.review_refer(
            recall_id=recall.pk, actor=actor, **form.service_kwargs()
        ),
        about=_about_recall,
    ),
    "review_details": Action(
        perm="parole.record_review",
        title="Record the review details",
        button="Save the review details",
        done="Review details saved.",
        form_class=forms.ReviewDetailsForm,
        load=_review,
        call=lambda review, actor, form: services.review_update(
            review_id=review.pk, actor=actor, **form.service_kwargs()
        ),
        form_kwargs=lambda review: {"review": review, "first": _is_first_review(review)},
        about=_about_review,
    ),
    "review_decision": Action(
        perm="parole.record_review",
        title="Record the Parole Board's decision",
        button="Record the decision",
        done="Parole Board decision recorded.",
        form_class=forms.DecisionForm,
        load=_review,
        call=lambda review, actor, form: services.review_decide(
            review_id=review.pk, actor=actor, **form.service_kwargs()
        ),
        form_kwargs=lambda review: {"review": review},
        about=_about_review,
    ),
    "delay_add": Action(
        perm="parole.record_review",
        title="Add an adjournment or deferral",
        button="Add the adjournment or deferral",
        done="Adjournment or deferral recorded.",
        form_class=forms.DelayForm,
        load=_review,
        call=lambda review, actor, form: services.delay_add(
            review_id=review.pk, actor=actor, **form.service_kwargs()
        ),
        about=_about_review,
    ),
    "delay_told": Action(
        perm="parole.record_review",
        title="Record that the prisoner was told",
        button="Record the date told",
        done="Recorded that the prisoner was told.",
        form_class=forms.ToldForm,
        load=_delay,
        call=lambda delay, actor, form: services.delay_record_told(
            delay_id=delay.pk, actor=actor, **form.service_kwargs()
        ),
        about=lambda delay: (
            f"{delay.get_kind_display()} of {long_date(delay.date)}: {delay.reason}"
        ),
    ),
    "rarr": Action(
        perm="parole.record_rarr",
        title="Record a risk-assessed recall review (RARR)",
        button="Record the review",
        done="Risk-assessed recall review recorded.",
        form_class=forms.RarrForm,
        load=_recall,
        call=lambda recall, actor, form: services.rarr_record(
            recall_id=recall.pk, actor=actor, **form.service_kwargs()
        ),
        about=_about_recall,
    ),
    "re_release": Action(
        perm="parole.record_review",
        title="Record the re-release",
        button="Record the re-release",
        done="Re-release recorded.",
        form_class=forms.ReReleaseForm,
        load=_recall,
        call=lambda recall, actor, form: services.record_re_release(
            recall_id=recall.pk, actor=actor, **form.service_kwargs()
        ),
        about=_about_recall,
    ),
    "termination_refer": Action(
        perm="parole.record_termination",
        title="Refer the licence to the Parole Board for termination",
        button="Record the referral",
        done="Licence termination referral recorded.",
        form_class=forms.TerminationReferForm,
        load=lambda person, pk: person,
        call=lambda person, actor, form: services.termination_refer(
            person_id=person.pk, actor=actor, **form.service_kwargs()
        ),
    ),
    "termination_decision": Action(
        perm="parole.record_termination",
        title="Record the termination decision",
        button="Record the decision",
        done="Termination decision recorded.",
        form_class=forms.TerminationDecisionForm,
        load=_referral,
        call=lambda referral, actor, form: services.termination_decide(
            referral_id=referral.pk, actor=actor, **form.service_kwargs()
        ),
        about=lambda referral: f"Referral of {long_date(referral.referred_on)}",
    ),
}


def _field_kind(field: django_forms.BoundField) -> str:
    if field.is_hidden:  # a create form's one-time key (issue 18)
        return "hidden"
    if isinstance(field.field, GovukDateField):
        return "date"
    if isinstance(field.field.widget, django_forms.RadioSelect):
        return "radios"
    if isinstance(field.field.widget, django_forms.Textarea):
        return "textarea"
    return "input"


def action_view(name: str) -> Callable[..., HttpResponse]:
    action = ACTIONS[name]

    @require_http_methods(["GET", "POST"])
    @role_required()
    def view(request: AppRequest, crn: str, pk: int | None = None) -> HttpResponse:
        person = case_person(request, crn, perm=action.perm)
        obj = action.load(person, pk)
        form_kwargs = action.form_kwargs(obj)
        errors: ErrorSummary = []
        if request.method == "POST":
            form = action.form_class(request.POST, **form_kwargs)
            if form.is_valid():
                try:
                    action.call(obj, request.user, form)
                except services.ParoleError as error:
                    errors = summary_error(error)
                else:
                    messages.success(request, action.done)
                    return redirect("parole:person_parole", crn=person.crn)
            else:
                errors = error_summary(form)
        else:
            form = action.form_class(**form_kwargs)
        context = case_header(request, person, "parole")
        context.update(
            {
                "action": action,
                "about": action.about(obj),
                "form": form,
                "fields": [{"field": f, "kind": _field_kind(f)} for f in form],
                "errors": errors,
            }
        )
        return render(request, "parole/action.html", context)

    view.__name__ = f"parole_{name}"
    return view
