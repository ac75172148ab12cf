"""Date options of the report commands (parole_report, cohort_report): one parser, one message."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError


def date_option(value: str | None, option: str) -> dt.date | None:
    """``value`` of ``option`` as a date (None when not given); CommandError if it is not one."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"{option} {value!r} is not a real date: give it as YYYY-MM-DD, e.g. 2023-04-01"
        ) from None


def date_range(
    start: dt.date | None, end: dt.date | None, start_option: str, end_option: str
) -> tuple[dt.date | None, dt.date | None]:
    """The two ends of a range; CommandError when the start is after the end."""
    if start and end and start > end:
        raise CommandError(
            f"{start_option} {start.isoformat()} is after {end_option} {end.isoformat()}"
        )
    return start, end
