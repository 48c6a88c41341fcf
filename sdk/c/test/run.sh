#!/usr/bin/env bash
# Native tests of sdk/c/iohub.h, plus compile checks of the header for wasm32
# (with wasi-libc, and freestanding without a libc) when clang can target it.
#   sdk/c/test/run.sh        exit status non-zero on any failure
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sdk=$(dirname "$here")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
warn=(-Wall -Wextra -Werror)
ran=0

# 1. the test program, with every host compiler found, sanitized when the
# compiler's sanitizer runtime is installed (clang's comes from Debian's
# libclang-rt-14-dev, which scripts/test.sh installs). Whether it is, is probed
# with a one-line program, so a missing runtime says so and the real test
# still runs without sanitizers; an error in test.c always fails.
san=(-fsanitize=address,undefined -fno-sanitize-recover=all)
printf 'int main(void) { return 0; }\n' >"$tmp/probe.c"
seen=()
for cc in "${CC:-cc}" gcc clang; do
  command -v "$cc" >/dev/null 2>&1 || continue
  real=$(readlink -f "$(command -v "$cc")")
  [[ " ${seen[*]-} " == *" $real "* ]] && continue
  seen+=("$real")
  flags=("${san[@]}")
  if ! "$cc" "${san[@]}" "$tmp/probe.c" -o "$tmp/probe" >"$tmp/err" 2>&1 || ! "$tmp/probe" >>"$tmp/err" 2>&1; then
    echo "$(basename "$cc"): sanitizers skipped, its ASan/UBSan runtime does not build or run here: $(grep -m1 -iE 'error|cannot' "$tmp/err" || head -1 "$tmp/err")"
    flags=()
  fi
  for std in c99 gnu17; do
    bin="$tmp/test-$(basename "$cc")-$std"
    "$cc" -std=$std -O1 -g "${warn[@]}" -Wpedantic ${flags[@]+"${flags[@]}"} -I"$sdk" "$here/test.c" -o "$bin"
    printf '%-8s %-6s %-10s ' "$(basename "$cc")" "$std" "$([ ${#flags[@]} -gt 0 ] && echo sanitized || echo plain)"
    "$bin"
    ran=$((ran + 1))
  done
  # the byte-at-a-time loops that other compilers and big-endian hosts take
  "$cc" -std=c99 -O1 -g "${warn[@]}" -Wpedantic ${flags[@]+"${flags[@]}"} -DIOHUB_NO_SWAR -I"$sdk" "$here/test.c" -o "$bin"
  printf '%-8s %-6s %-10s ' "$(basename "$cc")" "noswar" "$([ ${#flags[@]} -gt 0 ] && echo sanitized || echo plain)"
  "$bin"
done
[ "$ran" -gt 0 ] || { echo "no C compiler found" >&2; exit 1; }

# 2. C++ can include the header (and its implementation)
if command -v c++ >/dev/null 2>&1; then
  printf '#define IOHUB_IMPLEMENTATION\n#include "iohub.h"\nint iohub_on_event(const iohub_event *) { return 0; }\n' >"$tmp/cpp.cc"
  c++ -std=c++11 "${warn[@]}" -I"$sdk" -c "$tmp/cpp.cc" -o "$tmp/cpp.o"
  echo "c++      ok: header compiles as C++11"
fi

# 3. wasm32 builds of the examples: warning-free, exports and imports as ABI.md says
if command -v clang >/dev/null 2>&1 && command -v wasm-objdump >/dev/null 2>&1 &&
   [ -f "$(clang --target=wasm32-wasi -print-file-name=crt1-reactor.o)" ]; then
  check_module() { # module.wasm allowed-import-modules-regex
    local dump
    dump=$(wasm-objdump -x "$1")
    for e in memory hub_abi_version hub_init hub_on_event; do
      grep -q -- "-> \"$e\"" <<<"$dump" || { echo "$1: export $e missing" >&2; exit 1; }
    done
    if grep -E '^ - func\[[0-9]+\] sig=[0-9]+ <[^>]*> <- ' <<<"$dump" | grep -vE " <- ($2)\." ; then
      echo "$1: unexpected imports (above)" >&2; exit 1
    fi
  }
  examples=("$sdk/example" "$sdk/../../examples/handlers/connection-logger/c" "$sdk/../../examples/handlers/presence/c")
  for ex in "${examples[@]}"; do
    [ -d "$ex" ] || continue
    name=$(basename "$(cd "$ex/.." && pwd)")-$(basename "$ex")
    # with wasi-libc, as build.sh does
    clang --target=wasm32-wasi -mexec-model=reactor -O2 "${warn[@]}" -I"$sdk" -Wl,--strip-all \
      "$ex"/*.c -o "$tmp/$name.wasm"
    check_module "$tmp/$name.wasm" "hub|wasi_snapshot_preview1"
    grep -q -- '-> "_initialize"' <(wasm-objdump -x "$tmp/$name.wasm") || { echo "$name: no _initialize" >&2; exit 1; }
    # without any libc
    for opt in -O0 -O2 -Oz; do
      clang --target=wasm32 -ffreestanding -nostdlib $opt "${warn[@]}" -I"$sdk" -Wl,--no-entry -Wl,--strip-all \
        "$ex"/*.c -o "$tmp/$name-nolibc.wasm"
      check_module "$tmp/$name-nolibc.wasm" "hub"
    done
    echo "wasm32   ok: $name (wasi-libc reactor, and freestanding -O0/-O2/-Oz)"
  done
else
  echo "wasm32   skipped: no clang with wasi-libc or no wasm-objdump"
fi
echo PASS
