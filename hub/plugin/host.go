package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/kv"
)

// Options configure a Host.
type Options struct {
	// Dir holds the <handler>.wasm modules. Required.
	Dir string
	// Events are the events[] bindings, in configuration order.
	Events []config.Event
	// Timeout bounds one guest call. Zero means 100ms.
	Timeout time.Duration
	// MemoryLimit caps each instance's linear memory, in bytes (a multiple of
	// 64 KiB). Zero means 16 MiB.
	MemoryLimit int64
	// CacheDir is the compilation cache. Empty means a private directory under
	// the user's cache directory; "-" means no disk cache.
	CacheDir string
	// MaxCalls bounds guest calls running at once, over all modules, and each
	// pool's idle instances. Zero means GOMAXPROCS.
	MaxCalls int
	// KV stores handler state. Nil means a fresh in-memory store.
	KV kv.Store
	// Target is what handlers act on. Required.
	Target handler.Target
	// Logger receives load, reload and guest log lines. Nil discards them.
	Logger *slog.Logger
}

// Host runs the events[] handlers. It implements handler.Dispatcher.
type Host struct {
	runtime     wazero.Runtime
	log         *slog.Logger
	target      handler.Target
	kv          kv.Store
	dir         string
	timeout     time.Duration
	initTimeout time.Duration
	maxCalls    int
	sem         chan struct{}

	bindings []*binding
	byEvent  map[string][]*binding

	reloadMu sync.Mutex           // one reload at a time; guards current and problems
	current  map[string]*compiled // module name -> the version serving
	problems map[string]string    // module name -> why its last load failed
	closed   atomic.Bool
}

// binding is one events[] entry: an event name bound to a module with a config.
type binding struct {
	index  int
	event  string
	module string
	config []byte
	log    *slog.Logger
	gen    atomic.Pointer[generation]
}

// New builds the host and loads every module the bindings name. A module that
// is missing or broken is logged and its bindings stay inactive until a reload
// brings a good version; New fails only when the runtime itself cannot start.
func New(ctx context.Context, opts Options) (*Host, error) {
	if opts.Target == nil {
		return nil, errors.New("plugin: Options.Target is required")
	}
	h := &Host{
		log:      opts.Logger,
		target:   opts.Target,
		kv:       opts.KV,
		dir:      opts.Dir,
		timeout:  opts.Timeout,
		maxCalls: opts.MaxCalls,
		byEvent:  map[string][]*binding{},
		current:  map[string]*compiled{},
		problems: map[string]string{},
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.kv == nil {
		h.kv = kv.NewMemory()
	}
	if h.timeout <= 0 {
		h.timeout = 100 * time.Millisecond
	}
	// Instantiation runs the guest's runtime start-up (Go guests: milliseconds).
	h.initTimeout = max(time.Second, 10*h.timeout)
	if h.maxCalls <= 0 {
		h.maxCalls = runtime.GOMAXPROCS(0)
	}
	h.sem = make(chan struct{}, h.maxCalls)
	memLimit := opts.MemoryLimit
	if memLimit <= 0 {
		memLimit = 16 << 20
	}

	rc := wazero.NewRuntimeConfig().
		WithCloseOnContextDone(true). // the only way to stop a runaway guest
		WithMemoryLimitPages(uint32(memLimit / 65536))
	if cache, dir, err := compilationCache(opts.CacheDir); err != nil {
		h.log.Warn("wasm compilation cache disabled", "dir", dir, "err", err)
	} else if cache != nil {
		rc = rc.WithCompilationCache(cache)
	}
	h.runtime = wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, h.runtime); err != nil {
		_ = h.runtime.Close(ctx)
		return nil, fmt.Errorf("plugin: wasi: %w", err)
	}
	if err := instantiateHostModule(ctx, h.runtime); err != nil {
		_ = h.runtime.Close(ctx)
		return nil, fmt.Errorf("plugin: host module: %w", err)
	}

	for i, ev := range opts.Events {
		cfg := []byte("{}")
		if ev.Config != nil {
			b, err := json.Marshal(ev.Config)
			if err != nil {
				return nil, fmt.Errorf("plugin: events[%d].config: %w", i, err)
			}
			cfg = b
		}
		b := &binding{index: i, event: ev.Name, module: ev.Handler, config: cfg,
			log: h.log.With("plugin", ev.Handler, "event", ev.Name)}
		h.bindings = append(h.bindings, b)
		h.byEvent[ev.Name] = append(h.byEvent[ev.Name], b)
	}
	h.Reload(ctx)
	return h, nil
}

