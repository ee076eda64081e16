#!/usr/bin/env bash
# Makes a headless Chromium available for the dashboard's browser test and prints its path. Installs Debian's
# `chromium` package when none is on the PATH (as root, with apt-get). Exits 1 with one line on stderr when there is
# none and it cannot install one; the test then skips, saying why.
set -euo pipefail
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null 2>&1; then
    command -v "$candidate"
    exit 0
  fi
done
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: no chromium on the PATH, and installing Debian's needs root and apt-get" >&2
  exit 1
fi
log=$(mktemp)
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } \
    >"$log" 2>&1; then
  echo "ensure-chromium: apt-get install chromium failed: $(tail -1 "$log")" >&2
  exit 1
fi
rm -f "$log"
command -v chromium
