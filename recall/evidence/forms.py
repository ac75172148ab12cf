"""The evidence forms: uploading a document, removing one, withholding one from the person."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from ippcase.core.forms import AppForm, GovukDateField, KeyedForm, yes_no_field
from recall import vocab
from recall.evidence.checks import (
    ALLOWED_SENTENCE,
    CheckedFile,
    UploadRefused,
    check_upload,
    megabytes,
)

WITHHELD_REASON_REQUIRED = "Enter why the document is withheld from the person"


def _withheld_reason() -> forms.CharField:
    return forms.CharField(
        label="Why is it withheld?",
        help_text="Only if it is withheld: the grounds for non-disclosure under the Parole Board "
        "Rules, for example that disclosure would put a victim at risk.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class _WithholdingMixin(AppForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("withheld") == "yes" and not str(data.get("withheld_reason", "")).strip():
            self.add_error("withheld_reason", WITHHELD_REASON_REQUIRED)
        return data

    @property
    def is_withheld(self) -> bool:
        return bool(self.cleaned_data.get("withheld") == "yes")


class EvidenceForm(KeyedForm, _WithholdingMixin):
    part = forms.ChoiceField(
        label="Which document is it evidence for?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select which document it is evidence for"},
    )
    kind = forms.ChoiceField(
        label="Type of document",
        choices=vocab.EvidenceKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the type of document"},
    )
    document_date = GovukDateField(what="the date of the document", label="Date of the document")
    description = forms.CharField(
        label="Description",
        help_text="What it is and what it shows, for example: police incident log of 3 March, "
        "threats to the victim.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter a description of the document"},
    )
    withheld = yes_no_field(
        "Withhold this document from the person?",
        "Select yes if the document is withheld from the person",
        help_text="A withheld document is left out of the dossier served on the person.",
    )
    withheld_reason = _withheld_reason()
    file = forms.FileField(
        label="Upload a file",
        error_messages={
            "required": "Select a file to upload",
            "empty": "The selected file is empty. Choose a file that has something in it.",
            "invalid": "Select a file to upload",
        },
    )

    def __init__(self, *args: Any, parts: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(vocab.EvidencePart.choices)
        part = self.fields["part"]
        if isinstance(part, forms.ChoiceField):  # always: declared above
            part.choices = [(p, labels[p]) for p in parts]
        self.fields["file"].help_text = (
            f"{ALLOWED_SENTENCE[0].upper()}{ALLOWED_SENTENCE[1:]}, up to "
            f"{megabytes(settings.EVIDENCE_MAX_BYTES)}."
        )

    def clean_file(self) -> CheckedFile:
        try:
            return check_upload(self.cleaned_data["file"])
        except UploadRefused as refusal:
            raise forms.ValidationError(str(refusal)) from None


class RemoveForm(AppForm):
    reason = forms.CharField(
        label="Why are you removing this document?",
        help_text="It stays in the record, with this reason, but is left out of dossiers made "
        "from now on.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why you are removing the document"},
    )


class WithholdForm(_WithholdingMixin):
    withheld = yes_no_field(
        "Withhold this document from the person?",
        "Select yes if the document is withheld from the person",
        help_text="Dossiers served on the person from now on follow this answer.",
    )
    withheld_reason = _withheld_reason()
