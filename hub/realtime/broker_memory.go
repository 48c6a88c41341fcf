package realtime

import (
	"sync"
	"sync/atomic"
)

// MemoryBroker joins Servers of one process into one hub, as Redis joins the
// nodes of a cluster (package hub/cluster): a program that spreads its
// sockets over several Servers, or a test of several nodes without Redis.
// Give each Server its own Node.
//
// Ops are applied on the other Servers before Publish returns, in the
// publishing goroutine: nothing is queued, nothing is dropped, and the ops of
// one goroutine arrive in the order it made them. Their values are shared,
// not copied.
type MemoryBroker struct {
	mu    sync.Mutex // serialises Node
	nodes atomic.Pointer[[]*memoryNode]
}

// NewMemoryBroker returns a broker with no nodes yet.
func NewMemoryBroker() *MemoryBroker {
	b := &MemoryBroker{}
	b.nodes.Store(&[]*memoryNode{})
	return b
}

// Node returns the Broker of one more Server (Options.Broker).
func (b *MemoryBroker) Node() Broker {
	n := &memoryNode{b: b}
	b.mu.Lock()
	defer b.mu.Unlock()
	nodes := append(append([]*memoryNode(nil), *b.nodes.Load()...), n)
	b.nodes.Store(&nodes)
	return n
}

// memoryNode is one Server's membership of a MemoryBroker.
type memoryNode struct {
	b     *MemoryBroker
	apply atomic.Pointer[func(Op)] // nil until Start
}

func (n *memoryNode) Start(apply func(Op)) { n.apply.Store(&apply) }

// Publish applies op on every other started node. No lock is held meanwhile:
// applying an op may make another node publish (a disconnect handler that
// broadcasts), and that must not wait for this one.
func (n *memoryNode) Publish(op Op) {
	for _, o := range *n.b.nodes.Load() {
		if o == n {
			continue
		}
		if apply := o.apply.Load(); apply != nil {
			(*apply)(op)
		}
	}
}

func (n *memoryNode) Reachable() bool { return true }
