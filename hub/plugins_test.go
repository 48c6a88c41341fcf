package hub_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iohub/iohub/hub"
	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/internal/hubtest"
)

// syncBuffer is in httpserver_test.go.

// serveWithPlugins runs a hub without [[events]] whose plugins directory is
// dir, and returns its log.
func serveWithPlugins(t *testing.T, dir string) (*hub.Server, *syncBuffer) {
	t.Helper()
	runtime, err := filepath.Abs("../node_modules/quickjs-wasi/quickjs.wasm")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(testConfig+"[plugins]\ndir = "+quote(dir)+"\njsRuntime = "+quote(runtime)+"\n"), "test.toml")
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	srv, err := hub.NewFromConfig(cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	hubtest.Serve(t, srv)
	return srv, logs
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `\`, `\\`) + `"` }

func waitLog(t *testing.T, logs *syncBuffer, substr string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logs.String(), substr); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log:\n%s", substr, logs)
		}
	}
}

// A hub started with an empty plugins directory and no [[events]] picks up
// its first .js handler without a restart; before it, SIGHUP says there is
// nothing to reload and where it looked.
func TestFirstHandlerFileWithoutRestart(t *testing.T) {
	if _, err := os.Stat("../node_modules/quickjs-wasi/quickjs.wasm"); err != nil {
		if os.Getenv("IOHUB_REQUIRE_ALL") != "" {
			t.Fatal("the QuickJS runtime is missing: run npm ci at the repository root")
		}
		t.Skip("the QuickJS runtime is missing: run npm ci at the repository root")
	}
	dir := t.TempDir()
	srv, logs := serveWithPlugins(t, dir)
	waitLog(t, logs, "watching for handler files")

	srv.Reload(context.Background()) // SIGHUP
	if !strings.Contains(logs.String(), `msg="no handlers to reload: no [[events]] in the config and no .js file in the plugins directory" dir=`+dir) {
		t.Errorf("SIGHUP without handlers:\n%s", logs)
	}
	if strings.Contains(logs.String(), "reloading") {
		t.Errorf("said it was reloading:\n%s", logs)
	}

	src := "module.exports = { name: 'hello', handler: (ctx, socket, ack) => ack('hi') };\n"
	tmp := filepath.Join(dir, "first.js.tmp")
	if err := os.WriteFile(tmp, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "first.js")); err != nil {
		t.Fatal(err)
	}
	waitLog(t, logs, `msg="handler file loaded" component=plugins plugin=first.js file=first.js events=hello`)
	if p := srv.Problems(); len(p) != 0 {
		t.Errorf("Problems() = %q", p)
	}
}

func TestReloadWithoutPluginsDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "absent")
	srv, logs := serveWithPlugins(t, dir)
	srv.Reload(context.Background())
	if !strings.Contains(logs.String(), "no handlers to reload: no [[events]] in the config and no plugins directory") ||
		!strings.Contains(logs.String(), "dir="+dir) {
		t.Errorf("SIGHUP without a plugins directory:\n%s", logs)
	}
}
