#!/usr/bin/env bash
# Builds the SDK's test entries and example modules, then runs the tests
# (node:test) against them with a stub of the hub imports. Exits non-zero on failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sdk=$(dirname "$here")
root=$(cd "$sdk/../.." && pwd)
out="$here/build"
mkdir -p "$out"

# The modules, exactly as the hub gets them.
"$sdk/build.sh" "$sdk/example" "$out/echo-as.wasm"
"$sdk/build.sh" "$root/examples/handlers/connection-logger/assemblyscript" "$out/connection-logger-as.wasm"
"$sdk/build.sh" "$here/registered.ts" "$out/registered.wasm"
"$sdk/build.sh" "$here/effects.ts" "$out/effects.wasm"
"$sdk/build.sh" "$here/binary.ts" "$out/binary.wasm"
"$sdk/build.sh" "$here/v1.ts" "$out/v1.wasm"

# The scanner test entry, same flags plus JS bindings for string marshalling.
node "$sdk/node_modules/assemblyscript/bin/asc.js" "$here/scanner.ts" -o "$out/scanner.wasm" \
  -O3s --noAssert --runtime minimal \
  --use abort=__iohub_abort --use trace=__iohub_trace --use seed=__iohub_seed \
  --config /dev/null --bindings raw

cd "$here"
node --test --test-reporter=spec scanner.test.mjs modules.test.mjs
