"""Tests never change tracked files (issue 18): `make test` used to leave docs/img/*.png
modified. A test writes to its tmp_path (or the gitignored test-results/); the screenshots in
docs/img come from ``scripts/screenshots.py`` (docs/testing.md)."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
# The docs' image folder, however it is spelt (reading docs/*.md is fine; writing images is not).
INTO_DOCS = re.compile(r"""docs/img|["']docs["']\s*/\s*["']img["']""")


def test_no_test_writes_into_docs():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(TESTS.rglob("*.py"))
        if path != Path(__file__).resolve()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if INTO_DOCS.search(line)
    ]
    assert offenders == []


def test_the_screenshot_script_runs_the_browser_tests_that_take_the_docs_screenshots():
    script = (ROOT / "scripts" / "screenshots.py").read_text(encoding="utf-8")
    for name in ("test_dashboard_e2e.py", "test_home_e2e.py", "test_inbox_e2e.py"):
        assert f"tests/e2e/{name}" in script
        assert "docs_shot(" in (TESTS / "e2e" / name).read_text(encoding="utf-8")
