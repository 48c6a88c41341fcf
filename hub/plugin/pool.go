package plugin

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// generation is one binding's current module version: the compiled module
// and the handler config given to hub_init (Wasm), or the loaded version of a
// .js file (whose pool its bindings share), and the pool that serves it.
// Calls hold a reference while they run; a retired generation closes when
// the last one ends.
type generation struct {
	host   *Host
	code   *compiled // nil for a JavaScript handler
	js     *jsCode   // nil for a Wasm handler
	config []byte    // hub_init input; a JavaScript handler's ctx.config
	log    *slog.Logger
	pool   *pool

	refs      atomic.Int64
	retired   atomic.Bool
	closeOnce sync.Once
}

func newGeneration(h *Host, code *compiled, config []byte, log *slog.Logger) *generation {
	code.retain()
	g := &generation{host: h, code: code, config: config, log: log}
	g.pool = h.newPool(code.name, "instance", 0, log, func(ctx context.Context) (guest, error) {
		in, err := g.newWasm(ctx)
		if err != nil {
			return nil, err
		}
		return in, nil
	})
	g.pool.hostCalls = true
	return g
}

// newJSGeneration serves a JavaScript file; its VMs are pooled by the file's
// version, shared by the events it handles.
func newJSGeneration(h *Host, code *jsCode, config []byte, log *slog.Logger) *generation {
	code.retain()
	return &generation{host: h, js: code, config: config, log: log, pool: code.pool}
}

// acquire takes a reference on the binding's current generation, or returns nil
// when it has none. The loop closes the race with a concurrent swap: a
// reference taken on a generation that was replaced meanwhile is given back.
func acquire(p *atomic.Pointer[generation]) *generation {
	for {
		g := p.Load()
		if g == nil {
			return nil
		}
		g.refs.Add(1)
		if p.Load() == g {
			return g
		}
		g.release()
	}
}

func (g *generation) release() {
	if g.refs.Add(-1) == 0 && g.retired.Load() {
		g.close()
	}
}

// retire marks g replaced; it closes now if idle, else when its last call ends.
func (g *generation) retire() {
	g.retired.Store(true)
	if g.refs.Load() == 0 {
		g.close()
	}
}

func (g *generation) close() {
	g.closeOnce.Do(func() {
		if g.js != nil {
			g.js.release()
			return
		}
		g.pool.close(g.code.release) // after a build under way, which uses the code
	})
}

// newInstance makes an instance of g's module (the reload checks a new
// version with it), and put gives it to the pool.
func (g *generation) newInstance(ctx context.Context) (guest, error) { return g.pool.make(ctx) }
func (g *generation) put(in guest)                                   { g.pool.put(in) }

// pool holds the prepared instances of one handler version. Instances are
// made off the event path: a spare is kept warm, and a discarded instance is
// replaced in the background, so an event after a trap or a throw takes a
// ready one instead of paying for instantiation and init. An event waits for
// an instance only when every one is busy (the pool then grows, up to
// maxCalls instances and a spare). The idle instances are a stack: the one used last serves
// next (warm caches, and a handler's module state carries on from event to
// event while it is used one at a time); the spare stays underneath.
type pool struct {
	noun   string        // "instance" or "VM", in log lines
	kvName string        // the KV namespace of the handler
	grace  time.Duration // how long past its deadline a guest is killed
	// hostCalls: the guest calls host functions, which find the call's
	// state in its context (Wasm); a JavaScript handler reports all at once.
	hostCalls bool
	log       *slog.Logger
	build     func(context.Context) (guest, error)
	// initTimeout bounds one build, and with it how long an event waits.
	initTimeout time.Duration
	max         int // instances kept, idle or in use: maxCalls, and a spare
	bg          *background

	live     atomic.Int32 // instances made and not closed, idle or in use
	building atomic.Bool  // the refill goroutine runs
	closed   atomic.Bool

	mu      sync.Mutex // guards what follows, and orders put against close
	idle    []guest
	waiters []chan guest  // events waiting for an instance, first come first served
	failed  chan struct{} // closed when a background build fails, then replaced
	lastErr error
	builds  int    // builds under way
	onClose func() // what close defers until no build is under way

	breaker breaker
	heavy   atomic.Int64 // unix nanoseconds until which calls count as heavy (fair.go)
}

func (h *Host) newPool(kvName, noun string, grace time.Duration, log *slog.Logger, build func(context.Context) (guest, error)) *pool {
	p := &pool{noun: noun, kvName: kvName, grace: grace, log: log, build: build, initTimeout: h.initTimeout,
		max: h.maxCalls + 1, bg: &h.bg, failed: make(chan struct{})}
	p.breaker.init(h.pause, log)
	return p
}

// make builds one instance, counted as live. It fails once the pool closed.
func (p *pool) make(ctx context.Context) (guest, error) {
	p.mu.Lock()
	if p.closed.Load() {
		p.mu.Unlock()
		return nil, errClosed
	}
	p.builds++
	p.mu.Unlock()
	in, err := p.build(ctx)
	p.mu.Lock()
	p.builds--
	closed := p.closed.Load()
	var then func()
	if p.builds == 0 && closed {
		then, p.onClose = p.onClose, nil
	}
	p.mu.Unlock()
	if closed {
		if err == nil {
			in.close() // before then, which may free the code it runs
		}
		if then != nil {
			then()
		}
		return nil, errClosed
	}
	if err != nil {
		return nil, err
	}
	p.live.Add(1)
	return in, nil
}

var errClosed = errors.New("the handler version was replaced")

// adopt counts an instance made outside the pool (the first, which checked
// the version at load) and gives it to the pool.
func (p *pool) adopt(in guest) {
	p.live.Add(1)
	p.put(in)
}

