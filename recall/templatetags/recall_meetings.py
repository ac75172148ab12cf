"""``{% overdue_meeting_actions person as overdue %}``: how many actions agreed at the person's
multi-agency meetings are overdue, and the earliest due date (one query), for the case header's
warning (issue 19; docs/multi-agency-panels.md). A tag, so that no case view changes for it."""

from __future__ import annotations

from typing import Any

from django import template

from recall import meeting_selectors

register = template.Library()


@register.simple_tag
def overdue_meeting_actions(person: Any) -> meeting_selectors.Overdue:
    return meeting_selectors.overdue_on_case(person)
