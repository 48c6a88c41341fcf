package realtime

import (
	"errors"
	"slices"
	"sync"

	"github.com/iohub/iohub/hub/clienterr"
	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/limit"
	"github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// admission applies [limits] to the sockets of one Server. Every socket takes
// a slot in the handshake, before authentication, so concurrent handshakes
// are counted exactly; slots are counted even with every limit off, so that
// limits turned on later by SetLimits see the sockets already there.
type admission struct {
	l *limit.Limiter

	// engines holds, per Engine.IO connection id, the slots of its sockets.
	// A socket whose handshake succeeds while its connection is closing never
	// reaches "connection" nor "disconnect" (the library drops it silently),
	// so the connection's close is what releases such a slot.
	engines sync.Map // string -> *engineSlots
}

// SetLimits replaces the limits. They apply to the next handshake and the next
// client event; sockets over a lowered limit stay connected.
func (s *Server) SetLimits(l limit.Settings) { s.adm.l.SetSettings(l) }

// LimitStats reports the sockets counted and what the limits refused.
func (s *Server) LimitStats() limit.Stats { return s.adm.l.Stats() }

// admit takes sock's slot, or returns the clienterr refusal. release gives the
// slot back; it is also called on the socket's disconnect and on its Engine.IO
// connection's close, whichever comes first.
func (a *admission) admit(sock *socket.Socket) (release func(), err error) {
	ip := a.l.ClientIP(sock.Conn().RemoteAddress(), forwardedFor(sock))
	slot, err := a.l.Admit(ip)
	switch {
	case errors.Is(err, limit.ErrTooManyHandshakes):
		return nil, clienterr.ErrTooManyHandshakes
	case err != nil:
		return nil, clienterr.ErrTooManyConnections
	}
	es := a.hold(sock.Conn(), slot)
	release = func() {
		slot.Release()
		es.remove(slot)
	}
	_ = sock.Once("disconnect", func(...any) { release() })
	return release, nil
}

// forwardedFor is the X-Forwarded-For of the request that opened sock's
// Engine.IO connection.
func forwardedFor(sock *socket.Socket) []string {
	ctx := sock.Request()
	if ctx == nil || ctx.Request() == nil {
		return nil
	}
	return ctx.Request().Header.Values("X-Forwarded-For")
}

// hold ties slot to conn: conn's close releases it. One close listener per
// connection (the library cannot remove a closure listener reliably, so one
// per socket would pile up on a connection that connects and disconnects the
// same namespace again and again).
func (a *admission) hold(conn engine.Socket, slot *limit.Slot) *engineSlots {
	id := string(conn.Id())
	v, loaded := a.engines.LoadOrStore(id, &engineSlots{})
	es := v.(*engineSlots)
	if !es.add(slot) { // the connection closed meanwhile
		slot.Release()
		return es
	}
	if !loaded {
		closed := func(...any) {
			a.engines.CompareAndDelete(id, es)
			es.releaseAll()
		}
		_ = conn.Once("close", closed)
		// The engine marks itself closed before it emits "close": a close that
		// came before the listener is seen here.
		if conn.ReadyState() == "closed" {
			closed()
		}
	}
	return es
}

// engineSlots are the slots of one Engine.IO connection's sockets: one per
// namespace, so a slice (a map cost each idle connection 200 bytes more).
type engineSlots struct {
	mu     sync.Mutex
	slots  []*limit.Slot
	closed bool
}

func (e *engineSlots) add(s *limit.Slot) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.slots = append(e.slots, s)
	return true
}

func (e *engineSlots) remove(s *limit.Slot) {
	e.mu.Lock()
	if i := slices.Index(e.slots, s); i >= 0 {
		e.slots = slices.Delete(e.slots, i, i+1)
	}
	e.mu.Unlock()
}

func (e *engineSlots) releaseAll() {
	e.mu.Lock()
	slots := e.slots
	e.slots, e.closed = nil, true
	e.mu.Unlock()
	for _, s := range slots {
		s.Release()
	}
}

// allowEvent reports whether c may send one more event to its handlers. An
// event over the rate is answered {"error": "rate limited"} when it asked for
// an ack, and dropped either way; the limiter counts it.
func (s *Server) allowEvent(c *conn, event string, reply replier) bool {
	if s.adm.l.AllowEvent(&c.events) {
		return true
	}
	s.log.Debug("event dropped: over limits.eventsPerSecond", "socket", c.sock.Id(), "event", event)
	s.obs.EventDropped(DropRateLimited)
	if reply != nil {
		reply(handler.Outcome{Error: clienterr.ErrRateLimited.Message})
	}
	return false
}
