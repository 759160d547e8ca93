#!/usr/bin/env bash
# Headless Chromium from Debian's packages, for the browser check in tests/test_site.py.
# Does nothing when a Chromium is already on PATH; exits non-zero (and the test is skipped) when it cannot
# install one: no apt-get, or neither root nor password-less sudo.
set -euo pipefail

find_chromium() {
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  done
  return 1
}

if ! browser=$(find_chromium); then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ci_install_chromium: no apt-get here; install Chromium by hand to run the browser test" >&2
    exit 1
  fi
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if sudo -n true 2>/dev/null; then sudo=(sudo -n); else
      echo "ci_install_chromium: not root and no password-less sudo; cannot install Chromium" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  # Fonts are only recommended by the package, but a screenshot without them is a row of boxes.
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-liberation fonts-dejavu-core >/dev/null
  browser=$(find_chromium)
fi

# Prove it starts headless here, the way the test runs it.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
if ! timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$profile" \
    --dump-dom 'data:text/html,<p>ok</p>' 2>/dev/null | grep -q '<p>ok</p>'; then
  echo "ci_install_chromium: $browser is installed but does not run headless here" >&2
  exit 1
fi
echo "ci_install_chromium: $("$browser" --version 2>/dev/null | head -1) at $browser"
