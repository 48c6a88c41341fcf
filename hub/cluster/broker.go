package cluster

import (
	"log/slog"
	"strings"

	"github.com/iohub/iohub/hub/cluster/internal/wire"
	"github.com/iohub/iohub/hub/realtime"
)

// The methods below make a Node the realtime server's Broker: the server
// applies each delivery to this node's sockets and publishes it here; ops of
// the other nodes come back through the function it gave Start.

// Start sets the function that applies other nodes' ops to this node's
// sockets. Ops that arrive before it are dropped: there is no socket here
// yet to reach.
func (n *Node) Start(apply func(realtime.Op)) { n.apply.Store(&apply) }

// Publish sends op to the other nodes, in order; see publish for what
// happens while Redis is down or slow.
func (n *Node) Publish(op realtime.Op) {
	o := &wire.Op{
		Kind:   wire.Kind(op.Kind),
		Event:  op.Event,
		Rooms:  op.Rooms,
		Room:   op.Room,
		Except: op.Except,
		SID:    op.SID,
		User:   op.User,
		Gone:   op.Gone,
	}
	var v any
	switch op.Kind {
	case realtime.OpEmit:
		v = op.Data
	case realtime.OpBroadcast, realtime.OpSend:
		v = op.Args
	}
	n.publish(o, v)
}

// Reachable reports whether ops reach the other nodes: Redis answered the
// last check or publish, and the node is not closing.
func (n *Node) Reachable() bool { return !n.closing.Load() && n.pubOK.Load() }

// receive applies an op published by any node; this node's own are skipped
// (they were applied when made). Ops are applied in the order received.
func (n *Node) receive(payload string) {
	if strings.HasPrefix(payload, n.self) {
		return
	}
	o, v, err := wire.Decode([]byte(payload))
	if err != nil {
		// Once at warn level: a node of another version would repeat it per op.
		level := slog.LevelDebug
		if n.badOps.Add(1) == 1 {
			level = slog.LevelWarn
		}
		n.log.Log(n.ctx, level, "cluster: ignoring ops that do not decode (a node of another version on the same channel?)", "err", err)
		return
	}
	if o.Node == n.id {
		return
	}
	apply := n.apply.Load()
	if apply == nil {
		return
	}
	n.applied.Add(1)
	op := realtime.Op{
		Kind:   realtime.OpKind(o.Kind),
		Event:  o.Event,
		Rooms:  o.Rooms,
		Room:   o.Room,
		Except: o.Except,
		SID:    o.SID,
		User:   o.User,
		Gone:   o.Gone,
	}
	switch op.Kind {
	case realtime.OpBroadcast, realtime.OpSend:
		op.Args, _ = v.([]any)
	default:
		op.Data = v
	}
	(*apply)(op)
}
