package wsframe

import (
	"context"
	"sync"
	"sync/atomic"
)

// backlog counts the bytes queued on every connection of a Writer and not yet
// handed to the kernel, and, of those, the bytes parked on connections whose
// client is not reading (the kernel refused part of a write). The difference
// is how far the hub's own writers are behind what it has accepted: that is
// what pacing waits for. Parked bytes are the slow client's problem, bounded
// per connection by maxQueued; counting them would let one stalled reader
// throttle every source.
type backlog struct {
	bytes   atomic.Int64
	parked  atomic.Int64
	waiting atomic.Int64 // the lowest limit a WaitBacklog caller waits for; 0: none

	mu      sync.Mutex
	drained chan struct{} // closed when the backlog falls under waiting
}

// Backlog reports the bytes queued on w's connections and waiting for its
// writers (not those parked on a client that does not read).
func (w *Writer) Backlog() int64 { return w.backlog.pending() }

// Parked reports the bytes queued on w's connections whose client is not
// reading.
func (w *Writer) Parked() int64 { return w.backlog.parked.Load() }

// WaitBacklog returns once at most limit bytes wait for w's writers, or when
// ctx ends (returning its error).
func (w *Writer) WaitBacklog(ctx context.Context, limit int64) error {
	backlog := &w.backlog
	for backlog.pending() > limit {
		backlog.mu.Lock()
		if w := backlog.waiting.Load(); w == 0 || limit < w {
			backlog.waiting.Store(limit)
		}
		if backlog.drained == nil {
			backlog.drained = make(chan struct{})
		}
		ch := backlog.drained
		backlog.mu.Unlock()
		if backlog.pending() <= limit { // a writer may have drained it meanwhile
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (backlog *backlog) pending() int64 { return backlog.bytes.Load() - backlog.parked.Load() }

// account records queued bytes (dq) and parked bytes (dp), either negative for
// fewer, and wakes waiters once the backlog is under their limit.
func (backlog *backlog) account(dq, dp int64) {
	if dp != 0 {
		backlog.parked.Add(dp)
	}
	if dq != 0 {
		backlog.bytes.Add(dq)
	}
	if dq-dp >= 0 {
		return // the backlog did not shrink
	}
	if w := backlog.waiting.Load(); w != 0 && backlog.pending() <= w {
		backlog.mu.Lock()
		if backlog.drained != nil {
			close(backlog.drained)
			backlog.drained = nil
		}
		backlog.waiting.Store(0) // waiters still above their own limit register again
		backlog.mu.Unlock()
	}
}
