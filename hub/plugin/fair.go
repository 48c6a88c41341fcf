package plugin

import (
	"context"
	"time"
)

// heavyFor is how long a handler counts as heavy after a call that ran past
// half its limit or was stopped by it.
const heavyFor = 10 * time.Second

// slots share the cores between handlers. Every guest call holds one of
// maxCalls slots. Guest code cannot be preempted, so a handler whose calls
// run long (sockets looping on it, or one that keeps hitting its limit)
// would otherwise hold every slot, and every core: other handlers' events
// and the hub's own work (pings, health) would wait for its calls to end.
// Calls of heavy handlers (all of them together) hold at most maxCalls-1
// slots, so one is always left for the others and a core for the hub; fast
// handlers are not held back at all. Waiting is first come, first served
// (channel order), which between the sockets of one handler is round-robin,
// a socket having one call at a time.
type slots struct {
	all   chan struct{}
	heavy chan struct{} // nil when maxCalls is 1: nothing to keep free
}

func newSlots(n int) slots {
	s := slots{all: make(chan struct{}, n)}
	if n > 1 {
		s.heavy = make(chan struct{}, n-1)
	}
	return s
}

// acquire takes a slot for a call of p's handler; false when ctx ended
// first. release gives it back, with what acquire returned.
func (s *slots) acquire(ctx context.Context, p *pool) (heavy bool, ok bool) {
	if s.heavy != nil && p.isHeavy() {
		heavy = true
		select {
		case s.heavy <- struct{}{}:
		case <-ctx.Done():
			return false, false
		}
	}
	select {
	case s.all <- struct{}{}:
		return heavy, true
	case <-ctx.Done():
		if heavy {
			<-s.heavy
		}
		return false, false
	}
}

func (s *slots) release(heavy bool) {
	<-s.all
	if heavy {
		<-s.heavy
	}
}

func (p *pool) isHeavy() bool {
	u := p.heavy.Load()
	return u != 0 && time.Now().UnixNano() < u
}

// observe marks p's handler heavy after a call that took more than half its
// limit, or was stopped.
func (p *pool) observe(took, timeout time.Duration, v verdict) {
	if v.stopped != "" || took > timeout/2 {
		p.heavy.Store(time.Now().Add(heavyFor).UnixNano())
	}
}
