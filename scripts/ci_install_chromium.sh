#!/usr/bin/env bash
# Headless Chromium from Debian's packages, for the browser checks in tests/test_site.py and
# tests/test_browser.py (site rules with fetch = "browser").
# Does nothing when a Chromium is already on PATH. On a fresh Debian machine, as root (or with
# password-less sudo), refreshes the package lists, installs Chromium and fonts, and proves it starts
# headless. Fails soft: any problem is one line on stderr and a non-zero exit, never a hang; `.ci/run`
# carries on and the browser test is skipped.
set -euo pipefail

# The flags the test runs Chromium with: as root in a container it needs --no-sandbox, and a small
# /dev/shm makes it crash without --disable-dev-shm-usage.
FLAGS=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync)

CI_SCRIPT=ci_install_chromium
. "${BASH_SOURCE[0]%/*}/ci_apt.sh"  # no dirname: the tests run this with a bare PATH

find_chromium() {
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  done
  return 1
}

if ! browser=$(find_chromium); then
  # Fonts are only recommended by the package, but a screenshot without them is a row of boxes.
  apt_install Chromium chromium fonts-liberation fonts-dejavu-core
  browser=$(find_chromium) || fail "the chromium package is installed but no chromium is on PATH"
fi

# Prove it starts headless here, the way the test runs it.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
if ! timeout 120 "$browser" "${FLAGS[@]}" --user-data-dir="$profile" --dump-dom 'data:text/html,<p>ok</p>' \
    2>/dev/null | grep -q '<p>ok</p>'; then
  fail "$browser is installed but does not run headless here"
fi
echo "ci_install_chromium: $("$browser" --version 2>/dev/null | head -1) at $browser"
