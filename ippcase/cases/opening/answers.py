"""The answers of the "Open a case" pages, kept in the session under one key until the case is
opened or the user cancels. Everything stored is JSON: dates as ISO text, teams and users by id.

The pages come in ``STEPS`` order; a page whose earlier pages are not all answered sends the
user to the first unanswered one (:func:`first_missing`). Each save bumps ``version``, which the
check page carries in a hidden field, so that answers changed in another tab since the summary
was shown are never opened unseen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

SESSION_KEY = "open_case"

# (answer key, URL name of its page), in the order the pages come.
STEPS: tuple[tuple[str, str], ...] = (
    ("person", "open_case_person"),
    ("sentence", "open_case_sentence"),
    ("offences", "open_case_offences"),
    ("risk", "open_case_risk"),
    ("releases", "open_case_releases"),
    ("conditions", "open_case_conditions"),
    ("allocation", "open_case_allocation"),
)
STEP_KEYS = tuple(key for key, _ in STEPS)
PAGE_OF = dict(STEPS)

Answers = dict[str, Any]


def load(session: SessionBase) -> Answers:
    """The answers so far (a copy; empty when none)."""
    stored = session.get(SESSION_KEY)
    return dict(stored) if isinstance(stored, dict) else {}


def save(session: SessionBase, key: str, value: Any) -> Answers:
    """Store one page's answers; the version moves on."""
    answers = load(session)
    answers[key] = value
    answers["version"] = int(answers.get("version") or 0) + 1
    session[SESSION_KEY] = answers
    return answers


def clear(session: SessionBase) -> None:
    session.pop(SESSION_KEY, None)


def first_missing(answers: Answers, before: str | None = None) -> str | None:
    """The URL name of the first page not yet answered, among those before ``before`` (all the
    pages when None); None when they are all answered."""
    for key, page in STEPS:
        if key == before:
            return None
        if key not in answers:
            return page
    return None


def next_page(key: str) -> str:
    """The page after ``key``'s (the check page after the last)."""
    index = STEP_KEYS.index(key)
    return STEPS[index + 1][1] if index + 1 < len(STEPS) else "open_case_check"


def iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def day(value: Any) -> dt.date | None:
    """An ISO date stored in the answers as a date (None when absent or not a date)."""
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def latest_release_date(answers: Answers) -> dt.date | None:
    releases = answers.get("releases") or {}
    dates = [day(r.get("date")) for r in releases.get("rows") or []]
    known = [d for d in dates if d is not None]
    return max(known) if known else None
