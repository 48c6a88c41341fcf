package cluster

import (
	"context"
	"log/slog"
	"slices"
	"strings"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/cluster/internal/wire"
)

// The methods below are the hub's Emitter (the HTTP API's, handler.Target,
// Strapi user changes) for the whole cluster: each applies the delivery to
// this node's sockets, then publishes it for the others. Socket operations on
// a socket connected here stay here (a socket id names one socket on one
// node).

// EmitContent is the permission-checked emit. The rules and the sanitiser run
// here, once; other nodes get the resulting rooms and data of each distinct
// payload (one op per shape), so they deliver exactly what this node decided,
// whatever their own config says.
func (n *Node) EmitContent(ev access.ContentEvent, data any) []string {
	data = n.clean.Load().Clean(wire.Prepare(data))
	rooms := []string{}
	for _, d := range n.local.PlanContent(ev, data) {
		if len(d.Rooms) == 0 { // no rooms means nobody; never send that as "everyone"
			continue
		}
		_ = n.local.EmitRaw(ev.Name(), d.Data, d.Rooms) // content event names are never reserved
		n.publish(&wire.Op{Kind: wire.KindEmit, Event: ev.Name(), Rooms: d.Rooms}, d.Data)
		rooms = append(rooms, d.Rooms...)
	}
	slices.Sort(rooms)
	return rooms
}

// EmitRaw sends event with data, unchecked, to the union of rooms (every
// socket when there are none) on every node.
func (n *Node) EmitRaw(event string, data any, rooms []string) error {
	data = wire.Prepare(data)
	if err := n.local.EmitRaw(event, data, rooms); err != nil {
		return err // a reserved name: refused everywhere
	}
	if len(rooms) == 1 && n.local.HasSocket(rooms[0]) {
		return nil // a socket id room of a socket here: nobody else has it
	}
	n.publish(&wire.Op{Kind: wire.KindEmit, Event: event, Rooms: rooms}, data)
	return nil
}

// Broadcast emits event with args to every socket (room "") or to room, on
// every node, except the socket exceptSID.
func (n *Node) Broadcast(event string, args []any, room, exceptSID string) error {
	args = wire.PrepareArgs(args)
	if err := n.local.Broadcast(event, args, room, exceptSID); err != nil {
		return err
	}
	if room != "" && n.local.HasSocket(room) {
		return nil
	}
	n.publish(&wire.Op{Kind: wire.KindBroadcast, Event: event, Room: room, Except: exceptSID}, args)
	return nil
}

// Send emits to one socket. A socket not connected here is looked for on the
// other nodes: Send then reports true once the op is on its way, and false
// only while Redis is unreachable (nothing can reach other nodes).
func (n *Node) Send(sid, event string, args []any) bool {
	if n.local.HasSocket(sid) {
		return n.local.Send(sid, event, args)
	}
	if !n.remote(sid) {
		return false
	}
	n.publish(&wire.Op{Kind: wire.KindSend, Event: event, SID: sid}, wire.PrepareArgs(args))
	return true
}

// Join adds a socket, here or on another node, to a room.
func (n *Node) Join(sid, room string) bool {
	if n.local.HasSocket(sid) {
		return n.local.Join(sid, room)
	}
	return n.remoteOp(&wire.Op{Kind: wire.KindJoin, SID: sid, Room: room})
}

// Leave removes a socket, here or on another node, from a room.
func (n *Node) Leave(sid, room string) bool {
	if n.local.HasSocket(sid) {
		return n.local.Leave(sid, room)
	}
	return n.remoteOp(&wire.Op{Kind: wire.KindLeave, SID: sid, Room: room})
}

// Disconnect closes a socket, here or on another node.
func (n *Node) Disconnect(sid string) bool {
	if n.local.HasSocket(sid) {
		return n.local.Disconnect(sid)
	}
	return n.remoteOp(&wire.Op{Kind: wire.KindDisconnect, SID: sid})
}

// HasSocket reports whether sid may be acted on: connected here, or possibly
// connected to another node while Redis is reachable. Which node holds a
// socket is not tracked (that would cost a Redis write per connection); an op
// for a socket no node has is ignored by all of them.
func (n *Node) HasSocket(sid string) bool {
	return n.local.HasSocket(sid) || n.remote(sid)
}

func (n *Node) remote(sid string) bool {
	return sid != "" && !n.closing.Load() && n.pubOK.Load()
}

func (n *Node) remoteOp(o *wire.Op) bool {
	if !n.remote(o.SID) {
		return false
	}
	n.publish(o, nil)
	return true
}

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
	n.applied.Add(1)
	args, _ := v.([]any)
	switch o.Kind {
	case wire.KindEmit:
		_ = n.local.EmitRaw(o.Event, v, o.Rooms)
	case wire.KindBroadcast:
		_ = n.local.Broadcast(o.Event, args, o.Room, o.Except)
	case wire.KindSend:
		if n.local.HasSocket(o.SID) {
			n.local.Send(o.SID, o.Event, args)
		}
	case wire.KindJoin:
		if n.local.HasSocket(o.SID) {
			n.local.Join(o.SID, o.Room)
		}
	case wire.KindLeave:
		if n.local.HasSocket(o.SID) {
			n.local.Leave(o.SID, o.Room)
		}
	case wire.KindDisconnect:
		if n.local.HasSocket(o.SID) {
			n.local.Disconnect(o.SID)
		}
	case wire.KindUser:
		if o.User != "" {
			n.local.UserChanged(o.User, o.Gone)
		}
	default:
		n.log.Debug("cluster: ignoring an op of unknown kind", "kind", string(o.Kind), "from", o.Node)
	}
}

// Pace implements ingress.Pacer when the local server does: an emit posted to
// this node waits for this node's sockets to catch up. (Other nodes' sockets
// are not waited for; their writers pace against Redis's delivery instead.)
func (n *Node) Pace(ctx context.Context) {
	if p, ok := n.local.(interface{ Pace(context.Context) }); ok {
		p.Pace(ctx)
	}
}

// UserChanged applies a Strapi user change (gone: blocked or deleted) on
// every node: a Strapi webhook reaches one node, and every node caches users
// and holds sockets.
func (n *Node) UserChanged(id string, gone bool) {
	if id == "" {
		return
	}
	n.local.UserChanged(id, gone)
	n.publish(&wire.Op{Kind: wire.KindUser, User: id, Gone: gone}, nil)
}
