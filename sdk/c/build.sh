#!/usr/bin/env bash
# Builds a C iohub handler: every .c file of SRC_DIR, as a WASI reactor.
#
#   sdk/c/build.sh SRC_DIR OUT.wasm
#
# Needs clang, wasm-ld and wasi-libc (Debian/Ubuntu:
# apt install clang lld wasi-libc libclang-rt-dev-wasm32), or a wasi-sdk:
# CC=/opt/wasi-sdk/bin/clang, or WASI_SYSROOT=/path/to/sysroot. Exits 3 when
# they are missing. The output is byte-reproducible for a given toolchain.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 SRC_DIR OUT.wasm" >&2
  exit 2
fi
sdk=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$1" && pwd)
out=$2

missing() {
  echo "missing toolchain: C (apt install clang lld wasi-libc libclang-rt-dev-wasm32)"
  exit 3
}

cc=${CC:-}
if [ -z "$cc" ]; then
  for c in clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14; do
    if command -v "$c" >/dev/null 2>&1; then cc=$c; break; fi
  done
fi
[ -n "$cc" ] && command -v "$cc" >/dev/null 2>&1 || missing

target=(--target=wasm32-wasi)
if [ -n "${WASI_SYSROOT:-}" ]; then target+=(--sysroot="$WASI_SYSROOT"); fi

# clang runs wasm-ld (or wasm-ld-N) itself; check that it, the reactor start
# file of wasi-libc and the wasm32 compiler-rt builtins can be found.
ld=$("$cc" "${target[@]}" -print-prog-name=wasm-ld 2>/dev/null || true)
if [ -z "$ld" ] || ! command -v "$ld" >/dev/null 2>&1; then missing; fi
crt=$("$cc" "${target[@]}" -print-file-name=crt1-reactor.o 2>/dev/null || true)
[ -f "$crt" ] || missing
libc=$("$cc" "${target[@]}" -print-file-name=libc.a 2>/dev/null || true)
[ -f "$libc" ] || missing
rt=$("$cc" "${target[@]}" -print-libgcc-file-name 2>/dev/null || true)
[ -f "$rt" ] || missing

shopt -s nullglob
files=("$src"/*.c)
shopt -u nullglob
if [ ${#files[@]} -eq 0 ]; then
  echo "no .c files in $src" >&2
  exit 1
fi
# Stable order, whatever the locale and file system.
mapfile -t files < <(printf '%s\n' "${files[@]}" | LC_ALL=C sort)

mkdir -p "$(dirname "$out")"
# Written next to OUT, then renamed: a watching hub never sees half a module
# (the name ends in .wasm.tmp, which the hub and .gitignore ignore).
tmp="$(dirname "$out")/.$(basename "$out" .wasm).$$.wasm.tmp"
trap 'rm -f "$tmp"' EXIT

"$cc" "${target[@]}" -mexec-model=reactor \
  -O2 -Wall -Wextra \
  -I"$sdk" \
  -ffile-prefix-map="$src"=. -ffile-prefix-map="$sdk"=. \
  -Wl,--export=hub_abi_version \
  -Wl,--export=hub_init \
  -Wl,--export=hub_on_event \
  -Wl,--strip-all \
  -o "$tmp" "${files[@]}"
chmod 0644 "$tmp"
mv -f "$tmp" "$out"
