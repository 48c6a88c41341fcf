package plugin

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// generation is one binding's current module version: the compiled module, the
// handler config given to hub_init, and a pool of ready instances. Calls hold a
// reference while they run; a retired generation closes when the last one ends.
type generation struct {
	host   *Host
	code   *compiled // nil for a JavaScript handler
	js     *jsCode   // nil for a Wasm handler
	config []byte    // hub_init input; a JavaScript handler's ctx.config
	log    *slog.Logger
	idle   chan *instance

	refs      atomic.Int64
	retired   atomic.Bool
	closeOnce sync.Once
}

// instance is one instantiated, initialised module.
type instance struct {
	mod     api.Module
	onEvent api.Function
	stack   []uint64
}

func newGeneration(h *Host, code *compiled, config []byte, log *slog.Logger) *generation {
	code.retain()
	return &generation{host: h, code: code, config: config, log: log, idle: make(chan *instance, h.maxCalls)}
}

// newJSGeneration serves a JavaScript file; its VMs are pooled by the file's
// version, shared by the events it handles.
func newJSGeneration(h *Host, code *jsCode, config []byte, log *slog.Logger) *generation {
	code.retain()
	return &generation{host: h, js: code, config: config, log: log}
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
		for {
			select {
			case in := <-g.idle:
				in.close()
			default:
				g.code.release()
				return
			}
		}
	})
}

// get returns an idle instance or makes a new one.
func (g *generation) get(ctx context.Context) (*instance, error) {
	select {
	case in := <-g.idle:
		return in, nil
	default:
		return g.newInstance(ctx)
	}
}

// put returns a healthy instance to the pool, or closes it when the pool is
// full or the generation retired.
func (g *generation) put(in *instance) {
	if g.retired.Load() {
		in.close()
		return
	}
	// The caller still holds its reference, so the generation cannot close
	// (and drain idle) before this instance is in the pool.
	select {
	case g.idle <- in:
	default:
		in.close()
	}
}

func (in *instance) close() { _ = in.mod.Close(context.Background()) }

// newInstance instantiates the module and runs _initialize, hub_abi_version and
// hub_init, each under the init deadline.
func (g *generation) newInstance(ctx context.Context) (*instance, error) {
	h := g.host
	// The start function, _initialize and hub_init run under one budget.
	ctx, bud := startBudget(ctx, h.initTimeout)
	defer bud.end()
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions(). // _initialize is called below, under the deadline
		WithStdout(&lineWriter{log: g.log, level: slog.LevelInfo}).
		WithStderr(&lineWriter{log: g.log, level: slog.LevelWarn}).
		WithSysWalltime().
		WithSysNanotime().
		WithRandSource(rand.Reader)
	mod, err := h.runtime.InstantiateModule(ctx, g.code.cm, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: instantiate: %v", ErrInvalidModule, g.code.name, err)
	}
	in := &instance{mod: mod, onEvent: mod.ExportedFunction("hub_on_event"), stack: make([]uint64, 1)}
	fail := func(format string, args ...any) (*instance, error) {
		in.close()
		return nil, fmt.Errorf("%w: %s: %s", ErrInvalidModule, g.code.name, fmt.Sprintf(format, args...))
	}
	if g.code.hasStart {
		if _, err := mod.ExportedFunction("_initialize").Call(ctx); err != nil {
			return fail("_initialize failed: %v", err)
		}
	}
	v, err := mod.ExportedFunction("hub_abi_version").Call(ctx)
	if err != nil {
		return fail("hub_abi_version failed: %v", err)
	}
	if int32(v[0]) != ABIVersion {
		return fail("hub_abi_version returned %d; this hub speaks ABI version %d", int32(v[0]), ABIVersion)
	}
	if g.code.hasInit {
		cs := &callState{input: g.config, init: true, chain: &chainState{}, kv: h.kvFor(g.code.name), log: g.log, target: h.target}
		res, err := mod.ExportedFunction("hub_init").Call(withCall(ctx, cs), uint64(len(g.config)))
		if err != nil {
			return fail("hub_init failed: %v", err)
		}
		if st := int32(res[0]); st != statusOK {
			msg := cs.errMsg
			if msg == "" {
				msg = "no message"
			}
			return fail("hub_init returned %d: %s", st, msg)
		}
	}
	return in, nil
}
