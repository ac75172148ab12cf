"""The forms that change the case record. Each carries the hidden marker of the values it was
shown with (``marker``), the reason for the change and,
except for RoSH and MAPPA (whose kind is its own question), whether the change corrects a
mistake or records a new fact."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from ippcase import vocab
from ippcase.cases.identifiers import NOMIS_PATTERN
from ippcase.core.forms import (
    STALE_PAGE,
    AppForm,
    GovukDateField,
    KeyedForm,
    as_bool,
    yes_no_field,
)

_MARKER = re.compile(r"[0-9a-f]{32}")

CORRECTION = "correction"
NEW_FACT = "new_fact"
CHANGE_KINDS = [(CORRECTION, "A correction of a mistake"), (NEW_FACT, "A new fact")]

# Radios leave out an empty value, so "none" stands for no MAPPA category or level.
NONE = "none"
MAPPA_CATEGORIES = [
    *((str(v), label) for v, label in vocab.MappaCategory.choices),
    (NONE, "Not managed under MAPPA"),
]
MAPPA_LEVELS = [
    *((str(v), label) for v, label in vocab.MappaLevel.choices),
    (NONE, "No level set"),
]


def _radios(label: str, choices: Any, required: str, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        help_text=help_text,
        error_messages={"required": required},
    )


def _checkboxes(label: str, choices: Any, help_text: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=help_text,
    )


class ChangeForm(AppForm):
    """What every change form carries: the marker and the reason."""

    marker = forms.CharField(
        widget=forms.HiddenInput,
        max_length=32,
        error_messages={"required": STALE_PAGE, "max_length": STALE_PAGE},
    )
    reason = forms.CharField(
        label="Why are you making this change?",
        help_text="This is kept in the case history with your name.",
        widget=forms.Textarea,
        error_messages={"required": "Enter the reason for the change"},
    )

    def full_clean(self) -> None:
        super().full_clean()
        # A stale marker is about the page, not a field the user can put right.
        errors = getattr(self, "_errors", None)
        if errors and "marker" in errors:
            stale = errors.pop("marker")
            errors.setdefault(NON_FIELD_ERRORS, self.error_class(error_class="nonfield"))
            errors[NON_FIELD_ERRORS].extend(stale)

    def clean_marker(self) -> str:
        marker = str(self.cleaned_data["marker"])
        if not _MARKER.fullmatch(marker):
            raise forms.ValidationError(STALE_PAGE)
        return marker

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned data as the service's keyword arguments."""
        data = dict(self.cleaned_data)
        if "change_kind" in data:
            data["correction"] = data.pop("change_kind") == CORRECTION
        return data


def _change_kind() -> forms.ChoiceField:
    return _radios(
        "Is this a correction of a mistake or a new fact?",
        CHANGE_KINDS,
        "Select whether this corrects a mistake or records a new fact",
    )


ADDRESS_MAX = 500


def address_field() -> forms.CharField:
    """The person's main address (the Part A's "last recorded address"), as on the opening
    page: optional, since a person may have no fixed abode."""
    return forms.CharField(
        label="Main address (optional)",
        help_text="Where the person lives. Leave blank if they have no fixed abode or it is "
        "not known.",
        required=False,
        max_length=ADDRESS_MAX,
        widget=forms.Textarea,
    )


class PersonDetailsForm(ChangeForm):
    nomis_number = forms.CharField(
        label="NOMIS number (optional)",
        help_text="For example, A1234BC",
        required=False,
        max_length=7,
    )
    pnc = forms.CharField(label="PNC number (optional)", required=False, max_length=20)
    first_name = forms.CharField(
        label="First name", max_length=100, error_messages={"required": "Enter the first name"}
    )
    last_name = forms.CharField(
        label="Last name", max_length=100, error_messages={"required": "Enter the last name"}
    )
    date_of_birth = GovukDateField(what="the date of birth")
    gender = _radios("Gender", vocab.Gender.choices, "Select the gender")
    ethnicity = _radios("Ethnicity", vocab.Ethnicity.choices, "Select the ethnicity")
    address = address_field()
    change_kind = _change_kind()

    field_order = [
        "nomis_number",
        "pnc",
        "first_name",
        "last_name",
        "date_of_birth",
        "gender",
        "ethnicity",
        "address",
        "change_kind",
        "reason",
    ]

    def clean_nomis_number(self) -> str:
        value = str(self.cleaned_data.get("nomis_number") or "").strip().upper()
        if value and not NOMIS_PATTERN.fullmatch(value):
            raise forms.ValidationError(
                "Enter a NOMIS number in the right format, for example A1234BC"
            )
        return value


class SentenceForm(ChangeForm):
    sentence_type = _radios("Sentence type", vocab.SentenceType.choices, "Select the sentence type")
    sentence_date = GovukDateField(what="the sentence date")
    tariff_years = forms.IntegerField(
        label="Years",
        min_value=0,
        max_value=99,
        error_messages={
            "required": "Enter the years of the tariff (0 if none)",
            "invalid": "The years of the tariff must be a whole number",
            "min_value": "The years of the tariff must be 0 or more",
            "max_value": "The years of the tariff must be 99 or fewer",
        },
    )
    tariff_months = forms.IntegerField(
        label="Months",
        min_value=0,
        max_value=11,
        error_messages={
            "required": "Enter the months of the tariff (0 if none)",
            "invalid": "The months of the tariff must be a whole number",
            "min_value": "The months of the tariff must be 0 or more",
            "max_value": "The months of the tariff must be 11 or fewer",
        },
    )
    tariff_days = forms.IntegerField(
        label="Days",
        min_value=0,
        max_value=365,
        error_messages={
            "required": "Enter the days of the tariff (0 if none)",
            "invalid": "The days of the tariff must be a whole number",
            "min_value": "The days of the tariff must be 0 or more",
            "max_value": "The days of the tariff must be 365 or fewer",
        },
    )
    change_kind = _change_kind()

    field_order = [
        "sentence_type",
        "sentence_date",
        "tariff_years",
        "tariff_months",
        "tariff_days",
        "change_kind",
        "reason",
    ]


