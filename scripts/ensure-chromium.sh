#!/usr/bin/env bash
# The test suite renders the HTML export in headless Chromium (Debian's package). Installs it when
# missing and this machine can (root with apt-get); otherwise says how, and fails.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium package for the HTML export test..." >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  exit 0
fi
echo "ensure-chromium: chromium is not installed; as root run: apt-get update && apt-get install -y chromium" >&2
exit 1
