package plugin

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestReload(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "reply", "h")
	h := newHost(t, dir, Options{}, "e=h")
	reply := func() string { return fmtOutcome(h.handle(event("e", true))) }
	if got := reply(); got != `replied=true reply=[pong] error="" reject=false` {
		t.Fatalf("v1: %s", got)
	}

	h.Reload(context.Background()) // unchanged: skipped
	if strings.Contains(h.logs.String(), "reloaded") {
		t.Fatal("an unchanged module was reloaded")
	}

	install(t, dir, "counter", "h")
	h.Reload(context.Background())
	if got := reply(); got != `replied=true reply=[0001] error="" reject=false` {
		t.Fatalf("v2: %s", got)
	}
	if !strings.Contains(h.logs.String(), "handler module reloaded") {
		t.Errorf("no reload log line:\n%s", h.logs)
	}

	// A broken replacement keeps v2 serving.
	install(t, dir, "wrong_version", "h")
	h.Reload(context.Background())
	if got := reply(); got != `replied=true reply=[0002] error="" reject=false` {
		t.Fatalf("after a broken v3: %s", got)
	}
	if !strings.Contains(h.logs.String(), "handler module refused; the previous version keeps serving") {
		t.Errorf("no refusal log line:\n%s", h.logs)
	}
	if p := h.Problems(); len(p) != 1 || !strings.Contains(p[0], "events[0] (e -> h): serving its previous version: invalid handler module: h: hub_abi_version returned 2") {
		t.Errorf("Problems() = %q", p)
	}

	// Removing the module unloads its handlers, with a warning.
	if err := os.Remove(filepath.Join(dir, "h.wasm")); err != nil {
		t.Fatal(err)
	}
	h.Reload(context.Background())
	if h.Bound("e") {
		t.Fatal("removed module still bound")
	}
	if !strings.Contains(h.logs.String(), "handler module removed; its handlers are unloaded") {
		t.Errorf("no removal warning:\n%s", h.logs)
	}

	// And it comes back.
	install(t, dir, "reply", "h")
	h.Reload(context.Background())
	if p := h.Problems(); len(p) != 0 {
		t.Errorf("Problems() after a good load = %q", p)
	}
	if got := reply(); got != `replied=true reply=[pong] error="" reject=false` {
		t.Fatalf("v4: %s", got)
	}
}

// TestReloadUnderLoad: while sockets send events steadily, the handler is
// replaced many times (a broken version among them). No event is lost, no ack
// fails, and both versions answer.
func TestReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	versions := map[string][]byte{
		"pong":  watBinary(t, "reply"),
		"alive": watBinary(t, "loop"), // replies ["alive"] to short events
		"bad":   watBinary(t, "wrong_version"),
	}
	writeAtomic(t, filepath.Join(dir, "h.wasm"), versions["pong"])
	h := newHost(t, dir, Options{}, "e=h")

	var stop atomic.Bool
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]int{}
	failures := []string{}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				out := h.handle(event("e", true, "small"))
				mu.Lock()
				if !out.Replied || out.Error != "" || len(out.Reply) != 1 {
					failures = append(failures, fmtOutcome(out))
				} else {
					seen[out.Reply[0].(string)]++
				}
				mu.Unlock()
			}
		}()
	}
	order := []string{"alive", "pong", "bad", "alive", "pong"}
	for i := 0; i < 40; i++ {
		writeAtomic(t, filepath.Join(dir, "h.wasm"), versions[order[i%len(order)]])
		h.Reload(context.Background())
		time.Sleep(2 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d failed events, first: %s\n%s", len(failures), failures[0], h.logs)
	}
	if seen["pong"] == 0 || seen["alive"] == 0 {
		t.Fatalf("both versions should have answered: %v", seen)
	}
	t.Logf("events answered: %v", seen)
}

func TestWatch(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "reply", "h")
	h := newHost(t, dir, Options{}, "e=h")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Watch(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	// The watcher may not be watching yet: keep rewriting until it reloads.
	deadline := time.Now().Add(10 * time.Second)
	for {
		install(t, dir, "counter", "h")
		time.Sleep(300 * time.Millisecond)
		if out := h.handle(event("e", true)); out.Replied && out.Reply[0] != "pong" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watcher did not reload; log:\n%s", h.logs)
		}
	}
}
