// Package handler holds the vocabulary shared by the socket side (package
// realtime) and whatever runs events[] handlers (package plugin): the call a
// socket event becomes, its outcome, and what a handler may do to sockets. It
// exists so that neither side imports the other.
package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/iohub/iohub/hub/access"
)

// Kind says what happened to the socket.
type Kind string

// The kinds of calls.
const (
	// Connection: a socket passed the handshake (never sent for refused sockets).
	Connection Kind = "connection"
	// Disconnect: a socket went away; Call.Reason says why.
	Disconnect Kind = "disconnect"
	// Event: the client emitted an event; Call.Event names it.
	Event Kind = "event"
)

// Socket describes the socket a call is about, as of when it was dispatched.
type Socket struct {
	ID     string
	Role   string
	UserID string         // "" when anonymous
	Rooms  []string       // sorted
	Claims map[string]any // the verified token's claims; nil when anonymous
}

// Call is one socket event on its way to the handlers bound to it.
type Call struct {
	Kind  Kind
	Event string // "connection", "disconnect", or the client's event name
	Args  []any  // the client's arguments, without the ack callback; binary values are []byte
	// ArgsJSON, when not nil, holds the client's arguments instead of Args:
	// a JSON array as the client sent it (valid JSON and UTF-8, no binary).
	// The socket side's own WebSocket reader passes events this way, so they
	// are never decoded into Go values.
	ArgsJSON []byte
	Ack      bool // the client asked for an acknowledgement
	Socket   Socket
	Reason   string // disconnect reason; "" otherwise
	Received time.Time
}

// Outcome is what the socket side does after the handlers ran.
type Outcome struct {
	// Replied is set when a handler answered the ack; Reply or ReplyJSON
	// holds its arguments.
	Replied bool
	// Reply holds the reply's arguments when they carry binary ([]byte
	// values); nil otherwise.
	Reply []any
	// ReplyJSON holds the reply's arguments as a JSON array (valid JSON and
	// UTF-8) when they carry no binary; nil otherwise.
	ReplyJSON []byte
	// Error, when not empty, is the message of a failed or rejecting handler;
	// the client's ack gets {"error": Error}.
	Error string
	// Reject is set when a handler rejected the event (status 2). On a
	// connection, the socket is disconnected.
	Reject bool
}

// ReplyArgs returns the reply's arguments as Go values (JSON numbers as
// json.Number): Reply, or ReplyJSON decoded.
func (o Outcome) ReplyArgs() []any {
	if o.Reply != nil || o.ReplyJSON == nil {
		return o.Reply
	}
	dec := json.NewDecoder(bytes.NewReader(o.ReplyJSON))
	dec.UseNumber()
	var args []any
	if dec.Decode(&args) != nil || args == nil {
		return []any{} // cannot happen: ReplyJSON is a valid array
	}
	return args
}

// Dispatcher runs the handlers bound to socket events.
type Dispatcher interface {
	// Bound reports whether any handler is bound to the event name.
	Bound(event string) bool
	// Handle runs the handlers bound to call.Event, in order, and applies their
	// socket effects. It never panics and never blocks longer than the
	// handlers' deadlines.
	Handle(ctx context.Context, call *Call) Outcome
}

// Target is what handlers may do to sockets. The realtime server implements it;
// all methods are safe for concurrent use.
type Target interface {
	// EmitContent is the permission-checked emit (as /hub/emit); it returns the
	// role rooms reached.
	EmitContent(ev access.ContentEvent, data any) []string
	// Broadcast emits event with args to every socket (room "") or to a room,
	// optionally except one socket. It fails only for reserved event names.
	Broadcast(event string, args []any, room, exceptSID string) error
	// EmitRaw emits event with one data argument once to each socket in the
	// union of rooms (every socket when rooms is empty), as /hub/raw. It
	// fails only for reserved event names.
	EmitRaw(event string, data any, rooms []string) error
	// Send emits to one socket; false when no such socket is connected here.
	Send(sid, event string, args []any) bool
	// Join and Leave change a socket's rooms; false for an unknown socket.
	Join(sid, room string) bool
	Leave(sid, room string) bool
	// Disconnect closes a socket; false for an unknown socket.
	Disconnect(sid string) bool
	// HasSocket reports whether sid may be acted on: connected to this
	// node, or, in a cluster whose other nodes are reachable, possibly to
	// another one.
	HasSocket(sid string) bool
}
