package plugin

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iohub/iohub/hub/clienterr"
)

const alive = `replied=true reply=[alive] error="" reject=false`

// waitFor polls cond until it holds; it fails the test after a generous
// bound (a state the hub must reach, not a speed).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("never happened: %s", what)
		}
	}
}

// buildsUnderWay counts the instances being made.
func (p *pool) buildsUnderWay() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.builds
}

func servingPool(h *testHost, i int) *pool { return h.bindings[i].gen.Load().pool }

// TestTrapDoesNotWaitForInit: a module whose hub_init takes 800 ms traps on
// an event; the next event is served by the warm spare while the
// replacement is still initialising (the KV key "hold" keeps it there), so
// it does not pay for instantiation and init.
func TestTrapDoesNotWaitForInit(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "slowinit", "m")
	h := newHost(t, dir, Options{Timeout: time.Second}, "e=m") // init deadline 10 s
	if !h.Bound("e") {
		t.Fatalf("not loaded:\n%s", h.logs)
	}
	p := servingPool(h, 0)
	waitFor(t, "a warm spare beside the first instance", func() bool { return p.idleCount() == 2 })
	store := h.kvFor("m")
	if err := store.Set(t.Context(), "hold", []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 2; round++ {
		if out := h.handle(event("e", true, bigArg)); out.Error != clienterr.ErrHandlerFailed.Message {
			t.Fatalf("round %d: trapping event: %s", round, fmtOutcome(out))
		}
		if got := fmtOutcome(h.handle(event("e", true, "small"))); got != alive {
			t.Fatalf("round %d: the event after the trap: %s", round, got)
		}
		// Served by the spare: the replacement cannot have finished (hold
		// is set), and the event did not make one itself (it would still be
		// waiting for it).
		if n := p.live.Load(); n != 1 {
			t.Fatalf("round %d: %d instances after the event, want the spare alone", round, n)
		}
		waitFor(t, "the replacement started", func() bool { return p.buildsUnderWay() == 1 })
		if _, err := store.Delete(t.Context(), "hold"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the replacement ready", func() bool { return p.idleCount() == 2 && p.buildsUnderWay() == 0 })
		if err := store.Set(t.Context(), "hold", []byte("1"), 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.Delete(t.Context(), "hold"); err != nil {
		t.Fatal(err)
	}
}

// TestReloadWarmsBeforeSwap: a reload makes as many instances of the new
// version as the old one had before it swaps, so events after the swap do
// not wait for hub_init.
func TestReloadWarmsBeforeSwap(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "slowinit", "m")
	h := newHost(t, dir, Options{Timeout: time.Second}, "e=m")
	old := servingPool(h, 0)
	waitFor(t, "the spare", func() bool { return old.idleCount() == 2 })
	// The same module with a custom section: new bytes, so it reloads.
	b := append(watBinary(t, "slowinit"), 0x00, 0x06, 0x04, 't', 'e', 's', 't', '!')
	writeAtomic(t, filepath.Join(dir, "m.wasm"), b)
	h.Reload(context.Background())
	next := servingPool(h, 0)
	if next == old {
		t.Fatalf("not reloaded:\n%s", h.logs)
	}
	if n := next.idleCount(); n < 2 {
		t.Fatalf("%d instances ready at the swap, want the 2 the old version had", n)
	}
	if !old.closed.Load() {
		t.Error("the old version's pool is still open")
	}
	if got := fmtOutcome(h.handle(event("e", true))); got != alive {
		t.Fatal(got)
	}
}

// TestJSVMKeptAfterThrow: a throw from the handler's own code keeps the VM
// (module state carries on); running out of memory replaces it.
func TestJSVMKeptAfterThrow(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "h.js", `
let n = 0;
module.exports = { name: 'e', handler: (ctx, socket, what, ack) => {
  n++;
  if (what === 'throw') throw new Error('bad input');
  if (what === 'hog') { const a = []; for (;;) a.push(new ArrayBuffer(1 << 20)); }
  ack(n);
} };
`)
	h := newJSHost(t, dir, Options{Timeout: 10 * time.Second}, "e=h")
	for i, c := range []struct{ what, want string }{
		{"ok", `replied=true reply=[1] error="" reject=false`},
		{"throw", `replied=false reply=[] error="bad input" reject=false`},
		{"throw", `replied=false reply=[] error="bad input" reject=false`},
		{"ok", `replied=true reply=[4] error="" reject=false`}, // the same VM
		{"hog", `replied=false reply=[] error="out of memory" reject=false`},
		{"ok", `replied=true reply=[1] error="" reject=false`}, // a fresh one
	} {
		if got := fmtOutcome(h.handle(event("e", true, c.what))); got != c.want {
			t.Fatalf("%d %s: %s, want %s", i, c.what, got, c.want)
		}
	}
}

// TestPauseAndResume: a handler that keeps trapping is paused with a logged
// reason (its events answer "handler paused" at once), retried after the
// backoff, paused again at once if it fails again, and serves when it works.
func TestPauseAndResume(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "trap", "m")
	pc := pauseConfig{Strikes: 3, Window: time.Hour, Backoff: 20 * time.Millisecond, MaxBackoff: time.Hour}
	h := newHost(t, dir, Options{pause: &pc}, "e=m")
	for i := 0; i < 3; i++ {
		if out := h.handle(event("e", true, bigArg)); out.Error != clienterr.ErrHandlerFailed.Message {
			t.Fatalf("trap %d: %s", i, fmtOutcome(out))
		}
	}
	if out := h.handle(event("e", true, "small")); out.Error != clienterr.ErrHandlerPaused.Message {
		t.Fatalf("after 3 traps: %s", fmtOutcome(out))
	}
	if logs := h.logs.String(); !strings.Contains(logs, "handler paused: it failed repeatedly") || !strings.Contains(logs, "strikes=3") {
		t.Errorf("no pause reason in the log:\n%s", logs)
	}
	// Retried after the backoff; failing again pauses it at once.
	var out string
	waitFor(t, "the retry", func() bool {
		out = h.handle(event("e", true, bigArg)).Error
		return out != clienterr.ErrHandlerPaused.Message
	})
	if out != clienterr.ErrHandlerFailed.Message {
		t.Fatalf("retry: %q", out)
	}
	if out := h.handle(event("e", true, "small")); out.Error != clienterr.ErrHandlerPaused.Message {
		t.Fatalf("a failed retry did not pause it again: %s", fmtOutcome(out))
	}
	if !strings.Contains(h.logs.String(), "it failed again after its pause") {
		t.Errorf("no second pause in the log:\n%s", h.logs)
	}
	// It works when it is retried with good events.
	var got string
	waitFor(t, "the second retry", func() bool {
		got = fmtOutcome(h.handle(event("e", true, "small")))
		return !strings.Contains(got, clienterr.ErrHandlerPaused.Message)
	})
	if got != alive {
		t.Fatalf("second retry: %s", got)
	}
	// One strike after a success does not pause it.
	if out := h.handle(event("e", true, bigArg)); out.Error != clienterr.ErrHandlerFailed.Message {
		t.Fatal(fmtOutcome(out))
	}
	if got := fmtOutcome(h.handle(event("e", true, "small"))); got != alive {
		t.Fatalf("one strike paused it: %s", got)
	}
}

