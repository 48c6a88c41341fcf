#!/usr/bin/env bash
# Builds a Go guest (a directory with a main package using this SDK) into a
# Wasm reactor module for iohub.
#
#   sdk/go/build.sh SRC_DIR OUT.wasm
#
# Exits 3 with one line naming the toolchain when Go >= 1.24 is missing
# (go:wasmexport and c-shared wasip1 reactors need 1.24).
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 SRC_DIR OUT.wasm" >&2
  exit 2
fi
src=$1
out=$2
missing() {
  echo "missing toolchain: Go >= 1.24 (https://go.dev/dl)"
  exit 3
}
command -v go >/dev/null 2>&1 || missing
# "go1.24.3", "go1.26rc1", "go1.30" -> major.minor
ver=$(go env GOVERSION 2>/dev/null || true)
if [[ ! $ver =~ ^go([0-9]+)\.([0-9]+) ]]; then missing; fi
major=${BASH_REMATCH[1]}
minor=${BASH_REMATCH[2]}
if [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt 24 ]; }; then missing; fi
# An absolute output path, since the build runs inside SRC_DIR.
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
cd "$src"
GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags=-s -o "$out" .
