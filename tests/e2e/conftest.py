"""Real-browser fixtures: Debian's chromium, driven by Playwright, against the live server.

The browser is always ``/usr/bin/chromium`` (``make browser`` installs it); Playwright's own browser
download is never used. A missing browser FAILS the test with instructions: it never skips.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path(os.environ.get("IPPCASE_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags chromium keeps trying to reach Google's hosts, which
# this machine's closed network refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"
TIMEOUT_MS = 15_000


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests after every other test (a stable partition)."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Debian's chromium at {CHROMIUM}, which is missing.\n"
            "Run `make browser` as root, or install it yourself:\n"
            "    sudo apt-get update && sudo apt-get install -y chromium",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running on this thread from here to the end of
    # the session, and Django's ORM refuses to run beside a running loop. The loop is Playwright's
    # alone, so the check does not apply; the browser tests run last (the hook above) so the rest
    # of the suite keeps Django's check.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()


@pytest.fixture
def page(browser: Browser, live_server, transactional_db) -> Iterator[Page]:
    """A fresh browser context (no cookies) whose relative URLs go to the live server."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(TIMEOUT_MS)
    new_page = context.new_page()
    yield new_page
    context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """Save a full-page PNG as test-results/<test>--<name>.png (gitignored) and return its path."""

    def take(page: Page, name: str) -> Path:
        RESULTS_DIR.mkdir(exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{request.node.name}--{name}")
        path = RESULTS_DIR / f"{stem}.png"
        page.evaluate("document.activeElement && document.activeElement.blur()")  # no focus ring
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# Set by ``scripts/screenshots.py --e2e`` (docs/testing.md): the folder the docs' screenshots
# are copied to. Unset in every test run, so a test never changes a tracked file (issue 18).
DOCS_IMG_ENV = "IPPCASE_DOCS_IMG"


@pytest.fixture
def docs_shot(tmp_path: Path) -> Callable[..., Path]:
    """A screenshot for the docs: ``docs_shot(page, "dashboard.png", **screenshot_options)``
    saves it in the test's tmp_path and returns the path; only when ``IPPCASE_DOCS_IMG`` names
    a folder (the screenshot script) is it copied there too."""

    def take(page: Page, name: str, **options: Any) -> Path:
        page.evaluate("document.activeElement && document.activeElement.blur()")  # no focus ring
        path = tmp_path / name
        page.screenshot(path=str(path), **options)
        target = os.environ.get(DOCS_IMG_ENV)
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(target) / name)
        return path

    return take


def format_violations(violations: list[dict]) -> str:
    """axe's violations as a readable list: rule, impact, help, and each offending element."""
    lines: list[str] = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'n/a'}): {violation['help']}\n"
            f"  {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node.get("target", []))
            html = " ".join(node.get("html", "").split())
            lines.append(f"    at {target}\n      {html[:300]}")
            for line in (node.get("failureSummary") or "").splitlines():
                if line.strip():
                    lines.append(f"      {line.strip()}")
    return "\n".join(lines)


@pytest.fixture
def assert_accessible() -> Callable[[Page, str], None]:
    """Run axe-core on the page as it is now and fail with a readable list of any violations."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page: Page, name: str) -> None:
        results = axe.run(page)
        violations = results.response["violations"]
        if violations:
            pytest.fail(
                f"axe found {len(violations)} accessibility violation(s) on {name} "
                f"({page.url}):\n{format_violations(violations)}",
                pytrace=False,
            )

    return check
