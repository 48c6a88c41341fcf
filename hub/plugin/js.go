package plugin

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/iohub/iohub/hub/plugin/internal/jsvm"
)

// JavaScript handlers: a .js file in the plugins directory written like
// strapi-plugin-io's events[] entries (module.exports = { name, handler } or
// an array of them), run by QuickJS compiled to Wasm (package jsvm). Each
// loaded version of a file (jsCode) has a pool of VMs in which the prelude
// (js_prelude.js) and the file ran; an event takes a VM, makes one call of
// the prelude's dispatcher and gets back one outcome (jscall.go, jsoutcome.go).

//go:embed js_prelude.js
var jsPrelude string

// preludeName is the prelude's file name in stack traces.
const preludeName = "iohub-prelude.js"

// DefaultJSRuntime is where `npm ci` at the repository root puts the QuickJS
// build, relative to the config file's directory.
const DefaultJSRuntime = "node_modules/quickjs-wasi/quickjs.wasm"

// jsMinMemory is the least linear memory a VM gets, whatever
// [plugins] memoryLimit says: QuickJS itself starts at about 1.6 MiB.
const jsMinMemory = 4 << 20

// jsEngine is the QuickJS engine, made when the first JavaScript handler
// loads (compiling quickjs.wasm takes a few hundred milliseconds). Guarded by
// Host.reloadMu.
type jsEngine struct {
	path     string // quickjs.wasm
	engine   *jsvm.Engine
	err      error // why the last attempt failed, in this reload
	reported bool  // the failure of this reload was logged (and err is set)
}

// engineFor returns the engine, making it on first use. A missing runtime is
// retried at every reload, so `npm ci` then a reload (or SIGHUP) fixes it.
func (h *Host) engineFor(ctx context.Context) (*jsvm.Engine, error) {
	if h.js.engine != nil {
		return h.js.engine, nil
	}
	if h.js.reported { // tried in this reload already
		return nil, h.js.err
	}
	e, err := h.makeEngine(ctx)
	if err != nil {
		h.js.err, h.js.reported = err, true
		h.log.Error("JavaScript handlers cannot run", "err", err)
		return nil, err
	}
	h.js.engine = e
	return e, nil
}

func (h *Host) makeEngine(ctx context.Context) (*jsvm.Engine, error) {
	path := h.js.path
	if path == "" {
		return nil, errors.New("no JavaScript runtime configured ([plugins] jsRuntime)")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("the JavaScript runtime %s is missing: %s", path, npmHint(path))
		}
		return nil, fmt.Errorf("the JavaScript runtime %s cannot be read: %v", path, err)
	}
	start := time.Now()
	// Killable: a handler stuck where QuickJS's interrupt hook does not reach
	// (a loop inside a C builtin) is stopped at twice the deadline instead of
	// holding its goroutine, and a core, until the builtin ends.
	e, err := jsvm.New(ctx, jsvm.Options{Wasm: b, MemoryLimit: h.jsMemory(), Cache: h.cache, Killable: true})
	if err != nil {
		return nil, fmt.Errorf("the JavaScript runtime %s: %w", path, err)
	}
	if e.InstrumentErr != nil {
		h.log.Warn("JavaScript runtime not instrumented; runaway handlers are stopped the slow way (scripts run about five times slower)", "err", e.InstrumentErr)
	}
	h.log.Info("JavaScript runtime loaded", "path", path, "size", len(b), "compile", time.Since(start).Round(time.Millisecond), "kill", e.KillMode)
	return e, nil
}

// npmHint says how to get the runtime: npm ci where a package-lock.json
// pins it (the repository root), else the install command.
func npmHint(path string) string {
	const tail = "node_modules/quickjs-wasi/quickjs.wasm"
	if p := filepath.ToSlash(path); strings.HasSuffix(p, "/"+tail) || p == tail {
		dir := filepath.Dir(filepath.Dir(filepath.Dir(path)))
		if fileExists(filepath.Join(dir, "package-lock.json")) {
			return fmt.Sprintf("run `npm ci` in %s (it installs the quickjs-wasi package its package-lock.json pins)", dir)
		}
		return fmt.Sprintf("run `npm install quickjs-wasi@%s` in %s (the version iohub's package-lock.json pins), or point [plugins] jsRuntime at a quickjs.wasm", jsvm.RuntimeVersion, dir)
	}
	return fmt.Sprintf("install the npm package quickjs-wasi@%s (`npm ci` at iohub's repository root) and point [plugins] jsRuntime at its quickjs.wasm", jsvm.RuntimeVersion)
}

