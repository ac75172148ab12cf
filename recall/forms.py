"""Forms of the recall pages. They validate what a person typed and turn it into the keyword
arguments or ``changes`` the services take; the services decide whether the change is allowed.

Each recommendation section form has ``changes()``: the recommendation's fields as the form
answers them. It works on a partly valid form too (only the fields that cleaned), so that the
live findings can be evaluated on whatever has been typed so far.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from django import forms

from ippcase import vocab as case_vocab
from ippcase.core import words
from ippcase.core.forms import (
    STALE_PAGE,
    AppForm,
    GovukDateField,
    KeyedForm,
    as_bool,
    as_yes_no,
    version_field,
    yes_no_field,
)
from ippcase.models import LicenceCondition
from recall import meeting_records, vocab
from recall.models import ACTION_KIND_CHOICES, RecallRecommendation

# ---------------------------------------------------------------------------------------------
# Concerns and actions (create forms: KeyedForm carries the one-time key of issue 18)


class StartForm(KeyedForm):
    """Starting a recall recommendation: only the one-time key (a double click starts one)."""


class ConcernForm(KeyedForm):
    occurred_on = GovukDateField(what="the date of the concern")
    description = forms.CharField(
        label="What happened",
        widget=forms.Textarea,
        error_messages={"required": "Enter what happened"},
    )
    source = forms.ChoiceField(
        label="Where did this information come from?",
        choices=vocab.ConcernSource.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select where the information came from"},
    )
    behaviours = forms.MultipleChoiceField(
        label="Behaviours",
        choices=case_vocab.Behaviour.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. A recommendation compares them with the index offence.",
    )
    conditions = forms.MultipleChoiceField(
        label="Licence conditions it touches",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
    )

    def __init__(self, *args: Any, conditions: Iterable[LicenceCondition] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.condition_objects = {str(c.pk): c for c in conditions}
        # self.fields holds the declared field (a copy); Form types it as a plain Field.
        field = cast("forms.MultipleChoiceField", self.fields["conditions"])
        field.choices = [(pk, c.wording) for pk, c in self.condition_objects.items()]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "occurred_on": data["occurred_on"],
            "description": data["description"],
            "source": data["source"],
            "behaviours": data["behaviours"],
            "conditions": [self.condition_objects[pk] for pk in data["conditions"]],
        }


class ActionForm(KeyedForm):
    kind = forms.ChoiceField(
        label="What action was taken?",
        choices=ACTION_KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the action taken"},
    )
    referral = forms.ChoiceField(
        label="Referred to",
        choices=[("", "Choose the agency"), *vocab.REFERRAL_CHOICES],
        required=False,
    )
    taken_on = GovukDateField(what="the date of the action")
    details = forms.CharField(
        label="Details", widget=forms.Textarea, error_messages={"required": "Enter the details"}
    )
    outcome = forms.CharField(label="Outcome (optional)", widget=forms.Textarea, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "referral_partner_agency":
            if not data.get("referral"):
                self.add_error("referral", "Select who the person was referred to")
        else:
            data["referral"] = ""
        return data


# Corrections (issue 14): the same questions as adding, prefilled, with the reason and the
# version of the entry the page was shown from (recall.selectors.entry_version).


def correction_reason(what: str, doing: str = "correcting") -> forms.CharField:
    return forms.CharField(
        label=f"Why are you {doing} this {what}?",
        widget=forms.Textarea,
        help_text="The case history shows this reason.",
        error_messages={"required": f"Enter why you are {doing} the {what}"},
    )


def entry_version_field() -> forms.CharField:
    return forms.CharField(
        widget=forms.HiddenInput, max_length=64, error_messages={"required": STALE_PAGE}
    )


class ConcernCorrectForm(ConcernForm):
    reason = correction_reason("concern")
    version = entry_version_field()


class ActionCorrectForm(ActionForm):
    reason = correction_reason("action")
    version = entry_version_field()


class StrikeOutForm(AppForm):
    version = entry_version_field()

    def __init__(self, *args: Any, what: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"] = correction_reason(what, "striking out")


# ---------------------------------------------------------------------------------------------
# The recommendation, one form per section of the task list


class SectionForm(AppForm):
    """A section of the recommendation. ``ack_<CODE>`` fields carry the written justification of
    each warn finding shown in the section; a blank one removes that justification."""

    ack_codes: tuple[str, ...] = ()
    version = version_field()

    def __init__(
        self, *args: Any, rec: RecallRecommendation, ack_codes: Iterable[str] = (), **kwargs: Any
    ) -> None:
        self.rec = rec
        kwargs.setdefault("initial", self.initial_from(rec))
        super().__init__(*args, **kwargs)
        self.ack_codes = tuple(ack_codes)
        for code in self.ack_codes:
            self.fields[f"ack_{code}"] = forms.CharField(
                label="Why are you going ahead despite this?",
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
                initial=rec.acknowledgements.get(code, ""),
            )

    def initial_from(self, rec: RecallRecommendation) -> dict[str, Any]:
        return {}

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The recommendation fields from (partly) cleaned data."""
        raise NotImplementedError

    def changes(self) -> dict[str, Any]:
        data = getattr(self, "cleaned_data", {})
        changes = self.answers(data)
        if self.ack_codes:
            acks = dict(self.rec.acknowledgements)
            for code in self.ack_codes:
                # Only justifications shown (and so posted) count: a field not on the page
                # must not erase what was written earlier.
                if f"ack_{code}" not in data or f"ack_{code}" not in self.data:
                    continue
                text = data[f"ack_{code}"].strip()
                if text:
                    acks[code] = text
                else:
                    acks.pop(code, None)
            if acks != self.rec.acknowledgements:
                changes["acknowledgements"] = acks
        return changes

    def ack_fields(self) -> dict[str, forms.BoundField]:
        return {code: self[f"ack_{code}"] for code in self.ack_codes}


