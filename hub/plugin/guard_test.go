package plugin

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestGuardedGuests: the cases the instrumentation (wasmguard) and the CPU
// budget contain: each misbehaving event fails with its reason (or, for
// table.grow, gets -1 and replies), and the next event works.
func TestGuardedGuests(t *testing.T) {
	tests := []struct {
		fixture string
		reason  string // in the failure's log line; "" when the event succeeds
	}{
		{"recurse", "cpu time limit: used more than 50ms of CPU"},
		{"deep", "stack overflow: the call stack passed its bound of 1024 KiB (estimated)"},
		{"tablegrow", ""},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			dir := t.TempDir()
			install(t, dir, tt.fixture, "m")
			h := newHost(t, dir, Options{Timeout: 50 * time.Millisecond, MemoryLimit: 1 << 20}, "e=m")
			for round := 0; round < 3; round++ {
				start := time.Now()
				out := h.handle(event("e", true, bigArg))
				took := time.Since(start)
				if tt.reason == "" {
					if !out.Replied || out.Error != "" {
						t.Fatalf("event: %s", fmtOutcome(out))
					}
				} else if out.Error != "handler failed" || out.Replied {
					t.Fatalf("misbehaving event: %s", fmtOutcome(out))
				}
				t.Logf("round %d: %s", round, took)
				out = h.handle(event("e", true, "small"))
				if got := fmtOutcome(out); got != `replied=true reply=[alive] error="" reject=false` {
					t.Fatalf("next event: %s", got)
				}
			}
			if logs := h.logs.String(); tt.reason != "" && !strings.Contains(logs, tt.reason) {
				t.Errorf("log lacks the failure reason %q:\n%s", tt.reason, logs)
			}
		})
	}
}

// TestStackOverflowMemory: recursion to the stack bound costs little memory.
// Without the bound, wazero's stack grew to hundreds of megabytes each time.
func TestStackOverflowMemory(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "deep", "m")
	h := newHost(t, dir, Options{}, "e=m")
	h.handle(event("e", true, "small")) // warm up
	runtime.GC()
	debug.FreeOSMemory()
	before := rss(t)
	peak := before
	for i := 0; i < 10; i++ {
		if out := h.handle(event("e", true, bigArg)); out.Error != "handler failed" {
			t.Fatalf("deep recursion: %s", fmtOutcome(out))
		}
		peak = max(peak, rss(t))
	}
	t.Logf("RSS %d MiB before, peak %d MiB over 10 overflows", before>>20, peak>>20)
	if peak-before > 32<<20 {
		t.Errorf("RSS grew by %d MiB over 10 stack overflows", (peak-before)>>20)
	}
	if !strings.Contains(h.logs.String(), "stack overflow") {
		t.Errorf("log lacks the reason:\n%s", h.logs)
	}
}

// rss reads the process's resident set size from /proc/self/status.
func rss(t *testing.T) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS line")
	return 0
}

// TestGCWhileSpinning: a garbage collection completes while a guest spins
// (in a loop, or in loop-free recursion): the guard's tick is a safe point.
// Before it, a collection waited for the guest, and every goroutine with it.
func TestGCWhileSpinning(t *testing.T) {
	for _, fixture := range []string{"loop", "recurse"} {
		t.Run(fixture, func(t *testing.T) {
			dir := t.TempDir()
			install(t, dir, fixture, "m")
			h := newHost(t, dir, Options{Timeout: time.Second}, "e=m")
			done := make(chan struct{})
			go func() {
				h.handle(event("e", true, bigArg))
				close(done)
			}()
			time.Sleep(100 * time.Millisecond)
			gc := make(chan time.Duration)
			go func() {
				start := time.Now()
				runtime.GC()
				gc <- time.Since(start)
			}()
			select {
			case took := <-gc:
				t.Logf("GC took %s while the guest ran", took)
			case <-time.After(2 * time.Second):
				t.Errorf("a garbage collection waited 2s for a spinning guest")
			}
			select {
			case <-done:
				t.Fatal("the guest finished before the GC: the test proves nothing")
			default:
			}
			<-done
		})
	}
}

// TestDeclaredLimits: a module declaring more than the limits is refused at
// load, the message naming the file and the limit.
func TestDeclaredLimits(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "bigtable", "m")
	h := newHost(t, dir, Options{}, "e=m")
	if got := fmtOutcome(h.handle(event("e", true))); got != `replied=false reply=[] error="handler unavailable" reject=false` {
		t.Fatalf("a module declaring 10,000,000 table entries: outcome %s", got)
	}
	want := filepath.Join(dir, "m.wasm") + ": wasm module over the limits: tables declare 10000000 entries; the limit is 100000"
	if logs := h.logs.String(); !strings.Contains(logs, want) {
		t.Errorf("log lacks %q:\n%s", want, logs)
	}
}
