package plugin

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// startWatch runs h.Watch until the test ends, once it is watching.
func startWatch(t *testing.T, h *testHost) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Watch(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	eventually(t, "the watcher to start", func() bool { return strings.Contains(h.logs.String(), "watching for handler files") })
}

// eventually waits (10 s at most) until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

func jsReply(event, answer string) string {
	return "module.exports = [{ name: '" + event + "', handler: (c, s, ack) => ack('" + answer + "') }];\n"
}

func (h *testHost) reply(name string) string { return fmtOutcome(h.handle(event(name, true))) }

func replied(answer string) string {
	return `replied=true reply=[` + answer + `] error="" reject=false`
}

const unavailableOutcome = `replied=false reply=[] error="handler unavailable" reject=false`

// writeSlowly replaces path's content in two writes with a pause between
// them, the file open all along, as a slow editor or a copy over a network
// does. During the pause it checks, again and again, that the handler still
// gives the answer before, and lets one SIGHUP-style reload happen too.
func writeSlowly(t *testing.T, h *testHost, path string, content []byte, check func() bool) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	half := len(content) / 2
	if _, err := f.Write(content[:half]); err != nil {
		t.Fatal(err)
	}
	// Well past the watcher's quiet time: a watcher that only waits for
	// quiet would load the half now.
	pause := time.Now().Add(4 * (settle + debounce))
	reloaded := false
	for time.Now().Before(pause) {
		if !check() {
			f.Close()
			t.Fatalf("a half-written file was served:\n%s", h.logs)
		}
		if !reloaded && time.Until(pause) < 2*(settle+debounce) {
			h.Reload(context.Background()) // SIGHUP in the middle of the write
			reloaded = true
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := f.Write(content[half:]); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestWatchNeverServesHalfWrittenFile(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only inotify tells a paused writer from a finished one")
	}
	t.Run("js", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "slow.js")
		writeJS(t, dir, "slow.js", jsReply("e", "v1"))
		h := newJSHost(t, dir, Options{})
		startWatch(t, h)
		if got := h.reply("e"); got != replied("v1") {
			t.Fatalf("v1: %s", got)
		}
		// Its first half is a whole file of its own, which parses and would
		// answer "half".
		v2 := jsReply("e", "half") + jsReply("e", "v2")
		writeSlowly(t, h, path, []byte(v2), func() bool { return h.reply("e") == replied("v1") })
		eventually(t, "v2 to be served", func() bool { return h.reply("e") == replied("v2") })
		if strings.Contains(h.logs.String(), "refused") {
			t.Errorf("a refusal was logged:\n%s", h.logs)
		}
	})
	t.Run("js, first version", func(t *testing.T) {
		dir := t.TempDir()
		h := newJSHost(t, dir, Options{})
		startWatch(t, h)
		v1 := jsReply("e", "half") + jsReply("e", "v1")
		writeSlowly(t, h, filepath.Join(dir, "new.js"), []byte(v1), func() bool { return !h.Bound("e") })
		eventually(t, "v1 to be served", func() bool { return h.reply("e") == replied("v1") })
	})
	t.Run("wasm", func(t *testing.T) {
		dir := t.TempDir()
		install(t, dir, "reply", "h")
		h := newHost(t, dir, Options{}, "e=h")
		startWatch(t, h)
		writeSlowly(t, h, filepath.Join(dir, "h.wasm"), watBinary(t, "counter"), func() bool { return h.reply("e") == replied("pong") })
		eventually(t, "the new module to be served", func() bool { return strings.HasPrefix(h.reply("e"), "replied=true reply=[00") })
		if strings.Contains(h.logs.String(), "refused") {
			t.Errorf("a refusal was logged:\n%s", h.logs)
		}
	})
}

func TestIgnoredNames(t *testing.T) {
	for _, tt := range []struct {
		name    string
		ignored bool
	}{
		{"chat.js", false},
		{"chat.wasm", false},
		{"my-handler.v2.js", false},
		{"dup.js.tmp.js", true},
		{"chat.js.tmp", true},
		{"chat.tmp.wasm", true},
		{".chat.js", true},
		{".chat.js.swp", true},
		{"chat.js.swp", true},
		{"chat.js~", true},
		{"#chat.js#", true},
		{"#chat.js", false},
	} {
		if got := ignoredName(tt.name); got != tt.ignored {
			t.Errorf("ignoredName(%q) = %v, want %v", tt.name, got, tt.ignored)
		}
	}
}

