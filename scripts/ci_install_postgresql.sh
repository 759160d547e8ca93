#!/usr/bin/env bash
# The PostgreSQL server programs (initdb, pg_ctl) from Debian's packages, for the tests that run the
# store on PostgreSQL (tests/pg_server.py starts a throwaway server from them). Does nothing when they
# are already installed. Fails soft like ci_install_chromium.sh: one line on stderr, a non-zero exit.
set -euo pipefail

fail() {
  echo "ci_install_postgresql: $*" >&2
  exit 1
}

find_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return 0; fi
  return 1
}

if ! bin=$(find_bin); then
  command -v apt-get >/dev/null 2>&1 || fail "no apt-get here; install PostgreSQL by hand to run its tests"
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo -n true 2>/dev/null || fail "not root and no password-less sudo; cannot install PostgreSQL"
    as_root=(sudo -n)
  fi
  apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive timeout 900 apt-get -q -o DPkg::Lock::Timeout=300)
  "${apt[@]}" update >/dev/null || fail "apt-get update failed"
  # The package also creates the `postgres` user the tests run the server as when they run as root.
  "${apt[@]}" install -y --no-install-recommends postgresql >/dev/null || fail "apt-get install postgresql failed"
  bin=$(find_bin) || fail "the postgresql package is installed but no initdb/pg_ctl was found"
fi
echo "ci_install_postgresql: $("$bin/pg_ctl" --version) at $bin"
