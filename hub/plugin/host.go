package plugin

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/kv"
	"github.com/iohub/iohub/hub/plugin/internal/wasmguard"
)

// Event binds a socket event to a handler module (one [[events]] entry).
type Event struct {
	// Name is "connection", "disconnect", or a client event's name.
	Name string
	// Handler names the module in the host's Dir: "chat" for chat.wasm (or
	// chat.js when there is no chat.wasm), "chat.js" for chat.js only.
	Handler string
	// Config is passed (as JSON) to the handler's hub_init. nil: {}.
	Config map[string]any
}

// Options configure a Host.
type Options struct {
	// Dir holds the <handler>.wasm modules and the .js handler files.
	// Required.
	Dir string
	// Events are the events[] bindings, in configuration order. nil: only
	// the .js files in Dir bind events.
	Events []Event
	// Timeout bounds one guest call. Zero means 100ms.
	Timeout time.Duration
	// MemoryLimit caps each instance's linear memory, in bytes (a multiple of
	// 64 KiB). Zero means 16 MiB.
	MemoryLimit int64
	// CacheDir is the compilation cache. Empty means a private directory under
	// the user's cache directory; "-" means no disk cache.
	CacheDir string
	// MaxCalls bounds guest calls running at once, over all modules (those
	// of slow handlers to one fewer, fair.go); each pool keeps at most one
	// instance more than that. Zero means GOMAXPROCS.
	MaxCalls int
	// KV stores handler state. Nil means a fresh in-memory store.
	KV kv.Store
	// Target is what handlers act on. Required.
	Target handler.Target
	// Logger receives load, reload and guest log lines. Nil discards them.
	Logger *slog.Logger
	// JSRuntime is quickjs.wasm of the npm package quickjs-wasi, which runs
	// the .js handlers. Empty means none: .js handlers are refused, saying so.
	JSRuntime string
	// Observer is told about every handler call and module reload (metrics).
	// Nil means handler.NopObserver.
	Observer handler.Observer

	// settle, when set, replaces the settle constant (tests).
	settle time.Duration

	// cache, when set, replaces the CacheDir one: tests share an in-memory
	// cache, so quickjs.wasm compiles once per test binary.
	cache wazero.CompilationCache
	// pause, when set, replaces defaultPause: tests pause sooner, or never.
	pause *pauseConfig
}

// Host runs the events[] handlers. It implements handler.Dispatcher.
type Host struct {
	runtime     wazero.Runtime
	log         *slog.Logger
	target      handler.Target
	kv          kv.Store
	kvByModule  sync.Map // module name -> its kv.Namespace
	dir         string
	timeout     time.Duration
	initTimeout time.Duration
	maxCalls    int
	slots       slots
	pause       pauseConfig

	memLimit int64
	cache    wazero.CompilationCache
	bindings []*binding                            // the [[events]] entries, in order
	byEvent  atomic.Pointer[map[string][]*binding] // event -> bindings in chain order; rebuilt when .js files come and go

	reloadMu  sync.Mutex           // one reload at a time; guards what follows
	current   map[string]*compiled // module name -> the Wasm version serving
	jsCurrent map[string]*jsCode   // module name -> the JavaScript version serving an [[events]] entry
	auto      map[string]*autoJS   // file name -> a .js file bound by its own entries' names
	problems  map[string]string    // module or file name -> why its last load failed
	noted     map[string]string    // file -> what was last logged about it (noteOnce)
	settle    time.Duration        // how long a file must be left alone before it loads
	writes    writeTracker         // files a writer still has open (Watch)
	unavail   unavailable          // events whose handlers were removed
	js        jsEngine
	obs       handler.Observer
	closed    atomic.Bool
	bg        background
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
		obs:       opts.Observer,
		log:       opts.Logger,
		target:    opts.Target,
		kv:        opts.KV,
		dir:       opts.Dir,
		timeout:   opts.Timeout,
		maxCalls:  opts.MaxCalls,
		current:   map[string]*compiled{},
		jsCurrent: map[string]*jsCode{},
		auto:      map[string]*autoJS{},
		problems:  map[string]string{},
		noted:     map[string]string{},
		settle:    cmp.Or(opts.settle, settle),
		js:        jsEngine{path: opts.JSRuntime},
	}
	if h.obs == nil {
		h.obs = handler.NopObserver{}
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
	h.slots = newSlots(h.maxCalls)
	h.bg.init()
	h.pause = defaultPause
	if opts.pause != nil {
		h.pause = *opts.pause
	}
	memLimit := opts.MemoryLimit
	if memLimit <= 0 {
		memLimit = 16 << 20
	}
	h.memLimit = memLimit

	// No close-on-context-done: it makes every loop back-edge exit to Go.
	// The instrumentation (compile, wasmguard) calls the guard's tick at
	// function entries and loops instead, where a budget stops the call.
	rc := wazero.NewRuntimeConfig().
		WithMemoryLimitPages(uint32(memLimit / 65536))
	if opts.cache != nil {
		rc = rc.WithCompilationCache(opts.cache)
		h.cache = opts.cache
	} else if cache, dir, err := compilationCache(opts.CacheDir); err != nil {
		h.log.Warn("wasm compilation cache disabled", "dir", dir, "err", err)
	} else if cache != nil {
		rc = rc.WithCompilationCache(cache)
		h.cache = cache // shared with the JavaScript engine's runtime
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
	if err := wasmguard.Instantiate(ctx, h.runtime, tick); err != nil {
		_ = h.runtime.Close(ctx)
		return nil, fmt.Errorf("plugin: guard module: %w", err)
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
	}
	h.rebuildEvents()
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

// kvFor returns module's part of the KV store, made once per module.
func (h *Host) kvFor(module string) kv.Store {
	if s, ok := h.kvByModule.Load(module); ok {
		return s.(kv.Store)
	}
	s, _ := h.kvByModule.LoadOrStore(module, kv.Namespace(h.kv, module))
	return s.(kv.Store)
}

// Bound implements handler.Dispatcher: a loaded handler is bound to event,
// or was until its file was removed (its events then get an error ack).
//
// An [[events]] entry whose module never loaded (missing, or refused at
// start) binds its event too: the client's ack then gets "handler
// unavailable" instead of waiting forever for an answer no handler gives.
func (h *Host) Bound(event string) bool {
	if h.loaded(event) || h.unavail.has(event) {
		return true
	}
	for _, b := range (*h.byEvent.Load())[event] {
		if b.index >= 0 { // configured in [[events]], not a self-bound file
			return true
		}
	}
	return false
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
	for _, name := range sortedKeys(h.problems) {
		if !strings.HasSuffix(name, ".js") || h.named(strings.TrimSuffix(name, ".js")) || h.named(name) {
			continue // an [[events]] entry's, listed above
		}
		state := "inactive"
		if a := h.auto[name]; a != nil && len(a.bindings) > 0 {
			state = "serving its previous version"
		}
		out = append(out, fmt.Sprintf("%s: %s: %s", filepath.Join(h.dir, name), state, h.problems[name]))
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
	for _, b := range h.allBindings() {
		if g := b.gen.Swap(nil); g != nil {
			g.retire()
		}
	}
	h.bg.stop() // instances being made, before their runtime closes
	err := h.runtime.Close(ctx)
	if h.js.engine != nil {
		err = errors.Join(err, h.js.engine.Close(ctx))
	}
	return err
}
