"""The forms of quality assurance (issue 19): drawing a sample, and the review of a decision."""

from __future__ import annotations

from typing import Any

from django import forms

from ippcase.core.forms import STALE_PAGE, AppForm, GovukDateField, KeyedForm
from ippcase.quality import sampling, vocab
from ippcase.quality.selectors import Scope
from ippcase.quality.services import ReviewAnswers
from recall import rules

MAX_SIZE = 500


class SampleForm(KeyedForm):
    name = forms.CharField(
        label="Name of the sample",
        max_length=200,
        help_text="For example, Leeds recalls, January to March 2026",
        error_messages={"required": "Enter a name for the sample"},
    )
    period_start = GovukDateField(what="the start of the period", required=True)
    period_end = GovukDateField(what="the end of the period", required=True)
    scope = forms.ChoiceField(
        label="Team, PDU or region",
        error_messages={
            "required": "Choose a team, PDU or region",
            "invalid_choice": "Choose a team, PDU or region from the list",
        },
    )
    kinds = forms.MultipleChoiceField(
        label="Decisions to sample",
        choices=vocab.DecisionKind.choices,
        error_messages={
            "required": "Choose recalls, decisions not to recall, or both",
            "invalid_choice": "Choose the kinds of decision from the list",
        },
    )
    strata = forms.MultipleChoiceField(
        label="Only these kinds of recall (optional)",
        help_text="Leave empty to sample every recall. Choose more than one to sample recalls of "
        "any of them.",
        choices=vocab.Stratum.choices,
        required=False,
        error_messages={"invalid_choice": "Choose the kinds of recall from the list"},
    )
    size = forms.IntegerField(
        label="Number of decisions to sample",
        min_value=1,
        max_value=MAX_SIZE,
        initial=10,
        error_messages={
            "required": "Enter the number of decisions to sample",
            "invalid": "The number of decisions must be a whole number, like 10",
            "min_value": "The number of decisions must be 1 or more",
            "max_value": f"The number of decisions must be {MAX_SIZE} or fewer",
        },
    )
    seed = forms.IntegerField(
        label="Seed (optional)",
        help_text="Only to draw a recorded sample again: enter its seed. Leave empty for a new "
        "random draw.",
        required=False,
        min_value=0,
        max_value=sampling.MAX_SEED,
        error_messages={
            "invalid": "The seed must be a whole number",
            "min_value": "The seed must be 0 or more",
            "max_value": f"The seed must be {sampling.MAX_SEED} or less",
        },
    )

    def __init__(self, *args: Any, scopes: list[Scope], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Choose"), *[(s.key, s.label) for s in scopes]]
        self.fields["scope"].choices = choices  # type: ignore[attr-defined]
        self.fields["kinds"].initial = list(vocab.DecisionKind.values)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The end of the period must be on or after its start")
        kinds = data.get("kinds") or []
        if data.get("strata") and vocab.DecisionKind.RECALL not in kinds and kinds:
            self.add_error("strata", "The kinds of recall narrow the recalls: include recalls")
        return data


class ReviewForm(AppForm):
    """The seven questions (an answer and notes each), a verdict on each warning the decision
    went on past, the judgement with its reasons and, when avoidable, why."""

    version = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": STALE_PAGE})
    judgement = forms.ChoiceField(
        label="Overall judgement",
        choices=[("", ""), *vocab.Judgement.choices],
        required=False,
        error_messages={"invalid_choice": "Choose a judgement from the list"},
    )
    reasons = forms.CharField(
        label="Reasons for the judgement",
        widget=forms.Textarea,
        required=False,
        help_text="Needed to publish. The practitioner and the SPO will read this.",
    )
    avoidable_reasons = forms.MultipleChoiceField(
        label="Why could it have been avoided?",
        help_text="Choose at least one.",
        choices=vocab.AvoidableReason.choices,
        required=False,
        error_messages={"invalid_choice": "Choose reasons from the list"},
    )
    confirm = forms.BooleanField(
        label="I have checked my answers. Once published, the review cannot be changed and the "
        "practitioner and SPO can read it.",
        required=False,
    )

    def __init__(self, *args: Any, warnings: list[tuple[rules.Finding, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for code, label in vocab.Question.choices:
            self.fields[code] = forms.ChoiceField(
                label=label,
                choices=[("", ""), *vocab.Answer.choices],
                required=False,
                error_messages={"invalid_choice": "Choose an answer from the list"},
            )
            self.fields[f"note_{code}"] = forms.CharField(
                label=f"Notes (optional): {label}", widget=forms.Textarea, required=False
            )
        self.warning_codes = [f.code for f, _ in warnings]
        for finding, _ in warnings:
            self.fields[f"verdict_{finding.code}"] = forms.ChoiceField(
                label="Was it right to go on past this warning?",
                choices=[("", ""), *vocab.OverrideVerdict.choices],
                required=False,
                error_messages={"invalid_choice": "Choose a verdict from the list"},
            )

    def question_rows(self) -> list[tuple[Any, Any]]:
        return [(self[code], self[f"note_{code}"]) for code in vocab.Question.values]

    def answers(self) -> ReviewAnswers:
        data = self.cleaned_data
        return ReviewAnswers(
            answers={q: data.get(q) or "" for q in vocab.Question.values},
            notes={q: data.get(f"note_{q}") or "" for q in vocab.Question.values},
            judgement=data.get("judgement") or "",
            reasons=data.get("reasons") or "",
            avoidable_reasons=list(data.get("avoidable_reasons") or []),
            override_verdicts={
                code: data.get(f"verdict_{code}") or "" for code in self.warning_codes
            },
        )


def review_initial(review: Any) -> dict[str, Any]:
    """The form's values from a saved review (or a new one's: version 0)."""
    if review is None:
        return {"version": 0}
    initial: dict[str, Any] = {
        "version": review.version,
        "judgement": review.judgement,
        "reasons": review.reasons,
        "avoidable_reasons": list(review.avoidable_reasons),
    }
    for q in vocab.Question.values:
        initial[q] = getattr(review, q)
        initial[f"note_{q}"] = review.notes.get(q, "")
    for code, verdict in review.override_verdicts.items():
        initial[f"verdict_{code}"] = verdict
    return initial