func (h *Host) jsMemory() int64 { return max(h.memLimit, jsMinMemory) }

// jsCode is one loaded version of a .js handler file and its pool of VMs.
type jsCode struct {
	host  *Host
	name  string // the file name, "chat.js": what logs and problems call it
	path  string
	hash  string
	size  int
	src   string // the file wrapped for the prelude's loader
	names []string
	log   *slog.Logger
	took  time.Duration
	pool  *pool

	// refs counts the generations built on this version, plus one while it
	// serves (as compiled.refs); the VMs are closed when it reaches zero.
	refs atomic.Int32
}

// jsInstance is one VM that ran the prelude and the file: the JavaScript
// engine behind the run path (jscall.go).
type jsInstance struct {
	code                    *jsCode
	vm                      *jsvm.VM
	dispatch, resume, abort jsvm.Value
	args                    [10]jsvm.Arg // the dispatcher's, reused (jsArgs)
}

func (c *jsCode) retain() { c.refs.Add(1) }

func (c *jsCode) release() {
	if c.refs.Add(-1) == 0 {
		c.pool.close(nil)
	}
}

func (in *jsInstance) close() { in.vm.Close() }

// tooBig reports whether the VM grew past three quarters of its cap: it is
// replaced before its next event would run out of memory.
func (in *jsInstance) tooBig() bool {
	return int64(in.vm.MemorySize()) > in.code.host.jsMemory()*3/4
}

// jsLoad is what the prelude's loader returns.
type jsLoad struct {
	Names []string `json:"names"`
	Logs  string   `json:"l"` // log records, as in an outcome
}

// newInstance makes a VM, runs the prelude and the file in it, and finds
// the prelude's entry points. It also returns the file's event names.
func (c *jsCode) newInstance(ctx context.Context) (*jsInstance, []string, error) {
	h := c.host
	engine := h.js.engine // set before any jsCode exists, never unset
	vm, err := engine.NewVM(ctx, jsvm.Config{
		HeapLimit:  h.jsMemory() / 2,
		StackLimit: 256 << 10,
		Stdout:     &lineWriter{log: c.log, level: slog.LevelInfo},
		Stderr:     &lineWriter{log: c.log, level: slog.LevelWarn},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrInvalidModule, c.name, err)
	}
	fail := func(err error) (*jsInstance, []string, error) {
		vm.Close()
		return nil, nil, fmt.Errorf("%w: %s", ErrInvalidModule, err)
	}
	// Top-level code runs under the init deadline, like a Wasm module's
	// _initialize and hub_init.
	vm.SetDeadline(time.Now().Add(h.initTimeout))
	cctx, cancel := context.WithTimeout(ctx, 2*h.initTimeout)
	defer cancel()
	if _, err := vm.Run(cctx, jsPrelude, preludeName); err != nil {
		return fail(fmt.Errorf("%s: the prelude failed: %v", c.name, err))
	}
	out, err := vm.Run(cctx, c.src, c.name)
	if err != nil {
		if vm.Interrupted() {
			return fail(fmt.Errorf("%s: its top-level code ran longer than %s", c.name, h.initTimeout))
		}
		return fail(errors.New(describeException(c.name, err)))
	}
	var ld jsLoad
	if err := json.Unmarshal([]byte(out), &ld); err != nil {
		return fail(fmt.Errorf("%s: the loader returned %.100q: %v", c.name, out, err))
	}
	logs, err := parseLogRecords([]byte(ld.Logs))
	if err != nil {
		return fail(fmt.Errorf("%s: the loader's logs: %v", c.name, err))
	}
	writeLogs(c.log, logs)
	g := vm.Global()
	in := &jsInstance{code: c, vm: vm, dispatch: vm.Get(g, "__iohub_d"), resume: vm.Get(g, "__iohub_r"), abort: vm.Get(g, "__iohub_abort")}
	vm.Free(g)
	if in.dispatch == 0 || in.resume == 0 || in.abort == 0 || vm.Closed() {
		return fail(fmt.Errorf("%s: the prelude's entry points are missing", c.name))
	}
	return in, ld.Names, nil
}

