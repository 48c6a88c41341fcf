package wasmguard

import (
	"context"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Instantiate registers ImportModule in r: tick calls tick (which checks the
// call's budget and panics to trap it), stack_overflow panics with
// ErrStackOverflow.
func Instantiate(ctx context.Context, r wazero.Runtime, tick func(context.Context)) error {
	b := r.NewHostModuleBuilder(ImportModule)
	b.NewFunctionBuilder().WithGoFunction(api.GoFunc(func(ctx context.Context, _ []uint64) {
		tick(ctx)
	}), nil, nil).Export(TickName)
	b.NewFunctionBuilder().WithGoFunction(api.GoFunc(func(context.Context, []uint64) {
		panic(ErrStackOverflow)
	}), nil, nil).Export(OverflowName)
	_, err := b.Instantiate(ctx)
	return err
}