// Temporary and editor files next to a handler are never loaded: each of
// them here would bind "e" a second time (every event handled twice).
func TestWatchIgnoresTempFiles(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "one.js", jsReply("e", "one"))
	h := newJSHost(t, dir, Options{})
	startWatch(t, h)
	temps := []string{"dup.js.tmp.js", "one.js.tmp", ".one.js", ".one.js.swp", "one.js.swp", "one.js~", "#one.js#"}
	for _, name := range temps {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(jsReply("e", "twice")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A real file written after them: once it is bound, the watcher has
	// reloaded past the temp files.
	writeJS(t, dir, "marker.js", jsReply("m", "here"))
	eventually(t, "marker.js to be loaded", func() bool { return h.Bound("m") })
	if n := len((*h.byEvent.Load())["e"]); n != 1 {
		t.Errorf("%d handlers bound to e, want 1:\n%s", n, h.logs)
	}
	if got := h.reply("e"); got != replied("one") {
		t.Errorf("e: %s", got)
	}
	if !HasJS(dir) || HasJS(t.TempDir()) {
		t.Error("HasJS")
	}
	tempsOnly := t.TempDir()
	os.WriteFile(filepath.Join(tempsOnly, "dup.js.tmp.js"), []byte(jsReply("e", "x")), 0o644)
	if HasJS(tempsOnly) {
		t.Error("HasJS counts a temp file as a handler")
	}
	logs := h.logs.String()
	for _, name := range temps {
		if strings.Contains(logs, name) {
			t.Errorf("the log mentions %s:\n%s", name, logs)
		}
	}
}

// A handler whose file is deleted answers its events' acks with an error;
// events without an ack are counted and logged once, not per event.
func TestRemovedHandlerAnswersUnavailable(t *testing.T) {
	for _, tt := range []struct {
		name    string
		file    string
		install func(t *testing.T, dir string)
		back    string // the reply once it is back
		host    func(t *testing.T, dir string) *testHost
	}{
		{"wasm", "h.wasm", func(t *testing.T, dir string) { install(t, dir, "reply", "h") }, replied("pong"),
			func(t *testing.T, dir string) *testHost { return newHost(t, dir, Options{}, "e=h") }},
		{"js", "one.js", func(t *testing.T, dir string) { writeJS(t, dir, "one.js", jsReply("e", "one")) }, replied("one"),
			func(t *testing.T, dir string) *testHost { return newJSHost(t, dir, Options{}) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.install(t, dir)
			h := tt.host(t, dir)
			startWatch(t, h)
			if got := h.reply("e"); got != tt.back {
				t.Fatalf("before: %s", got)
			}
			if err := os.Remove(filepath.Join(dir, tt.file)); err != nil {
				t.Fatal(err)
			}
			eventually(t, "the removal", func() bool { return h.reply("e") == unavailableOutcome })
			if !h.Bound("e") {
				t.Error("not bound: the socket side would drop the event without answering its ack")
			}
			for i := 0; i < 5; i++ {
				if out := h.handle(event("e", false)); out.Error != "" || out.Replied {
					t.Errorf("no ack: %s", fmtOutcome(out))
				}
			}
			if n := strings.Count(h.logs.String(), "event for a handler that is not loaded"); n != 1 {
				t.Errorf("logged %d times, want once:\n%s", n, h.logs)
			}
			tt.install(t, dir)
			eventually(t, "the handler to be back", func() bool { return h.reply("e") == tt.back })
			if !strings.Contains(h.logs.String(), "answeredUnavailable=2 droppedWithoutAck=5") &&
				!strings.Contains(h.logs.String(), "droppedWithoutAck=5") {
				t.Errorf("no count when it came back:\n%s", h.logs)
			}
		})
	}
}

// A refusal names the file, relative to the plugins directory, and is
// logged once per content, however many reloads find it again.
func TestRefusalLoggedOnce(t *testing.T) {
	t.Run("wasm", func(t *testing.T) {
		dir := t.TempDir()
		install(t, dir, "wrong_version", "h")
		h := newHost(t, dir, Options{}, "e=h")
		for i := 0; i < 3; i++ {
			h.Reload(context.Background())
		}
		lines := grepLines(h.logs.String(), "handler module refused")
		if len(lines) != 1 || !strings.Contains(lines[0], "file=h.wasm") {
			t.Fatalf("refusals logged: %q", lines)
		}
		install(t, dir, "missing_export", "h") // another broken content: news
		h.Reload(context.Background())
		h.Reload(context.Background())
		if n := len(grepLines(h.logs.String(), "handler module refused")); n != 2 {
			t.Errorf("%d refusals logged, want 2:\n%s", n, h.logs)
		}
		if p := h.Problems(); len(p) != 1 || !strings.Contains(p[0], "hub_on_event") {
			t.Errorf("Problems() = %q", p)
		}
	})
	t.Run("js", func(t *testing.T) {
		dir := t.TempDir()
		h := newJSHost(t, dir, Options{})
		writeJS(t, dir, "two.js", "module.exports = { name: 'c', handler: ( => 1 };")
		for i := 0; i < 3; i++ {
			h.Reload(context.Background())
		}
		lines := grepLines(h.logs.String(), "handler file refused")
		if len(lines) != 1 || !strings.Contains(lines[0], "file=two.js") {
			t.Fatalf("refusals logged: %q", lines)
		}
		if p := h.Problems(); len(p) != 1 {
			t.Errorf("Problems() = %q", p)
		}
	})
	t.Run("missing module", func(t *testing.T) {
		dir := t.TempDir()
		h := newHost(t, dir, Options{}, "e=gone")
		for i := 0; i < 3; i++ {
			h.Reload(context.Background())
		}
		if n := len(grepLines(h.logs.String(), "handler module not found")); n != 1 {
			t.Errorf("logged %d times, want once:\n%s", n, h.logs)
		}
	})
}

func grepLines(s, substr string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return out
}

// A host that started with no handler at all picks up the first one.
func TestWatchPicksUpFirstHandler(t *testing.T) {
	t.Run("js", func(t *testing.T) {
		dir := t.TempDir()
		h := newJSHost(t, dir, Options{})
		if !h.Empty() {
			t.Fatal("not empty")
		}
		startWatch(t, h)
		writeJS(t, dir, "first.js", jsReply("a", "first"))
		eventually(t, "first.js to be loaded", func() bool { return h.reply("a") == replied("first") })
	})
	t.Run("wasm named in [[events]]", func(t *testing.T) {
		dir := t.TempDir()
		h := newHost(t, dir, Options{}, "e=h")
		startWatch(t, h)
		install(t, dir, "reply", "h")
		eventually(t, "h.wasm to be loaded", func() bool { return h.reply("e") == replied("pong") })
	})
}
