"""The forms of the "Open a case" pages. Each turns its page's answers into the JSON the session
keeps (``answers()``) and back (``initial_from``); the cross-page checks are the service's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from ippcase import vocab
from ippcase.cases.identifiers import CRN_PATTERN, NOMIS_PATTERN
from ippcase.cases.opening.answers import day, iso
from ippcase.cases.record.forms import address_field
from ippcase.core.forms import AppForm, GovukDateField, as_bool, as_yes_no, yes_no_field
from ippcase.models import Team, User

MAX_ROWS = 20


def _choice(label: str, choices: Any, required: str | None, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required is not None,
        error_messages={"required": required} if required else {},
        **kwargs,
    )


def _text(label: str, required: str | None, max_length: int, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required is not None,
        error_messages={"required": required} if required else {},
        **kwargs,
    )


class PersonForm(AppForm):
    crn = _text("CRN", "Enter the CRN", 7, help_text="A letter and 6 numbers, for example A123456")
    nomis_number = _text("NOMIS number (optional)", None, 7, help_text="For example, A1234BC")
    pnc = _text("PNC number (optional)", None, 20, help_text="For example, 2008/0123456X")
    first_name = _text("First name", "Enter the first name", 100)
    last_name = _text("Last name", "Enter the last name", 100)
    date_of_birth = GovukDateField(what="the date of birth")
    gender = _choice("Gender", vocab.Gender.choices, "Select the gender", widget=forms.RadioSelect)
    ethnicity = _choice(
        "Ethnicity", vocab.Ethnicity.choices, "Select the ethnicity", widget=forms.RadioSelect
    )
    address = address_field()

    def clean_crn(self) -> str:
        crn = self.cleaned_data["crn"].strip().upper()
        if not CRN_PATTERN.match(crn):
            raise forms.ValidationError("Enter a CRN in the correct format, like A123456")
        return crn

    def clean_nomis_number(self) -> str:
        nomis = self.cleaned_data["nomis_number"].strip().upper()
        if nomis and not NOMIS_PATTERN.match(nomis):
            raise forms.ValidationError("Enter a NOMIS number in the correct format, like A1234BC")
        return nomis

    def answers(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["date_of_birth"] = iso(data["date_of_birth"])
        return data

    @staticmethod
    def initial_from(stored: dict[str, Any]) -> dict[str, Any]:
        return {**stored, "date_of_birth": day(stored.get("date_of_birth"))}


def _tariff(label: str, maximum: int, unit: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=maximum,
        required=False,
        error_messages={
            "invalid": f"Tariff {unit} must be a whole number",
            "min_value": f"Tariff {unit} must be 0 or more",
            "max_value": f"Tariff {unit} must be {maximum} or fewer",
        },
    )


class SentenceForm(AppForm):
    sentence_type = _choice(
        "Type of sentence",
        vocab.SentenceType.choices,
        "Select the type of sentence",
        widget=forms.RadioSelect,
    )
    sentence_date = GovukDateField(what="the sentence date")
    tariff_years = _tariff("Years", 99, "years")
    tariff_months = _tariff("Months", 11, "months")
    tariff_days = _tariff("Days", 365, "days")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("tariff_years", "tariff_months", "tariff_days"):
            if data.get(name) is None and name not in self.errors:
                data[name] = 0
        return data

    def answers(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["sentence_date"] = iso(data["sentence_date"])
        return data

    @staticmethod
    def initial_from(stored: dict[str, Any]) -> dict[str, Any]:
        return {**stored, "sentence_date": day(stored.get("sentence_date"))}


class OffenceForm(AppForm):
    category = _choice(
        "Offence category",
        [("", "Choose a category"), *vocab.OffenceCategory.choices],
        "Select the offence category",
    )
    description = forms.CharField(
        label="Description (optional)", widget=forms.Textarea, required=False
    )
    behaviours = forms.MultipleChoiceField(
        label="Behaviours in the offence",
        choices=vocab.Behaviour.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. A recall recommendation compares them with current "
        "behaviour.",
    )

    def answers(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class RiskForm(AppForm):
    rosh_level = _choice(
        "Risk of serious harm (RoSH)",
        vocab.RoshLevel.choices,
        "Select the RoSH level",
        widget=forms.RadioSelect,
    )
    mappa_category = forms.TypedChoiceField(
        label="MAPPA category (optional)",
        choices=[("", "Not managed under MAPPA"), *vocab.MappaCategory.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    mappa_level = forms.TypedChoiceField(
        label="MAPPA level (optional)",
        choices=[("", "No level set"), *vocab.MappaLevel.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    assessed_on = GovukDateField(what="the date of the assessment")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mappa_level") is not None and data.get("mappa_category") is None:
            self.add_error("mappa_category", "Select the MAPPA category, or no MAPPA level")
        return data

    def answers(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["assessed_on"] = iso(data["assessed_on"])
        return data

    @staticmethod
    def initial_from(stored: dict[str, Any]) -> dict[str, Any]:
        return {**stored, "assessed_on": day(stored.get("assessed_on"))}


class ReleasedForm(AppForm):
    released = yes_no_field(
        "Has the person been released on this sentence?",
        "Select yes if the person has been released on this sentence",
    )


class ReleaseForm(AppForm):
    date = GovukDateField(what="the date of release")
    prison = _text("Prison released from", "Enter the prison released from", 100)
    approved_premises = yes_no_field(
        "Released to approved premises?", "Select yes if released to approved premises"
    )
    recall_date = GovukDateField(what="the recall date", required=False)
    returned_to_custody = GovukDateField(what="the date returned to custody", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        no_recall = not data.get("recall_date") and "recall_date" not in self.errors
        if data.get("returned_to_custody") and no_recall:
            self.add_error(
                "recall_date", "Enter the recall date, or leave the return to custody blank"
            )
        return data

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "date": iso(data["date"]),
            "prison": data["prison"],
            "approved_premises": as_bool(data["approved_premises"]),
            "recall_date": iso(data.get("recall_date")),
            "returned_to_custody": iso(data.get("returned_to_custody")),
        }

    @staticmethod
    def initial_from(stored: dict[str, Any]) -> dict[str, Any]:
        return {
            "date": day(stored.get("date")),
            "prison": stored.get("prison", ""),
            "approved_premises": as_yes_no(bool(stored.get("approved_premises"))),
            "recall_date": day(stored.get("recall_date")),
            "returned_to_custody": day(stored.get("returned_to_custody")),
        }


class ConditionsForm(AppForm):
    standard = forms.MultipleChoiceField(
        label="Standard conditions",
        choices=vocab.StandardCondition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="All are on the licence unless it says otherwise.",
    )
    start_date = GovukDateField(what="the date the conditions start", required=False)


class AdditionalConditionForm(AppForm):
    code = _choice(
        "Type of additional condition",
        [("", "Choose a type"), *vocab.AdditionalCondition.choices],
        "Select the type of additional condition",
    )
    text = forms.CharField(
        label="Wording on the licence",
        widget=forms.Textarea,
        error_messages={"required": "Enter the wording of the additional condition"},
    )


class BespokeConditionForm(AppForm):
    text = forms.CharField(
        label="Wording on the licence",
        widget=forms.Textarea,
        error_messages={"required": "Enter the wording of the bespoke condition"},
    )


class AllocationForm(AppForm):
    team = forms.ChoiceField(
        label="Team", error_messages={"required": "Select the team that will hold the case"}
    )
    practitioner = forms.ChoiceField(
        label="Community offender manager (COM)",
        required=False,
        widget=forms.RadioSelect,
    )
    start_date = GovukDateField(what="the date the allocation starts", required=False)

    def __init__(
        self, *args: Any, teams: Iterable[Team], coms: Iterable[User] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for team in teams:
            groups.setdefault(team.pdu.name, []).append((str(team.pk), team.name))
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ChoiceField)  # noqa: S101
        team_field.choices = [("", "Choose a team"), *groups.items()]
        com_field = self.fields["practitioner"]
        assert isinstance(com_field, forms.ChoiceField)  # noqa: S101
        com_field.choices = [(str(u.pk), u.display_name) for u in coms]

    def require_com(self) -> None:
        """The COM and the start date are asked once the team is chosen."""
        data = self.cleaned_data
        if not data.get("practitioner") and "practitioner" not in self.errors:
            self.add_error("practitioner", "Select the COM who will hold the case")
        if data.get("start_date") is None and "start_date" not in self.errors:
            self.add_error("start_date", "Enter the date the allocation starts")

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "team": int(data["team"]),
            "practitioner": int(data["practitioner"]),
            "start_date": iso(data["start_date"]),
        }
