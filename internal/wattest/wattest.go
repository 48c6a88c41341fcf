// Package wattest compiles WebAssembly text fixtures for tests, with wabt's
// wat2wasm (installed by scripts/test.sh).
package wattest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/iohub/iohub/internal/testreq"
)

// Compile compiles the .wat file at path and returns the module bytes.
func Compile(t testing.TB, path string) []byte {
	t.Helper()
	return CompileWith(t, path)
}

// CompileWith is Compile with extra wat2wasm flags (--enable-threads...).
func CompileWith(t testing.TB, path string, flags ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath("wat2wasm")
	if err != nil {
		testreq.Missing(t, "", "wat2wasm", "apt install wabt")
	}
	out := filepath.Join(t.TempDir(), filepath.Base(path)+".wasm")
	if b, err := exec.Command(bin, append([]string{path, "-o", out}, flags...)...).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm %s: %v\n%s", path, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Install compiles the .wat file at path into dir/<module>.wasm, atomically
// (write, then rename), as a deploy tool should.
func Install(t testing.TB, path, dir, module string) {
	t.Helper()
	WriteAtomic(t, filepath.Join(dir, module+".wasm"), Compile(t, path))
}

// WriteAtomic writes b to a temporary file beside path and renames it.
func WriteAtomic(t testing.TB, path string, b []byte) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}
