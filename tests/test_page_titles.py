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
    meeting_action,
    on_licence,
    parole_case,
    qa_drawer,
    qa_item,
    recorded_meeting,
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

    for name in (
        "recall:person_recall",
        "recall:concerns",
        "recall:meetings",
        "recall:meeting_add",
    ):
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


# --- no two pages share a title -----------------------------------------------------------------


def crawl_titles(users: dict[str, Any], team: Any) -> dict[str, dict[str, list[str]]]:
    """persona -> title -> the URLs (paths) whose page has that title: every GET URL of
    tests/test_url_access.py's data set that the access table lets the persona see (200)."""
    from django.urls import get_resolver

    from tests.test_url_access import build_world, declared_table, url_for, walk

    world = build_world(users, team)
    table = declared_table()
    found: dict[str, dict[str, list[str]]] = {}
    for persona, user in users.items():
        client = client_for(user)
        for route in walk(get_resolver().url_patterns):
            row = table.get(route.name)
            if row is None or row[persona][0] != "200":
                continue
            url = url_for(route, world)
            response = client.get(url)
            if response.status_code != 200 or response.streaming:
                continue
            if not response["Content-Type"].startswith("text/html"):
                continue
            match = TITLE.search(response.content.decode())
            if match is None:  # an HTMX fragment
                continue
            title = " ".join(match.group(1).split())
            found.setdefault(persona, {}).setdefault(title, []).append(url.split("?")[0])
    return found


def test_no_two_pages_have_the_same_title(
    team, practitioner, manager, senior_manager, ppcs, admin_user
):
    users = {
        "practitioner": practitioner,
        "manager": manager,
        "senior_manager": senior_manager,
        "ppcs": ppcs,
        "admin_user": admin_user,
    }
    found = crawl_titles(users, team)
    pages = sum(len(urls) for titles in found.values() for urls in titles.values())
    assert pages > 100, pages
    shared = [
        f"{persona}: {title!r} on {sorted(set(urls))}"
        for persona, titles in sorted(found.items())
        for title, urls in sorted(titles.items())
        if len(set(urls)) > 1
    ]
    assert not shared, f"{len(shared)} titles shared by different pages:\n" + "\n".join(shared)


def test_the_caseload_title_says_when_it_is_a_search_or_a_later_page(team, practitioner, settings):
    from django.urls import reverse

    from tests import factories

    settings.CASELOAD_PAGE_SIZE = 1
    for last in ("Able", "Baker"):
        person = factories.make_case(team, last_name=last)
        factories.AllocationFactory(person=person, practitioner=practitioner)
    client = client_for(practitioner)
    url = reverse("caseload")
    titles = [
        page_title(client.get(url + query).content.decode())
        for query in ("", "?page=2", "?q=Baker", "?status=on_licence&page=2")
    ]
    assert titles[0].startswith("Caseload (page 1 of 2) ")
    assert titles[1].startswith("Caseload (page 2 of 2) ")
    assert titles[2].startswith("Caseload \u2013 search results ")
    assert len(set(titles)) == len(titles), titles


def test_each_ppcs_queue_view_has_its_own_title(db, ppcs):
    from django.urls import reverse

    from recall.selectors import PPCS_QUEUE_VIEWS

    client = client_for(ppcs)
    titles = {
        page_title(client.get(reverse("recall:ppcs_queue") + f"?view={view}").content.decode())
        for view in PPCS_QUEUE_VIEWS
    }
    assert len(titles) == len(PPCS_QUEUE_VIEWS), titles
    assert "PPCS queue: submitted, awaiting a decision \u2013 IPP case \u2013 HMPPS" in titles
