"""The date checks of a release history, shared by the case import and the pages that record a
case or a release (issue 14), so that both refuse the same histories with the same messages.

A history is a list of releases in the order given, each with its recall (or none). The checks:
releases in date order, one per day; each recall inside its own period on licence; the return to
custody on or after the recall and before the next release; a re-release date that is the next
release's; only the last release without a recall; and the sentence before the first release.
Dates that are unknown (``None``, or not a date because the input was invalid and has already
been reported) are skipped. Each problem is ``(path, message)``, the path naming the value as the
import format does (``releases[1].recall.date``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

Problem = tuple[str, str]


class RecallDates(Protocol):
    @property
    def recall_date(self) -> dt.date | None: ...
    @property
    def returned_to_custody(self) -> dt.date | None: ...
    @property
    def re_released(self) -> object: ...  # a date when given; anything else is not checked


class ReleaseDates(Protocol):
    @property
    def date(self) -> dt.date | None: ...
    @property
    def recall(self) -> RecallDates | None: ...


def release_history_problems(releases: Sequence[ReleaseDates]) -> list[Problem]:
    """Releases in date order; each recall inside its own period on licence; only the last
    period may still be open."""
    problems: list[Problem] = []
    previous: dt.date | None = None
    for i, release in enumerate(releases):
        path = f"releases[{i}]"
        following = releases[i + 1] if i + 1 < len(releases) else None
        next_date = following.date if following else None
        if release.date is not None:
            if previous is not None and release.date <= previous:
                problems.append(
                    (
                        f"{path}.date",
                        f"{release.date} is not after the previous release ({previous}); "
                        "releases must be listed in date order, one per day",
                    )
                )
            previous = release.date if previous is None else max(previous, release.date)
        recall = release.recall
        if recall is None:
            if following is not None:
                problems.append(
                    (f"{path}.recall", "required: only the last release may have no recall")
                )
            continue
        problems += _recall_problems(f"{path}.recall", release.date, recall, next_date)
    return problems


def _recall_problems(
    path: str, released: dt.date | None, recall: RecallDates, next_date: dt.date | None
) -> list[Problem]:
    problems: list[Problem] = []
    if recall.recall_date is not None:
        if released is not None and recall.recall_date < released:
            problems.append(
                (f"{path}.date", f"{recall.recall_date} is before the release it ends ({released})")
            )
        if next_date is not None and recall.recall_date >= next_date:
            problems.append(
                (
                    f"{path}.date",
                    f"{recall.recall_date} is not before the next release ({next_date})",
                )
            )
    rtc = recall.returned_to_custody
    if rtc is not None:
        if recall.recall_date is not None and rtc < recall.recall_date:
            problems.append(
                (
                    f"{path}.returned_to_custody",
                    f"{rtc} is before the recall date ({recall.recall_date})",
                )
            )
        # A person is re-released only from custody, so the return comes first.
        if next_date is not None and rtc >= next_date:
            problems.append(
                (
                    f"{path}.returned_to_custody",
                    f"{rtc} is not before the next release ({next_date})",
                )
            )
    # The re-release ends this recall's time in custody, so it is the next release listed.
    re_released = recall.re_released
    if isinstance(re_released, dt.date) and next_date is not None and re_released != next_date:
        problems.append(
            (
                f"{path}.re_released",
                f"{re_released} is not the date of the next release ({next_date})",
            )
        )
    return problems


def sentence_before_release_problems(
    sentence_date: dt.date | None, release_dates: Sequence[dt.date | None]
) -> list[Problem]:
    """The sentence was passed before the first release."""
    dates = [day for day in release_dates if day is not None]
    if sentence_date is not None and dates and sentence_date > min(dates):
        return [
            ("sentence.sentence_date", f"{sentence_date} is after the first release ({min(dates)})")
        ]
    return []
