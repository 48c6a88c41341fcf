#!/usr/bin/env bash
# Builds a WAT guest: sdk/wat/build.sh SRC_DIR OUT.wasm (every .wat in SRC_DIR
# must be one module; the first, in C-locale order, is built).
set -euo pipefail
if ! command -v wat2wasm >/dev/null 2>&1; then
  echo "missing toolchain: WAT (apt install wabt)"
  exit 3
fi
src=$1 out=$2
file=$(LC_ALL=C ls "$src"/*.wat | head -1)
tmp="$(dirname "$out")/.$(basename "$out").$$.tmp"
wat2wasm "$file" -o "$tmp"
mv "$tmp" "$out"