// framePos finds "file.js:line:col" in a QuickJS stack trace.
var framePos = regexp.MustCompile(`([^\s():]+):(\d+)(?::(\d+))?`)

// describeException makes a load failure readable: "chat.js:3:9: SyntaxError:
// unexpected token ...", with the position of the first frame in the file.
func describeException(file string, err error) string {
	var exc *jsvm.Exception
	if !errors.As(err, &exc) {
		return file + ": " + err.Error()
	}
	for _, m := range framePos.FindAllStringSubmatch(fixStack(file, exc.Stack), -1) {
		if m[1] == file {
			return m[0] + ": " + exc.Error()
		}
	}
	return file + ": " + exc.Error()
}

// fixStack takes the prelude's frames out of a stack trace (they are the
// hub's, not the handler's), and the wrapper's length off columns of the
// file's first line, the line wrapSource prefixes.
func fixStack(file, stack string) string {
	lines := strings.Split(strings.TrimRight(stack, "\n"), "\n")
	lines = slices.DeleteFunc(lines, func(l string) bool { return strings.Contains(l, preludeName+":") })
	return framePos.ReplaceAllStringFunc(strings.Join(lines, "\n"), func(pos string) string {
		m := framePos.FindStringSubmatch(pos)
		if m[1] != file || m[2] != "1" || m[3] == "" {
			return pos
		}
		col, err := strconv.Atoi(m[3])
		if err != nil || col <= len(wrapPrefix) {
			return pos
		}
		return file + ":1:" + strconv.Itoa(col-len(wrapPrefix))
	})
}

// wrapPrefix opens the function a handler file runs in.
const wrapPrefix = "__iohub_load((function (module, exports, require, __filename, __dirname) {"

// wrapSource turns a CommonJS file into the prelude loader's call. The
// wrapper opens on the file's first line, so line numbers in errors are the
// file's own.
func wrapSource(name, src string) string {
	src = strings.TrimPrefix(src, "\uFEFF")
	if strings.HasPrefix(src, "#!") { // a shebang line, as Node allows
		src = "//" + src
	}
	return wrapPrefix + src +
		"\n}), " + string(appendString(nil, name)) + ")"
}

// loadJS loads a .js file's content b (read by readStable, with its
// hash): the first VM runs it, which validates it and gives its event names.
func (h *Host) loadJS(ctx context.Context, name, path string, b []byte, hash string) (*jsCode, error) {
	if _, err := h.engineFor(ctx); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidModule, name, err)
	}
	start := time.Now()
	c := &jsCode{host: h, name: name, path: path, hash: hash, size: len(b), src: wrapSource(name, string(b)),
		log: h.log.With("plugin", name)}
	// Twice the deadline: the interrupt hook stops scripts at the deadline;
	// the kill is for code that does not poll it.
	c.pool = h.newPool(name, "VM", h.timeout, c.log, func(ctx context.Context) (guest, error) {
		in, _, err := c.newInstance(ctx)
		if err != nil {
			return nil, err
		}
		return in, nil
	})
	c.refs.Store(1) // the caller's reference
	in, names, err := c.newInstance(ctx)
	if err != nil {
		return nil, err
	}
	c.names, c.took = names, time.Since(start)
	c.pool.adopt(in)
	return c, nil
}

// handles reports whether the file has a handler for event.
func (c *jsCode) handles(event string) bool {
	for _, n := range c.names {
		if n == event {
			return true
		}
	}
	return false
}

// writeLogs writes a handler's log lines to the hub's log.
func writeLogs(log *slog.Logger, lines []jsLogEntry) {
	for _, l := range lines {
		logAt(log, int32(l.Level), capLine([]byte(l.Text)))
	}
}
