package wsframe

import (
	"context"
	"sync"
	"sync/atomic"
)

// backlog counts the bytes queued on every connection and not yet handed to the
// kernel: how far the hub's writers are behind what it has accepted.
var backlog struct {
	bytes   atomic.Int64
	waiting atomic.Int64 // the lowest limit a WaitBacklog caller waits for; 0: none

	mu      sync.Mutex
	drained chan struct{} // closed when bytes falls under waiting
}

// Backlog reports the bytes queued on all connections, not yet written.
func Backlog() int64 { return backlog.bytes.Load() }

// WaitBacklog returns once at most limit bytes are queued on all connections,
// or when ctx ends (returning its error).
func WaitBacklog(ctx context.Context, limit int64) error {
	for backlog.bytes.Load() > limit {
		backlog.mu.Lock()
		if w := backlog.waiting.Load(); w == 0 || limit < w {
			backlog.waiting.Store(limit)
		}
		if backlog.drained == nil {
			backlog.drained = make(chan struct{})
		}
		ch := backlog.drained
		backlog.mu.Unlock()
		if backlog.bytes.Load() <= limit { // a writer may have drained it meanwhile
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

// queued records n more (or, negative, fewer) bytes waiting, and wakes waiters
// once the backlog is under their limit.
func queued(n int64) {
	now := backlog.bytes.Add(n)
	if n >= 0 {
		return
	}
	if w := backlog.waiting.Load(); w != 0 && now <= w {
		backlog.mu.Lock()
		if backlog.drained != nil {
			close(backlog.drained)
			backlog.drained = nil
		}
		backlog.waiting.Store(0) // waiters still above their own limit register again
		backlog.mu.Unlock()
	}
}
