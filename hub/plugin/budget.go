package plugin

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// A budget is one guest call's allowance. The limit counts the guest's own
// running time: the call's goroutine is locked to its OS thread for the
// call, and the thread's CPU clock is read in the guard's tick (package
// wasmguard: the instrumented guest calls it at least every few milliseconds
// of running, loop-free recursion included). Waiting for an instance, for
// the semaphore or for a core costs nothing. The slack is the time between
// two ticks (tens of microseconds in a tight loop, a few milliseconds at
// worst) plus one CPU clock read. A wall-clock backstop (backstopFactor
// times the limit, at least 3 s) stops a call that blocks in a host
// function instead of running, at its next tick.
//
// Reading the thread's CPU clock is a system call (a few microseconds on a
// virtual machine, a tenth of a short call's cost), and most calls end
// within microseconds. So the clock is first read at the first check after
// unread(limit) of wall time, which bounds the CPU time used until then;
// that first read credits the call with at most twice unread(limit) for the
// time before it, within the slack above.
type budget struct {
	limit    time.Duration
	start    time.Duration // monotonic
	unread   time.Duration // wall time before the first clock read
	cpuBase  time.Duration // the thread's clock minus the CPU time used, once read
	read     bool
	wall     time.Time // the backstop
	backstop time.Duration
	ctx      *callCtx
	locked   bool
	call     callCtx // what ctx points to: one allocation for both
}

const (
	backstopFactor = 10
	minBackstop    = 3 * time.Second
	maxUnread      = time.Millisecond
)

// errBudget is what the tick panics with; the call traps with it.
type errBudget struct {
	wall  bool
	limit time.Duration
}

func (e *errBudget) Error() string {
	if e.wall {
		return fmt.Sprintf("wall-clock backstop: ran longer than %s (blocked in a host call, or starved of CPU)", e.limit)
	}
	return fmt.Sprintf("cpu time limit: used more than %s of CPU", e.limit)
}

type budgetKey struct{}

// startBudget starts a call's budget of limit CPU time: ctx for the call
// (with the backstop's deadline, which host calls such as KV honour), and
// the budget, whose end must be called on the same goroutine.
func startBudget(ctx context.Context, limit time.Duration) (context.Context, *budget) {
	b := &budget{limit: limit}
	runtime.LockOSThread()
	b.locked = true
	b.start = monotonic()
	b.unread = min(maxUnread, limit/4)
	b.backstop = max(backstopFactor*limit, minBackstop)
	b.wall = time.Now().Add(b.backstop)
	b.call.Context, b.call.b = ctx, b
	b.ctx = &b.call
	return b.ctx, b
}

func (b *budget) end() {
	b.ctx.end()
	if b.locked {
		b.locked = false
		runtime.UnlockOSThread()
	}
}

// check is the guard's tick: it traps the call (by panicking) once the CPU
// time or the backstop is spent, or the caller's context ended.
func (b *budget) check() {
	if used := b.cpuUsed(); used > b.limit {
		panic(&errBudget{limit: b.limit})
	}
	if err := b.ctx.Err(); err != nil {
		if time.Now().Before(b.wall) {
			panic(err) // the caller's context: canceled
		}
		panic(&errBudget{wall: true, limit: b.backstop})
	}
}

// cpuUsed is the CPU time the call has used (see budget): the wall time
// since the start until unread has passed, the thread's clock from then on.
// Call it on the call's goroutine.
func (b *budget) cpuUsed() time.Duration {
	wall := monotonic() - b.start
	if !b.read {
		if wall < b.unread {
			return wall
		}
		b.read = true
		b.cpuBase = threadCPUTime() - min(wall, 2*b.unread)
	}
	return threadCPUTime() - b.cpuBase
}

// callCtx is a guest call's context: the caller's, with the budget (which
// tick finds) and the backstop as its deadline. Unlike context.WithDeadline
// it arms no timer for every call: Done makes its channel, and the timer and
// the watch on the caller's context that close it, only when something
// waits on it (a host call that blocks). Err is correct either way.
type callCtx struct {
	context.Context // the caller's
	b               *budget
	ended           atomic.Bool

	mu     sync.Mutex
	done   chan struct{} // nil until Done
	closed bool
	stop   func()
}

func (c *callCtx) Deadline() (time.Time, bool) {
	if d, ok := c.Context.Deadline(); ok && d.Before(c.b.wall) {
		return d, true
	}
	return c.b.wall, true
}

func (c *callCtx) Value(key any) any {
	if _, ok := key.(budgetKey); ok {
		return c.b
	}
	return c.Context.Value(key)
}

func (c *callCtx) Err() error {
	switch {
	case c.Context.Err() != nil:
		return c.Context.Err()
	case c.ended.Load():
		return context.Canceled
	case !time.Now().Before(c.b.wall):
		return context.DeadlineExceeded
	}
	return nil
}

func (c *callCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.ended.Load() {
			c.closed = true
			close(c.done)
			return c.done
		}
		t := time.AfterFunc(time.Until(c.b.wall), c.close)
		stopWatch := context.AfterFunc(c.Context, c.close)
		c.stop = func() { t.Stop(); stopWatch() }
	}
	return c.done
}

func (c *callCtx) close() {
	c.mu.Lock()
	if c.done != nil && !c.closed {
		c.closed = true
		close(c.done)
	}
	c.mu.Unlock()
}

// end ends the call: the context reports Canceled from now on.
func (c *callCtx) end() {
	c.ended.Store(true)
	c.mu.Lock()
	stop := c.stop
	c.mu.Unlock()
	if stop != nil {
		stop()
	}
	c.close()
}

// tick is the guard import of Wasm guests.
func tick(ctx context.Context) {
	if b, _ := ctx.Value(budgetKey{}).(*budget); b != nil {
		b.check()
	}
}

var processStart = time.Now()

// monotonic is the time since the process started, on the monotonic clock.
func monotonic() time.Duration { return time.Since(processStart) }
