package plugin

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// pauseConfig says when a handler that keeps failing is paused. A strike is
// a call the hub had to stop (timeout, trap, exit, kill) or that broke its
// instance (out of memory): each costs a limit's worth of CPU or a new
// instance. A handler with Strikes of them in Window, making at least half of
// its calls there, is paused: its events get clienterr.ErrHandlerPaused.Message at once.
// After the pause it is tried again: the first strike pauses it again for
// twice as long (up to MaxBackoff), the first success ends the backoff.
type pauseConfig struct {
	Strikes    int
	Window     time.Duration
	Backoff    time.Duration
	MaxBackoff time.Duration
}

var defaultPause = pauseConfig{Strikes: 10, Window: 10 * time.Second, Backoff: time.Second, MaxBackoff: time.Minute}

// breaker pauses one handler version (pool) that keeps failing.
type breaker struct {
	cfg pauseConfig
	log *slog.Logger

	until    atomic.Int64 // unix nanoseconds the pause lasts until; 0: not paused
	probing  atomic.Bool  // the pause ended: the next outcome decides
	counting atomic.Bool  // the window has strikes: calls are counted
	calls    atomic.Int64 // calls in the current window, once counting

	mu      sync.Mutex
	start   time.Time // of the window
	strikes int
	backoff time.Duration // of the next pause
}

func (b *breaker) init(cfg pauseConfig, log *slog.Logger) {
	b.cfg, b.log, b.backoff = cfg, log, cfg.Backoff
}

// allow reports whether a call may run: false while paused.
func (b *breaker) allow() bool {
	until := b.until.Load()
	if until == 0 {
		if b.counting.Load() { // not otherwise: a shared counter costs on every call
			b.calls.Add(1)
		}
		return true
	}
	if time.Now().UnixNano() < until {
		return false
	}
	if b.until.CompareAndSwap(until, 0) {
		b.probing.Store(true)
		b.log.Info("handler resumed after its pause; it is paused again if its next call fails")
	}
	b.calls.Add(1)
	return true
}

// succeed records a call that did not strike.
func (b *breaker) succeed() {
	if !b.probing.Load() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.probing.CompareAndSwap(true, false) {
		b.backoff = b.cfg.Backoff
	}
}

// fail records a strike, reason being why, and pauses the handler when it
// has had too many.
func (b *breaker) fail(reason string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if b.probing.CompareAndSwap(true, false) {
		b.pause(now, reason, "it failed again after its pause")
		b.backoff = min(2*b.backoff, b.cfg.MaxBackoff)
		return
	}
	if b.until.Load() != 0 {
		return // a call that started before the pause
	}
	if now.Sub(b.start) > b.cfg.Window || !b.counting.Load() {
		b.start, b.strikes = now, 0
		b.calls.Store(1)
		b.counting.Store(true)
	}
	b.strikes++
	calls := b.calls.Load()
	if b.strikes < b.cfg.Strikes || int64(2*b.strikes) < calls {
		return
	}
	b.pause(now, reason, "")
	b.backoff = min(2*b.backoff, b.cfg.MaxBackoff)
}

func (b *breaker) pause(now time.Time, reason, why string) {
	if why == "" {
		why = "it failed repeatedly"
	}
	b.until.Store(now.Add(b.backoff).UnixNano())
	b.log.Error("handler paused: "+why+"; its events get an error until it is retried",
		"strikes", b.strikes, "calls", b.calls.Load(), "window", b.cfg.Window, "last", reason, "retry_in", b.backoff)
	b.start, b.strikes = now, 0
	b.calls.Store(0)
	b.counting.Store(false)
}
