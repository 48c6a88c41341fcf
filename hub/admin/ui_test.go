package admin_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iohub/iohub/hub/admin"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b)
}

func TestUIHandlerServesFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "js"), 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(dir, "index.html"), []byte("<title>Socket.IO Admin UI</title>"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "js", "app.js"), []byte("app()"), 0o644)
	h := admin.UIHandler(dir, slog.New(slog.DiscardHandler))
	if code, body := get(t, h, "/hub/admin/"); code != 200 || !strings.Contains(body, "Admin UI") {
		t.Errorf("index: %d %q", code, body)
	}
	if code, body := get(t, h, "/hub/admin/js/app.js"); code != 200 || body != "app()" {
		t.Errorf("app.js: %d %q", code, body)
	}
	if code, _ := get(t, h, "/hub/admin/../../etc/passwd"); code == 200 {
		t.Error("served a file outside uiDir")
	}
}

// A missing UI is logged with how to install it, and answered 503 saying the
// same.
func TestUIHandlerMissing(t *testing.T) {
	root := t.TempDir()
	_ = os.WriteFile(filepath.Join(root, "package-lock.json"), []byte("{}"), 0o644)
	dir := filepath.Join(root, admin.DefaultUIDir)
	var logs bytes.Buffer
	h := admin.UIHandler(dir, slog.New(slog.NewTextHandler(&logs, nil)))
	want := "run `npm ci` in " + root
	if !strings.Contains(logs.String(), "Admin UI's files are missing") || !strings.Contains(logs.String(), want) {
		t.Errorf("log %q does not say %q", logs.String(), want)
	}
	if code, body := get(t, h, "/hub/admin/"); code != http.StatusServiceUnavailable || !strings.Contains(body, want) {
		t.Errorf("missing UI: %d %q", code, body)
	}
}
