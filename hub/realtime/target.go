package realtime

import (
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// The methods below implement handler.Target: what events[] handlers may do to
// sockets. A socket connected here is acted on here; any other is looked for
// on the other nodes, through the Broker (a socket id names one socket on one
// node).

func (s *Server) conn(sid string) *conn {
	c, _ := s.conns.Load(sid)
	cc, _ := c.(*conn)
	return cc
}

// Broadcast emits event with args to every socket (room "") or to room, on
// every node, except the socket exceptSID when given. It fails only for event
// names Socket.IO reserves.
func (s *Server) Broadcast(event string, args []any, room, exceptSID string) error {
	if s.broker != nil {
		args = prepareArgs(args)
	}
	if err := s.broadcastHere(event, args, room, exceptSID); err != nil {
		return err
	}
	s.obs.Delivered(DeliveryBroadcast)
	if s.broker != nil && !(room != "" && s.conn(room) != nil) { // the id room of a socket here: nobody else has it
		s.broker.Publish(Op{Kind: OpBroadcast, Event: event, Args: args, Room: room, Except: exceptSID})
	}
	return nil
}

// broadcastHere is Broadcast on this node's sockets.
func (s *Server) broadcastHere(event string, args []any, room, exceptSID string) error {
	var op *socket.BroadcastOperator
	if room == "" {
		op = s.io.To()
	} else {
		op = s.io.To(socket.Room(room))
	}
	if exceptSID != "" {
		op = op.Except(socket.Room(exceptSID))
	}
	return op.Emit(event, args...)
}

// Send emits to one socket. A socket not connected here is looked for on the
// other nodes: Send then reports true once the op is on its way, and false
// when no other node can be reached.
func (s *Server) Send(sid, event string, args []any) bool {
	if c := s.conn(sid); c != nil {
		return s.sendHere(c, event, args)
	}
	if !s.elsewhere(sid) {
		return false
	}
	s.publish(Op{Kind: OpSend, Event: event, Args: prepareArgs(args), SID: sid})
	return true
}

func (s *Server) sendHere(c *conn, event string, args []any) bool {
	if c.sock.Emit(event, args...) != nil {
		return false
	}
	s.obs.Delivered(DeliverySend)
	return true
}

// Join adds a socket, here or on another node, to a room; false for a socket
// not connected here when no other node can be reached.
func (s *Server) Join(sid, room string) bool {
	if c := s.conn(sid); c != nil {
		c.sock.Join(socket.Room(room))
		return true
	}
	return s.elsewhereOp(Op{Kind: OpJoin, SID: sid, Room: room})
}

// Leave removes a socket, here or on another node, from a room.
func (s *Server) Leave(sid, room string) bool {
	if c := s.conn(sid); c != nil {
		c.sock.Leave(socket.Room(room))
		return true
	}
	return s.elsewhereOp(Op{Kind: OpLeave, SID: sid, Room: room})
}

// Disconnect closes a socket, here or on another node.
func (s *Server) Disconnect(sid string) bool {
	if c := s.conn(sid); c != nil {
		c.sock.Disconnect(true)
		return true
	}
	return s.elsewhereOp(Op{Kind: OpDisconnect, SID: sid})
}

// elsewhereOp publishes op, for a socket not connected here, when other nodes
// can be reached.
func (s *Server) elsewhereOp(op Op) bool {
	if !s.elsewhere(op.SID) {
		return false
	}
	s.publish(op)
	return true
}

// HasSocket reports whether sid may be acted on: connected here, or possibly
// connected to another node while other nodes can be reached.
func (s *Server) HasSocket(sid string) bool { return s.conn(sid) != nil || s.elsewhere(sid) }
