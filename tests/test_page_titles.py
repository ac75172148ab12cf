"""Page titles (issue 16; docs/accessibility.md): "Error: " first whenever a page shows an error
summary, decided once in base.html by ``{% page_title %}`` (ippcase/platform/page_title.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.template import Context, Template

from ippcase.core.forms import TEXT_MAX_LENGTH
from ippcase.platform.page_title import context_has_errors
from tests.conftest import client_for

# The fixtures the form endpoints are set up with (imported so pytest finds them here).
from tests.test_hostile_input import (  # noqa: F401
    ENDPOINTS,
    aco,
    authorised,
    awaiting_spo,
    draft,
    evidence_doc,
    in_custody,
    info_requested,
    logged_action,
    logged_concern,
    on_licence,
    parole_case,
    report_awaiting,
    report_countersigned,
    report_draft,
    report_submitted,
    submitted,
)

TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def page_title(html: str) -> str:
    found = TITLE.search(html)
    assert found, html[:500]
    return " ".join(found.group(1).split())


# Every full-page form (the HTMX fragments have no <title>).
PAGE_ENDPOINTS = [e for e in ENDPOINTS if not e.htmx and e.writes]


@pytest.mark.parametrize("endpoint", PAGE_ENDPOINTS, ids=lambda e: e.id)
def test_a_form_page_that_shows_an_error_summary_has_error_first_in_its_title(
    db, request, endpoint
):
    user = request.getfixturevalue(endpoint.persona)
    obj = request.getfixturevalue(endpoint.setup)
    # Every field over-long (and so no valid choice or date either): refused by every form.
    data = {name: "x" * (TEXT_MAX_LENGTH + 1) for name in endpoint.form(obj).fields}
    data.update(endpoint.fixed(obj))
    response = client_for(user).post(endpoint.url(obj), data)
    html = response.content.decode()
    if response.status_code == 302 or "govuk-error-summary" not in html:
        pytest.fail(f"{endpoint.id}: the post was not refused with an error summary")
    title = page_title(html)
    assert title.startswith("Error: "), f"{endpoint.id}: {title!r}"
    assert not title.startswith("Error: Error: "), f"{endpoint.id}: {title!r}"


def test_a_page_without_errors_has_no_error_prefix(db, practitioner, on_licence):  # noqa: F811
    from django.urls import reverse

    for name in ("recall:person_recall", "recall:concerns"):
        html = client_for(practitioner).get(reverse(name, args=[on_licence.crn])).content.decode()
        assert not page_title(html).startswith("Error"), name


class _Form(forms.Form):
    name = forms.CharField()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, False),
        ({"errors": []}, False),
        ({"errors": [{"text": "Enter a name"}]}, True),
        ({"concern_errors": [{"text": "x"}]}, True),
        ({"form": _Form()}, False),  # unbound: no errors shown
        ({"form": _Form(data={"name": "ok"})}, False),
        ({"form": _Form(data={})}, True),
        ({"error_count": 0, "title_errors_hint": ""}, False),
    ],
)
def test_what_counts_as_a_page_with_errors(values: dict[str, Any], expected: bool):
    assert context_has_errors(values) is expected


def test_the_tag_prefixes_once():
    template = Template("{% load page_title %}{% page_title %}{{ t }}{% endpage_title %}")
    assert template.render(Context({"t": "Sign in"})) == "Sign in"
    assert template.render(Context({"t": "Sign in", "errors": [1]})) == "Error: Sign in"
    assert template.render(Context({"t": "Error: Sign in", "errors": [1]})) == "Error: Sign in"
