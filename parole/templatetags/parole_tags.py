"""The person header's parole warning: an adjournment or deferral the prisoner has not been told
about more than the set number of working days after it (the same rule as
``parole.selectors.untold_delays``), in ONE query per page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import template
from django.contrib.postgres.expressions import ArraySubquery
from django.utils import timezone

from ippcase.cases.licence import periods as configured_periods
from parole import law
from parole.models import Adjournment
from recall.deadlines import Calendar
from recall.models import HolidayOverride
from recall.vocab import HolidayOverrideKind

register = template.Library()


@dataclass(frozen=True)
class UntoldDelay:
    delay: Adjournment
    working_days: int  # working days since the adjournment or deferral
    count: int  # how many are overdue on the case


def _overrides(kind: str) -> ArraySubquery:
    return ArraySubquery(HolidayOverride.objects.filter(kind=kind).values("date"))


@register.simple_tag
def untold_parole_delay(person: Any, today: dt.date | None = None) -> UntoldDelay | None:
    """The oldest overdue untold adjournment or deferral of ``person``'s open recalls, or None.

    More than N working days means at least N + 1 calendar days, so the query keeps only those
    candidates and brings the administrator's holiday overrides along with them (the calendar
    needs them): one query whatever the case holds."""
    day = timezone.localdate() if today is None else today
    periods = configured_periods()
    latest_possible = day - dt.timedelta(days=periods.untold_delay_working_days + 1)
    candidates = list(
        Adjournment.objects.filter(
            prisoner_informed_on__isnull=True,
            date__lte=latest_possible,
            review__recall__re_released_on__isnull=True,
            review__recall__release__person_id=person.pk,
        )
        .annotate(
            extra_holidays=_overrides(HolidayOverrideKind.EXTRA),
            cancelled_holidays=_overrides(HolidayOverrideKind.CANCELLED),
        )
        .order_by("date", "id")
    )
    if not candidates:
        return None
    first = candidates[0]
    calendar = Calendar(
        extra_holidays=frozenset(first.extra_holidays or ()),
        cancelled_holidays=frozenset(first.cancelled_holidays or ()),
    )
    cutoff = law.untold_delay_cutoff(day, calendar, periods)
    overdue = [delay for delay in candidates if delay.date <= cutoff]
    if not overdue:
        return None
    return UntoldDelay(
        delay=overdue[0],
        working_days=calendar.working_days_between(overdue[0].date, day),
        count=len(overdue),
    )