class OffenceForm(ChangeForm):
    category = _radios(
        "Offence category", vocab.OffenceCategory.choices, "Select the offence category"
    )
    description = forms.CharField(
        label="Description (optional)", required=False, widget=forms.Textarea
    )
    behaviours = _checkboxes(
        "Behaviours around the offence",
        vocab.Behaviour.choices,
        "Select all that apply. A concern about the same behaviour now is linked to the offence.",
    )
    principal = _radios(
        "Is this the principal index offence?",
        [("yes", "Yes, the principal offence"), ("no", "No, an additional offence")],
        "Select whether this is the principal index offence",
        "Making it the principal offence makes the current principal offence an additional one.",
    )
    change_kind = _change_kind()

    field_order = ["category", "description", "behaviours", "principal", "change_kind", "reason"]

    def service_kwargs(self) -> dict[str, Any]:
        data = super().service_kwargs()
        data["principal"] = data["principal"] == "yes"
        return data


class AddOffenceForm(KeyedForm, OffenceForm):
    """Adding an index offence: the offence form with a one-time key (issue 18)."""


class RiskForm(ChangeForm):
    rosh_level = _radios(
        "Risk of serious harm (RoSH)", vocab.RoshLevel.choices, "Select the RoSH level"
    )
    mappa_category = _radios(
        "MAPPA category", MAPPA_CATEGORIES, "Select the MAPPA category, or not managed under MAPPA"
    )
    mappa_level = _radios("MAPPA level", MAPPA_LEVELS, "Select the MAPPA level, or no level set")
    iom = _radios(
        "Managed under Integrated Offender Management (IOM)?",
        vocab.YesNoUnknown.choices,
        "Select whether the person is managed under Integrated Offender Management",
    )
    changed_on = GovukDateField(what="the date of the change")
    kind = _radios(
        "Is this a new assessment or a correction of what was recorded?",
        vocab.RiskChangeKind.choices,
        "Select whether this is a new assessment or a correction",
    )

    field_order = [
        "rosh_level",
        "mappa_category",
        "mappa_level",
        "iom",
        "changed_on",
        "kind",
        "reason",
    ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mappa_level") not in (None, NONE) and data.get("mappa_category") == NONE:
            self.add_error(
                "mappa_level",
                "A MAPPA level needs a MAPPA category: choose a category, or no level set",
            )
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = super().service_kwargs()
        for name in ("mappa_category", "mappa_level"):
            data[name] = None if data[name] == NONE else int(data[name])
        return data


class CircumstancesForm(ChangeForm):
    needs = _checkboxes(
        "Needs", vocab.Need.choices, "The OASys criminogenic needs. Select all that apply."
    )
    vulnerability_types = _checkboxes(
        "Vulnerabilities", vocab.Vulnerability.choices, "Select all that apply."
    )
    vulnerabilities = forms.CharField(
        label="Details of vulnerabilities (optional)", required=False, widget=forms.Textarea
    )
    accommodation = _radios(
        "Accommodation", vocab.Accommodation.choices, "Select the accommodation"
    )
    opd_screening = _radios(
        "Offender personality disorder (OPD) screening",
        vocab.OpdScreening.choices,
        "Select the OPD screening",
    )
    easy_read = yes_no_field(
        "Send letters in easy read?",
        "Select yes if letters to the person should be sent in easy read",
        "Easy read uses short sentences, one idea a line and large type. It is for people who "
        "find standard letters hard to read or understand.",
    )
    change_kind = _change_kind()

    field_order = [
        "needs",
        "vulnerability_types",
        "vulnerabilities",
        "accommodation",
        "opd_screening",
        "easy_read",
        "change_kind",
        "reason",
    ]

    def service_kwargs(self) -> dict[str, Any]:
        data = super().service_kwargs()
        data["easy_read"] = as_bool(data["easy_read"])
        return data


VLO_MAX = 200


class VictimsForm(ChangeForm):
    victims_in_vcs = _radios(
        "Are any victims in the Victim Contact Scheme?",
        vocab.YesNoUnknown.choices,
        "Select whether any victims are in the Victim Contact Scheme",
    )
    victim_liaison_officer = forms.CharField(
        label="Victim liaison officer (optional)",
        help_text="Their name and how to contact them, for example a phone number or email.",
        required=False,
        max_length=VLO_MAX,
    )
    victim_safety = forms.CharField(
        label="Victim safety considerations (optional)",
        help_text="For example, exclusion zones and non-contact conditions.",
        required=False,
        widget=forms.Textarea,
    )
    change_kind = _change_kind()

    field_order = [
        "victims_in_vcs",
        "victim_liaison_officer",
        "victim_safety",
        "change_kind",
        "reason",
    ]