// TestFairness: sockets looping on a handler that runs to its limit on every
// call do not hold the slots a fast handler's events need: while it runs, the
// fast handler's calls go through without waiting behind the slow calls
// (counted: the slow handler completes few calls in the meantime).
func TestFairness(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "loop", "slow")
	install(t, dir, "trap", "fast")
	never := pauseConfig{Strikes: 1 << 30, Window: time.Hour, Backoff: time.Hour, MaxBackoff: time.Hour}
	h := newHost(t, dir, Options{Timeout: 50 * time.Millisecond, MaxCalls: 2, pause: &never}, "s=slow", "f=fast")
	var slowDone atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				h.handle(event("s", true, bigArg))
				slowDone.Add(1)
			}
		}()
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	// Past the first round, which started before the handler was known to
	// be slow.
	waitFor(t, "slow calls", func() bool { return slowDone.Load() >= 12 })
	before := slowDone.Load()
	for i := 0; i < 200; i++ {
		if got := fmtOutcome(h.handle(event("f", true, "small"))); got != alive {
			t.Fatalf("fast call %d: %s", i, got)
		}
	}
	// Waiting in line with the slow calls, each fast call would wait for
	// several of them (about 800 in all).
	if n := slowDone.Load() - before; n >= 100 {
		t.Errorf("the slow handler completed %d calls while the fast one made 200: the fast one waited for it", n)
	}
}

// TestJSPause: the same pause for a JavaScript handler that keeps running
// past its deadline; its throws are not strikes.
func TestJSPause(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "h.js", `module.exports = { name: 'e', handler: (ctx, socket, what, ack) => {
  if (what === 'loop') for (;;) {}
  if (what === 'throw') throw new Error('no');
  ack('ok');
} };`)
	pc := pauseConfig{Strikes: 2, Window: time.Hour, Backoff: time.Hour, MaxBackoff: time.Hour}
	h := newJSHost(t, dir, Options{Timeout: 100 * time.Millisecond, pause: &pc}, "e=h")
	for i := 0; i < 5; i++ {
		if out := h.handle(event("e", true, "throw")); out.Error != "no" {
			t.Fatalf("throw %d: %s", i, fmtOutcome(out))
		}
	}
	for i := 0; i < 2; i++ {
		if out := h.handle(event("e", true, "loop")); out.Error != clienterr.ErrHandlerFailed.Message {
			t.Fatalf("loop %d: %s", i, fmtOutcome(out))
		}
	}
	if out := h.handle(event("e", true, "fine")); out.Error != clienterr.ErrHandlerPaused.Message {
		t.Fatalf("after 2 timeouts: %s", fmtOutcome(out))
	}
	if logs := h.logs.String(); !strings.Contains(logs, "handler paused") || !strings.Contains(logs, "cpu time limit: used more than 100ms of CPU") {
		t.Errorf("no pause reason in the log:\n%s", logs)
	}
}
