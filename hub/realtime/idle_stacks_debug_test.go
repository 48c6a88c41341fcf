//go:build idlestacks

package realtime

// A diagnostic for TestIdleMemory, off by default: the size and use of every
// goroutine's stack, which the runtime does not report (StackInuse is a sum).
// It reads the runtime's goroutine list and the first fields of its g struct
// (stack bounds, saved stack pointer, status; go1.26 amd64 layout):
//
//	IOHUB_IDLE_MEM=2000 go test -tags idlestacks -ldflags=-checklinkname=0 \
//	    -run TestIdleMemory -v ./hub/realtime/

import (
	"fmt"
	"sort"
	"unsafe"
)

//go:linkname runtimeAllgs runtime.allgs
var runtimeAllgs []unsafe.Pointer

func init() { stackHistogram = stackSizes }

// stackSizes lists the goroutines by stack size, stack in use (down to the
// saved stack pointer, in 256-byte steps) and status (4: waiting, 6: dead),
// for groups of 50 or more.
func stackSizes() string {
	type key struct{ size, used, status uintptr }
	h := map[key]int{}
	for _, g := range runtimeAllgs {
		lo := *(*uintptr)(g)
		hi := *(*uintptr)(unsafe.Add(g, 8))
		sp := *(*uintptr)(unsafe.Add(g, 56)) // sched.sp
		st := uintptr(*(*uint32)(unsafe.Add(g, 144)))
		used := uintptr(0)
		if sp != 0 && hi != 0 {
			used = (hi - sp) / 256 * 256
		}
		h[key{hi - lo, used, st}]++
	}
	var ks []key
	for k := range h {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return h[ks[i]] > h[ks[j]] })
	s := ""
	for _, k := range ks {
		if h[k] >= 50 {
			s += fmt.Sprintf("  %5d goroutines: stack %6d, used ~%5d, status %d\n", h[k], k.size, k.used, k.status)
		}
	}
	return s
}
