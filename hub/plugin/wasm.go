package plugin

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/iohub/iohub/hub/clienterr"
	"github.com/iohub/iohub/hub/plugin/internal/wasmguard"
)

// wasmGuest is one instantiated, initialised Wasm module: the Wasm engine
// behind the run path (run.go).
type wasmGuest struct {
	mod     api.Module
	onEvent api.Function
	stack   []uint64
	log     *slog.Logger
	stdout  *lineWriter // WASI stdout and stderr, capped per call like log
	stderr  *lineWriter
	abi     int32 // what hub_abi_version returned: ABIVersion or ABIVersion11
}

// call makes the ABI's one call, hub_on_event; the guest's host calls record
// its effects in cs. A trapped, timed-out or exited instance is never reused.
func (in *wasmGuest) call(lim limit, cs *callState) verdict {
	in.stdout.during(lim.ctx, cs)
	in.stderr.during(lim.ctx, cs)
	defer in.stdout.during(context.Background(), nil)
	defer in.stderr.during(context.Background(), nil)
	in.stack[0] = uint64(len(cs.input))
	if err := in.onEvent.CallWithStack(lim.ctx, in.stack); err != nil {
		reason, over := failureReason(err)
		return verdict{status: statusError, msg: clienterr.ErrHandlerFailed.Message, stopped: reason, overLimit: over}
	}
	switch status := int32(in.stack[0]); status {
	case statusOK:
		return verdict{status: statusOK, keep: true}
	case statusReject:
		msg := orDefault(cs.errMsg, clienterr.ErrHandlerRejected.Message)
		in.log.Debug("handler rejected the event", "message", msg, "socket", cs.sid)
		return verdict{status: statusReject, msg: msg, keep: true}
	default:
		msg := orDefault(cs.errMsg, clienterr.ErrHandlerFailed.Message)
		in.log.Warn("handler returned an error", "status", status, "message", msg, "socket", cs.sid)
		return verdict{status: statusError, msg: msg, keep: true}
	}
}

func (in *wasmGuest) close() { _ = in.mod.Close(context.Background()) }

// failureReason says in a log line why a guest call failed, and whether the
// hub stopped it for running over its limit (its budget or the backstop).
// Without close-on-context-done, what stops a guest is the guard: its tick
// (errBudget, or the caller's context), its stack bound, or a trap.
func failureReason(err error) (reason string, overLimit bool) {
	var be *errBudget
	var exit *sys.ExitError
	switch {
	case errors.As(err, &be):
		return be.Error(), true
	case errors.Is(err, wasmguard.ErrStackOverflow):
		return fmt.Sprintf("stack overflow: the call stack passed its bound of %d KiB (estimated)", stackLimit>>10), false
	case errors.As(err, &exit):
		return fmt.Sprintf("exited with code %d", exit.ExitCode()), false
	case errors.Is(err, context.Canceled):
		return "canceled", false
	}
	return "trap: " + err.Error(), false
}

// newWasm instantiates the module and runs _initialize, hub_abi_version and
// hub_init, each under the init deadline.
func (g *generation) newWasm(ctx context.Context) (*wasmGuest, error) {
	h := g.host
	// The start function, _initialize and hub_init run under one budget.
	ctx, bud := startBudget(ctx, h.initTimeout)
	defer bud.end()
	stdout := &lineWriter{log: g.log, level: slog.LevelInfo}
	stderr := &lineWriter{log: g.log, level: slog.LevelWarn}
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions(). // _initialize is called below, under the deadline
		WithStdout(stdout).
		WithStderr(stderr).
		WithSysWalltime().
		WithSysNanotime().
		WithRandSource(rand.Reader)
	mod, err := h.runtime.InstantiateModule(ctx, g.code.cm, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: instantiate: %v", ErrInvalidModule, g.code.name, err)
	}
	in := &wasmGuest{mod: mod, onEvent: mod.ExportedFunction("hub_on_event"), stack: make([]uint64, 1), log: g.log,
		stdout: stdout, stderr: stderr}
	fail := func(format string, args ...any) (*wasmGuest, error) {
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
	in.abi = int32(v[0])
	if in.abi != ABIVersion && in.abi != ABIVersion11 {
		return fail("hub_abi_version returned %d; this hub speaks ABI version %d and 1.1 (0x0101)", in.abi, ABIVersion)
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
