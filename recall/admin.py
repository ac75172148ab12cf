"""Django admin for the data an administrator edits without a release: the bank holiday
overrides of the working-day calendar (``docs/deadlines.md``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from ippcase.models import User
from ippcase.vocab import Role
from recall import deadlines
from recall.models import HolidayOverride
from recall.vocab import HolidayOverrideKind


def _may_edit_holidays(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(
        user.is_active and user.is_staff and (user.is_superuser or user.has_role(Role.ADMIN))
    )


class HolidayOverrideForm(forms.ModelForm):
    class Meta:
        model = HolidayOverride
        fields = ["date", "kind", "description"]

    def clean(self) -> dict[str, Any]:
        """Refuse an override that would change nothing, so the table says what it does."""
        data: dict[str, Any] = super().clean() or {}
        day: dt.date | None = data.get("date")
        kind = data.get("kind")
        if day is None or not kind:
            return data
        try:
            listed = day in deadlines.DEFAULT_CALENDAR.bank_holidays(day.year)
        except deadlines.OutsideKnownYearsError as exc:
            raise forms.ValidationError(str(exc)) from None
        if kind == HolidayOverrideKind.EXTRA:
            if day.weekday() >= 5:
                raise forms.ValidationError(
                    "That date is a Saturday or Sunday: an extra holiday on it changes nothing."
                )
            if listed:
                raise forms.ValidationError("That date is already a bank holiday.")
        elif not listed:
            raise forms.ValidationError(
                "That date is not a bank holiday, so there is nothing to cancel."
            )
        return data


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(admin.ModelAdmin):
    """Extra and cancelled bank holidays. A change moves every open report deadline at once
    (due dates are worked out, never stored). Administrators only."""

    form = HolidayOverrideForm
    list_display = ["date", "weekday", "kind", "description", "created_by"]
    list_filter = ["kind"]
    search_fields = ["description"]
    date_hierarchy = "date"
    readonly_fields = ["created_by"]
    ordering = ["-date"]

    @admin.display(description="Day")
    def weekday(self, obj: HolidayOverride) -> str:
        return f"{obj.date:%A}"

    def save_model(
        self, request: HttpRequest, obj: HolidayOverride, form: Any, change: bool
    ) -> None:
        if not change and isinstance(request.user, User):  # never anonymous in the admin
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_edit_holidays(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_edit_holidays(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _may_edit_holidays(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_edit_holidays(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_edit_holidays(request)
