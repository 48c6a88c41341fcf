package plugin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/iohub/iohub/hub/plugin/internal/wasmguard"
)

// ErrInvalidModule wraps every reason a module is refused at load: missing or
// mistyped exports, unknown imports, a wrong ABI version, a failing hub_init.
var ErrInvalidModule = errors.New("invalid handler module")

// compiled is one compiled version of a module file.
type compiled struct {
	name     string // module name: the file name without .wasm
	path     string
	hash     string // sha256 of the file, hex
	size     int
	cm       wazero.CompiledModule
	hasInit  bool
	hasStart bool // exports _initialize
	took     time.Duration

	// refs counts the generations built on this version, plus one while it is
	// the version serving; the compiled code is freed when it reaches zero.
	refs atomic.Int32
}

func (c *compiled) retain() { c.refs.Add(1) }

func (c *compiled) release() {
	if c.refs.Add(-1) == 0 {
		_ = c.cm.Close(context.Background())
	}
}

// Limits of a guest besides its linear memory (sdk/ABI.md, section 6),
// enforced by the instrumentation of package wasmguard.
const (
	stackLimit  = 1 << 20 // estimated call stack, bytes
	tableLimit  = 100_000 // table entries, all tables together (8 bytes each)
	globalLimit = 10_000
)

// guardOptions are the instrumentation of user modules under memLimit.
func guardOptions(memLimit int64) wasmguard.Options {
	return wasmguard.Options{
		StackLimit:       stackLimit,
		TableLimit:       tableLimit,
		MemoryLimitPages: uint32(memLimit / 65536),
		GlobalLimit:      globalLimit,
	}
}

// compile instruments (wasmguard), compiles and statically validates a
// module: its exports and imports. Running hub_abi_version and hub_init
// happens when the first instance is made. The compilation cache is keyed by
// the instrumented bytes, so a change of limits or of the rewriter compiles
// afresh.
func compile(ctx context.Context, r wazero.Runtime, guard wasmguard.Options, name, path string, code []byte, hash string) (*compiled, error) {
	start := time.Now()
	guarded, _, err := wasmguard.Instrument(code, guard)
	if err != nil {
		// Say whether wazero itself would refuse it: a file that is not
		// valid Wasm is reported as such, not as an unsupported feature.
		if errors.Is(err, wasmguard.ErrUnsupported) {
			cm, cerr := r.CompileModule(ctx, code)
			if cerr != nil {
				return nil, fmt.Errorf("%w: %s: does not compile: %v", ErrInvalidModule, path, cerr)
			}
			_ = cm.Close(ctx)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidModule, path, err)
	}
	cm, err := r.CompileModule(ctx, guarded)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: does not compile: %v", ErrInvalidModule, path, err)
	}
	c := &compiled{name: name, path: path, hash: hash, size: len(code), cm: cm}
	c.refs.Store(1) // the caller's reference
	if err := c.validate(); err != nil {
		_ = cm.Close(ctx)
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidModule, name, err)
	}
	c.took = time.Since(start)
	return c, nil
}

func (c *compiled) validate() error {
	var problems []string
	if _, ok := c.cm.ExportedMemories()["memory"]; !ok {
		problems = append(problems, `missing export "memory"`)
	}
	fns := c.cm.ExportedFunctions()
	for _, e := range exports {
		def, ok := fns[e.name]
		if !ok {
			if e.required {
				problems = append(problems, fmt.Sprintf("missing export %q %s", e.name, e.sig))
			}
			continue
		}
		if got := sigOf(def); !got.equal(e.sig) {
			problems = append(problems, fmt.Sprintf("export %q has signature %s, want %s", e.name, got, e.sig))
		}
		switch e.name {
		case "hub_init":
			c.hasInit = true
		case "_initialize":
			c.hasStart = true
		}
	}
	var unknown, mistyped []string
	for _, def := range c.cm.ImportedFunctions() {
		mod, fn, _ := def.Import()
		switch mod {
		case wasmguard.ImportModule:
			// Added by the instrumentation.
		case hostModule:
			want, ok := imports[fn]
			if !ok {
				unknown = append(unknown, mod+"."+fn)
			} else if got := sigOf(def); !got.equal(want) {
				mistyped = append(mistyped, fmt.Sprintf("%s.%s is %s, want %s", mod, fn, got, want))
			}
		case "wasi_snapshot_preview1":
			// Checked by wazero at instantiation against its WASI implementation.
		default:
			unknown = append(unknown, mod+"."+fn)
		}
	}
	if len(c.cm.ImportedMemories()) > 0 {
		problems = append(problems, "imports a memory; a handler must export its own")
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		problems = append(problems, "imports functions this hub does not provide: "+strings.Join(unknown, ", "))
	}
	problems = append(problems, mistyped...)
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func sigOf(def api.FunctionDefinition) signature {
	return signature{def.ParamTypes(), def.ResultTypes()}
}

func (s signature) equal(o signature) bool {
	return slices.Equal(s.params, o.params) && slices.Equal(s.results, o.results)
}

func (s signature) String() string {
	names := func(ts []api.ValueType) string {
		out := make([]string, len(ts))
		for i, t := range ts {
			out[i] = api.ValueTypeName(t)
		}
		return "(" + strings.Join(out, ", ") + ")"
	}
	return names(s.params) + " -> " + names(s.results)
}
