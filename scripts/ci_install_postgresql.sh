#!/usr/bin/env bash
# The PostgreSQL server programs (initdb, pg_ctl) from Debian's packages, for the tests that run the
# store on PostgreSQL (tests/pg_server.py starts a throwaway server from them). Does nothing when they
# are already installed. Fails soft like ci_install_chromium.sh: one line on stderr, a non-zero exit.
set -euo pipefail
CI_SCRIPT=ci_install_postgresql
. "${BASH_SOURCE[0]%/*}/ci_apt.sh"  # no dirname: the tests run this with a bare PATH

find_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return 0; fi
  return 1
}

if ! bin=$(find_bin); then
  # The package also creates the `postgres` user the tests run the server as when they run as root.
  apt_install PostgreSQL postgresql
  bin=$(find_bin) || fail "the postgresql package is installed but no initdb/pg_ctl was found"
fi
echo "ci_install_postgresql: $("$bin/pg_ctl" --version) at $bin"
