"""The forms of the administration area, on the app's GOV.UK form kit (``AppForm``). Each form
that changes a record carries ``expected``: the fingerprint of what the page showed, so that a
save against a record changed since is refused as stale."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from ippcase.core.forms import STALE_PAGE, AppForm, KeyedForm
from ippcase.models import PANEL_PERIOD_MAX, PANEL_PERIOD_MIN, Pdu, Region, Team
from ippcase.organisation.selectors import LOCAL_ADMIN_ROLES
from ippcase.vocab import Role


def expected_field() -> forms.CharField:
    return forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        error_messages={"required": STALE_PAGE},
    )


class CodeField(forms.SlugField):
    def __init__(self, what: str) -> None:
        super().__init__(
            label="Code",
            max_length=20,
            help_text="Letters, numbers and hyphens, for example leeds-north. It cannot change.",
            error_messages={
                "required": f"Enter a code for the {what}",
                "invalid": "Code must only include letters, numbers, hyphens and underscores",
            },
        )


def name_field(what: str) -> forms.CharField:
    return forms.CharField(
        label="Name", max_length=100, error_messages={"required": f"Enter a name for the {what}"}
    )


class RegionForm(KeyedForm):
    code = CodeField("region")
    name = name_field("region")


class RenameForm(AppForm):
    name = forms.CharField(
        label="Name", max_length=100, error_messages={"required": "Enter a name"}
    )
    expected = expected_field()


class PduForm(KeyedForm):
    region = forms.ModelChoiceField(
        queryset=Region.objects.order_by("name"),
        label="Region",
        empty_label="Choose a region",
        error_messages={"required": "Choose a region", "invalid_choice": "Choose a region"},
    )
    code = CodeField("PDU")
    name = name_field("PDU")


class TeamForm(KeyedForm):
    pdu = forms.ModelChoiceField(
        queryset=Pdu.objects.none(),
        label="PDU",
        empty_label="Choose a PDU",
        error_messages={"required": "Choose a PDU", "invalid_choice": "Choose a PDU"},
    )
    code = CodeField("team")
    name = name_field("team")

    def __init__(self, *args: Any, pdus: QuerySet[Pdu], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["pdu"]).queryset = pdus


PANEL_PERIOD_ERROR = (
    f"Months a panel or meeting counts for must be a whole number from {PANEL_PERIOD_MIN} "
    f"to {PANEL_PERIOD_MAX}, like 6"
)


class PanelPeriodForm(AppForm):
    """How many months a panel or meeting counts for a recommendation (issue 19). Read as ASCII
    digits only: ``int()`` would also take "1_2" or other scripts' digits."""

    panel_period_months = forms.CharField(
        label="Months a panel or meeting counts for a recommendation",
        help_text="The latest progression panel or MAPPA meeting within this many months fills "
        "the recommendation's multi-agency sections. From 1 to 24 months; usually 6.",
        error_messages={
            "required": "Enter how many months a panel or meeting counts for, from 1 to 24"
        },
    )
    expected = expected_field()

    def clean_panel_period_months(self) -> int:
        text = self.cleaned_data["panel_period_months"].strip()
        if not re.fullmatch(r"[0-9]{1,3}", text):
            raise forms.ValidationError(PANEL_PERIOD_ERROR)
        months = int(text)
        if not PANEL_PERIOD_MIN <= months <= PANEL_PERIOD_MAX:
            raise forms.ValidationError(PANEL_PERIOD_ERROR)
        return months


def role_choices(admin: bool) -> list[tuple[str, str]]:
    """The roles a user may give: all for an administrator, four for a local administrator."""
    return [(str(r.value), str(r.label)) for r in Role if admin or r in LOCAL_ADMIN_ROLES]


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.pdu.name})"


def team_field(teams: QuerySet[Team], *, required: bool) -> forms.ModelChoiceField:
    return TeamChoiceField(
        queryset=teams,
        label="Team",
        required=required,
        empty_label="No team (administrators and PPCS)" if not required else "Choose a team",
        error_messages={"required": "Choose a team", "invalid_choice": "Choose a team"},
    )


class AnyRoleField(forms.MultipleChoiceField):
    """Shows the roles the user may give, and accepts any role: the service refuses the ones
    the user may not give, with a message that says why."""

    def valid_value(self, value: Any) -> bool:
        return str(value) in Role.values


class RolesForm(AppForm):
    roles = AnyRoleField(label="Roles", required=False, widget=forms.CheckboxSelectMultiple)
    expected = expected_field()

    def __init__(self, *args: Any, admin: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["roles"]).choices = role_choices(admin)


class TeamChangeForm(AppForm):
    expected = expected_field()

    def __init__(self, *args: Any, teams: QuerySet[Team], admin: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"] = team_field(teams, required=not admin)


class ExpectedForm(AppForm):
    expected = expected_field()


class StaffForm(KeyedForm):
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="What they sign in with. With single sign-on, their username there.",
        error_messages={"required": "Enter a username"},
    )
    first_name = forms.CharField(
        label="First name", max_length=150, error_messages={"required": "Enter a first name"}
    )
    last_name = forms.CharField(
        label="Last name", max_length=150, error_messages={"required": "Enter a last name"}
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter an email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    roles = AnyRoleField(
        label="Roles",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one role"},
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], admin: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"] = team_field(teams, required=not admin)
        cast(forms.ChoiceField, self.fields["roles"]).choices = role_choices(admin)
