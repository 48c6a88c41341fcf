package plugin

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/internal/wattest"
)

// watBinary compiles testdata/<fixture>.wat.
func watBinary(t testing.TB, fixture string) []byte {
	return wattest.Compile(t, filepath.Join("testdata", fixture+".wat"))
}

// install compiles a fixture into dir as <module>.wasm.
func install(t testing.TB, dir, fixture, module string) {
	wattest.Install(t, filepath.Join("testdata", fixture+".wat"), dir, module)
}

func writeAtomic(t testing.TB, path string, b []byte) { wattest.WriteAtomic(t, path, b) }

// logBuffer collects log output safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

type testHost struct {
	*Host
	dir  string
	rec  *Recorder
	logs *logBuffer
}

// newHost starts a host over dir with the given bindings ("event=module" or
// "event=module:{json config}").
func newHost(t testing.TB, dir string, opts Options, bindings ...string) *testHost {
	t.Helper()
	for _, b := range bindings {
		ev, rest, _ := strings.Cut(b, "=")
		mod, cfg, _ := strings.Cut(rest, ":")
		e := Event{Name: ev, Handler: mod}
		if cfg != "" {
			m, err := ParseConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			e.Config = m
		}
		opts.Events = append(opts.Events, e)
	}
	logs := &logBuffer{}
	rec := &Recorder{Sockets: map[string]bool{"s1": true, "s2": true}}
	opts.Dir, opts.Target, opts.CacheDir = dir, rec, "-"
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close(context.Background()) })
	return &testHost{Host: h, dir: dir, rec: rec, logs: logs}
}

// event builds a client event call from socket s1 with the given args.
func event(name string, ack bool, args ...any) *handler.Call {
	return &handler.Call{
		Kind: handler.Event, Event: name, Args: args, Ack: ack, Received: time.Now(),
		Socket: handler.Socket{ID: "s1", Role: "Authenticated", UserID: "7", Rooms: []string{"Authenticated", "s1", "user:7"}},
	}
}

// bigArg makes an envelope longer than 300 bytes: the fixtures' "misbehave" signal.
var bigArg = strings.Repeat("x", 400)

// handle runs call; the outcome's reply is decoded into Reply whatever its
// form, for tests that compare values.
func (h *testHost) handle(call *handler.Call) handler.Outcome {
	out := h.Handle(context.Background(), call)
	if out.ReplyJSON != nil {
		out.Reply = out.ReplyArgs()
	}
	return out
}

func fmtOutcome(o handler.Outcome) string {
	return fmt.Sprintf("replied=%v reply=%v error=%q reject=%v", o.Replied, o.Reply, o.Error, o.Reject)
}
