// Package testreq decides what a test does when a tool it needs is not
// installed: `go test ./...` on a bare checkout skips it, saying how to enable
// it; scripts/test.sh (and so CI) sets IOHUB_REQUIRE_ALL=1, where a missing
// tool fails the test instead, so nothing is skipped by accident there.
package testreq

import (
	"os"
	"testing"
)

// Missing ends the test because a prerequisite is missing. what names it
// ("wat2wasm"), enable is the command that installs it ("apt install wabt").
// With IOHUB_REQUIRE_ALL or env (when non-empty) set, it fails the test;
// otherwise it skips.
func Missing(t testing.TB, env, what, enable string) {
	t.Helper()
	if Required(env) {
		t.Fatalf("%s not found, and the tests must not skip here: %s (scripts/test.sh does)", what, enable)
	}
	t.Skipf("skipped: %s not found; %s to run this test (scripts/test.sh does, and fails instead of skipping)", what, enable)
}

// Required reports whether missing prerequisites must fail tests rather than
// skip them: IOHUB_REQUIRE_ALL is set, or env (when non-empty) is.
func Required(env string) bool {
	if os.Getenv("IOHUB_REQUIRE_ALL") != "" {
		return true
	}
	return env != "" && os.Getenv(env) != ""
}
