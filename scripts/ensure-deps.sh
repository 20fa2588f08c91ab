#!/usr/bin/env bash
# Installs node modules when they are missing or older than the lockfile, so that
# `npm start` and `npm test` work by themselves on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
# `npm ci`: exactly the lockfile, which lists every platform's optional packages (@swc/core-*, @esbuild/*, ...), so
# it installs on any machine; CI and the image (Dockerfile) install the same way.
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "[deps] installing node modules (npm ci from package-lock.json)..." >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
