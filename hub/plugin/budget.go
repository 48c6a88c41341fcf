package plugin

import (
	"context"
	"fmt"
	"runtime"
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
type budget struct {
	limit    time.Duration
	cpuStart time.Duration
	wall     time.Time // the backstop
	backstop time.Duration
	ctx      context.Context
	cancel   context.CancelFunc
	locked   bool
}

const (
	backstopFactor = 10
	minBackstop    = 3 * time.Second
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
	b.cpuStart = threadCPUTime()
	b.backstop = max(backstopFactor*limit, minBackstop)
	b.wall = time.Now().Add(b.backstop)
	b.ctx, b.cancel = context.WithDeadline(ctx, b.wall)
	return context.WithValue(b.ctx, budgetKey{}, b), b
}

func (b *budget) end() {
	b.cancel()
	if b.locked {
		b.locked = false
		runtime.UnlockOSThread()
	}
}

// check is the guard's tick: it traps the call (by panicking) once the CPU
// time or the backstop is spent, or the caller's context ended.
func (b *budget) check() {
	if used := threadCPUTime() - b.cpuStart; used > b.limit {
		panic(&errBudget{limit: b.limit})
	}
	if err := b.ctx.Err(); err != nil {
		if time.Now().Before(b.wall) {
			panic(err) // the caller's context: canceled
		}
		panic(&errBudget{wall: true, limit: b.backstop})
	}
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
