#!/usr/bin/env bash
# Make sure Debian's chromium is installed for the Playwright browser tests.
# Playwright's own browser download is never used (it is blocked here): the tests launch
# /usr/bin/chromium. As root this installs the package; otherwise it says what to install.
set -euo pipefail

chromium="${1:-/usr/bin/chromium}"

if [ -x "$chromium" ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  cat >&2 <<MSG
The browser tests need Debian's chromium at $chromium, and it is missing.
Install it as root, then run the tests again:

    sudo apt-get update && sudo apt-get install -y chromium

MSG
  exit 1
fi

echo "Installing Debian's chromium for the browser tests (apt-get)..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
if [ ! -x "$chromium" ]; then
  echo "apt-get installed chromium but $chromium is still missing." >&2
  exit 1
fi
"$chromium" --version
