"""The section forms of the recall request (Part A; docs/recall-paperwork.md), on the
recommendation's task list beside the sections of ``recall.forms``. What is a fact of the case
(address, MAPPA, IOM, RoSH, vulnerabilities, victims) is only shown here, and changed on the case;
what belongs to this recall is asked here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils import timezone

from ippcase.core.forms import GovukDateField, as_bool, yes_no_field
from recall import part_a, selectors, vocab
from recall.forms import SectionForm, _pick
from recall.models import RecallRecommendation

HELD = (vocab.CustodyStatus.POLICE, vocab.CustodyStatus.PRISON)


def _yes_no(value: bool | None) -> str:
    """A stored yes/no answer as radios; not answered stays unanswered (never "no")."""
    return "" if value is None else ("yes" if value else "no")


class WhereaboutsForm(SectionForm):
    custody_status = forms.ChoiceField(
        label="Is the person in custody now?",
        choices=vocab.CustodyStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the person is in custody now"},
    )
    custody_details = forms.CharField(
        label="Where are they held?",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="The police station or prison, and since when.",
    )
    found_at_main_address = yes_no_field(
        "Can the person be found at their main address?",
        required="Select yes if the person can be found at their main address",
    )
    other_addresses = forms.CharField(
        label="Other addresses where they may be found",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=(
            "Include any addresses the person has given you, and those of family, friends or a "
            "partner. The inspection found a recall that could have been avoided: the person "
            "had given alternative addresses, which were not considered while they were out of "
            "contact."
        ),
    )

    def initial_from(self, rec: RecallRecommendation) -> dict[str, Any]:
        return {
            "custody_status": rec.custody_status,
            "custody_details": rec.custody_details,
            "found_at_main_address": _yes_no(rec.found_at_main_address),
            "other_addresses": rec.other_addresses,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("custody_status") in HELD and not data.get("custody_details", "").strip():
            self.add_error("custody_details", "Enter where the person is held")
        if (
            data.get("found_at_main_address") == "no"
            and not data.get("other_addresses", "").strip()
        ):
            self.add_error(
                "other_addresses",
                "Enter the other addresses where the person may be found, including any they "
                "have given",
            )
        return data

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        changes = _pick(
            data, {"custody_status": "custody_status", "other_addresses": "other_addresses"}
        )
        if "custody_status" in data:
            held = data["custody_status"] in HELD
            changes["custody_details"] = data.get("custody_details", "").strip() if held else ""
        if data.get("found_at_main_address"):
            changes["found_at_main_address"] = as_bool(data["found_at_main_address"])
        if "other_addresses" in changes:
            changes["other_addresses"] = changes["other_addresses"].strip()
        return changes


class PoliceForm(SectionForm):
    police_contact_name = forms.CharField(
        label="Local police contact",
        max_length=200,
        required=False,
        help_text="The officer or team the police force has named for this recall.",
    )
    police_contact_phone = forms.CharField(label="Telephone", max_length=40, required=False)
    police_contact_email = forms.EmailField(
        label="Email",
        required=False,
        error_messages={
            "invalid": "Enter an email address in the right format, like name@example.com"
        },
    )
    arrest_issues = yes_no_field(
        "Are there arrest issues?",
        required="Select yes if there are arrest issues",
        help_text="For example a risk to officers, weapons, or dogs at the address.",
    )
    arrest_issues_details = forms.CharField(
        label="Give details of the arrest issues",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    contraband_risk = yes_no_field(
        "Is there a risk they will bring contraband into prison?",
        required="Select yes if there is a risk they will bring contraband into prison",
    )
    contraband_details = forms.CharField(
        label="Give details of the contraband risk",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def initial_from(self, rec: RecallRecommendation) -> dict[str, Any]:
        return {
            "police_contact_name": rec.police_contact_name,
            "police_contact_phone": rec.police_contact_phone,
            "police_contact_email": rec.police_contact_email,
            "arrest_issues": _yes_no(rec.arrest_issues),
            "arrest_issues_details": rec.arrest_issues_details,
            "contraband_risk": _yes_no(rec.contraband_risk),
            "contraband_details": rec.contraband_details,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("arrest_issues") == "yes" and not data.get("arrest_issues_details", "").strip():
            self.add_error("arrest_issues_details", "Enter the details of the arrest issues")
        if data.get("contraband_risk") == "yes" and not data.get("contraband_details", "").strip():
            self.add_error("contraband_details", "Enter the details of the contraband risk")
        return data

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        changes: dict[str, Any] = {
            name: str(data[name]).strip()
            for name in ("police_contact_name", "police_contact_phone", "police_contact_email")
            if name in data
        }
        for flag, details in (
            ("arrest_issues", "arrest_issues_details"),
            ("contraband_risk", "contraband_details"),
        ):
            if data.get(flag):
                yes = as_bool(data[flag])
                changes[flag] = yes
                changes[details] = data.get(details, "").strip() if yes else ""
        return changes


class RiskProfileForm(SectionForm):
    """MAPPA, IOM, RoSH and vulnerabilities are facts of the case, shown read-only: saving
    confirms they are up to date."""

    checked = forms.BooleanField(
        label="I have checked these are up to date",
        error_messages={"required": "Confirm you have checked these are up to date"},
    )

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {}


class ConditionsForm(SectionForm):
    """For each licence condition in force, "breached" and how; "how" is prefilled from the
    concerns linked to the condition."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rec = self.rec
        self.in_force = part_a.conditions_in_force(rec.person, timezone.localdate())
        prefill = part_a.breach_prefill(self.in_force, selectors.concerns_for(rec.person))
        first_time = "conditions" not in rec.sections_saved
        for condition in self.in_force:
            key = str(condition.pk)
            saved = rec.conditions_breached.get(key)
            self.fields[f"breached_{key}"] = forms.BooleanField(
                label="Breached",
                required=False,
                initial=saved is not None or (first_time and key in prefill),
            )
            self.fields[f"how_{key}"] = forms.CharField(
                label="How was it breached?",
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
                initial=saved if saved is not None else prefill.get(key, ""),
                help_text="Filled in from the concerns linked to this condition, if any."
                if key in prefill
                else "",
            )

    def rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [(c, self[f"breached_{c.pk}"], self[f"how_{c.pk}"]) for c in self.in_force]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for condition in self.in_force:
            key = str(condition.pk)
            if data.get(f"breached_{key}") and not data.get(f"how_{key}", "").strip():
                self.add_error(
                    f"how_{key}", f"Describe how the condition was breached: {condition.wording}"
                )
        return data

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        breached = {
            str(c.pk): data.get(f"how_{c.pk}", "").strip()
            for c in self.in_force
            if data.get(f"breached_{c.pk}")
        }
        return {"conditions_breached": breached}


class VictimsForm(SectionForm):
    vlo_informed_on = GovukDateField(
        what="the date the victim liaison officer was told", required=False
    )

    def initial_from(self, rec: RecallRecommendation) -> dict[str, Any]:
        return {"vlo_informed_on": rec.vlo_informed_on}

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return _pick(data, {"vlo_informed_on": "vlo_informed_on"})
