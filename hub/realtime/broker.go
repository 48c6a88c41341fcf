package realtime

// Broker carries deliveries between the nodes of one hub. A Server applies
// every delivery (content events, raw emits, what handlers do to sockets,
// Strapi user changes) to its own sockets first, then publishes it through
// its Broker as an Op; the Broker hands the ops of the other nodes to the
// function the Server gave Start, which applies each to this node's sockets
// only. So a delivery leaves the realtime server once, whoever asked for it,
// and every node delivers what the origin decided (its rules, its sanitiser).
//
// Without a Broker (Options.Broker nil) the Server is the whole hub. The
// variants: MemoryBroker (servers of one process, broker_memory.go) and
// cluster.Node (nodes sharing a Redis server, package hub/cluster).
type Broker interface {
	// Start hands the broker the function that applies other nodes' ops
	// here. New calls it once, before the Server publishes anything. Until
	// then, ops of other nodes have no sockets here to reach and may be
	// dropped. apply is called with the ops of the other nodes only (never
	// this node's own), in the order each origin published them, and is safe
	// to call from any goroutine.
	Start(apply func(Op))
	// Publish hands an op already applied here to the other nodes. It is
	// called from many goroutines and must not block for long: what cannot
	// be sent is the broker's to count and drop. The op's values must not be
	// changed afterwards (a broker in memory passes them on as they are).
	Publish(op Op)
	// Reachable reports whether ops reach the other nodes now. A socket not
	// connected here (Send, Join, Leave, Disconnect) is looked for on the
	// other nodes only while they are reachable; a broadcast is published
	// either way (the broker drops and counts what it cannot send).
	Reachable() bool
}

// An Op is one delivery as other nodes apply it. It carries results, not
// requests: a content event travels as the rooms the origin's rules chose
// and the data its sanitiser left.
//
// Data and Args hold plain values only: JSON values (maps, slices, strings,
// numbers as float64 or json.Number, bools, nil) and []byte for binary. The
// Server turns every reader and buffer into those before it publishes, so a
// broker can encode an op without reading anything.
type Op struct {
	Kind OpKind
	// Event is the Socket.IO event name (OpEmit, OpBroadcast, OpSend).
	Event string
	// Data is the one data argument of an OpEmit.
	Data any
	// Args are the arguments of an OpBroadcast or OpSend.
	Args []any
	// Rooms of an OpEmit: their union; none means every socket.
	Rooms []string
	// Room of an OpBroadcast ("" = every socket), OpJoin or OpLeave.
	Room string
	// Except is the socket an OpBroadcast skips.
	Except string
	// SID is the socket of an OpSend, OpJoin, OpLeave or OpDisconnect.
	SID string
	// User is the Strapi user of an OpUser; Gone says they were blocked or
	// deleted.
	User string
	Gone bool
}

// OpKind says what an Op does. A node ignores kinds it does not know, so a
// newer node's ops do not break an older one.
type OpKind string

// The kinds of Op.
const (
	OpEmit       OpKind = "emit"       // EmitRaw: Data to the union of Rooms, or every socket
	OpBroadcast  OpKind = "broadcast"  // Broadcast: Args to Room or every socket, except Except
	OpSend       OpKind = "send"       // Send: Args to socket SID
	OpJoin       OpKind = "join"       // socket SID joins Room
	OpLeave      OpKind = "leave"      // socket SID leaves Room
	OpDisconnect OpKind = "disconnect" // socket SID is disconnected
	OpUser       OpKind = "user"       // UserChanged: User changed in Strapi
)

// publish hands op to the other nodes, if any.
func (s *Server) publish(op Op) {
	if s.broker != nil {
		s.broker.Publish(op)
	}
}

// elsewhere reports whether socket sid, not connected here, may be connected
// to another node: which node holds a socket is not tracked (that would cost
// a message per connection); an op for a socket no node has is ignored by all
// of them.
func (s *Server) elsewhere(sid string) bool {
	return sid != "" && s.broker != nil && s.broker.Reachable()
}

// apply applies an op of another node to this node's sockets, counted as
// deliveries here (an op's content event counts as raw: its rules ran on
// its origin).
func (s *Server) apply(op Op) {
	switch op.Kind {
	case OpEmit:
		if s.emitHere(op.Event, op.Data, op.Rooms) == nil {
			s.obs.Delivered(DeliveryRaw)
		}
	case OpBroadcast:
		if s.broadcastHere(op.Event, op.Args, op.Room, op.Except) == nil {
			s.obs.Delivered(DeliveryBroadcast)
		}
	case OpSend:
		if c := s.conn(op.SID); c != nil {
			s.sendHere(c, op.Event, op.Args)
		}
	case OpJoin:
		if c := s.conn(op.SID); c != nil {
			c.sock.Join(toRoom(op.Room))
		}
	case OpLeave:
		if c := s.conn(op.SID); c != nil {
			c.sock.Leave(toRoom(op.Room))
		}
	case OpDisconnect:
		if c := s.conn(op.SID); c != nil {
			c.sock.Disconnect(true)
		}
	case OpUser:
		if op.User != "" {
			s.userChangedHere(op.User, op.Gone)
		}
	default:
		s.log.Debug("ignoring an op of unknown kind (a node of a newer version?)", "kind", string(op.Kind))
	}
}
