"""scripts/pip_audit.py: how CI reads pip-audit's report (docs/security.md). pip-audit itself is
replaced by a stub that writes a given JSON report, so no network is needed."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("pip_audit_ci", ROOT / "scripts" / "pip_audit.py")
assert spec and spec.loader
pip_audit_ci = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pip_audit_ci)

OK = {"name": "django", "version": "5.2.19", "vulns": []}
VULNERABLE = {
    "name": "django",
    "version": "5.2.19",
    "vulns": [{"id": "PYSEC-2099-1", "fix_versions": ["5.2.20"], "aliases": []}],
}
SKIPPED = {"name": "amqp", "skip_reason": "Dependency not found on PyPI and could not be audited"}


def _stub(monkeypatch, dependencies: list[dict] | None, stderr: str = "", returncode: int = 0):
    calls: list[list[str]] = []

    def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        if dependencies is not None:
            output = Path(command[command.index("-o") + 1])
            output.write_text(json.dumps({"dependencies": dependencies, "fixes": []}))
        return subprocess.CompletedProcess(command, returncode, "", stderr)

    monkeypatch.setattr(pip_audit_ci.subprocess, "run", run)
    return calls


def _main(monkeypatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["pip_audit.py", *args, "requirements.lock"])
    return pip_audit_ci.main()


def test_no_known_vulnerability_passes(monkeypatch):
    calls = _stub(monkeypatch, [OK, OK])
    assert _main(monkeypatch) == 0
    assert calls[0][:3] == [str(pip_audit_ci.PIP_AUDIT), "-r", "requirements.lock"]


def test_a_known_vulnerability_fails_and_is_named(monkeypatch, capsys):
    _stub(monkeypatch, [OK, VULNERABLE], returncode=1)
    assert _main(monkeypatch) == 1
    assert "PYSEC-2099-1 (fix: 5.2.20)" in capsys.readouterr().out


def test_a_package_that_could_not_be_audited_beside_audited_ones_fails(monkeypatch):
    _stub(monkeypatch, [OK, SKIPPED])
    assert _main(monkeypatch) == 1


@pytest.mark.parametrize(
    ("dependencies", "stderr"),
    [
        ([SKIPPED, SKIPPED], ""),  # a PyPI mirror without the per-version JSON API
        (None, "requests.exceptions.ConnectionError: Max retries exceeded with url"),
    ],
)
def test_an_unreachable_service_warns_in_ci_and_fails_when_required(
    monkeypatch, capsys, dependencies, stderr
):
    _stub(monkeypatch, dependencies, stderr=stderr, returncode=0 if dependencies else 1)
    assert _main(monkeypatch) == 0
    assert "NOT audited" in capsys.readouterr().err
    monkeypatch.setenv("PIP_AUDIT_REQUIRED", "true")
    assert _main(monkeypatch) == 1
    monkeypatch.delenv("PIP_AUDIT_REQUIRED")
    assert _main(monkeypatch, "--require-service") == 1


def test_an_unexplained_pip_audit_failure_fails(monkeypatch):
    _stub(monkeypatch, None, stderr="pip-audit: error: something else", returncode=2)
    assert _main(monkeypatch) == 1
