"""Forms of a person's parole pages. They check what was typed (real dates, required answers)
and turn it into the keyword arguments of one parole service; the service decides whether the
change is allowed (dates against the referral, the recall, the qualifying date…)."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from ippcase.core.forms import YES_NO, AppForm, GovukDateField, KeyedForm
from parole import vocab
from parole.models import ParoleReview


def _radios(label: str, choices: Any, required: str | None) -> forms.ChoiceField:
    """GOV.UK radios; ``required`` is the message when unanswered (None: optional)."""
    message = required or "Select an answer"
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        required=required is not None,
        error_messages={"required": message, "invalid_choice": message},
    )


def _text(label: str, required: str | None, *, textarea: bool = True, **kwargs: Any) -> Any:
    return forms.CharField(
        label=label,
        widget=forms.Textarea if textarea else forms.TextInput,
        required=required is not None,
        error_messages={"required": required} if required else {},
        **kwargs,
    )


class ParoleForm(AppForm):
    """Its cleaned data are the service's keyword arguments unless ``service_kwargs`` says
    otherwise. The forms that create (a referral, an adjournment, a RARR, a re-release, a
    termination referral) are also ``KeyedForm``: their one-time key (issue 18) is among the
    cleaned data, so it reaches the service's ``submission_key``."""

    def service_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ReferForm(KeyedForm, ParoleForm):
    kind = _radios(
        "How will the Parole Board review the recall?",
        vocab.ReviewKind.choices,
        "Select whether the review is on the papers or at an oral hearing",
    )
    referred_on = GovukDateField(what="the referral date", label="Date referred")
    hearing_date = GovukDateField(
        what="the hearing date",
        label="Oral hearing date (if listed)",
        not_future=False,
        required=False,
        help_text="Only for an oral hearing. Leave blank if it is not listed yet.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("hearing_date") and data.get("kind") == vocab.ReviewKind.PAPER:
            self.add_error("hearing_date", "Only an oral hearing has a hearing date")
        return data


class ReviewDetailsForm(ParoleForm):
    """The Calder answer (first review after the recall only), the hearing date (oral only) and
    the psychology directions."""

    calder_answer = _radios(
        "Was the recall appropriate? (the Calder question)", vocab.CalderAnswer.choices, None
    )
    hearing_date = GovukDateField(
        what="the hearing date", label="Oral hearing date", not_future=False, required=False
    )
    pca_n_directed_on = GovukDateField(
        what="the date the PCA-N was directed",
        label="Psychology case advice note (PCA-N) directed on",
        required=False,
    )
    pca_n_recommendation = _radios("PCA-N recommendation", vocab.PcaNRecommendation.choices, None)
    pra_directed_on = GovukDateField(
        what="the date the PRA was directed",
        label="Psychology risk assessment (PRA) directed on",
        required=False,
    )
    pra_recommendation = _radios("PRA recommendation", vocab.PraRecommendation.choices, None)
    notes = _text("Notes (optional)", None)

    def __init__(self, *args: Any, review: ParoleReview, first: bool, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                name: getattr(review, name)
                for name in (
                    "calder_answer",
                    "hearing_date",
                    "pca_n_directed_on",
                    "pca_n_recommendation",
                    "pra_directed_on",
                    "pra_recommendation",
                    "notes",
                )
            },
        )
        super().__init__(*args, **kwargs)
        if not first:
            del self.fields["calder_answer"]
        if review.kind != vocab.ReviewKind.ORAL:
            del self.fields["hearing_date"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for direction, recommendation, what in (
            ("pca_n_directed_on", "pca_n_recommendation", "PCA-N"),
            ("pra_directed_on", "pra_recommendation", "PRA"),
        ):
            if data.get(recommendation) and not data.get(direction) and direction in data:
                self.add_error(direction, f"Enter the date the {what} was directed")
        return data


class DecisionForm(ParoleForm):
    decided_on = GovukDateField(what="the decision date", label="Decision date")
    outcome = _radios("Decision", vocab.ReviewOutcome.choices, "Select the decision")
    hearing_date = GovukDateField(
        what="the hearing date",
        label="Oral hearing date (optional)",
        not_future=False,
        required=False,
        help_text="Only when an oral hearing is directed and its date is known.",
    )

    def __init__(self, *args: Any, review: ParoleReview, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if review.kind == vocab.ReviewKind.ORAL:
            # An oral hearing cannot direct another oral hearing.
            # self.fields holds the declared field (a copy); Form types it as a plain Field.
            cast("forms.ChoiceField", self.fields["outcome"]).choices = [
                (value, label)
                for value, label in vocab.ReviewOutcome.choices
                if value in vocab.ORAL_OUTCOMES
            ]
            self.fields["outcome"].error_messages["invalid_choice"] = (
                "An oral hearing decides release, no release or open conditions"
            )
            del self.fields["hearing_date"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("hearing_date") and data.get("outcome") != vocab.ReviewOutcome.ORAL_HEARING:
            self.add_error(
                "hearing_date", "Give a hearing date only when an oral hearing is directed"
            )
        return data


class DelayForm(KeyedForm, ParoleForm):
    kind = _radios("Adjournment or deferral", vocab.DelayKind.choices, "Select the kind")
    date = GovukDateField(
        what="the date of the adjournment or deferral", label="Date adjourned or deferred"
    )
    reason = _text("Reason", "Enter the reason for the adjournment or deferral")
    new_date = GovukDateField(
        what="the new date", label="New date (optional)", not_future=False, required=False
    )
    prisoner_informed_on = GovukDateField(
        what="the date the prisoner was told",
        label="Date the prisoner was told (optional)",
        required=False,
        help_text="Leave blank if the prisoner has not been told yet.",
    )


class ToldForm(ParoleForm):
    informed_on = GovukDateField(
        what="the date the prisoner was told", label="Date the prisoner was told"
    )


class RarrForm(KeyedForm, ParoleForm):
    decided_on = GovukDateField(what="the decision date", label="Decision date")
    outcome = _radios("Outcome", vocab.RarrOutcome.choices, "Select the outcome")
    rationale = _text("Rationale", "Enter the rationale for the decision")


class ReReleaseForm(KeyedForm, ParoleForm):
    released_on = GovukDateField(what="the re-release date", label="Date re-released")
    prison = _text("Prison released from", "Enter the prison", textarea=False, max_length=100)
    approved_premises = _radios(
        "Released to approved premises?", YES_NO, "Select yes if released to approved premises"
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["approved_premises"] = data["approved_premises"] == "yes"
        return data


class TerminationReferForm(KeyedForm, ParoleForm):
    referred_on = GovukDateField(what="the referral date", label="Date referred")


class TerminationDecisionForm(ParoleForm):
    decided_on = GovukDateField(what="the decision date", label="Decision date")
    outcome = _radios(
        "The Parole Board's decision",
        vocab.TerminationOutcome.choices,
        "Select the Parole Board's decision",
    )
