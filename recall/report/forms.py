"""The forms of the recall report (Part B): one per task-list section (each with the version of
the report the page showed), the SPO's countersignature, submission (the reason for a late
report) and the date the report was served on the person."""

from __future__ import annotations

from typing import Any

from django import forms

from ippcase import vocab as case_vocab
from ippcase.core.forms import AppForm, GovukDateField, version_field
from recall import vocab
from recall.models import RecallReport


def _text(label: str, required: str, rows: int = 6, hint: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required},
    )


def _radios(label: str, choices: Any, required: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": required},
    )


class ReportVersionForm(AppForm):
    """The version of the report the page was rendered from (a stale page is refused)."""

    version = version_field()


class ReportSectionForm(ReportVersionForm):
    """A section of the report; its fields are the report's own, by name."""

    def __init__(self, *args: Any, report: RecallReport, **kwargs: Any) -> None:
        initial = {name: getattr(report, name) for name in self.base_fields if name != "version"}
        kwargs.setdefault("initial", {**initial, "version": report.version})
        super().__init__(*args, **kwargs)

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class AccountForm(ReportSectionForm):
    persons_account = _text(
        "The person's account of the recall",
        "Enter the person's account of the recall",
        hint="What they say happened, in their own words where you can.",
    )
    response_to_recall = _text(
        "Their response to the recall",
        "Enter the person's response to the recall",
        hint="How they have responded since the return to custody: attitude, engagement, "
        "behaviour in prison.",
    )


class RiskForm(ReportSectionForm):
    rosh_level = _radios(
        "Current risk of serious harm (RoSH)",
        case_vocab.RoshLevel.choices,
        "Select the current risk of serious harm",
    )
    risk_assessment = _text(
        "Current risk assessment and why",
        "Enter the current risk assessment and why",
        rows=8,
        hint="Who is at risk, of what, when, and why you have given this level.",
    )


class PlanForm(ReportSectionForm):
    risk_management_plan = _text(
        "Risk management plan for re-release",
        "Enter the risk management plan for re-release",
        rows=8,
        hint="Accommodation, supervision, interventions, multi-agency arrangements, "
        "contingency plans.",
    )


class RecommendationForm(ReportSectionForm):
    parole_recommendation = _radios(
        "What do you recommend to the Parole Board?",
        vocab.ParoleRecommendation.choices,
        "Select your recommendation to the Parole Board",
    )
    parole_recommendation_reasons = _text(
        "Why do you recommend this?", "Enter why you recommend this to the Parole Board"
    )
    rarr_suitability = _radios(
        "Is the person suitable for a risk-assessed recall review by PPCS?",
        vocab.RarrSuitability.choices,
        "Select whether the person is suitable for a risk-assessed recall review",
    )
    rarr_reasons = _text(
        "Why is the person suitable or not suitable for a risk-assessed recall review?",
        "Enter why the person is suitable or not for a risk-assessed recall review",
        rows=4,
    )


class ConditionsForm(ReportSectionForm):
    proposed_conditions = _text(
        "Proposed licence conditions",
        "Enter the licence conditions you propose, or that the current ones should stay",
        rows=8,
        hint="Additional or changed conditions for re-release, each with why it is necessary "
        "and proportionate; or that the conditions in force should stay.",
    )


SECTION_FORMS: dict[str, type[ReportSectionForm]] = {
    "account": AccountForm,
    "risk": RiskForm,
    "plan": PlanForm,
    "recommendation": RecommendationForm,
    "conditions": ConditionsForm,
}


class CountersignForm(ReportVersionForm):
    decision = _radios(
        "What is your decision?",
        [
            ("agree", "I agree with the report and countersign it"),
            ("return", "Return it to be rewritten"),
        ],
        "Select whether you countersign the report or return it",
    )
    comments = _text(
        "Your comments, or why the report is going back to be rewritten",
        "Enter your comments or why the report is going back",
        rows=5,
    )


class SubmitForm(ReportVersionForm):
    """Submitting; ``late``: the report is after the 15th working day, so the reason is asked."""

    delay_reason = forms.CharField(
        label="Why is the report late?",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args: Any, late: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.late = late

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.late and not str(data.get("delay_reason", "")).strip() and not self.errors:
            self.add_error("delay_reason", "Enter why the report is late")
        return data


class ServedForm(AppForm):
    served_on = GovukDateField(what="the date the report was served on the person")
