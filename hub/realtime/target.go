package realtime

import (
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// The methods below implement handler.Target: what events[] handlers may do to
// sockets. Sockets are looked up among those connected to this hub.

func (s *Server) conn(sid string) *conn {
	c, _ := s.conns.Load(sid)
	cc, _ := c.(*conn)
	return cc
}

// Broadcast emits event with args to every socket (room "") or to room, except
// the socket exceptSID when given.
func (s *Server) Broadcast(event string, args []any, room, exceptSID string) error {
	var op *socket.BroadcastOperator
	if room == "" {
		op = s.io.To()
	} else {
		op = s.io.To(socket.Room(room))
	}
	if exceptSID != "" {
		op = op.Except(socket.Room(exceptSID))
	}
	if err := op.Emit(event, args...); err != nil {
		return err
	}
	s.obs.Delivered(DeliveryBroadcast)
	return nil
}

// Send emits to one socket; false when it is not connected here.
func (s *Server) Send(sid, event string, args []any) bool {
	c := s.conn(sid)
	if c == nil {
		return false
	}
	if c.sock.Emit(event, args...) != nil {
		return false
	}
	s.obs.Delivered(DeliverySend)
	return true
}

// Join adds a socket to a room; false for an unknown socket.
func (s *Server) Join(sid, room string) bool {
	c := s.conn(sid)
	if c == nil {
		return false
	}
	c.sock.Join(socket.Room(room))
	return true
}

// Leave removes a socket from a room; false for an unknown socket.
func (s *Server) Leave(sid, room string) bool {
	c := s.conn(sid)
	if c == nil {
		return false
	}
	c.sock.Leave(socket.Room(room))
	return true
}

// Disconnect closes a socket; false for an unknown socket.
func (s *Server) Disconnect(sid string) bool {
	c := s.conn(sid)
	if c == nil {
		return false
	}
	c.sock.Disconnect(true)
	return true
}

// HasSocket reports whether sid is connected to this hub.
func (s *Server) HasSocket(sid string) bool { return s.conn(sid) != nil }
