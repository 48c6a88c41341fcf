package plugin

import (
	"strings"
	"testing"
	"time"
)

// TestContainment: a guest that loops, bombs its memory, traps, passes a bad
// pointer or exits is stopped, logged and thrown away; the next event works.
func TestContainment(t *testing.T) {
	tests := []struct {
		fixture string
		reason  string // in the log line of the failure
	}{
		{"loop", "cpu time limit: used more than 50ms of CPU"},
		{"membomb", "trap:"},
		{"trap", "trap: "},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			dir := t.TempDir()
			install(t, dir, tt.fixture, "m")
			h := newHost(t, dir, Options{Timeout: 50 * time.Millisecond, MemoryLimit: 1 << 20}, "e=m")
			for round := 0; round < 3; round++ {
				out := h.handle(event("e", true, bigArg))
				if out.Error != "handler failed" || out.Replied {
					t.Fatalf("misbehaving event: %s", fmtOutcome(out))
				}
				out = h.handle(event("e", true, "small"))
				if got := fmtOutcome(out); got != `replied=true reply=[alive] error="" reject=false` {
					t.Fatalf("next event: %s", got)
				}
			}
			logs := h.logs.String()
			if !strings.Contains(logs, "handler failed; instance discarded") || !strings.Contains(logs, tt.reason) {
				t.Errorf("log lacks the failure reason %q:\n%s", tt.reason, logs)
			}
		})
	}
}

// TestMemoryCap: the membomb stopped at the cap, not before: memory.grow
// succeeded up to the limit. Checked through a fresh instance's memory size
// after the bomb, via wazero (the instance is discarded, so grow it directly).
func TestMemoryCapStopsGrowth(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "membomb", "m")
	h := newHost(t, dir, Options{MemoryLimit: 2 << 20}, "e=m")
	g := acquire(&h.bindings[0].gen)
	defer g.release()
	gi, err := g.pool.get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer g.pool.discard(gi)
	in := gi.(*wasmGuest)
	for in.mod.Memory().Size() < 64<<20 {
		if _, ok := in.mod.Memory().Grow(1); !ok {
			break
		}
	}
	if got := in.mod.Memory().Size(); got != 2<<20 {
		t.Fatalf("memory stopped at %d bytes, want the 2 MiB cap", got)
	}
}

func TestBadPointerAndExit(t *testing.T) {
	for _, fixture := range []string{"badptr", "exit"} {
		t.Run(fixture, func(t *testing.T) {
			dir := t.TempDir()
			install(t, dir, fixture, "m")
			h := newHost(t, dir, Options{}, "e=m")
			for i := 0; i < 2; i++ {
				if out := h.handle(event("e", true)); out.Error != "handler failed" {
					t.Fatalf("outcome %s", fmtOutcome(out))
				}
			}
			want := "trap: "
			if fixture == "exit" {
				want = "exited with code 3"
			}
			if !strings.Contains(h.logs.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, h.logs)
			}
		})
	}
}

// TestRefusedModules: a module that cannot work is refused at load with a
// message that says why, and its handlers stay inactive.
func TestRefusedModules(t *testing.T) {
	tests := []struct {
		fixture, config, message string
	}{
		{"missing_export", "", `missing export "hub_on_event" (i32) -> (i32)`},
		{"wrong_version", "", "hub_abi_version returned 2; this hub speaks ABI version 1"},
		{"unknown_import", "", "imports functions this hub does not provide: env.abort, hub.teleport"},
		{"init_fail", "", "hub_init returned 1: config needs a room"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			dir := t.TempDir()
			install(t, dir, tt.fixture, "m")
			h := newHost(t, dir, Options{}, "e=m")
			// Its event stays bound, so a client's ack gets an answer.
			if got := fmtOutcome(h.handle(event("e", true))); !h.Bound("e") || got != `replied=false reply=[] error="handler unavailable" reject=false` {
				t.Fatalf("refused module: bound=%v, outcome %s", h.Bound("e"), got)
			}
			logs := h.logs.String()
			// The text handler quotes the error value.
			if !strings.Contains(logs, "handler module refused; its handlers stay inactive") || !strings.Contains(logs, strings.ReplaceAll(tt.message, `"`, `\"`)) {
				t.Errorf("log lacks %q:\n%s", tt.message, logs)
			}
		})
	}
	// Not a Wasm file at all.
	dir := t.TempDir()
	writeAtomic(t, dir+"/m.wasm", []byte("this is not wasm"))
	h := newHost(t, dir, Options{}, "e=m")
	if got := fmtOutcome(h.handle(event("e", true))); got != `replied=false reply=[] error="handler unavailable" reject=false` || !strings.Contains(h.logs.String(), "does not compile") {
		t.Errorf("garbage module: outcome %s log:\n%s", got, h.logs)
	}
}
