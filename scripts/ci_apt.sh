# Sourced by the ci_install_*.sh scripts: `fail` says one line naming the script and exits 1, and
# `apt_install WHAT PACKAGE...` installs Debian packages as root (or through password-less sudo).
# Set CI_SCRIPT to the script's name before sourcing.

fail() {
  echo "$CI_SCRIPT: $*" >&2
  exit 1
}

apt_install() {
  local what=$1
  shift
  command -v apt-get >/dev/null 2>&1 || fail "no apt-get here; install $what by hand to run its tests"
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo -n true 2>/dev/null || fail "not root and no password-less sudo; cannot install $what"
    as_root=(sudo -n)
  fi
  # env, not export: sudo would drop an exported variable. The lock timeout waits out a running
  # unattended upgrade instead of failing at once; `timeout` bounds a stalled mirror.
  local apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive timeout 900 apt-get -q -o DPkg::Lock::Timeout=300)
  "${apt[@]}" update >/dev/null || fail "apt-get update failed"
  "${apt[@]}" install -y --no-install-recommends "$@" >/dev/null || fail "apt-get install $1 failed"
}
