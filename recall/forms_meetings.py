"""Forms of the case's "Meetings and panels" tab (issue 19; docs/multi-agency-panels.md):
recording a meeting, adding an action, correcting either, marking an action done, striking a
meeting out. They
check what was typed; the services (recall/meeting_services.py) decide whether it may be done."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms

from ippcase.core.forms import AppForm, GovukDateField, KeyedForm
from ippcase.models import User
from recall import vocab
from recall.forms import correction_reason, entry_version_field
from recall.meeting_selectors import concern_label
from recall.models import Concern

OWNER_STAFF = "staff"
OWNER_AGENCY = "agency"


class MeetingForm(KeyedForm):
    held_on = GovukDateField(what="the date of the meeting")
    kind = forms.ChoiceField(
        label="Type of meeting",
        choices=vocab.MeetingKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of meeting"},
    )
    chair = forms.CharField(
        label="Who chaired the meeting?",
        max_length=200,
        help_text="Their name and role, for example Jo Bloggs, SPO.",
        error_messages={"required": "Enter who chaired the meeting"},
    )
    agencies = forms.MultipleChoiceField(
        label="Which agencies attended?",
        choices=vocab.Agency.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply, other than probation.",
        error_messages={"required": "Select the agencies that attended"},
    )
    other_agency = forms.CharField(label="Name of the other agency", max_length=200, required=False)
    attendees = forms.CharField(
        label="Who attended? (optional)",
        widget=forms.Textarea,
        required=False,
        help_text="Names and roles.",
    )
    discussion = forms.CharField(
        label="What was discussed",
        widget=forms.Textarea,
        error_messages={"required": "Enter what was discussed"},
    )
    decisions = forms.CharField(
        label="What was agreed (optional)",
        widget=forms.Textarea,
        required=False,
        help_text="Add the actions, with who owns each and by when, on the next page.",
    )
    concerns = forms.MultipleChoiceField(
        label="Concerns discussed (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="From the concerns log, most recent first.",
    )

    def __init__(self, *args: Any, concerns: Iterable[Concern] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.concern_objects = {str(c.pk): c for c in concerns}
        field = cast("forms.MultipleChoiceField", self.fields["concerns"])
        field.choices = [(pk, concern_label(c)) for pk, c in self.concern_objects.items()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if vocab.Agency.OTHER in data.get("agencies", []):
            if not data.get("other_agency", "").strip():
                self.add_error("other_agency", "Enter the name of the other agency")
        else:
            data["other_agency"] = ""
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "held_on": data["held_on"],
            "kind": data["kind"],
            "chair": data["chair"],
            "agencies": data["agencies"],
            "other_agency": data["other_agency"],
            "attendees": data["attendees"],
            "discussion": data["discussion"],
            "decisions": data["decisions"],
            "concerns": [self.concern_objects[pk] for pk in data["concerns"]],
        }


class MeetingActionForm(KeyedForm):
    description = forms.CharField(
        label="Action",
        widget=forms.Textarea,
        error_messages={"required": "Enter the action"},
    )
    owner_kind = forms.ChoiceField(
        label="Who owns the action?",
        choices=[(OWNER_STAFF, "A member of staff"), (OWNER_AGENCY, "Someone in another agency")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select who owns the action"},
    )
    owner = forms.ChoiceField(
        label="Member of staff",
        required=False,
        error_messages={"invalid_choice": "Choose a member of staff from the list"},
    )
    owner_name = forms.CharField(
        label="Their name and agency",
        max_length=200,
        required=False,
        help_text="For example, PC Sam Jones, West Yorkshire Police.",
    )
    due_on = GovukDateField(what="the due date", not_future=False)

    def __init__(self, *args: Any, staff: Iterable[User] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = {str(u.pk): u for u in staff}
        field = cast("forms.ChoiceField", self.fields["owner"])
        field.choices = [("", "Choose a member of staff")] + [
            (pk, u.display_name) for pk, u in self.staff.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("owner_kind")
        if kind == OWNER_STAFF:
            data["owner_name"] = ""
            if not data.get("owner") and "owner" not in self.errors:
                self.add_error("owner", "Choose the member of staff who owns the action")
        elif kind == OWNER_AGENCY:
            data["owner"] = ""
            if not data.get("owner_name", "").strip() and "owner_name" not in self.errors:
                self.add_error("owner_name", "Enter the name and agency of who owns the action")
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "description": data["description"],
            "due_on": data["due_on"],
            "owner": self.staff.get(data["owner"]) if data["owner"] else None,
            "owner_name": data["owner_name"],
        }


# Corrections: the same questions as recording, prefilled, with the reason and the version the
# page was shown from (recall.meeting_selectors.meeting_version / action_version).


class MeetingCorrectForm(MeetingForm):
    reason = correction_reason("meeting")
    version = entry_version_field()


class MeetingActionCorrectForm(MeetingActionForm):
    reason = correction_reason("action")
    version = entry_version_field()


class ActionDoneForm(AppForm):
    note = forms.CharField(
        label="What was done (optional)",
        widget=forms.Textarea,
        required=False,
        help_text="For example, the referral was made on 3 March and housing replied.",
    )


class MeetingStrikeOutForm(AppForm):
    reason = forms.CharField(
        label="Why are you striking out this meeting?",
        widget=forms.Textarea,
        help_text="The meeting's page and its audit trail keep this reason.",
        error_messages={"required": "Enter why you are striking out the meeting"},
    )
