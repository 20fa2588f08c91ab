#!/usr/bin/env bash
# Installs Schemathesis (the property-based API fuzzer of test/contract/schemathesis.test.ts) from PyPI into a venv
# of its own under ~/.cache/crypto-oms, once: later runs find it and need no network. Prints the st binary's path.
# SCHEMATHESIS_BIN names another binary and skips this.
set -euo pipefail
VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
if [ -n "${SCHEMATHESIS_BIN:-}" ]; then
  echo "$SCHEMATHESIS_BIN"
  exit 0
fi
DIR="${CRYPTO_OMS_CACHE:-$HOME/.cache/crypto-oms}/tools/schemathesis-$VERSION"
BIN="$DIR/bin/st"
# The marker is written last: a venv an interrupted install left half-made is made anew.
if [ -f "$DIR/.installed" ] && [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "[deps] schemathesis needs python3 (3.9+), which is missing" >&2
  exit 1
fi
echo "[deps] installing schemathesis $VERSION (PyPI) into $DIR..." >&2
rm -rf "$DIR"
python3 -m venv "$DIR" >&2
"$DIR/bin/python" -m pip install -q --disable-pip-version-check "schemathesis==$VERSION" >&2
"$BIN" --version >&2
touch "$DIR/.installed"
echo "$BIN"