// get returns an idle instance, or waits for one: given back by another call
// or made by the refill. Either way a spare is then made in the background.
func (p *pool) get(ctx context.Context) (guest, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		in := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		short := n-1 < p.spares()
		p.mu.Unlock()
		if short {
			p.refill()
		}
		return in, nil
	}
	w := make(chan guest, 1)
	p.waiters = append(p.waiters, w)
	failed := p.failed
	p.mu.Unlock()
	p.refill()
	// One build at most, then the event gives up rather than hang.
	t := time.NewTimer(p.initTimeout + time.Second)
	defer t.Stop()
	var err error
	select {
	case in := <-w:
		return in, nil
	case <-failed:
		p.mu.Lock()
		err = p.lastErr
		p.mu.Unlock()
	case <-ctx.Done():
		err = ctx.Err()
	case <-t.C:
		err = errors.New("no " + p.noun + " became ready within the init deadline")
	}
	p.mu.Lock()
	for i, x := range p.waiters {
		if x == w {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
	select {
	case in := <-w: // handed over meanwhile
		p.put(in)
	default:
	}
	return nil, err
}

// refill starts the background builder unless it runs, or the pool has a
// spare and nobody waits, or it holds as many instances as it may.
func (p *pool) refill() {
	if !p.wanting() || !p.building.CompareAndSwap(false, true) {
		return
	}
	if !p.bg.goRun(p.refillLoop) {
		p.building.Store(false) // the host is closing
	}
}

// wanting reports whether the pool lacks an instance: fewer idle than it
// keeps, or events waiting, and room for one more.
func (p *pool) wanting() bool {
	if p.closed.Load() || int(p.live.Load()) >= p.max {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle) < p.spares() || len(p.waiters) > 0
}

// spares is how many instances the pool keeps idle at rest: two, so that
// while one serves an event the other is ready for the next, even when the
// first one traps.
func (p *pool) spares() int { return min(2, p.max) }

// refillLoop makes instances while the pool lacks one. One goroutine per
// pool at a time; a failed build ends it (the next get starts it again), so a
// module whose init fails does not spin.
func (p *pool) refillLoop() {
	for p.wanting() {
		in, err := p.make(p.bg.ctx)
		if err != nil && p.closed.Load() {
			p.building.Store(false)
			return // replaced meanwhile: nothing to report
		}
		if err != nil {
			p.log.Error("handler "+p.noun+" could not be created", "err", err)
			p.mu.Lock()
			p.lastErr = err
			close(p.failed)
			p.failed = make(chan struct{})
			p.mu.Unlock()
			p.building.Store(false)
			return
		}
		p.put(in)
	}
	p.building.Store(false)
	// A get between the last check and the store found the builder
	// running: check for it again.
	p.refill()
}

// put gives a healthy instance to the first waiting event, or to the idle
// stack; it closes it when the stack is full or the pool closed.
func (p *pool) put(in guest) {
	p.mu.Lock()
	switch {
	case p.closed.Load():
	case len(p.waiters) > 0:
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		p.mu.Unlock()
		w <- in // buffered: never blocks
		return
	case len(p.idle) < p.max:
		p.idle = append(p.idle, in)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	p.closeOne(in)
}

// discard closes an instance that may not serve again, and has it replaced.
func (p *pool) discard(in guest) {
	p.closeOne(in)
	p.refill()
}

func (p *pool) closeOne(in guest) {
	in.close()
	p.live.Add(-1)
}

// idleCount is how many instances are ready.
func (p *pool) idleCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}

// close closes the idle instances; those in use close when given back.
// then (may be nil) runs once no build is under way.
func (p *pool) close(then func()) {
	p.mu.Lock()
	p.closed.Store(true)
	if p.builds > 0 {
		p.onClose, then = then, nil
	}
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, in := range idle {
		p.closeOne(in)
	}
	if then != nil {
		then()
	}
}

// warm makes instances of next, a new version about to replace prev, until
// it has as many as prev had, so events after the swap find them ready, and
// starts making its spare. The reload calls it before the
// swap; a build that fails leaves the rest to the refill.
func (h *Host) warm(ctx context.Context, next, prev *pool) {
	if next == nil || next == prev {
		return
	}
	defer next.refill() // the spare
	want := 0
	if prev != nil {
		want = min(int(prev.live.Load()), next.max)
	}
	for next.idleCount() < want && !next.closed.Load() {
		in, err := next.make(ctx)
		if err != nil {
			next.log.Warn("handler "+next.noun+" could not be prepared before the swap", "err", err)
			return
		}
		next.put(in)
	}
}

// warmAll warms the new generations of a reload, each against the one of
// its binding it replaces.
func (h *Host) warmAll(ctx context.Context, gens map[*binding]*generation) {
	for b, g := range gens {
		var prev *pool
		if old := b.gen.Load(); old != nil {
			prev = old.pool
		}
		h.warm(ctx, g.pool, prev)
	}
}

// background runs the refills, which Close stops and waits for: an instance
// being made when the runtime closes would race with it.
type background struct {
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	done   bool
	wg     sync.WaitGroup
}

func (b *background) init() { b.ctx, b.cancel = context.WithCancel(context.Background()) }

// goRun runs f in a goroutine, unless stop was called.
func (b *background) goRun(f func()) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return false
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		f()
	}()
	return true
}

// stop cancels what runs (a build under way fails at its next check) and
// waits for it.
func (b *background) stop() {
	b.mu.Lock()
	b.done = true
	b.mu.Unlock()
	b.cancel()
	b.wg.Wait()
}
