#!/usr/bin/env bash
# Installs Debian's chromium when it is missing, for the dashboard's browser tests (test/web/) and
# scripts/dashboard-screenshots.ts: playwright-core drives it; `npx playwright install` cannot
# download a browser here. CHROMIUM_PATH names another browser binary and skips this.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] || command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "[deps] chromium is missing and apt-get is not here: install Chromium and set CHROMIUM_PATH" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "[deps] installing chromium (apt-get install chromium) for the browser tests..." >&2
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >&2
