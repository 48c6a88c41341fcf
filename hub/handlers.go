package hub

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/kv"
	"github.com/iohub/iohub/hub/plugin"
)

// retireTimeout bounds how long a retired plugin host waits for its calls
// under way (each bounded by plugins.timeout) before it closes anyway.
const retireTimeout = 10 * time.Second

// handlerSwap is the handler.Dispatcher realtime holds for good: it passes
// each call to the plugin host in force, which a reload that changes
// [[events]] or [plugins] replaces whole (build the new host, swap, retire
// the old one once its calls are done).
type handlerSwap struct {
	cur atomic.Pointer[hostRun] // nil: no handlers
}

// hostRun is one plugin host and its directory watcher.
type hostRun struct {
	host *plugin.Host
	// calls hold mu for reading; retire takes it to wait for them.
	mu     sync.RWMutex
	closed bool
	cancel context.CancelFunc // stops the watcher; nil when none runs
	done   chan struct{}      // closed when the watcher returned
}

// Bound implements handler.Dispatcher.
func (w *handlerSwap) Bound(event string) bool {
	r := w.cur.Load()
	return r != nil && r.host.Bound(event)
}

// Handle implements handler.Dispatcher. A call that finds its host retired
// meanwhile runs on the one that replaced it.
func (w *handlerSwap) Handle(ctx context.Context, call *handler.Call) handler.Outcome {
	for {
		r := w.cur.Load()
		if r == nil { // the reload removed every handler after Bound said yes
			if call.Kind == handler.Event {
				return handler.Outcome{Error: "no handler for this event"}
			}
			return handler.Outcome{}
		}
		r.mu.RLock()
		if r.closed { // retired after the Load: cur already names its successor
			r.mu.RUnlock()
			continue
		}
		out := r.host.Handle(ctx, call)
		r.mu.RUnlock()
		return out
	}
}

// host is the plugin host in force, or nil.
func (w *handlerSwap) host() *plugin.Host {
	if r := w.cur.Load(); r != nil {
		return r.host
	}
	return nil
}

// needsHost reports whether opts call for a plugin host. A .js handler file
// binds itself by its entries' names, so a plugins directory needs the host
// without any [[events]]: one may hold a .js file now, or get its first one
// while the hub runs (the watcher picks it up).
func needsHost(opts Options) bool {
	return len(opts.Events) > 0 || isDir(opts.Plugins.Dir)
}

// newHost builds the plugin host opts ask for (nil when they ask for none).
// ctx is the hub's root context.
func (s *Server) newHost(ctx context.Context, opts Options) (*hostRun, error) {
	if !needsHost(opts) {
		return nil, nil
	}
	po := opts.Plugins.options(opts.Events)
	po.Target, po.KV, po.Observer = s.rt, s.store, s.metrics
	po.Logger = s.log.With("component", "plugins")
	host, err := plugin.New(ctx, po)
	if err != nil {
		return nil, err
	}
	return &hostRun{host: host}, nil
}

// watch starts r's directory watcher, when opts ask for one. The hub's
// WaitGroup counts it.
// A watcher that gave up (its directory went away) starts again: what a
// reload does once the directory is back.
func (s *Server) watch(r *hostRun, opts Options) {
	if r == nil || !opts.Plugins.Watch {
		return
	}
	if r.cancel != nil {
		select {
		case <-r.done:
			r.cancel()
		default:
			return // watching
		}
	}
	ctx, cancel := context.WithCancel(s.ctx)
	r.cancel, r.done = cancel, make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(r.done)
		if err := r.host.Watch(ctx); err != nil {
			s.log.Warn("not watching the plugins directory; reload with SIGHUP", "dir", opts.Plugins.Dir, "err", err)
		}
	}()
}

// retire stops r's watcher, waits for its calls under way (at most
// retireTimeout) and closes it. r must no longer be current.
func (r *hostRun) retire() {
	if r == nil {
		return
	}
	if r.cancel != nil {
		r.cancel()
		<-r.done
	}
	locked := make(chan struct{})
	go func() { r.mu.Lock(); close(locked) }()
	select {
	case <-locked:
		r.closed = true
		r.mu.Unlock()
	case <-time.After(retireTimeout):
		// A call is stuck past its own deadline; closing the host fails it.
		go func() { <-locked; r.closed = true; r.mu.Unlock() }()
	}
	_ = r.host.Close(context.Background())
}

// memoryStore is the handlers' state without [cluster]: the hub's, so that it
// outlives a plugin host that a reload replaces.
func memoryStore() kv.Store { return kv.NewMemory() }
