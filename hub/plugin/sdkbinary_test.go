package plugin

import (
	"errors"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/iohub/iohub/internal/testreq"
)

// The SDKs' binary API in real guests (testdata/sdkbin), built with each
// SDK's builder: a binary argument is read, reversed, attached, and the
// reply holds the argument (echoed through its placeholder) and the
// attachment.
func TestSDKBinary(t *testing.T) {
	for _, lang := range []string{"c", "go"} {
		t.Run(lang, func(t *testing.T) {
			dir := t.TempDir()
			builder, _ := filepath.Abs(filepath.Join("..", "..", "sdk", lang, "build.sh"))
			src, _ := filepath.Abs(filepath.Join("testdata", "sdkbin", lang))
			out, err := exec.Command(builder, src, filepath.Join(dir, "bin.wasm")).CombinedOutput()
			var exit *exec.ExitError
			if errors.As(err, &exit) && exit.ExitCode() == 3 {
				testreq.Missing(t, "", lang+" toolchain", string(out))
			}
			if err != nil {
				t.Fatalf("%s: %v\n%s", builder, err, out)
			}
			h := newHost(t, dir, Options{}, "up=bin")
			o := h.handle(event("up", true, "name", []byte{1, 2, 3}))
			want := []any{[]any{"name", []byte{1, 2, 3}}, []byte{3, 2, 1}}
			if o.Error != "" || !reflect.DeepEqual(o.Reply, want) {
				t.Fatalf("%s\n%s", fmtOutcome(o), h.logs)
			}
		})
	}
}
