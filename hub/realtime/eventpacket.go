package realtime

import (
	"bytes"
	"encoding/json"
	"math"
)

// eventPacket is a client's Socket.IO EVENT packet for the main namespace,
// as the fast path reads it from an Engine.IO message (fastpath.go):
//
//	42 [ack id] [ "name" (, arg)* ]
//
// The arguments are kept as JSON, never decoded.
type eventPacket struct {
	name  string
	id    uint64
	hasID bool
	args  []byte // the arguments as a JSON array, in a buffer of its own
}

// parseEventPacket reads an EVENT packet of the main namespace from the
// payload of a WebSocket text message. ok is false for anything else (other
// packet types and namespaces, binary events, an id too long, a first
// argument that is not a string, invalid JSON), which the library's path
// then handles as it always did. payload is UTF-8 (the guard checked it);
// it is not changed. known is a name seen before (the socket's last event):
// an event of that name shares its string instead of allocating one.
func parseEventPacket(payload []byte, known string) (ev eventPacket, ok bool) {
	if len(payload) < 3 || payload[0] != '4' || payload[1] != '2' {
		return ev, false
	}
	i := 2
	for i < len(payload) && payload[i] >= '0' && payload[i] <= '9' {
		d := uint64(payload[i] - '0')
		if ev.id > (math.MaxUint64-d)/10 {
			return ev, false // past a uint64: the library's path decides
		}
		ev.id = ev.id*10 + d
		i++
	}
	ev.hasID = i > 2
	rest := payload[i:]
	if len(rest) == 0 || rest[0] != '[' || !json.Valid(rest) {
		return ev, false // a namespace ("/admin,"), or not an array of JSON
	}
	// The event name: a JSON string right after the bracket.
	j := 1 + spaces(rest[1:])
	if j >= len(rest) || rest[j] != '"' {
		return ev, false
	}
	end, escaped := stringEnd(rest, j)
	if escaped {
		if json.Unmarshal(rest[j:end], &ev.name) != nil {
			return ev, false
		}
	} else if name := rest[j+1 : end-1]; string(name) == known {
		ev.name = known
	} else {
		ev.name = string(name)
	}
	// What follows the name: "]" or ", arg, ...]"; rest is valid JSON, so
	// one of the two.
	k := end + spaces(rest[end:])
	args := make([]byte, 0, len(rest)-k+1)
	args = append(args, '[')
	if rest[k] == ',' {
		args = append(args, rest[k+1:]...)
	} else {
		args = append(args, ']')
	}
	if spaceOutsideStrings(args) {
		// Handlers are promised compact JSON (sdk/ABI.md section 4).
		var compact bytes.Buffer
		if json.Compact(&compact, args) != nil {
			return ev, false
		}
		args = compact.Bytes()
	}
	ev.args = args
	return ev, true
}

// spaceOutsideStrings reports whether JSON text b has whitespace between its
// tokens (JSON.stringify, what socket.io-client sends, writes none).
func spaceOutsideStrings(b []byte) bool {
	inString := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\r' || c == '\n'):
			return true
		}
	}
	return false
}

// spaces counts the JSON whitespace starting b.
func spaces(b []byte) int {
	n := 0
	for n < len(b) && (b[n] == ' ' || b[n] == '\t' || b[n] == '\r' || b[n] == '\n') {
		n++
	}
	return n
}

// stringEnd returns the index after the JSON string starting at b[start]
// (a quote) and whether it holds an escape. b is valid JSON.
func stringEnd(b []byte, start int) (int, bool) {
	escaped := false
	for i := start + 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			return i + 1, escaped
		}
	}
	return len(b), escaped
}
