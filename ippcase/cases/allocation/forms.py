"""The two question pages of a transfer: the receiving team, then the COM, the start date and
the reason (with the allocation the page was shown from, so that a stale page is refused)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms

from ippcase.cases.allocation.selectors import TeamGroup
from ippcase.core.forms import STALE_PAGE, AppForm, GovukDateField, KeyedForm
from ippcase.models import User
from recall.deadlines import long_date


class TeamForm(AppForm):
    team = forms.ChoiceField(
        label="Which team is the case going to?",
        error_messages={"required": "Select the team the case is going to"},
    )

    def __init__(self, *args: Any, groups: list[TeamGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups = groups
        # self.fields holds the declared field (a copy); Form types it as a plain Field.
        field = cast("forms.ChoiceField", self.fields["team"])
        field.choices = [
            (group.label, [(team.code, team.name) for team in group.teams]) for group in groups
        ]


def marker(allocation_id: int | None) -> str:
    return "none" if allocation_id is None else str(allocation_id)


class TransferForm(KeyedForm):
    practitioner = forms.ChoiceField(
        label="Who is the new community offender manager (COM)?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the new community offender manager"},
    )
    start_date = GovukDateField(what="the start date")
    reason = forms.CharField(
        label="Why is the case moving?",
        widget=forms.Textarea,
        help_text="The case history shows this reason.",
        error_messages={"required": "Enter why the case is moving"},
    )
    # The allocation the page was shown from: its id, or "none" when the case had none. Missing
    # or anything else means the page was altered or is stale.
    allocation = forms.CharField(
        widget=forms.HiddenInput, max_length=20, error_messages={"required": STALE_PAGE}
    )

    def __init__(
        self,
        *args: Any,
        practitioners: list[User],
        current_start: dt.date | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.practitioners = {str(u.pk): u for u in practitioners}
        self.current_start = current_start
        field = cast("forms.ChoiceField", self.fields["practitioner"])
        field.choices = [(pk, u.display_name) for pk, u in self.practitioners.items()]

    def clean_start_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["start_date"]
        if self.current_start is not None and day < self.current_start:
            raise forms.ValidationError(
                "The start date must be the same as or after the start of the current allocation "
                f"({long_date(self.current_start)})"
            )
        return day

    def clean_allocation(self) -> int | None:
        text = self.cleaned_data["allocation"]
        if text == "none":
            return None
        if not text.isdigit() or len(text) > 18:
            raise forms.ValidationError(STALE_PAGE)
        return int(text)

    @property
    def chosen(self) -> User:
        return self.practitioners[self.cleaned_data["practitioner"]]