def _pick(data: Mapping[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    return {model: data[name] for name, model in mapping.items() if name in data}


class WhyForm(SectionForm):
    why_considered = forms.CharField(
        label="Why is recall being considered?",
        widget=forms.Textarea,
        required=False,
        help_text="What has happened, and why now.",
    )

    def initial_from(self, rec: RecallRecommendation) -> dict[str, Any]:
        return {"why_considered": rec.why_considered}

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return _pick(data, {"why_considered": "why_considered"})


class RecallTypeForm(SectionForm):
    recall_type = forms.ChoiceField(
        label="What type of recall are you recommending?",
        choices=vocab.RecallType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of recall"},
    )
    emergency = yes_no_field(
        "Is this an emergency recall?", required="Select yes if this is an emergency recall"
    )
    # No "out of hours" question (issue 12): the clock decides when a duty manager may act
    # (docs/permissions.md); ``RecallRecommendation.out_of_hours`` stays for historic records.

    def initial_from(self, rec: RecallRecommendation) -> dict[str, Any]:
        return {"recall_type": rec.recall_type, "emergency": as_yes_no(rec.emergency)}

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        changes = _pick(data, {"recall_type": "recall_type"})
        if "emergency" in data:
            changes["emergency"] = as_bool(data["emergency"])
        return changes


CRITERIA_LABELS = {
    "i": "(i) behaviour similar to the behaviour surrounding the index offence",
    "ii": (
        "(ii) behaviour likely to give rise (or that does give rise) to a sexual or violent offence"
    ),
    "iii": "(iii) behaviour associated with the commission of a sexual or violent offence",
    "iv": (
        "(iv) out of touch with the probation service, and it can be assumed that (i), (ii) "
        "or (iii) may arise"
    ),
}


class CriteriaForm(SectionForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in CRITERIA_LABELS.items():
            self.fields[f"criterion_{key}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"evidence_{key}"] = forms.CharField(
                label=f"Evidence for criterion ({key})",
                widget=forms.Textarea(attrs={"rows": 4}),
                required=False,
            )

    def initial_from(self, rec: RecallRecommendation) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for key in CRITERIA_LABELS:
            initial[f"criterion_{key}"] = key in rec.criteria
            initial[f"evidence_{key}"] = rec.criteria.get(key, "")
        return initial

    def criteria(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(k, self[f"criterion_{k}"], self[f"evidence_{k}"]) for k in CRITERIA_LABELS]

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        if not all(f"criterion_{k}" in data for k in CRITERIA_LABELS):
            return {}
        return {
            "criteria": {
                k: data.get(f"evidence_{k}", "").strip()
                for k in CRITERIA_LABELS
                if data[f"criterion_{k}"]
            }
        }


class BehavioursForm(SectionForm):
    current_behaviours = forms.MultipleChoiceField(
        label="Current behaviours",
        choices=case_vocab.Behaviour.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. Behaviours seen around the index offence are marked.",
    )
    causal_link = forms.CharField(
        label="The causal link between the current behaviour and the index offence",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )

    def initial_from(self, rec: RecallRecommendation) -> dict[str, Any]:
        return {"current_behaviours": list(rec.current_behaviours), "causal_link": rec.causal_link}

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        changes = _pick(data, {"causal_link": "causal_link"})
        if "current_behaviours" in data:
            changes["current_behaviours"] = sorted(set(data["current_behaviours"]))
        return changes


class RiskForm(SectionForm):
    increased_risk_of_harm = forms.CharField(
        label="What is the evidence of an increased risk of harm?",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )

    def initial_from(self, rec: RecallRecommendation) -> dict[str, Any]:
        return {"increased_risk_of_harm": rec.increased_risk_of_harm}

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return _pick(data, {"increased_risk_of_harm": "increased_risk_of_harm"})


def alternative_keys(rec: RecallRecommendation) -> list[str]:
    """The core alternatives, then any other already present, in the vocabulary's order."""
    present = set(rec.alternatives)
    return [
        code
        for code, _ in vocab.ALTERNATIVE_CHOICES
        if code in vocab.CORE_ALTERNATIVES or code in present
    ]


class AlternativesForm(SectionForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in alternative_keys(self.rec):
            label = vocab.ALTERNATIVE_LABELS[key]
            self.fields[f"status_{key}"] = forms.ChoiceField(
                label=label,
                choices=vocab.AlternativeStatus.choices,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"details_{key}"] = forms.CharField(
                label=f"Details: {words.lower(label)}",
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
                help_text=(
                    "What was tried and what happened, why it is not suitable, or why it does "
                    "not apply."
                    if key in vocab.CORE_ALTERNATIVES
                    else "What was tried and what happened, or why it is not suitable."
                ),
            )

    def initial_from(self, rec: RecallRecommendation) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for key in alternative_keys(rec):
            entry = rec.alternatives.get(key) or {}
            initial[f"status_{key}"] = entry.get("status", "")
            initial[f"details_{key}"] = entry.get("details", "")
        return initial

    def alternatives(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        keys = alternative_keys(self.rec)
        return [(k, self[f"status_{k}"], self[f"details_{k}"]) for k in keys]

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        alternatives = dict(self.rec.alternatives)
        for key in alternative_keys(self.rec):
            if f"status_{key}" in data:
                alternatives[key] = {
                    "status": data[f"status_{key}"],
                    "details": data.get(f"details_{key}", "").strip(),
                }
        return {"alternatives": alternatives}


class MultiAgencyForm(SectionForm):
    """Input from other agencies OUTSIDE a recorded meeting (issue 19): the meetings themselves
    come from the records (recall.meeting_records), shown above the question. The model fields
    keep their names: ``other_agencies_consulted`` is the yes/no, ``multi_agency_input`` the
    details (docs/rules.md "Meetings")."""

    other_agencies_consulted = yes_no_field(
        "Did other agencies give input outside a recorded meeting?",
        required="Select yes if other agencies gave input outside a recorded meeting",
        help_text=(
            "For example a call with the police offender manager, an email from the mental "
            "health team or the approved premises manager. Meetings are recorded on their own."
        ),
    )
    multi_agency_input = forms.CharField(
        label="Who gave the input, when, and what did they say?",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Needed if you answer yes.",
    )

    def __init__(self, *args: Any, rec: RecallRecommendation, **kwargs: Any) -> None:
        super().__init__(*args, rec=rec, **kwargs)
        if meeting_records.records_for(rec).agencies_heard_in_period:
            # A meeting with another agency in the period answers the section already.
            field = self.fields["other_agencies_consulted"]
            field.required = False
            field.help_text = (
                f"{field.help_text} Optional here: a meeting with another agency is recorded in "
                "the team's period."
            )

    def initial_from(self, rec: RecallRecommendation) -> dict[str, Any]:
        answered = rec.other_agencies_consulted or "multi-agency" in rec.sections_saved
        return {
            "other_agencies_consulted": as_yes_no(rec.other_agencies_consulted)
            if answered
            else None,
            "multi_agency_input": rec.multi_agency_input,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("other_agencies_consulted") == "yes"
            and not (data.get("multi_agency_input") or "").strip()
        ):
            self.add_error(
                "multi_agency_input",
                "Enter who gave the input, when, and what they said",
            )
        return data

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        changes = _pick(data, {"multi_agency_input": "multi_agency_input"})
        if "other_agencies_consulted" in data:
            changes["other_agencies_consulted"] = as_bool(data["other_agencies_consulted"])
        return changes


class ContactForm(SectionForm):
    last_contact_date = GovukDateField(what="the date of last contact", required=False)
    alternative_addresses_known = yes_no_field(
        "Are any alternative addresses known?",
        required="Select yes if any alternative addresses are known",
    )
    alternative_addresses_checked = yes_no_field(
        "Have the alternative addresses been checked?",
        required="Select yes if the alternative addresses have been checked",
    )
    out_of_contact_details = forms.CharField(
        label="Details of attempts to make contact",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def initial_from(self, rec: RecallRecommendation) -> dict[str, Any]:
        return {
            "last_contact_date": rec.last_contact_date,
            "alternative_addresses_known": as_yes_no(rec.alternative_addresses_known),
            "alternative_addresses_checked": as_yes_no(rec.alternative_addresses_checked),
            "out_of_contact_details": rec.out_of_contact_details,
        }

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        changes = _pick(
            data,
            {
                "last_contact_date": "last_contact_date",
                "out_of_contact_details": "out_of_contact_details",
            },
        )
        for name in ("alternative_addresses_known", "alternative_addresses_checked"):
            if name in data:
                changes[name] = as_bool(data[name])
        return changes


class AllegationForm(SectionForm):
    allegation_status = forms.ChoiceField(
        label="Is any of the behaviour an allegation of an offence?",
        choices=vocab.AllegationStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the status of the allegation"},
    )
    allegation_incident_date = GovukDateField(what="the date of the incident", required=False)
    further_complaints = yes_no_field("Have there been further complaints since?", required=None)
    charge_outcome = forms.ChoiceField(
        label="What has happened to the allegation? (if known)",
        choices=vocab.ChargeOutcome.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=(
            "You can record this after the recall too, on the person's Recall tab, when it is "
            "known."
        ),
    )

    def initial_from(self, rec: RecallRecommendation) -> dict[str, Any]:
        return {
            "allegation_status": rec.allegation_status,
            "allegation_incident_date": rec.allegation_incident_date,
            "further_complaints": as_yes_no(rec.further_complaints),
            "charge_outcome": rec.charge_outcome,
        }

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        changes = _pick(
            data,
            {
                "allegation_status": "allegation_status",
                "allegation_incident_date": "allegation_incident_date",
                "charge_outcome": "charge_outcome",
            },
        )
        if "further_complaints" in data:
            changes["further_complaints"] = as_bool(data["further_complaints"])
        return changes


class PanelForm(SectionForm):
    """Nothing to answer (issue 19): the finding follows the meeting records. The section keeps
    only the written justification of NO_PROGRESSION_PANEL (``ack_*``). The old tick,
    ``progression_panel_held``, is shown read-only on the recommendations that have it."""

    def answers(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {}


class VersionForm(AppForm):
    """The version of the recommendation the page was rendered from (optimistic locking)."""

    version = version_field()


class WithdrawForm(VersionForm):
    reason = forms.CharField(
        label="Why is the recommendation being withdrawn?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why the recommendation is being withdrawn"},
    )


class OversightForm(VersionForm):
    decision = forms.ChoiceField(
        label="What is your decision?",
        choices=vocab.OversightDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select your decision"},
    )
    rationale = forms.CharField(
        label="Your rationale",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter your rationale for the decision"},
    )
    alternatives_explored = forms.BooleanField(
        label="Alternatives to recall have been explored", required=False
    )
    recall_type_correct = forms.BooleanField(label="The recall type is correct", required=False)
    report_quality = forms.BooleanField(label="The report is of good quality", required=False)
    not_manageable_in_community = forms.BooleanField(
        label="The person is no longer manageable in the community", required=False
    )

    CONFIRMATIONS = (
        "alternatives_explored",
        "recall_type_correct",
        "report_quality",
        "not_manageable_in_community",
    )

    def confirmations(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CONFIRMATIONS]


# ---------------------------------------------------------------------------------------------
# PPCS: the decision, return to custody, the report and stopping a recall


class PpcsDecisionForm(AppForm):
    outcome = forms.ChoiceField(
        label="What is your decision?",
        choices=vocab.PpcsOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select your decision"},
    )
    # Each revealed under its radio; required by the service (which says so) for its outcome.
    reject_reason = forms.CharField(
        label="Why is the request rejected?",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    info_reason = forms.CharField(
        label="What more information is needed?",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def reason(self) -> str:
        outcome = self.cleaned_data.get("outcome")
        if outcome == vocab.PpcsOutcome.REJECTED:
            return str(self.cleaned_data.get("reject_reason", ""))
        if outcome == vocab.PpcsOutcome.INFO_REQUESTED:
            return str(self.cleaned_data.get("info_reason", ""))
        return ""


class ReturnToCustodyForm(AppForm):
    returned_on = GovukDateField(what="the return to custody date")
    prison = forms.CharField(
        label="Prison returned to",
        max_length=100,
        error_messages={"required": "Enter the prison the person was returned to"},
    )


class RecallProgressForm(AppForm):
    """The date the dossier (the reasons for recall) was served on the prisoner. The date the
    report was submitted is recorded by submitting it (recall.report)."""

    dossier_served_on = GovukDateField(what="the date the dossier was served on the prisoner")


class ChargeOutcomeForm(AppForm):
    """What became of the allegation behind an authorised recall, once known."""

    charge_outcome = forms.ChoiceField(
        label="What has happened to the allegation?",
        choices=vocab.ChargeOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what has happened to the allegation",
            "invalid_choice": "Select what has happened to the allegation",
        },
    )


class StopRecallForm(AppForm):
    reason = forms.CharField(
        label="Why is the recall being stopped or rescinded?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why the recall is being stopped or rescinded"},
    )
    released_on = GovukDateField(what="the re-release date", required=False)


class ResubmitForm(VersionForm):
    further_information = forms.CharField(
        label="The further information PPCS asked for",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter the further information PPCS asked for"},
    )
