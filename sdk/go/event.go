package iohub

import (
	"errors"
	"strconv"
)

// Event kinds (Event.Kind).
const (
	KindConnection = "connection" // a socket passed the handshake
	KindDisconnect = "disconnect" // a socket left; Reason says why
	KindEvent      = "event"      // a client event; Name is its name
)

// Event is one envelope (ABI.md section 4), decoded without reflection.
//
// The handler gets the same *Event for every event of an instance. The byte
// slices (Args, User) point into the SDK's reused input buffer: they are valid
// only until the handler returns; copy them to keep them. The strings are
// ordinary immutable Go strings and may be kept.
type Event struct {
	Kind     string // KindConnection, KindDisconnect or KindEvent
	Name     string // "connection", "disconnect" or the client's event name
	Ack      bool   // the client asked for an acknowledgement: Reply may be used
	SocketID string // the socket id (also a room)
	Role     string // the socket's role (also a room)
	UserID   string // "" for anonymous sockets
	Reason   string // the disconnect reason, "" otherwise
	TS       int64  // when the hub received the event, Unix milliseconds
	Args     []byte // raw JSON array: the client's arguments ("[]" for connection/disconnect)
	User     []byte // raw JSON of the verified token's claims, "null" when anonymous

	rooms   []byte // raw JSON array of rooms
	strs    string // backs the string fields; reused while the bytes are unchanged
	scratch []byte // unescaped string fields, reused across events
}

// Rooms returns the rooms the socket was in when the event was dispatched
// (allocates; see InRoom for a check that does not).
func (e *Event) Rooms() []string {
	var rooms []string
	it, ok := openArray(e.rooms)
	for ok {
		v, more := it.next()
		if !more {
			break
		}
		if s, isStr := Unquote(v); isStr {
			rooms = append(rooms, s)
		}
	}
	return rooms
}

// InRoom reports whether the socket was in room when the event was dispatched.
func (e *Event) InRoom(room string) bool {
	it, ok := openArray(e.rooms)
	for ok {
		v, more := it.next()
		if !more {
			return false
		}
		if len(v) >= 2 && v[0] == '"' {
			end, esc := skipString(v, 0)
			if end == len(v) && keyEquals(v[1:end-1], esc, room) {
				return true
			}
		}
	}
	return false
}

// NumArgs returns the number of client arguments.
func (e *Event) NumArgs() int {
	if n := Len(e.Args); n > 0 {
		return n
	}
	return 0
}

// Arg returns the raw JSON of argument i, or nil when there is none.
func (e *Event) Arg(i int) []byte { return Index(e.Args, i) }

// ArgString returns field key of argument i when it is a JSON string:
// for args [{"room":"lobby"}], ArgString(0, "room") is "lobby".
func (e *Event) ArgString(i int, key string) (string, bool) { return String(e.Arg(i), key) }

// ArgNumber returns field key of argument i when it is a JSON number.
func (e *Event) ArgNumber(i int, key string) (float64, bool) { return Number(e.Arg(i), key) }

// Shared defaults for absent keys (not allocated per event).
var emptyArray, jsonNull = []byte("[]"), []byte("null")

var errEnvelope = errors.New("iohub: malformed event envelope")

// span locates one string field in Event.scratch.
type span struct{ off, n int }

// parse decodes envelope b into e in one pass over the keys (order-independent,
// although the ABI fixes the order). String fields are unescaped into one
// scratch buffer and turned into a single Go string, which is reused when it
// equals the previous event's: repeated events of one socket allocate nothing.
func (e *Event) parse(b []byte) error {
	*e = Event{scratch: e.scratch[:0], strs: e.strs}
	var kind, name, sid, role, uid, reason span
	it, ok := openObject(b)
	if !ok {
		return errEnvelope
	}
	for {
		k, esc, v, ok := it.next()
		if !ok {
			break
		}
		if esc {
			continue // the envelope's keys have no escapes; an unknown key
		}
		switch string(k) {
		case "kind":
			kind = e.addString(v)
		case "event":
			name = e.addString(v)
		case "args":
			e.Args = v
		case "ack":
			e.Ack = string(v) == "true"
		case "reason":
			reason = e.addString(v)
		case "ts":
			e.TS, _ = strconv.ParseInt(string(v), 10, 64)
		case "socket":
			sit, ok := openObject(v)
			for ok {
				k, esc, v, more := sit.next()
				if !more {
					break
				}
				if esc {
					continue
				}
				switch string(k) {
				case "id":
					sid = e.addString(v)
				case "role":
					role = e.addString(v)
				case "userId":
					uid = e.addString(v)
				case "rooms":
					e.rooms = v
				case "user":
					e.User = v
				}
			}
		}
	}
	if kind.n == 0 {
		return errEnvelope
	}
	if string(e.scratch) != e.strs { // compared without allocating
		e.strs = string(e.scratch)
	}
	s := e.strs
	e.Kind, e.Name = s[kind.off:kind.off+kind.n], s[name.off:name.off+name.n]
	e.SocketID, e.Role = s[sid.off:sid.off+sid.n], s[role.off:role.off+role.n]
	e.UserID, e.Reason = s[uid.off:uid.off+uid.n], s[reason.off:reason.off+reason.n]
	if e.Args == nil {
		e.Args = emptyArray
	}
	if e.User == nil {
		e.User = jsonNull
	}
	return nil
}

// addString appends the decoded JSON string v to e.scratch; a non-string gives
// an empty span.
func (e *Event) addString(v []byte) span {
	if len(v) < 2 || v[0] != '"' {
		return span{}
	}
	off := len(e.scratch)
	e.scratch, _ = appendUnescaped(e.scratch, v[1:len(v)-1])
	return span{off, len(e.scratch) - off}
}
