package realtime

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/iohub/iohub/hub/auth"
	"github.com/iohub/iohub/hub/clienterr"
	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/limit"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// maxPending bounds the events of one socket waiting for its handlers. A client
// that sends faster than its handlers run gets errors instead of growing the
// hub's memory.
const maxPending = 256

// conn is the hub's record of a connected socket.
type conn struct {
	sock   *socket.Socket
	id     *auth.Identity
	queue  serialQueue
	events limit.Bucket // limits.eventsPerSecond
	closed atomic.Bool  // set by the first disconnect report
	// viaLibrary counts fast-path events waiting in the library's socket
	// queue (fastpath.go): while one does, the next go there too.
	viaLibrary atomic.Int32
	rooms      atomic.Pointer[roomList] // the last list handed to handlers (rooms.go)
	// lastEvent is the name of the last event the fast path read; only the
	// connection's reader touches it.
	lastEvent string
}

// serialQueue runs its tasks one at a time, in order, on a goroutine that exists
// only while there is work: a socket's events reach handlers in order, while
// different sockets run in parallel.
type serialQueue struct {
	mu      sync.Mutex
	tasks   []func()
	running bool
}

// push queues f; it reports false when maxPending tasks are already waiting.
// Forced tasks (connection, disconnect) are queued regardless.
func (q *serialQueue) push(f func(), force bool) bool {
	q.mu.Lock()
	if !force && len(q.tasks) >= maxPending {
		q.mu.Unlock()
		return false
	}
	q.tasks = append(q.tasks, f)
	if q.running {
		q.mu.Unlock()
		return true
	}
	q.running = true
	q.mu.Unlock()
	go q.drain()
	return true
}

// runHere runs f on the calling goroutine when q is idle, then what was
// queued meanwhile; otherwise it queues f as push does. The fast path's
// events run so, on the goroutine that read them: no goroutine is started
// (and grown) per event.
func (q *serialQueue) runHere(f func()) bool {
	q.mu.Lock()
	if q.running {
		if len(q.tasks) >= maxPending {
			q.mu.Unlock()
			return false
		}
		q.tasks = append(q.tasks, f)
		q.mu.Unlock()
		return true
	}
	q.running = true
	q.mu.Unlock()
	f()
	q.drain()
	return true
}

func (q *serialQueue) drain() {
	for {
		q.mu.Lock()
		if len(q.tasks) == 0 {
			q.running = false
			q.tasks = nil
			q.mu.Unlock()
			return
		}
		f := q.tasks[0]
		q.tasks[0] = nil
		q.tasks = q.tasks[1:]
		q.mu.Unlock()
		f()
	}
}

// SetHandlers installs what runs events[] handlers. Call it before serving.
func (s *Server) SetHandlers(d handler.Dispatcher) { s.handlers = d }

// callFor describes sock for a handler call.
func callFor(c *conn, kind handler.Kind, event string, args []any, ack bool, rooms []string) *handler.Call {
	id := c.id
	return &handler.Call{
		Kind:  kind,
		Event: event,
		Args:  args,
		Ack:   ack,
		Socket: handler.Socket{
			ID:     string(c.sock.Id()),
			Role:   id.Role,
			UserID: id.UserID,
			Rooms:  rooms,
			Claims: id.Claims,
		},
		Received: time.Now(),
	}
}

// replier answers a client's ack with a call's outcome: through the library
// (libraryReply) or as a frame of the hub's own (fastpath.go). nil: the client
// asked for no ack.
type replier func(out handler.Outcome)

// libraryReply answers through the ack callback the library made.
func libraryReply(ack socket.Ack) replier {
	if ack == nil {
		return nil
	}
	return func(out handler.Outcome) {
		switch {
		case out.Error != "":
			ack([]any{map[string]any{"error": out.Error}}, nil)
		case out.Replied:
			ack(out.ReplyArgs(), nil)
		default:
			ack([]any{}, nil)
		}
	}
}

// dispatch queues call for c's handlers and answers reply (if any) with the
// outcome.
func (s *Server) dispatch(c *conn, call *handler.Call, reply replier, force bool) {
	s.enqueue(c, call, reply, func(f func()) bool { return c.queue.push(f, force) })
}

// dispatchHere is dispatch running the call on the calling goroutine when c
// has nothing queued (serialQueue.runHere).
func (s *Server) dispatchHere(c *conn, call *handler.Call, reply replier) {
	s.enqueue(c, call, reply, c.queue.runHere)
}

func (s *Server) enqueue(c *conn, call *handler.Call, reply replier, queue func(func()) bool) {
	ok := queue(func() {
		out := s.handlers.Handle(s.ctx, call)
		if call.Kind == handler.Connection && out.Reject {
			s.log.Debug("connection rejected by a handler", "socket", call.Socket.ID, "message", out.Error)
			c.sock.Disconnect(true)
		}
		if reply != nil {
			reply(out)
		}
	})
	if !ok {
		s.queueFull(c, call.Event, reply)
	}
}

// admit counts a client event and reports whether it goes to the handlers:
// a handler is bound to its name, the name is not one of the hub's own
// ("connection" and "disconnect": a client emitting them must not look like
// one), and the socket is within limits.eventsPerSecond.
func (s *Server) admit(c *conn, event string, reply replier) bool {
	s.obs.EventReceived()
	if event == "" || event == string(handler.Connection) || event == string(handler.Disconnect) || s.handlers == nil || !s.handlers.Bound(event) {
		s.obs.EventDropped(DropNoHandler)
		return false
	}
	return s.allowEvent(c, event, reply)
}

// queueFull drops an event of a socket with maxPending events waiting.
func (s *Server) queueFull(c *conn, event string, reply replier) {
	s.obs.EventDropped(DropQueueFull)
	s.log.Warn("event dropped: too many events waiting for handlers", "socket", c.sock.Id(), "event", event)
	if reply != nil {
		reply(handler.Outcome{Error: clienterr.ErrTooManyPending.Message})
	}
}

// onClientEvent passes a client event to its handlers. The library hands any
// listener the event name, the arguments and, last, the ack callback when the
// client asked for one.
func (s *Server) onClientEvent(c *conn, args []any) {
	if len(args) == 0 {
		return
	}
	event, _ := args[0].(string) // not a string: no handler has its name
	args = args[1:]
	var ack socket.Ack
	if n := len(args); n > 0 {
		if a, isAck := args[n-1].(socket.Ack); isAck {
			ack, args = a, args[:n-1]
		}
	}
	reply := libraryReply(ack)
	if !s.admit(c, event, reply) {
		return
	}
	for i, a := range args {
		args[i] = plainBinary(a)
	}
	s.dispatch(c, callFor(c, handler.Event, event, args, ack != nil, s.roomsOf(c)), reply, false)
}

// plainBinary returns v with the parser's binary attachments
// (*types.BytesBuffer) as []byte, the form handler.Call promises, changing
// slices and maps in place: they are the packet's own.
func plainBinary(v any) any {
	switch x := v.(type) {
	case *types.StringBuffer:
		return x.String()
	case types.BufferInterface:
		return x.Bytes()
	case []any:
		for i, e := range x {
			x[i] = plainBinary(e)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = plainBinary(e)
		}
	}
	return v
}