// compilationCache opens the disk cache: a directory only this user can read,
// since compiled code is executed as is.
func compilationCache(dir string) (wazero.CompilationCache, string, error) {
	if dir == "-" {
		return nil, dir, nil
	}
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, "", err
		}
		dir = filepath.Join(base, "iohub", "wazero")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, dir, err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, dir, err
	}
	c, err := wazero.NewCompilationCacheWithDir(dir)
	return c, dir, err
}

func (h *Host) kvFor(module string) kv.Store { return kv.Namespace(h.kv, module) }

// Bound implements handler.Dispatcher: a loaded handler is bound to event.
func (h *Host) Bound(event string) bool {
	for _, b := range h.byEvent[event] {
		if b.gen.Load() != nil {
			return true
		}
	}
	return false
}

// Handle implements handler.Dispatcher. The bindings of call.Event run in
// configuration order; the first that does not return 0 ends the chain, so a
// rate limiter or validator bound first guards the handlers after it.
func (h *Host) Handle(ctx context.Context, call *handler.Call) handler.Outcome {
	var out handler.Outcome
	bs := h.byEvent[call.Event]
	if len(bs) == 0 {
		return out
	}
	env, err := appendEnvelope(make([]byte, 0, 512), call)
	if err != nil {
		h.log.Warn("event not passed to handlers: arguments are not JSON", "event", call.Event, "err", err)
		out.Error = "handler failed"
		return out
	}
	chain := &chainState{}
	for _, b := range bs {
		g := acquire(&b.gen)
		if g == nil {
			continue // unloaded or never loaded
		}
		status, msg := h.run(ctx, g, b, env, call, chain)
		g.release()
		if status != statusOK {
			out.Error, out.Reject = msg, status == statusReject
			break
		}
	}
	out.Replied, out.Reply = chain.replied, chain.reply
	return out
}

// run makes the one guest call of an event on one binding.
func (h *Host) run(ctx context.Context, g *generation, b *binding, env []byte, call *handler.Call, chain *chainState) (int32, string) {
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return statusError, "handler failed"
	}
	defer func() { <-h.sem }()

	in, err := g.get(ctx)
	if err != nil {
		b.log.Error("handler instance could not be created", "err", err)
		return statusError, "handler failed"
	}
	cs := &callState{input: env, sid: call.Socket.ID, ack: call.Ack, chain: chain,
		kv: h.kvFor(b.module), log: b.log, target: h.target}
	cctx, cancel := context.WithTimeout(withCall(ctx, cs), h.timeout)
	in.stack[0] = uint64(len(env))
	err = in.onEvent.CallWithStack(cctx, in.stack)
	cancel()
	if err != nil {
		in.close() // a trapped, timed-out or exited instance is never reused
		b.log.Warn("handler failed; instance discarded", "reason", failureReason(err, h.timeout), "socket", call.Socket.ID)
		return statusError, "handler failed"
	}
	status := int32(in.stack[0])
	g.put(in) // from here on another call may use in
	switch status {
	case statusOK:
		cs.apply()
		return statusOK, ""
	case statusReject:
		msg := orDefault(cs.errMsg, "rejected")
		b.log.Debug("handler rejected the event", "message", msg, "socket", call.Socket.ID)
		return statusReject, msg
	default:
		msg := orDefault(cs.errMsg, "handler failed")
		b.log.Warn("handler returned an error", "status", status, "message", msg, "socket", call.Socket.ID)
		return statusError, msg
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// failureReason says in a log line why a guest call failed.
func failureReason(err error, timeout time.Duration) string {
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		switch exit.ExitCode() {
		case sys.ExitCodeDeadlineExceeded:
			return fmt.Sprintf("timeout: ran longer than %s", timeout)
		case sys.ExitCodeContextCanceled:
			return "canceled"
		}
		return fmt.Sprintf("exited with code %d", exit.ExitCode())
	}
	return "trap: " + err.Error()
}

// Problems lists, per events[] entry, why its handler is not serving or why its
// module's last reload failed; empty when all is well. For `hub check`.
func (h *Host) Problems() []string {
	h.reloadMu.Lock()
	defer h.reloadMu.Unlock()
	var out []string
	for _, b := range h.bindings {
		p, ok := h.problems[b.module]
		if !ok {
			continue
		}
		state := "inactive"
		if b.gen.Load() != nil {
			state = "serving its previous version"
		}
		out = append(out, fmt.Sprintf("events[%d] (%s -> %s): %s: %s", b.index, b.event, b.module, state, p))
	}
	return out
}

// Close stops every module. Calls still running fail.
func (h *Host) Close(ctx context.Context) error {
	if !h.closed.CompareAndSwap(false, true) {
		return nil
	}
	h.reloadMu.Lock()
	defer h.reloadMu.Unlock()
	for _, b := range h.bindings {
		if g := b.gen.Swap(nil); g != nil {
			g.retire()
		}
	}
	return h.runtime.Close(ctx)
}
