"""Run pip-audit on the lock files and decide what the result means (docs/security.md).

    python scripts/pip_audit.py [--require-service] requirements.lock requirements-prod.lock

- A known vulnerability in any pinned package (not listed in IGNORED below): exit 1.
- Some packages audited and others not (``--strict``): exit 1.
- The vulnerability service unreachable (a network error, or no package found at all, which is
  what a PyPI mirror without the JSON API answers): a loud warning and exit 0, or exit 1 with
  ``--require-service`` or PIP_AUDIT_REQUIRED=true (``make audit`` requires it; CI does not, so a
  network outage does not fail an unrelated change; the warning is in the CI log).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIP_AUDIT = ROOT / ".venv" / "bin" / "pip-audit"
# Vulnerabilities accepted for now, each explained in docs/security.md ("pip-audit exceptions").
IGNORED: dict[str, str] = {}
NETWORK_ERRORS = (
    "ConnectionError",
    "Max retries exceeded",
    "Temporary failure in name resolution",
    "Name or service not known",
    "timed out",
    "Network is unreachable",
)


def audit(lock: str) -> tuple[str, str]:
    """Audit one lock file: ("ok" | "vulnerable" | "partial" | "unreachable", details)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [str(PIP_AUDIT), "-r", lock, "--no-deps", "--disable-pip"]
        command += ["--progress-spinner", "off", "-f", "json", "-o", str(report)]
        for vuln_id in IGNORED:
            command += ["--ignore-vuln", vuln_id]
        # The arguments are this script's own and the lock file names it was given.
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
        data = json.loads(report.read_text()) if report.exists() and report.stat().st_size else {}
    dependencies = data.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    if vulnerable:
        lines = [
            f"{d['name']} {d['version']}: {v['id']} (fix: {', '.join(v['fix_versions']) or 'none'})"
            for d in vulnerable
            for v in d["vulns"]
        ]
        return "vulnerable", "\n".join(lines)
    if not dependencies:
        if result.returncode != 0 and any(e in result.stderr for e in NETWORK_ERRORS):
            return "unreachable", result.stderr.strip().splitlines()[-1]
        return "partial", result.stderr.strip() or "pip-audit reported nothing"
    if len(skipped) == len(dependencies):
        return "unreachable", f"none of the {len(dependencies)} packages could be looked up"
    if skipped:
        return "partial", "\n".join(d["skip_reason"] for d in skipped)
    return "ok", f"{len(dependencies)} packages, no known vulnerabilities"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("locks", nargs="+")
    parser.add_argument("--require-service", action="store_true")
    args = parser.parse_args()
    require = args.require_service or os.environ.get("PIP_AUDIT_REQUIRED", "").lower() == "true"
    status = 0
    for lock in args.locks:
        outcome, details = audit(lock)
        print(f"pip-audit {lock}: {outcome}\n{details}")
        if outcome in ("vulnerable", "partial"):
            status = 1
        elif outcome == "unreachable":
            print(
                f"WARNING: {lock} was NOT audited: the vulnerability service is unreachable."
                + (" Failing (--require-service)." if require else " Not failing (CI policy)."),
                file=sys.stderr,
            )
            if require:
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
