#!/usr/bin/env bash
# Builds one AssemblyScript iohub handler module (ABI v1.1, no WASI, imports only "hub").
#
#   sdk/assemblyscript/build.sh SRC_DIR OUT.wasm
#
# SRC_DIR holds the entry file, index.ts (or assembly/index.ts; SRC_DIR may also be
# the .ts entry file itself), which imports this
# SDK by relative path. The compiler is the assemblyscript version pinned in
# package.json/package-lock.json; it is installed with `npm ci` on first use.
# Exits 3 with one line naming what to install when Node.js/npm are missing.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 SRC_DIR OUT.wasm" >&2
  exit 2
fi
sdk=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$1
out=$2

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "missing toolchain: AssemblyScript (needs Node.js >= 20 and npm)"
  exit 3
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "missing toolchain: AssemblyScript (needs Node.js >= 20 and npm; found $(node --version))"
  exit 3
fi

asc="$sdk/node_modules/assemblyscript/bin/asc.js"
if [ ! -f "$asc" ]; then
  # One install at a time when several builds start together.
  exec 9>"$sdk/.npm-ci.lock"
  command -v flock >/dev/null 2>&1 && flock 9
  if [ ! -f "$asc" ]; then
    if ! (cd "$sdk" && npm ci --silent --no-audit --no-fund >/dev/null 2>&1); then
      echo "missing toolchain: AssemblyScript (npm ci failed in $sdk: is the npm registry reachable?)"
      exit 3
    fi
  fi
fi

if [ -f "$src" ] && [[ "$src" == *.ts ]]; then
  entry="$src" # an entry file instead of a directory
elif [ -f "$src/index.ts" ]; then
  entry="$src/index.ts"
elif [ -f "$src/assembly/index.ts" ]; then
  entry="$src/assembly/index.ts"
else
  echo "no entry file: $src/index.ts or $src/assembly/index.ts" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
entry=$(cd "$(dirname "$entry")" && pwd)/$(basename "$entry")
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")

# --runtime minimal: TLSF allocator + a mark & sweep GC that runs only when
#   asked; the SDK's dispatch() asks once at the end of every event, so memory
#   stays bounded over the instance's many events, with no shadow stack.
# --use abort/trace/seed: route AssemblyScript's env.* hooks to the SDK (log,
#   set_error, hub.random), so the module imports only "hub".
# --config: ignore any asconfig.json in the caller's directory.
# Run from the entry's folder so abort messages name files briefly (index.ts:12:5).
cd "$(dirname "$entry")"
exec node "$asc" "$(basename "$entry")" -o "$out" \
  -O3s --noAssert \
  --runtime minimal \
  --use abort=__iohub_abort --use trace=__iohub_trace --use seed=__iohub_seed \
  --config /dev/null
