"""Screenshots for the docs (docs/img): the README's from a running app, the rest from the
browser tests' own data.

Tests never write into docs/ (issue 18; tests/test_tracked_files.py): the images come from here.

1. The README's (sign-in, caseload, a person, their timeline): start the app first (``make run``),
   then, with a demo sign-in that ``make run`` printed:

       .venv/bin/python scripts/screenshots.py --username <demo user> [--password ...]
           [--base-url http://127.0.0.1:8000] [--crn X123456] [--out docs/img]
           [--page name=/path/ ...]

2. The dashboard, each role's home page and the notifications list (``--e2e``): runs the browser
   tests that build those pages' data with the e2e fixtures (live server, factories, chromium)
   and sign in as each role; their ``docs_shot`` fixture copies each image to ``--out``:

       .venv/bin/python scripts/screenshots.py --e2e [--out docs/img]

   It needs a database as the tests do (``DATABASE_URL``, or the embedded server).

Uses Debian's chromium (/usr/bin/chromium; ``make browser`` installs it), as the browser tests do.
Writes <out>/<name>.png and prints each path.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# The same flags as tests/e2e/conftest.py: no sandbox as root, no calls to Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def shoot(page: Page, out: Path, name: str, *, full_page: bool) -> None:
    # No focus ring or hover state left over from the last click.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(path)


# The browser tests that take docs screenshots with their ``docs_shot`` fixture.
E2E_DOC_TESTS = (
    "tests/e2e/test_dashboard_e2e.py",  # dashboard-first-screen.png, dashboard.png
    "tests/e2e/test_home_e2e.py",  # home-practitioner.png, home-spo.png, home-ppcs.png
    "tests/e2e/test_inbox_e2e.py",  # inbox.png
    "tests/e2e/test_quality_e2e.py",  # meeting.png
    "tests/e2e/test_quality_report_e2e.py",  # qa-trend.png
)
DOCS_IMG_ENV = "IPPCASE_DOCS_IMG"  # read by tests/e2e/conftest.py's docs_shot


def from_browser_tests(out: Path) -> int:
    """Run the browser tests of ``E2E_DOC_TESTS`` with ``IPPCASE_DOCS_IMG=out``."""
    out.mkdir(parents=True, exist_ok=True)
    before = {path: path.stat().st_mtime for path in out.glob("*.png")}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "e2e"]
    status = subprocess.call(  # noqa: S603 - a fixed command: this interpreter's pytest
        [*command, *E2E_DOC_TESTS], cwd=ROOT, env={**os.environ, DOCS_IMG_ENV: str(out.resolve())}
    )
    for path in sorted(out.glob("*.png")):
        if before.get(path) != path.stat().st_mtime:
            print(path)
    return status


def main() -> int:
    if "--e2e" in sys.argv[1:]:
        e2e = argparse.ArgumentParser(description="docs screenshots from the browser tests")
        e2e.add_argument("--e2e", action="store_true")
        e2e.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
        return from_browser_tests(e2e.parse_args().out)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=f"http://127.0.0.1:{os.environ.get('PORT', '8000')}")
    parser.add_argument("--username", required=True, help="a demo sign-in printed by make run")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "ippcase-demo-2025"))
    parser.add_argument("--crn", help="the person to show (default: the caseload's first)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--full-page", action="store_true", help="the whole page, not the viewport")
    parser.add_argument(
        "--page",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="another page to capture after signing in (repeatable)",
    )
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: run `make browser` (as root)", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            base_url=args.base_url,
            viewport={"width": args.width, "height": args.height},
            locale="en-GB",
        )
        page = context.new_page()

        page.goto("/sign-in/")
        shoot(page, args.out, "sign-in", full_page=args.full_page)
        page.get_by_label("Username").fill(args.username)
        page.get_by_label("Password").fill(args.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/cases/")
        shoot(page, args.out, "caseload", full_page=args.full_page)

        if args.crn:
            page.goto(f"/cases/{args.crn}/")
        else:
            page.get_by_role("table").locator("tbody tr").first.get_by_role("link").first.click()
            page.wait_for_url("**/cases/*/")
        shoot(page, args.out, "person-overview", full_page=args.full_page)
        page.get_by_role("link", name="Timeline", exact=True).click()
        page.wait_for_url("**/timeline/")
        shoot(page, args.out, "timeline", full_page=args.full_page)

        for spec in args.page:
            name, _, path = spec.partition("=")
            page.goto(path)
            shoot(page, args.out, name, full_page=args.full_page)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
