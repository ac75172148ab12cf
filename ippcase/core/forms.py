"""The GOV.UK form kit every page of the app shares: the date input (day, month and year boxes),
the base form that limits free text and names each field in its messages, yes/no questions, the
optimistic-locking version field and the date range of reports and dashboards.

It belongs to no feature: recall, parole and the dashboards all build their forms on it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import uuid
from typing import Any

from django import forms
from django.core import validators
from django.utils import timezone

from recall.deadlines import long_date

YES_NO = [("yes", "Yes"), ("no", "No")]

MIN_YEAR = 1900
_DATE_PART = re.compile(r"[0-9]{1,8}")
# The longest free text a form takes (about 1,500 words); longer is refused with a message
# rather than stored. Short fields (a prison) keep their column's own limit.
TEXT_MAX_LENGTH = 10_000


class DatePartsWidget(forms.Widget):
    """The GOV.UK date input: three boxes, ``<name>-day``, ``<name>-month`` and ``<name>-year``."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        return [str(data.get(f"{name}-{part}", "")).strip() for part in ("day", "month", "year")]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(f"{name}-{part}" in data for part in ("day", "month", "year"))


class GovukDateField(forms.Field):
    """A date from day, month and year boxes, with the GOV.UK error messages."""

    widget = DatePartsWidget

    def __init__(self, *, what: str, not_future: bool = True, **kwargs: Any) -> None:
        self.what = what
        self.not_future = not_future
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.date):
            return value
        parts = list(value or ["", "", ""])
        if not any(parts):
            return None
        what = self.what.capitalize()
        names = ("day", "month", "year")
        missing = [n for n, p in zip(names, parts, strict=True) if not p]
        if missing:
            raise forms.ValidationError(f"{what} must include a {' and '.join(missing)}")
        # ASCII digits only, and short: int() would also take "٣", "1_0" or 5,000 digits.
        if not all(_DATE_PART.fullmatch(p) for p in parts):
            raise forms.ValidationError(
                f"{what} must be a real date: enter the day, month and year as numbers"
            )
        day, month, year = (int(p) for p in parts)
        if len(parts[2]) != 4:
            raise forms.ValidationError(f"{what} must be a real date: the year must have 4 numbers")
        if year < MIN_YEAR:
            raise forms.ValidationError(f"{what} must be in {MIN_YEAR} or later")
        if not 1 <= month <= 12:
            raise forms.ValidationError(
                f"{what} must be a real date: the month must be between 1 and 12"
            )
        last_day = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last_day:
            month_name = dt.date(year, month, 1).strftime("%B %Y")
            raise forms.ValidationError(
                f"{what} must be a real date: {month_name} has {last_day} days"
            )
        return dt.date(year, month, day)

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise forms.ValidationError(f"Enter {self.what}")
        today = timezone.localdate()
        if value is not None and self.not_future and value > today:
            raise forms.ValidationError(
                f"{self.what.capitalize()} must be today or in the past "
                f"(today is {long_date(today)})"
            )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        return value


def _field_name(field: forms.Field, name: str) -> str:
    """How a message names a field: its label, or the question quoted."""
    label = str(field.label or name.replace("_", " ")).removesuffix(" (optional)").strip()
    if label.endswith("?"):
        return f'Your answer to "{label}"'
    return label[:1].upper() + label[1:]


STALE_PAGE = "This page is out of date: reload it and try again"


class AppForm(forms.Form):
    """The base of every form of the app: free text is limited in length (``TEXT_MAX_LENGTH``,
    or the field's own ``max_length``) and every refusal of text or of a choice names the field
    (GOV.UK style) instead of Django's generic wording. Applied at cleaning time so that fields
    added in ``__init__`` (justifications, criteria) are covered too."""

    def full_clean(self) -> None:
        for name, field in self.fields.items():
            _harden(field, name)
        super().full_clean()


