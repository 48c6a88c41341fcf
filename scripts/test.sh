#!/usr/bin/env bash
# Runs every test of iohub, installing what the tests need first. CI calls this
# (.ci/run) on a fresh machine; it is also the command README.md gives.
#
#   ./scripts/test.sh            everything
#   FUZZTIME=30s ./scripts/test.sh   longer fuzz runs (default 5s per target)
#   IOHUB_SKIP_STRAPI=1 ./scripts/test.sh   neither install nor run the Strapi tests
#
# Prerequisites: Go 1.26, Node.js 20 with npm, and apt (as root, or sudo) for
# the Debian packages named below. Every stage prints a line when it starts
# and its duration when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
FUZZTIME=${FUZZTIME:-5s}
# A test whose tool is missing (wat2wasm, redis-server, the QuickJS runtime)
# fails here instead of skipping (internal/testreq).
export IOHUB_REQUIRE_ALL=1

stage_name=""
stage_start=0
run_start=$(date +%s)
stage_end() {
  [ -n "$stage_name" ] && printf '== done: %s (%ds)\n' "$stage_name" $(($(date +%s) - stage_start))
  stage_name=""
}
step() {
  stage_end
  stage_name="$*"
  stage_start=$(date +%s)
  printf '\n== %s\n' "$*"
}
trap 'rc=$?; [ $rc -ne 0 ] && [ -n "$stage_name" ] && printf "\n== FAILED in: %s (after %ds; exit %d)\n" "$stage_name" $(($(date +%s) - stage_start)) $rc' EXIT

step "toolchain"
go version
node --version
npm --version

step "system packages (Wasm toolchains for the handler examples and test fixtures; redis-server; chromium)"
# Debian 12 packages, each named (installed without recommends, so nothing
# comes in unnamed):
#   wabt                      wat2wasm/wasm-objdump: WAT fixtures, module checks
#   clang lld wasi-libc libclang-rt-dev-wasm32
#                             C guests (wasm32-wasi)
#   libclang-rt-14-dev        clang's AddressSanitizer/UBSan runtime: the C SDK's
#                             native tests (only recommended by clang-14)
#   rustc cargo libstd-rust-dev-wasm32
#                             Debian's rustc 1.63 and its wasm32 std: Rust guests
#   llvm-14                   the LLVM tools rustc recommends (its wasm32 std
#                             recommends lld-14 and clang-14: lld and clang)
#   redis-server              the cluster and KV tests start their own servers
#   chromium                  headless browser for the e2e Admin UI test
#                             (e2e/test/admin.test.js, driven by playwright-core)
#   fonts-liberation          the fonts chromium recommends, so the UI's
#                             screenshot renders its text
# clang-14's other recommends (llvm-14-dev, python3) are not used by any test.
pkgs=(wabt clang lld wasi-libc libclang-rt-dev-wasm32 libclang-rt-14-dev
  rustc cargo libstd-rust-dev-wasm32 llvm-14 redis-server chromium fonts-liberation)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing with apt: ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "all installed: ${pkgs[*]}"
fi

step "go vet, gofmt, go mod tidy, staticcheck, deadcode"
go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './e2e/node_modules/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt needed on: $unformatted" >&2
  exit 1
fi
if ! go mod tidy -diff; then
  echo "go.mod/go.sum are not tidy: run go mod tidy" >&2
  exit 1
fi
# Linters at pinned versions, installed into the Go bin directory.
go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
go install golang.org/x/tools/cmd/deadcode@v0.53.0
gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
"$gobin/staticcheck" ./...
dead=$("$gobin/deadcode" -test ./...)
if [ -n "$dead" ]; then
  echo "deadcode reports unreachable functions:" >&2
  echo "$dead" >&2
  exit 1
fi

step "npm ci at the root (quickjs-wasi: the JavaScript handler runtime; @socket.io/admin-ui: the Admin UI; pinned by package-lock.json)"
# hub/plugin's tests and the e2e tests run .js handlers on its quickjs.wasm;
# the e2e Admin UI test loads the UI's ui/dist as the hub serves it.
npm ci --no-audit --no-fund --loglevel=error

