#!/usr/bin/env bash
# Builds every example handler and SDK example from source with its real
# toolchain, into one folder of .wasm modules.
#
#   ./scripts/build-examples.sh [OUTDIR]      (default: build/plugins)
#
# Each language has a builder, sdk/<lang>/build.sh SRC_DIR OUT.wasm, which exits 3
# and names what to install when its toolchain is missing. This script builds
# everything it can, then lists what it could not build and exits non-zero if
# anything is missing or broken.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${1:-build/plugins}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# module name        language         source directory
targets=(
  "connection-logger      c               examples/handlers/connection-logger/c"
  "connection-logger-c    c               examples/handlers/connection-logger/c"
  "connection-logger-go   go              examples/handlers/connection-logger/go"
  "connection-logger-as   assemblyscript  examples/handlers/connection-logger/assemblyscript"
  "connection-logger-rust rust            examples/handlers/connection-logger/rust"
  "echo-c                 c               sdk/c/example"
  "echo-go                go              sdk/go/example"
  "echo-as                assemblyscript  sdk/assemblyscript/example"
  "echo-rust              rust            sdk/rust/example"
  "pong-wat               wat             sdk/wat/example"
  "chat                   go              examples/handlers/chat/go"
  "presence               c               examples/handlers/presence/c"
  "rate-limiter           rust            examples/handlers/rate-limiter/rust"
)

missing=()
failed=()
built=0
for t in "${targets[@]}"; do
  read -r name lang src <<<"$t"
  builder="$root/sdk/$lang/build.sh"
  if [ ! -x "$builder" ]; then
    failed+=("$name: no builder $builder")
    continue
  fi
  log=$(mktemp)
  if "$builder" "$root/$src" "$out/$name.wasm" >"$log" 2>&1; then
    printf 'built  %-24s %-15s %8d bytes\n' "$name.wasm" "$lang" "$(wc -c <"$out/$name.wasm")"
    built=$((built + 1))
  else
    rc=$?
    if [ "$rc" = 3 ]; then
      missing+=("$name ($lang): $(tail -1 "$log")")
    else
      failed+=("$name ($lang): exit $rc"$'\n'"$(sed 's/^/    /' "$log")")
    fi
  fi
  rm -f "$log"
done

# JavaScript handlers need no build: they are copied as they are (the
# plugins/ name, then the source).
for js in "connection-logger-js examples/handlers/connection-logger/js/connection-logger.js" \
  "chat-js examples/handlers/chat/js/chat.js"; do
  read -r name src <<<"$js"
  if cp "$root/$src" "$out/$name.js"; then
    printf 'copied %-24s %-15s %8d bytes\n' "$name.js" javascript "$(wc -c <"$out/$name.js")"
  else
    failed+=("$name (javascript): cannot copy $src")
  fi
done

echo "$built module(s) in $out"
if [ ${#missing[@]} -gt 0 ]; then
  echo "MISSING TOOLCHAIN:"
  printf '  %s\n' "${missing[@]}"
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED:"
  printf '  %s\n' "${failed[@]}"
fi
[ ${#missing[@]} -eq 0 ] && [ ${#failed[@]} -eq 0 ]