class KeyedForm(AppForm):
    """A create form (issue 18, ``ippcase/core/once.py``): it carries a fresh one-time key in a
    hidden field, ``{{ form.submission_key }}`` in its template, and the view passes
    ``submission_key=form.once_key()`` to a service made with ``once.keyed``. The same form sent
    twice records once; the second request is given the first's result."""

    submission_key = forms.UUIDField(
        widget=forms.HiddenInput,
        required=False,
        initial=uuid.uuid4,
        error_messages={"invalid": "The form was changed: reload the page and try again"},
    )

    def once_key(self) -> uuid.UUID | None:
        """The form's one-time key, for the service (None when the client sent none)."""
        key: uuid.UUID | None = self.cleaned_data.get("submission_key")
        return key


def _harden(field: forms.Field, name: str) -> None:
    what = _field_name(field, name)
    if isinstance(field, forms.UUIDField):  # a hidden key, cleaned to a UUID: no length
        return
    if isinstance(field, forms.CharField):
        if field.max_length is None:
            field.max_length = TEXT_MAX_LENGTH
            field.validators.append(validators.MaxLengthValidator(TEXT_MAX_LENGTH))
        field.error_messages["max_length"] = (
            f"{what} must be {field.max_length:,} characters or fewer (you entered %(show_value)s)"
        )
        field.error_messages["null_characters_not_allowed"] = (
            f"{what} must not contain null characters"
        )
    elif isinstance(field, forms.ChoiceField):
        default = forms.ChoiceField.default_error_messages["invalid_choice"]
        multiple = forms.MultipleChoiceField.default_error_messages["invalid_choice"]
        if field.error_messages.get("invalid_choice") in (default, multiple):
            custom = field.error_messages.get("required")
            builtin = forms.Field.default_error_messages["required"]
            field.error_messages["invalid_choice"] = (
                custom if custom and custom != builtin else f"{what}: select from the options shown"
            )
        if isinstance(field, forms.MultipleChoiceField):
            field.error_messages["invalid_list"] = f"{what}: select from the options shown"


def version_field() -> forms.IntegerField:
    """The version of the recommendation the page was rendered from (optimistic locking); a
    missing or altered one means the page is stale, whatever was typed."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=2**31 - 1,
        error_messages={
            key: STALE_PAGE for key in ("required", "invalid", "min_value", "max_value")
        },
    )


def yes_no_field(label: str, required: str | None, help_text: str = "") -> forms.ChoiceField:
    """A GOV.UK yes/no radios question; ``required`` is the error message when it is unanswered
    (None: the question is optional)."""
    return forms.ChoiceField(
        label=label,
        choices=YES_NO,
        widget=forms.RadioSelect,
        help_text=help_text,
        required=required is not None,
        error_messages={"required": required} if required else {},
    )


def as_bool(value: str) -> bool:
    """A yes/no radios answer as a boolean."""
    return value == "yes"


def as_yes_no(value: bool) -> str:
    """A boolean as the yes/no radios answer."""
    return "yes" if value else "no"


class DateRangeForm(AppForm):
    """An optional period of a report or dashboard: a start date, an end date, or both
    (inclusive); the end may not come before the start."""

    date_from = GovukDateField(what="the start date", required=False, not_future=False)
    date_to = GovukDateField(what="the end date", required=False, not_future=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return data


# The entries of a GOV.UK error summary: each a message and the link to its input ("" for none).
ErrorSummary = list[dict[str, str]]


def summary_error(message: object) -> ErrorSummary:
    """The GOV.UK error summary of one message tied to no field: an action the service refused
    (the exception may be given), a stale page."""
    return [{"text": str(message), "href": ""}]


def error_summary(form: forms.Form) -> ErrorSummary:
    """The GOV.UK error summary's entries: each message linked to the first input of its field
    (the day box of a date, the first radio or checkbox of a choice)."""
    errors = []
    for name, messages in form.errors.items():
        if name == "__all__":
            errors += [entry for m in messages for entry in summary_error(m)]
            continue
        field = form[name]
        anchor = field.auto_id or name
        if isinstance(field.field, GovukDateField):
            anchor = f"{field.html_name}-day"
        elif getattr(field.field.widget, "allow_multiple_selected", False) or isinstance(
            field.field.widget, forms.RadioSelect
        ):
            anchor = f"{anchor}_0"
        errors += [{"text": str(m), "href": f"#{anchor}"} for m in messages]
    return errors
