package realtime

import (
	"slices"
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

func roomsOf(sock *socket.Socket) []string {
	keys := sock.Rooms().Keys()
	rooms := make([]string, len(keys))
	for i, r := range keys {
		rooms[i] = string(r)
	}
	slices.Sort(rooms)
	return rooms
}

// dispatch queues call for c's handlers and answers ack (if any) with the outcome.
func (s *Server) dispatch(c *conn, call *handler.Call, ack socket.Ack, force bool) {
	ok := c.queue.push(func() {
		out := s.handlers.Handle(s.ctx, call)
		if call.Kind == handler.Connection && out.Reject {
			s.log.Debug("connection rejected by a handler", "socket", call.Socket.ID, "message", out.Error)
			c.sock.Disconnect(true)
		}
		if ack == nil {
			return
		}
		switch {
		case out.Error != "":
			ack([]any{map[string]any{"error": out.Error}}, nil)
		case out.Replied:
			ack(out.Reply, nil)
		default:
			ack([]any{}, nil)
		}
	}, force)
	if !ok {
		s.obs.EventDropped(DropQueueFull)
		s.log.Warn("event dropped: too many events waiting for handlers", "socket", call.Socket.ID, "event", call.Event)
		if ack != nil {
			ack([]any{map[string]any{"error": clienterr.TooManyPending}}, nil)
		}
	}
}

// onClientEvent passes a client event to its handlers. The library hands any
// listener the event name, the arguments and, last, the ack callback when the
// client asked for one.
func (s *Server) onClientEvent(c *conn, args []any) {
	if len(args) == 0 {
		return
	}
	s.obs.EventReceived()
	event, ok := args[0].(string)
	// "connection" and "disconnect" are the hub's to send; a client emitting
	// them must not look like one.
	if !ok || event == string(handler.Connection) || event == string(handler.Disconnect) || s.handlers == nil || !s.handlers.Bound(event) {
		s.obs.EventDropped(DropNoHandler)
		return
	}
	args = args[1:]
	var ack socket.Ack
	if n := len(args); n > 0 {
		if a, isAck := args[n-1].(socket.Ack); isAck {
			ack, args = a, args[:n-1]
		}
	}
	if !s.allowEvent(c, event, ack) {
		return
	}
	for i, a := range args {
		args[i] = plainBinary(a)
	}
	s.dispatch(c, callFor(c, handler.Event, event, args, ack != nil, roomsOf(c.sock)), ack, false)
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
