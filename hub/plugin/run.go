package plugin

import (
	"context"
	"time"

	"github.com/iohub/iohub/hub/clienterr"
	"github.com/iohub/iohub/hub/handler"
)

// The one run path of both engines. An event's call on a binding goes
// through the same steps whatever runs it: the pause check (breaker.go), a
// slot of the global semaphore (fair.go), an instance from the handler's pool
// (pool.go), the per-call limit, the engine's call, the verdict's handling
// (keep or discard the instance, count a failure), and the effects, applied
// only on success. What differs is behind guest: a Wasm instance (wasm.go)
// or a QuickJS VM (jscall.go).

// guest is one prepared instance of an engine: instantiated, initialised,
// ready for events. It is used by one call at a time.
type guest interface {
	// call handles one event under lim, its input in cs (inputFor): the
	// guest's effects are validated and recorded in cs (applied by the
	// caller on success), its log lines written, and what it came to
	// returned.
	call(lim limit, cs *callState) verdict
	close()
}

// verdict is what one guest call came to.
type verdict struct {
	status int32  // statusOK, statusReject or statusError
	msg    string // what the client's ack gets when not statusOK
	// overLimit: the hub stopped the guest for running over its limit.
	overLimit bool
	// stopped says why the hub stopped the guest (a timeout, a trap, an
	// exit, a kill); empty when the guest returned by itself.
	stopped string
	// keep: the instance is in a known state and may serve again. A guest
	// that was stopped, ran out of memory or grew past its cap is not.
	keep bool
	// fault: the guest left itself unusable (out of memory) without being
	// stopped.
	fault bool
}

// strike reports whether the call counts toward pausing the handler: the
// guest was stopped or broke itself, which costs the hub, unlike a
// handler's ordinary error or rejection.
func (v verdict) strike() bool { return v.stopped != "" || v.fault }

// limit is the per-call limit of one guest call, started and ended by
// startLimit and end only, on the same goroutine.
//
// Guest calls get a CPU-time budget (budget.go): the goroutine is locked to
// its thread and the thread's CPU clock is read where the guest checks in, so
// waiting for a core does not count. Wasm guests are stopped by the guard's
// tick; QuickJS by its interrupt hook (jsvm.VM.SetCPULimit), and killed at
// twice the budget inside code that does not poll it. ctx carries the
// wall-clock backstop. The wall-clock variant (cpu false) is for the hub's
// own short calls into a VM after a failure.
type limit struct {
	timeout time.Duration
	soft    time.Time
	ctx     context.Context
	cancel  func()
	cpu     func() time.Duration // the CPU time used so far; nil for a wall-clock limit
}

// startLimit starts the limit of one guest call: a CPU budget when cpu is
// set, else a wall-clock deadline (which counts waiting for a core too).
func (h *Host) startLimit(ctx context.Context, grace time.Duration, cpu bool) limit {
	soft := time.Now().Add(h.timeout)
	if cpu {
		cctx, bud := startBudget(ctx, h.timeout)
		return limit{timeout: h.timeout, soft: soft, ctx: cctx, cancel: bud.end, cpu: bud.cpuUsed}
	}
	cctx, cancel := context.WithDeadline(ctx, soft.Add(grace))
	return limit{timeout: h.timeout, soft: soft, ctx: cctx, cancel: cancel}
}

func (l limit) end() { l.cancel() }

// Handle implements handler.Dispatcher. The bindings of call.Event run in
// configuration order; the first that does not return 0 ends the chain, so a
// rate limiter or validator bound first guards the handlers after it.
func (h *Host) Handle(ctx context.Context, call *handler.Call) handler.Outcome {
	var out handler.Outcome
	bs := (*h.byEvent.Load())[call.Event]
	ran := false
	// The input of Wasm guests (the ABI's envelope, by version) and of
	// JavaScript handlers (jsCall), each made once, when a handler needing
	// it runs.
	ev := &eventInput{call: call}
	defer ev.release()
	chain := &chainState{}
	for _, b := range bs {
		g := acquire(&b.gen)
		if g == nil {
			continue // unloaded or never loaded
		}
		ran = true
		start := time.Now()
		status, msg, overLimit := h.run(ctx, g, ev, chain)
		h.obs.HandlerCall(b.module, callOutcome(status, overLimit), time.Since(start))
		g.release()
		if status != statusOK {
			out.Error, out.Reject = msg, status == statusReject
			break
		}
	}
	if !ran {
		return h.unavailableOutcome(call)
	}
	out.Replied, out.Reply, out.ReplyJSON = chain.replied, chain.reply, chain.replyJSON
	return out
}

// callOutcome classifies a call for the Observer.
func callOutcome(status int32, overLimit bool) handler.CallOutcome {
	switch {
	case status == statusOK:
		return handler.CallOK
	case status == statusReject:
		return handler.CallRejected
	case overLimit:
		return handler.CallTimeout
	}
	return handler.CallError
}

// run makes the one guest call of an event on one binding's generation. It
// returns the status, the client's message and whether the hub stopped the
// guest for running over its limit.
func (h *Host) run(ctx context.Context, g *generation, ev *eventInput, chain *chainState) (int32, string, bool) {
	call := ev.call
	p := g.pool
	if !p.breaker.allow() {
		return statusError, clienterr.ErrHandlerPaused.Message, false
	}
	heavy, ok := h.slots.acquire(ctx, p)
	if !ok {
		return statusError, clienterr.ErrHandlerFailed.Message, false
	}
	defer h.slots.release(heavy)

	in, err := p.get(ctx)
	if err != nil {
		g.log.Error("no handler "+p.noun+" ready for the event", "err", err)
		return statusError, clienterr.ErrHandlerFailed.Message, false
	}
	cs := &callState{sid: call.Socket.ID, ack: call.Ack, chain: chain,
		kv: h.kvFor(p.kvName), log: g.log, target: h.target, config: g.config}
	if err := cs.inputFor(in, ev); err != nil {
		p.put(in)
		h.log.Warn("event not passed to handlers: arguments are not JSON", "event", call.Event, "err", err)
		return statusError, clienterr.ErrHandlerFailed.Message, false
	}
	cctx := ctx
	if p.hostCalls {
		cctx = withCall(ctx, cs)
	}
	lim := h.startLimit(cctx, p.grace, true)
	v := in.call(lim, cs)
	lim.end()
	p.observe(time.Since(lim.soft.Add(-h.timeout)), h.timeout, v)
	if v.keep {
		p.put(in) // from here on another call may use in
	} else {
		p.discard(in)
	}
	if v.stopped != "" {
		g.log.Warn("handler failed; "+p.noun+" discarded", "reason", v.stopped, "socket", call.Socket.ID)
	}
	if v.strike() {
		p.breaker.fail(orDefault(v.stopped, v.msg))
	} else {
		p.breaker.succeed()
	}
	if v.status == statusOK {
		cs.apply()
		return statusOK, "", false
	}
	return v.status, v.msg, v.overLimit
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
