"""The forms of the licence record pages. Each carries ``marker``: the state of the record the
page was shown from, so that a page out of date is refused (services)."""

from __future__ import annotations

from typing import Any

from django import forms

from ippcase.core.forms import (
    STALE_PAGE,
    AppForm,
    GovukDateField,
    KeyedForm,
    as_bool,
    yes_no_field,
)
from ippcase.vocab import AdditionalCondition, ConditionKind, StandardCondition


def marker_field() -> forms.CharField:
    return forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        error_messages={"required": STALE_PAGE},
    )


def reason_field(required: str | None = None) -> forms.CharField:
    return forms.CharField(
        label="Reason" if required else "Reason (optional)",
        required=required is not None,
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": required} if required else {},
    )


def correction_field() -> forms.BooleanField:
    return forms.BooleanField(
        label="This corrects a mistake in the record (not a new fact)", required=False
    )


class ReleaseForm(KeyedForm):
    date = GovukDateField(what="the release date")
    prison = forms.CharField(
        label="Prison released from",
        max_length=100,
        error_messages={"required": "Enter the prison released from"},
    )
    approved_premises = yes_no_field(
        "Released to approved premises?", "Select yes if released to approved premises"
    )
    reason = reason_field()
    correction = correction_field()
    marker = marker_field()

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "date": data["date"],
            "prison": data["prison"].strip(),
            "approved_premises": as_bool(data["approved_premises"]),
            "reason": data["reason"].strip(),
            "correction": bool(data.get("correction")),
            "marker": data["marker"],
        }


class AddConditionForm(KeyedForm):
    kind = forms.ChoiceField(
        label="Type of condition",
        choices=ConditionKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of condition"},
    )
    standard_code = forms.ChoiceField(
        label="Standard condition",
        choices=[("", "Select a standard condition"), *StandardCondition.choices],
        required=False,
    )
    additional_code = forms.ChoiceField(
        label="What the additional condition is about (optional)",
        choices=[("", "Not given"), *AdditionalCondition.choices],
        required=False,
    )
    text = forms.CharField(
        label="Wording of the condition (additional or bespoke)",
        widget=forms.Textarea,
        required=False,
        max_length=4000,
    )
    start_date = GovukDateField(what="the start date")
    reason = reason_field()
    correction = correction_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == ConditionKind.STANDARD and not data.get("standard_code"):
            self.add_error("standard_code", "Select the standard condition")
        if (
            kind in (ConditionKind.ADDITIONAL, ConditionKind.BESPOKE)
            and not (data.get("text") or "").strip()
        ):
            self.add_error("text", "Enter the wording of the condition")
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "standard_code": data["standard_code"] or "",
            "additional_code": data["additional_code"] or "",
            "text": (data["text"] or "").strip(),
            "start_date": data["start_date"],
            "reason": data["reason"].strip(),
            "correction": bool(data.get("correction")),
        }


class VaryConditionForm(AppForm):
    text = forms.CharField(
        label="New wording of the condition",
        widget=forms.Textarea,
        max_length=4000,
        error_messages={"required": "Enter the new wording of the condition"},
    )
    additional_code = forms.ChoiceField(
        label="What the additional condition is about (optional)",
        choices=[("", "Not given"), *AdditionalCondition.choices],
        required=False,
    )
    varied_on = GovukDateField(what="the variation date")
    reason = reason_field("Enter the reason for the variation")
    correction = correction_field()
    marker = marker_field()

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "text": data["text"].strip(),
            "additional_code": data["additional_code"] or "",
            "varied_on": data["varied_on"],
            "reason": data["reason"].strip(),
            "correction": bool(data.get("correction")),
            "marker": data["marker"],
        }


class EndConditionForm(AppForm):
    end_date = GovukDateField(what="the end date", not_future=False)
    reason = reason_field("Enter the reason the condition ends")
    correction = correction_field()
    marker = marker_field()

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "end_date": data["end_date"],
            "reason": data["reason"].strip(),
            "correction": bool(data.get("correction")),
            "marker": data["marker"],
        }
