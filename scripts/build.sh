#!/usr/bin/env bash
# `npm run build`: the production build, the same in CI (test/build/) and in the image (Dockerfile's build stage).
#   dist/                    every process entry point and what it imports, compiled to CommonJS by tsc
#                            (tsconfig.build.json: production folders only, no tests); run as node dist/workers/<name>.js
#   dist/workflow-bundle.js  the Temporal workflow bundle the compiled worker loads (no webpack at start; and -untraced)
#   web/dist/                the dashboard (Vite), which the order API serves (DASHBOARD_DIR, default web/dist)
# Needs the dev dependencies (typescript, vite, tsx for the two build scripts); the output needs only production ones.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
echo "[build] tsc -p tsconfig.build.json -> dist/" >&2
node node_modules/typescript/bin/tsc -p tsconfig.build.json
node --import tsx scripts/build-workflow-bundle.ts >&2
echo "[build] type-checking web/" >&2
node node_modules/typescript/bin/tsc -p web/tsconfig.json
node --import tsx scripts/build-web.ts --force >&2
echo "[build] done: dist/workers/*.js, dist/workflow-bundle.js (+ -untraced), web/dist/" >&2
