#!/usr/bin/env bash
# Installs node modules when they are missing or older than the lockfile, so that
# `npm start` and `npm test` work by themselves on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
# Not `npm ci`: the registry mirror these machines reach serves only the linux-x64 builds of
# platform packages (@swc/core-*, @unrs/resolver-binding-*), so the lockfile cannot list the
# other platforms' optional packages and `npm ci` refuses it as "out of sync". `npm install`
# with this lockfile installs exactly the locked versions and leaves the lockfile unchanged.
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "[deps] installing node modules (npm install from package-lock.json)..." >&2
  npm install --no-audit --no-fund --loglevel=error >&2
fi
