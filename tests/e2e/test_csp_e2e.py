"""The Content Security Policy in a real browser: the main pages of every role, with their HTMX
updates, raise no CSP violation, and GOV.UK Frontend and htmx still run (docs/security.md).

Violations are caught two ways: a ``securitypolicyviolation`` listener installed in every
document before any page script runs, and chromium's console, which reports each blocked
script, style or eval. The first step proves the listener works by breaking the policy on purpose.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests import factories
from tests.e2e.test_ppcs_journey import _submitted_request
from tests.test_recall_services import _draft_ready_to_send

PASSWORD = "correct-horse-battery-staple"
LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ` +
    `${event.sourceFile || document.location.pathname}:${event.lineNumber}`
  );
});
"""


class Violations:
    """Every CSP complaint of the page: its listener's and the console's."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.context.add_init_script(LISTENER)
        page.on("console", self._on_console)

    def _on_console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.console.append(f"{self.page.url}: {text}")

    def assert_none(self, where: str) -> None:
        found = self.page.evaluate("window.__cspViolations || []")
        assert not found and not self.console, f"CSP violations on {where}:\n" + "\n".join(
            [*found, *self.console]
        )

    def clear(self) -> None:
        self.page.evaluate("window.__cspViolations = []")
        self.console.clear()


def _sign_in(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/sign-in/"))


def _assert_scripts_ran(page: Page) -> None:
    """app.js (an ES module importing GOV.UK and MoJ Frontend) and htmx loaded and ran."""
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.evaluate("htmx.config.allowEval") is False
    # GOV.UK Frontend marks each component it initialised.
    expect(page.locator("header[data-module=govuk-header][data-govuk-header-init]")).to_have_count(
        1
    )


@pytest.mark.e2e
def test_main_pages_raise_no_csp_violation_and_their_scripts_run(page: Page):
    violations = Violations(page)
    rec = _submitted_request()  # com, spo, aco and ppcs; a request submitted to PPCS
    com = rec.created_by
    other = factories.make_case(com.team, recalled=False, first_name="Ada", last_name="Lane")
    factories.AllocationFactory(person=other, practitioner=com)
    draft = _draft_ready_to_send(other, com)

    # The listener works: an inline style injected on purpose is blocked and reported.
    page.goto("/sign-in/")
    page.evaluate(
        "document.head.appendChild(Object.assign(document.createElement('style'),"
        " {textContent: 'body { color: red }'}))"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert "style-src" in page.evaluate("window.__cspViolations[0]")
    violations.clear()
    violations.assert_none("the sign-in page")

    # Practitioner: the caseload with its live search, every tab of a case, a recommendation.
    _sign_in(page, com.username)
    _assert_scripts_ran(page)
    violations.assert_none("the home page")
    page.goto("/cases/")
    violations.assert_none("the caseload")
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true") as search:
        page.get_by_label("Search by name or CRN").fill("Lane")
    assert search.value.status == 200
    expect(page).to_have_url(re.compile(r"q=Lane"))  # htmx pushed the URL, no page load
    expect(page.locator("#results")).to_contain_text("Ada Lane")
    violations.assert_none("the caseload after a search")

    crn = other.crn
    for path in (
        f"/cases/{crn}/",
        f"/cases/{crn}/sentence/",
        f"/cases/{crn}/timeline/",
        f"/cases/{crn}/history/",
        f"/recall/cases/{crn}/concerns/",
        f"/recall/cases/{crn}/recall/",
        f"/parole/cases/{crn}/",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        _assert_scripts_ran(page)
        violations.assert_none(path)

    page.goto(f"/recall/recommendations/{draft.pk}/")
    violations.assert_none("a recommendation")
    page.goto(f"/recall/recommendations/{draft.pk}/criteria/")
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true") as check:
        page.locator("#main-content form input[type=checkbox]").first.click()
    assert check.value.status == 200  # the rules' findings, live through htmx
    violations.assert_none("a recommendation section after a live check")

    # PPCS: the national queue and a request.
    _sign_in(page, "ppcs")
    page.get_by_role("link", name="PPCS queue").click()
    expect(page.get_by_role("link", name=re.compile("Dean Marsh"))).to_be_visible()
    _assert_scripts_ran(page)
    violations.assert_none("the PPCS queue")
    page.get_by_role("link", name=re.compile("Dean Marsh")).click()
    expect(page.get_by_role("button", name="Take this request")).to_be_visible()
    violations.assert_none("a PPCS request")

    # Manager: the dashboard, its charts, and a scope change that htmx swaps in place.
    _sign_in(page, "spo")
    page.get_by_role("link", name="Dashboard").click()
    page.get_by_role("link", name="Caseload now").click()  # the contents list opens the panel
    expect(page.get_by_role("img", name="Caseload now: bar chart")).to_be_visible()
    expect(page.locator("[hx-trigger=load]")).to_have_count(0, timeout=60_000)
    box = page.get_by_role("img", name="Caseload now: bar chart").bounding_box()
    assert box is not None and 0 < box["width"] <= 640  # the chart's CSS class applies
    violations.assert_none("the dashboard")
    page.get_by_text("Change the scope or the dates").click()
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.get_by_label("Show figures for").select_option(f"team:{com.team.code}")
    expect(page.locator("#dashboard-scope")).to_contain_text(f"Team: {com.team.name}")
    # Every panel htmx loads after the swap has arrived (and the database is idle at teardown).
    expect(page.locator("[hx-trigger=load]")).to_have_count(0, timeout=60_000)
    page.wait_for_load_state("networkidle")
    _assert_scripts_ran(page)
    violations.assert_none("the dashboard after a scope change")


@pytest.mark.e2e
def test_the_lockout_page_is_accessible_and_raises_no_csp_violation(page: Page, assert_accessible):
    violations = Violations(page)
    factories.UserFactory(username="com", roles=[])
    page.goto("/sign-in/")
    for _ in range(5):
        page.get_by_label("Username").fill("com")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign in paused", level=1)).to_be_visible()
    expect(page.get_by_text("for 15 minutes")).to_be_visible()
    _assert_scripts_ran(page)
    violations.assert_none("the lockout page")
    assert_accessible(page, "the lockout page")
