package plugin

import (
	"sync"
	"testing"
	"time"

	"github.com/iohub/iohub/hub/handler"
)

// recObserver records what the host reports, for metrics.
type recObserver struct {
	mu      sync.Mutex
	calls   []string // "module outcome"
	reloads []handler.ReloadOutcome
}

func (r *recObserver) HandlerCall(name string, outcome handler.CallOutcome, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, name+" "+string(outcome))
}

func (r *recObserver) Reloaded(o handler.ReloadOutcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reloads = append(r.reloads, o)
}

// Every handler call is reported with its outcome (a guest stopped at its
// limit as a timeout), and every module load with its outcome.
func TestObserver(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "loop", "m")
	obs := &recObserver{}
	h := newHost(t, dir, Options{Timeout: 50 * time.Millisecond, Observer: obs}, "e=m")
	h.handle(event("e", true, "small"))
	h.handle(event("e", true, bigArg))
	obs.mu.Lock()
	defer obs.mu.Unlock()
	want := []string{"m ok", "m timeout"}
	if len(obs.calls) != len(want) || obs.calls[0] != want[0] || obs.calls[1] != want[1] {
		t.Fatalf("calls reported: %q, want %q", obs.calls, want)
	}
	if len(obs.reloads) != 1 || obs.reloads[0] != handler.ReloadOK {
		t.Fatalf("reloads reported: %q, want one ok (the first load)", obs.reloads)
	}
}
