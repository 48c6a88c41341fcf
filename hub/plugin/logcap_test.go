package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iohub/iohub/hub/access"
)

// The log limits of one event hold for the Wasm log import as for
// console.log: 1000 lines (then one notice with the count), and a huge line
// is cut at maxLogLine with a marker.
func TestWasmLogCaps(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "logspam", "h")
	h := newHost(t, dir, Options{Timeout: 10 * time.Second}, "e=h")

	if out := h.handle(event("e", false)); out.Error != "" {
		t.Fatalf("outcome %s", fmtOutcome(out))
	}
	notice := fmt.Sprintf("(%d more log lines dropped: at most %d lines and %d bytes per event)", 100000-maxLogLines, maxLogLines, maxLogBytes)
	eventually(t, "the dropped-lines notice", func() bool { return strings.Contains(h.logs.String(), notice) })
	logs := h.logs.String()
	if n := strings.Count(logs, "msg=hello "); n != maxLogLines {
		t.Errorf("%d lines logged, want %d", n, maxLogLines)
	}
	if n := strings.Count(logs, "more log lines dropped"); n != 1 {
		t.Errorf("%d notices, want 1", n)
	}

	// The next event has a budget of its own.
	h.handle(event("e", false))
	eventually(t, "the second event's notice", func() bool { return strings.Count(h.logs.String(), notice) == 2 })

	// One 15 MiB line.
	before := len(h.logs.String())
	h.handle(event("e", false, bigArg))
	line := h.logs.String()[before:]
	marker := fmt.Sprintf(truncMarker, 15<<20)
	if !strings.Contains(line, marker) {
		t.Fatalf("no truncation marker %q in %.200s...", marker, line)
	}
	if len(line) > maxLogLine+1024 {
		t.Errorf("logged %d bytes for one line, want about %d", len(line), maxLogLine)
	}
}

func TestJSLogCaps(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "spam.js", `module.exports = [
  { name: 'many', handler: () => { for (let i = 0; i < 100000; i++) console.log('hello'); } },
  { name: 'huge', handler: () => { console.log('x'.repeat(2 << 20)); } },
];`)
	h := newJSHost(t, dir, Options{Timeout: 10 * time.Second})
	h.handle(event("many", false))
	logs := h.logs.String()
	if n := strings.Count(logs, "msg=hello "); n != maxLogLines {
		t.Errorf("%d lines logged, want %d", n, maxLogLines)
	}
	if !strings.Contains(logs, fmt.Sprintf("(%d more log lines dropped: at most %d lines and %d bytes per event)", 100000-maxLogLines, maxLogLines, maxLogBytes)) {
		t.Errorf("no notice:\n%.2000s", logs[max(0, len(logs)-2000):])
	}
	before := len(h.logs.String())
	h.handle(event("huge", false))
	line := h.logs.String()[before:]
	if !strings.Contains(line, "[line truncated: 2097152 characters]") || len(line) > maxLogLine+1024 {
		t.Errorf("huge line: %d bytes logged, %.100s...", len(line), line)
	}
}

// js_prelude.js keeps copies of the log limits: they must be the hub's.
func TestPreludeLogLimits(t *testing.T) {
	src, err := os.ReadFile("js_prelude.js")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int{"MAX_LOG_LINES": maxLogLines, "MAX_LOG_BYTES": maxLogBytes, "MAX_LOG_LINE": maxLogLine} {
		m := regexp.MustCompile(`const ` + name + ` = (\d+)(?: << (\d+))?;`).FindSubmatch(src)
		if m == nil {
			t.Errorf("%s not found in js_prelude.js", name)
			continue
		}
		got, _ := strconv.Atoi(string(m[1]))
		if len(m[2]) > 0 {
			shift, _ := strconv.Atoi(string(m[2]))
			got <<= shift
		}
		if got != want {
			t.Errorf("js_prelude.js %s = %d, logwriter.go has %d", name, got, want)
		}
	}
}

// WASI stdout (and stderr) count against the same per-event log caps.
func TestWasiStdoutCaps(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "stdoutspam", "h")
	h := newHost(t, dir, Options{Timeout: 10 * time.Second}, "e=h")
	if out := h.handle(event("e", false)); out.Error != "" {
		t.Fatalf("outcome %s", fmtOutcome(out))
	}
	notice := fmt.Sprintf("(%d more log lines dropped: at most %d lines and %d bytes per event)", 100000-maxLogLines, maxLogLines, maxLogBytes)
	eventually(t, "the dropped-lines notice", func() bool { return strings.Contains(h.logs.String(), notice) })
	if n := strings.Count(h.logs.String(), "msg=hello"); n != maxLogLines {
		t.Errorf("%d lines logged, want %d", n, maxLogLines)
	}
}

// js_prelude.js keeps a copy of Socket.IO's reserved event names.
func TestPreludeReservedEvents(t *testing.T) {
	src, err := os.ReadFile("js_prelude.js")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`const RESERVED = (\[[^\]]*\]);`).FindSubmatch(src)
	if m == nil {
		t.Fatal("RESERVED not found in js_prelude.js")
	}
	var got []string
	if err := json.Unmarshal(bytes.ReplaceAll(m[1], []byte("'"), []byte(`"`)), &got); err != nil {
		t.Fatal(err)
	}
	if want := access.ReservedEvents(); !slices.Equal(got, want) {
		t.Errorf("js_prelude.js RESERVED = %q, access.ReservedEvents() = %q", got, want)
	}
}

// Lines below the hub's log level are dropped before anything is copied,
// and do not count against the event's budget: no notice for them.
func TestWasmLogBelowLevel(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "logspam", "h")
	logs := &logBuffer{}
	h, err := New(context.Background(), Options{
		Dir: dir, CacheDir: "-", Timeout: 10 * time.Second,
		Target: &Recorder{Sockets: map[string]bool{"s1": true}},
		Events: []Event{{Name: "e", Handler: "h"}},
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close(context.Background()) })
	if out := h.Handle(context.Background(), event("e", false)); out.Error != "" {
		t.Fatalf("outcome %+v", out)
	}
	time.Sleep(50 * time.Millisecond) // a dropped-lines notice is written after the call
	if s := logs.String(); strings.Contains(s, "hello") || strings.Contains(s, "dropped") {
		t.Fatalf("info lines reached a warn-level log:\n%.300s", s)
	}
}
