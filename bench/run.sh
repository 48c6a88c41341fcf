#!/usr/bin/env bash
# Benchmarks iohub against the Node reference (socket.io 4.8.x doing what
# strapi-plugin-io does) and prints one table per scenario. See BENCHMARKS.md.
#
#   bench/run.sh                   everything, default sizes, 2 rounds (minutes)
#   bench/run.sh -short            tiny sizes, one round: a smoke test (CI); also SHORT=1
#   bench/run.sh -json out.json    also write every run's raw numbers
#   bench/run.sh -scenarios fanout -rounds 3 -clients 2000    any loadgen flag (-h lists them)
#
# Needs Go, Node and npm, and for the hub's handlers the C toolchain (clang, lld,
# wasi-libc; scripts/test.sh installs it) and optionally Rust (the second build
# that the hot-reload scenario alternates with). The ack scenario's JavaScript
# handler row needs the root's npm packages (QuickJS), installed here when
# missing; without them that row is skipped. 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

args=("$@")
if [ "${SHORT:-}" = 1 ]; then args=(-short "${args[@]}"); fi

if [ ! -d bench/reference/node_modules/socket.io ]; then
  echo "bench: installing the reference's npm packages (bench/reference/package-lock.json)" >&2
  (cd bench/reference && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ ! -f node_modules/quickjs-wasi/quickjs.wasm ]; then
  echo "bench: installing the root's npm packages (package-lock.json: quickjs-wasi, the JavaScript handler runtime)" >&2
  npm ci --no-audit --no-fund --loglevel=error ||
    echo "bench: npm ci at the root failed; the ack scenario's JavaScript row will be skipped" >&2
fi

bin=$(mktemp -d "${TMPDIR:-/tmp}/iohub-loadgen.XXXXXX")
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/loadgen" ./bench/loadgen
"$bin/loadgen" "${args[@]}"
