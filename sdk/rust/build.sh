#!/usr/bin/env bash
# Builds a Rust iohub handler crate (a cdylib depending on sdk/rust) into one
# .wasm module for wasm32-unknown-unknown.
#
#   sdk/rust/build.sh SRC_DIR OUT.wasm
#
# Uses Debian's toolchain (apt install rustc cargo libstd-rust-dev-wasm32):
# /usr/bin/cargo with RUSTC=/usr/bin/rustc, whatever rustup puts on PATH.
# Cargo's build directory is $IOHUB_RUST_TARGET_DIR (default: build/rust-target
# at the repository root), never the source tree. Release profile: opt-level
# "s", LTO, one codegen unit, panic=abort, stripped (set here through the
# environment, so it applies to any crate, whatever its Cargo.toml says), and a
# 128 KiB shadow stack instead of rustc's 1 MiB (IOHUB_RUST_STACK_SIZE, bytes),
# so an instance starts with about 0.2 MiB of linear memory instead of 1.1 MiB.
# Exits 3 with one line naming what to install when the toolchain is missing.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 SRC_DIR OUT.wasm" >&2
  exit 2
fi
src=$1
out=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

missing() {
  echo "missing toolchain: Rust (apt install rustc cargo libstd-rust-dev-wasm32)"
  exit 3
}
rustc=/usr/bin/rustc
cargo=/usr/bin/cargo
[ -x "$rustc" ] && [ -x "$cargo" ] || missing
sysroot=$("$rustc" --print sysroot 2>/dev/null) || missing
compgen -G "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib" >/dev/null || missing

[ -f "$src/Cargo.toml" ] || { echo "build.sh: no Cargo.toml in $src" >&2; exit 2; }

export RUSTC=$rustc
export CARGO_TARGET_DIR=${IOHUB_RUST_TARGET_DIR:-$root/build/rust-target}
export CARGO_PROFILE_RELEASE_OPT_LEVEL=s
export CARGO_PROFILE_RELEASE_LTO=true
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_PROFILE_RELEASE_PANIC=abort
export CARGO_PROFILE_RELEASE_STRIP=true
export CARGO_PROFILE_RELEASE_DEBUG=false
# Ignored by cargo when RUSTFLAGS is set.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C link-arg=-zstack-size=${IOHUB_RUST_STACK_SIZE:-131072}"
mkdir -p "$CARGO_TARGET_DIR"

# stdout: one JSON message per line (the artifacts); diagnostics go to stderr.
msgs=$(cd "$src" && "$cargo" build --offline --release --lib \
  --target wasm32-unknown-unknown --message-format=json-render-diagnostics)
wasm=$(printf '%s\n' "$msgs" | grep '"reason":"compiler-artifact"' \
  | grep -o '"[^"]*\.wasm"' | tail -n 1 | tr -d '"')
if [ -z "$wasm" ] || [ ! -f "$wasm" ]; then
  echo "build.sh: no .wasm produced in $src (is the crate a cdylib?)" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
cp "$wasm" "$out.tmp"
mv "$out.tmp" "$out"
echo "$out: $(wc -c <"$out") bytes"
