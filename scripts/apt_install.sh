#!/usr/bin/env bash
# Install Debian packages for the test set-up: apt_install.sh WHO PACKAGE...
# Uses sudo when not root; says what to install by hand where there is no apt-get.
set -euo pipefail
who=$1; shift
[ $# -gt 0 ] || exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "$who: need root (or sudo) to install: $*" >&2; exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "$who: apt-get not found; install $* with your package manager" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
