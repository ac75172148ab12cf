"""Reflow (WCAG 1.4.10; issue 16, docs/accessibility.md): no page of the service scrolls
sideways as a whole at a 320px viewport. A wide table scrolls inside its own focusable region
(`.app-table-scroll`) instead.

The pages are every GET URL of tests/test_url_access.py's data set (a case with a sentence,
releases, recalls, parole reviews, recommendations at every stage, evidence, dossiers) that the
access table lets each persona see: the caseload, the case pages, the recall tab, the
recommendation and each section, evidence, dossiers, the PPCS queue and request, the report, the
parole tab and report, unallocated cases, the administration pages, the notification outbox,
the dashboard, and the error pages. A page that scrolls fails the test, named with the widest
elements.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver, reverse

from tests.test_url_access import build_world, declared_table, url_for, walk

VIEWPORT = {"width": 320, "height": 800}

# The pages whose tables this issue put in a scroll region, and the error pages: axe checks each
# (once, as the first persona that sees it).
AXE_CHECKED = {
    "caseload",
    "person_sentence",
    "person_viewers",
    "notification_outbox",
    "recall:concerns",
    "recall:dossiers",
    "recall:ppcs_queue",
    "parole:person_parole",
    "parole:report",
    "admin_staff",
    "404",
}

# The elements that first reach past the viewport's right edge (their parent does not), to say
# what makes the page scroll.
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => e.parentElement.getBoundingClientRect().right <= window.innerWidth + 1)
  .slice(0, 5).map(e => e.outerHTML.slice(0, 200))"""
SCROLLS = "document.documentElement.scrollWidth > window.innerWidth"


def _pages(users: dict[str, Any], team: Any) -> dict[str, list[tuple[str, str]]]:
    """persona -> (URL name, URL) of each full HTML page the persona may see."""
    world = build_world(users, team)
    table = declared_table()
    pages: dict[str, list[tuple[str, str]]] = {}
    for persona, user in users.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        for route in walk(get_resolver().url_patterns):
            row = table.get(route.name)
            if row is None or row[persona][0] != "200":
                continue
            url = url_for(route, world)
            response = client.get(url)
            html = "" if response.streaming else response.content.decode(errors="replace")
            if response.status_code == 200 and "<title>" in html:  # not a download or fragment
                pages.setdefault(persona, []).append((route.name, url))
        pages.setdefault(persona, []).append(("404", "/cases/NO-SUCH-CRN/typo/"))
    return pages


def _context(browser, live_server, user: Any):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-GB")
    if user is not None:
        client = Client()
        client.force_login(user)
        name = settings.SESSION_COOKIE_NAME
        context.add_cookies(
            [{"name": name, "value": client.cookies[name].value, "url": live_server.url}]
        )
    return context


@pytest.mark.e2e
def test_no_page_scrolls_sideways_at_320px(
    browser,
    live_server,
    transactional_db,
    assert_accessible,
    team,
    practitioner,
    manager,
    senior_manager,
    ppcs,
    admin_user,
):
    users = {
        "anonymous": None,
        "practitioner": practitioner,
        "manager": manager,
        "senior_manager": senior_manager,
        "ppcs": ppcs,
        "admin_user": admin_user,
    }
    pages = _pages(users, team)
    problems: list[str] = []
    visited = 0
    checked: set[str] = set()
    for persona, entries in pages.items():
        context = _context(browser, live_server, users[persona])
        page = context.new_page()
        for name, url in entries:
            page.goto(url)
            visited += 1
            if page.evaluate(SCROLLS):
                width = page.evaluate("document.documentElement.scrollWidth")
                line = f"{persona} {name} {url}: {width}px wide: {page.evaluate(WIDEST)}"
                problems.append(line)
            if name in AXE_CHECKED and name not in checked:
                checked.add(name)
                assert_accessible(page, f"{name} at 320px as {persona}")
        context.close()
    print(f"\nreflow: {visited} pages at 320px")
    names = {name for entries in pages.values() for name, _ in entries}
    for expected in (
        "caseload",
        "person_overview",
        "recall:section",
        "recall:ppcs_queue",
        "parole:report",
        "notification_outbox",
    ):
        assert expected in names, f"{expected} was not visited"
    assert visited > 100, visited
    assert checked == AXE_CHECKED, AXE_CHECKED - checked
    assert not problems, f"{len(problems)} pages scroll sideways at 320px:\n" + "\n".join(problems)


@pytest.mark.e2e
def test_the_wide_tables_scroll_in_a_focusable_region_and_pass_axe(
    page, live_server, assert_accessible, team, practitioner, manager
):
    from tests import factories

    for n in range(3):
        person = factories.make_case(team, last_name=f"Reflowperson{n}")
        factories.AllocationFactory(person=person, practitioner=practitioner)
    context = _context(page.context.browser, live_server, manager)
    narrow = context.new_page()
    # The caseload's table is wider than 320px: it scrolls in its region, by keyboard too.
    narrow.goto(reverse("caseload"))
    assert not narrow.evaluate(SCROLLS)
    region = narrow.get_by_role("region", name="People on your caseload")
    assert region.get_attribute("tabindex") == "0"
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")
    region.focus()
    narrow.keyboard.press("ArrowRight")
    # Scrolling by key may be smooth: wait for it (fails after the timeout if it never moves).
    region.evaluate(
        "e => new Promise(r => { const t = () => e.scrollLeft > 0 ? r() : "
        "requestAnimationFrame(t); t(); })"
    )
    assert_accessible(narrow, "the caseload at 320px")
    # The parole report's tables each sit in their own region.
    narrow.goto(reverse("parole:report"))
    assert not narrow.evaluate(SCROLLS)
    tables = narrow.locator("table.govuk-table")
    assert tables.count() >= 1
    assert narrow.locator(".app-table-scroll > table.govuk-table").count() == tables.count()
    assert_accessible(narrow, "the parole report at 320px")
    for url in ("/cases/NO-SUCH-CRN/typo/", reverse("person_overview", args=["X000000"])):
        narrow.goto(url)
        assert narrow.title().startswith("Page not found")
        assert_accessible(narrow, f"the 404 page ({url})")
    narrow.goto(reverse("admin_staff"))  # a manager is not an administrator
    assert narrow.title().startswith("You cannot view this page")
    assert not narrow.evaluate(SCROLLS)
    assert_accessible(narrow, "the 403 page")
    context.close()
