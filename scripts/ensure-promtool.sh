#!/usr/bin/env bash
# Builds Prometheus' promtool from the Go module proxy once (for test/observability/: `promtool check rules` and
# `promtool test rules` on deploy/observability/prometheus/), cached under ~/.cache/crypto-oms: later runs need no
# network. Prints the binary's path. PROMTOOL_BIN names another binary and skips this.
set -euo pipefail
VERSION="${PROMTOOL_VERSION:-v0.316.0}"
if [ -n "${PROMTOOL_BIN:-}" ]; then
  echo "$PROMTOOL_BIN"
  exit 0
fi
DIR="${CRYPTO_OMS_CACHE:-$HOME/.cache/crypto-oms}/tools/promtool-$VERSION"
BIN="$DIR/bin/promtool"
if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  echo "$BIN"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "[deps] promtool is built with Go, which is missing: install Go or set PROMTOOL_BIN" >&2
  exit 1
fi
echo "[deps] building promtool $VERSION (go install from the Go module proxy; a few minutes the first time)..." >&2
mkdir -p "$DIR/bin"
CGO_ENABLED=0 GOBIN="$DIR/bin.partial" go install -trimpath -ldflags "-s -w" \
  "github.com/prometheus/prometheus/cmd/promtool@$VERSION" >&2
mv "$DIR/bin.partial/promtool" "$BIN"
rmdir "$DIR/bin.partial"
"$BIN" --version >&2
echo "$BIN"
