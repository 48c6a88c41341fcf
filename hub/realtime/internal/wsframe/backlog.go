package wsframe

import (
	"context"
	"sync"
	"sync/atomic"
)

// backlog counts the bytes queued on every connection and not yet handed to the
// kernel, and, of those, the bytes parked on connections whose client is not
// reading (the kernel refused part of a write). The difference is how far the
// hub's own writers are behind what it has accepted: that is what pacing waits
// for. Parked bytes are the slow client's problem, bounded per connection by
// maxQueued; counting them would let one stalled reader throttle every source.
var backlog struct {
	bytes   atomic.Int64
	parked  atomic.Int64
	waiting atomic.Int64 // the lowest limit a WaitBacklog caller waits for; 0: none

	mu      sync.Mutex
	drained chan struct{} // closed when the backlog falls under waiting
}

// Backlog reports the bytes queued on connections and waiting for the hub's
// writers (not those parked on a client that does not read).
func Backlog() int64 { return backlog.bytes.Load() - backlog.parked.Load() }

// Parked reports the bytes queued on connections whose client is not reading.
func Parked() int64 { return backlog.parked.Load() }

// WaitBacklog returns once at most limit bytes wait for the hub's writers, or
// when ctx ends (returning its error).
func WaitBacklog(ctx context.Context, limit int64) error {
	for Backlog() > limit {
		backlog.mu.Lock()
		if w := backlog.waiting.Load(); w == 0 || limit < w {
			backlog.waiting.Store(limit)
		}
		if backlog.drained == nil {
			backlog.drained = make(chan struct{})
		}
		ch := backlog.drained
		backlog.mu.Unlock()
		if Backlog() <= limit { // a writer may have drained it meanwhile
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

// account records queued bytes (dq) and parked bytes (dp), either negative for
// fewer, and wakes waiters once the backlog is under their limit.
func account(dq, dp int64) {
	if dp != 0 {
		backlog.parked.Add(dp)
	}
	if dq != 0 {
		backlog.bytes.Add(dq)
	}
	if dq-dp >= 0 {
		return // the backlog did not shrink
	}
	if w := backlog.waiting.Load(); w != 0 && Backlog() <= w {
		backlog.mu.Lock()
		if backlog.drained != nil {
			close(backlog.drained)
			backlog.drained = nil
		}
		backlog.waiting.Store(0) // waiters still above their own limit register again
		backlog.mu.Unlock()
	}
}
