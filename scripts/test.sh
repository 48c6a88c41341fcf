#!/usr/bin/env bash
# Runs every test of iohub, installing what the tests need first. CI calls this
# (.ci/run) on a fresh machine; it is also the command README.md gives.
#
#   ./scripts/test.sh            everything
#   FUZZTIME=30s ./scripts/test.sh   longer fuzz runs (default 5s per target)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
FUZZTIME=${FUZZTIME:-5s}

step() { printf '\n== %s\n' "$*"; }

step "toolchain"
go version
node --version
npm --version

step "system packages (Wasm toolchains for the handler examples and test fixtures)"
# Debian packages: wabt (wat2wasm for the WAT fixtures), clang/lld/wasi-libc for C
# guests, Debian's rustc 1.63 with the wasm32 std for Rust guests.
pkgs=(wabt clang lld wasi-libc libclang-rt-dev-wasm32 rustc cargo libstd-rust-dev-wasm32)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

step "go vet + gofmt"
go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './e2e/node_modules/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt needed on: $unformatted" >&2
  exit 1
fi

step "go test -race ./..."
go test -race -count=1 ./...

step "fuzz targets ($FUZZTIME each)"
# Every func FuzzXxx in a _test.go file, run in its own package.
grep -rl --include='*_test.go' '^func Fuzz' hub cmd 2>/dev/null | sort | while read -r file; do
  pkg="./$(dirname "$file")"
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //' | while read -r target; do
    echo "-- $pkg $target"
    go test -run=NONE -fuzz="^${target}\$" -fuzztime="$FUZZTIME" "$pkg"
  done
done

step "build the hub binary for the end-to-end tests"
mkdir -p e2e/.bin
go build -o e2e/.bin/hub ./cmd/hub

step "end-to-end tests (socket.io-client from npm, pinned by e2e/package-lock.json)"
cd "$root/e2e"
npm ci --no-audit --no-fund --loglevel=error
IOHUB_BIN="$root/e2e/.bin/hub" npm test

step "all tests passed"