step "go test -race ./... (about 2 minutes; a line per package as it ends)"
go test -race -count=1 ./...

step "fuzz targets ($FUZZTIME each)"
# Every func FuzzXxx in a _test.go file, run in its own package.
grep -rl --include='*_test.go' '^func Fuzz' hub cmd 2>/dev/null | sort | while read -r file; do
  pkg="./$(dirname "$file")"
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //' | while read -r target; do
    echo "-- $pkg $target"
    # Go's fuzzing coordinator sometimes ends a run with "context deadline
    # exceeded" and no failing input on a loaded machine: such a run is
    # repeated, twice at most. A real failure writes its input under
    # testdata/fuzz and fails at once.
    for attempt in 1 2 3; do
      if out=$(go test -run=NONE -fuzz="^${target}\$" -fuzztime="$FUZZTIME" "$pkg" 2>&1); then
        echo "$out" | tail -2
        break
      fi
      echo "$out"
      if [ "$attempt" = 3 ] || ! echo "$out" | grep -q "context deadline exceeded" || echo "$out" | grep -q "Failing input written"; then
        exit 1
      fi
      echo "-- fuzzing coordinator timed out without a failing input; running $target again"
    done
  done
done

step "Go SDK tests (sdk/go: vet, tests, FuzzScan)"
(cd sdk/go && go vet ./... && go test -count=1 ./... && go test -run=NONE -fuzz='^FuzzScan$' -fuzztime="$FUZZTIME" .)
step "C SDK tests (sdk/c/test/run.sh: native with sanitizers, wasm32 builds)"
sdk/c/test/run.sh
step "Rust SDK tests (Debian's cargo test, offline)"
(cd sdk/rust && RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc CARGO_TARGET_DIR="$root/build/rust-test" /usr/bin/cargo test --offline -q)
step "AssemblyScript SDK tests (npm ci in sdk/assemblyscript: the pinned asc compiler)"
sdk/assemblyscript/test/run.sh

step "build every example handler from source (scripts/build-examples.sh)"
./scripts/build-examples.sh build/plugins
# The default hub.toml's connection logger is committed so `go run ./cmd/hub`
# works with only Go installed; it must be what its source builds to.
if ! cmp -s plugins/connection-logger.wasm build/plugins/connection-logger.wasm; then
  echo "plugins/connection-logger.wasm is not the build of examples/handlers/connection-logger/c:" >&2
  echo "  cp build/plugins/connection-logger.wasm plugins/" >&2
  exit 1
fi

step "build the hub binary for the end-to-end tests"
mkdir -p e2e/.bin
go build -o e2e/.bin/hub ./cmd/hub

if [ -n "${IOHUB_SKIP_STRAPI:-}" ]; then
  step "Strapi v4 and v5: skipped (IOHUB_SKIP_STRAPI is set; the e2e Strapi tests skip too)"
else
  step "Strapi v4 and v5 for the end-to-end tests (scripts/strapi-install.sh: npm ci of e2e/strapi/v4-app and v5-app)"
  # Installed once per lockfile into ~/.cache/iohub-strapi (IOHUB_STRAPI_CACHE),
  # outside the repository: ~700 MB each, ~2-3 minutes each from an empty npm
  # cache. A lockfile already installed is skipped. The e2e tests start and stop
  # the Strapis themselves; they fail (never skip) when Strapi cannot run.
  scripts/strapi-install.sh v4 v5
fi

step "npm ci in e2e/ (socket.io-client, playwright-core; pinned by e2e/package-lock.json)"
cd "$root/e2e"
npm ci --no-audit --no-fund --loglevel=error

step "end-to-end tests (the hub binary with real socket.io clients)"
IOHUB_BIN="$root/e2e/.bin/hub" IOHUB_PLUGINS="$root/build/plugins" npm test

step "benchmark smoke test (bench/run.sh -short: the harness works; no timings asserted)"
# Fails when the harness does: a server that will not start, lost or duplicated
# fan-out messages, failed acks (also while the handler is hot-reloaded).
cd "$root"
bench/run.sh -short

stage_end
printf '\n== all tests passed (%ds in all)\n' $(($(date +%s) - run_start))
