"""Re-vendor the front-end packages into static/ (``make vendor``): see static/README.md.

Fetches each package with ``npm pack`` (the npm registry, no Node build), copies the distribution
files, rewrites the compiled CSS's ``/assets/…`` URLs to where Django serves them and strips the
source-map comments (the maps are not vendored).

    python3 scripts/vendor.py [--static DIR]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOVUK = "govuk-frontend@5.14.0"
MOJ = "@ministryofjustice/frontend@11.1.0"
HTMX = "htmx.org@2.0.11"

# Only the comment goes; the line breaks around it stay, as in the committed copies.
SOURCE_MAP = re.compile(rb"/\*# sourceMappingURL=[^*]*\*/|//# sourceMappingURL=\S*")
ASSET_URL = re.compile(rb"url\((['\"]?)/assets/")


def npm_pack(spec: str, workdir: Path) -> Path:
    """Download ``spec`` with npm pack and return the unpacked ``package/`` directory."""
    result = subprocess.run(  # noqa: S603 - fixed argv
        ["npm", "pack", "--silent", spec],  # noqa: S607 - npm from PATH
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = workdir / result.stdout.strip().splitlines()[-1]
    target = workdir / tarball.stem
    with tarfile.open(tarball) as archive:
        archive.extractall(target, filter="data")
    return target / "package"


def copy_text(source: Path, target: Path, *, static_prefix: bytes | None = None) -> None:
    data = SOURCE_MAP.sub(b"", source.read_bytes())
    if static_prefix is not None:
        data = ASSET_URL.sub(rb"url(\1" + static_prefix + rb"/assets/", data)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def copy_tree(source: Path, target: Path, *, exclude: tuple[str, ...] = ()) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*exclude))


def vendor(static: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        govuk = npm_pack(GOVUK, workdir) / "dist" / "govuk"
        moj = npm_pack(MOJ, workdir) / "moj"
        htmx = npm_pack(HTMX, workdir) / "dist"

        copy_text(
            govuk / "govuk-frontend.min.css",
            static / "govuk" / "govuk-frontend.min.css",
            static_prefix=b"/static/govuk",
        )
        copy_text(govuk / "govuk-frontend.min.js", static / "govuk" / "govuk-frontend.min.js")
        # The 2025 rebrand's assets are left out: the templates use the standard ones.
        copy_tree(govuk / "assets", static / "govuk" / "assets", exclude=("rebrand",))

        copy_text(
            moj / "moj-frontend.min.css",
            static / "moj" / "moj-frontend.min.css",
            static_prefix=b"/static/moj",
        )
        copy_text(moj / "moj-frontend.min.js", static / "moj" / "moj-frontend.min.js")
        copy_tree(moj / "assets", static / "moj" / "assets")

        copy_text(htmx / "htmx.min.js", static / "js" / "htmx.min.js")
    print(f"vendored {GOVUK}, {MOJ} and {HTMX} into {static}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--static", type=Path, default=ROOT / "static")
    vendor(parser.parse_args().static)


if __name__ == "__main__":
    main()
