#!/usr/bin/env bash
# Makes kcat available for the JSON-events test and prints its path. Installs Debian's `kcat` package when none is on
# the PATH (as root, with apt-get). Exits 1 with one line on stderr when there is none and it cannot install one; the
# test then skips, saying why.
set -euo pipefail
if command -v kcat >/dev/null 2>&1; then
  command -v kcat
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-kcat: no kcat on the PATH, and installing Debian's needs root and apt-get" >&2
  exit 1
fi
log=$(mktemp)
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kcat; } \
    >"$log" 2>&1; then
  echo "ensure-kcat: apt-get install kcat failed: $(tail -1 "$log")" >&2
  exit 1
fi
rm -f "$log"
command -v kcat
