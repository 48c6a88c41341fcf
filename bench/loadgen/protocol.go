//go:build linux

package main

import (
	"bytes"
	"errors"
	"math"
	"strconv"
)

// The wire format this load generator speaks: Engine.IO v4 over WebSocket, one
// Engine.IO packet per text frame, and Socket.IO v5 packets inside message
// packets. Only what the scenarios need is parsed (no binary attachments, no
// polling, no payload batching), which keeps the client cheap enough that 10,000
// of them measure the server and not themselves.

// Engine.IO packet types (the first byte of a frame).
const (
	eioOpen    = '0'
	eioClose   = '1'
	eioPing    = '2'
	eioPong    = '3'
	eioMessage = '4'
	eioNoop    = '6'
)

// Socket.IO packet types (the byte after an Engine.IO '4').
const (
	sioConnect      = '0'
	sioDisconnect   = '1'
	sioEvent        = '2'
	sioAck          = '3'
	sioConnectError = '4'
)

// packet is one decoded frame. Data aliases the frame's bytes: it is valid only
// until the next read on the connection.
type packet struct {
	Engine byte   // eioOpen, eioPing, eioMessage, ...
	Socket byte   // for eioMessage: sioConnect, sioEvent, sioAck, ...; 0 otherwise
	Nsp    string // namespace, "/" when absent
	AckID  int64  // -1 when the packet carries no ack id
	Data   []byte // the JSON after the header (open: the handshake object)
}

var errShort = errors.New("empty frame")

// parsePacket decodes one WebSocket text frame. Binary Socket.IO packets (types
// 5 and 6, "51-...") are refused: neither server sends them in these scenarios.
func parsePacket(frame []byte) (packet, error) {
	p := packet{Nsp: "/", AckID: -1}
	if len(frame) == 0 {
		return p, errShort
	}
	p.Engine = frame[0]
	rest := frame[1:]
	switch p.Engine {
	case eioOpen, eioClose, eioPing, eioPong, eioNoop:
		p.Data = rest
		return p, nil
	case eioMessage:
	default:
		return p, errors.New("unknown engine.io packet type " + strconv.Quote(string(frame[:1])))
	}
	if len(rest) == 0 {
		return p, errors.New("message packet without a socket.io type")
	}
	p.Socket = rest[0]
	if p.Socket < sioConnect || p.Socket > sioConnectError {
		return p, errors.New("unsupported socket.io packet type " + strconv.Quote(string(rest[:1])))
	}
	rest = rest[1:]
	// Namespace: "/name," when not the main one.
	if len(rest) > 0 && rest[0] == '/' {
		i := bytes.IndexByte(rest, ',')
		if i < 0 {
			p.Nsp, rest = string(rest), nil
		} else {
			p.Nsp, rest = string(rest[:i]), rest[i+1:]
		}
	}
	// Ack id: the digits before the JSON.
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	if n > 0 {
		id, err := strconv.ParseInt(string(rest[:n]), 10, 64)
		if err != nil {
			return p, errors.New("bad ack id: " + err.Error())
		}
		p.AckID, rest = id, rest[n:]
	}
	p.Data = rest
	return p, nil
}

// splitEvent takes an event packet's JSON array, ["name",arg1,arg2], and returns
// the name and the raw arguments "arg1,arg2" (no brackets; empty when none)
// without decoding them: the fan-out reads two numbers out of each payload and
// must not spend a full JSON decode per delivery.
func splitEvent(data []byte) (name string, args []byte, err error) {
	data = bytes.TrimSpace(data)
	if len(data) < 2 || data[0] != '[' || data[len(data)-1] != ']' {
		return "", nil, errors.New("event is not an array")
	}
	inner := bytes.TrimSpace(data[1 : len(data)-1])
	if len(inner) < 2 || inner[0] != '"' {
		return "", nil, errors.New("event array does not start with a string")
	}
	end := -1
	for i := 1; i < len(inner); i++ {
		if inner[i] == '\\' {
			i++
			continue
		}
		if inner[i] == '"' {
			end = i
			break
		}
	}
	if end < 0 {
		return "", nil, errors.New("unterminated event name")
	}
	raw := inner[:end+1]
	if bytes.IndexByte(raw, '\\') >= 0 {
		s, uerr := strconv.Unquote(string(raw))
		if uerr != nil {
			return "", nil, errors.New("bad event name escape")
		}
		name = s
	} else {
		name = string(raw[1 : len(raw)-1])
	}
	rest := bytes.TrimSpace(inner[end+1:])
	if len(rest) == 0 {
		return name, nil, nil
	}
	if rest[0] != ',' {
		return "", nil, errors.New("expected ',' after the event name")
	}
	return name, bytes.TrimSpace(rest[1:]), nil
}

// intField finds `"key":<integer>` anywhere in a JSON text and parses the
// integer. Payloads here are flat objects the load generator wrote itself
// (possibly re-encoded by the server with other key order or spacing), so a
// scan is exact enough and costs nothing next to a decode.
func intField(js []byte, key string) (int64, bool) {
	var buf [64]byte
	pat := append(append(append(buf[:0], '"'), key...), '"')
	i := bytes.Index(js, pat)
	if i < 0 {
		return 0, false
	}
	rest := bytes.TrimLeft(js[i+len(pat):], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return 0, false
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	neg := len(rest) > 0 && rest[0] == '-'
	if neg {
		rest = rest[1:]
	}
	var v int64
	n := 0
	for ; n < len(rest) && rest[n] >= '0' && rest[n] <= '9'; n++ {
		d := int64(rest[n] - '0')
		if v > (math.MaxInt64-d)/10 {
			return 0, false // overflows an int64
		}
		v = v*10 + d
	}
	if n == 0 {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// stringField finds `"key":"value"` in a JSON text (value without escapes).
func stringField(js []byte, key string) (string, bool) {
	pat := []byte(`"` + key + `":"`)
	i := bytes.Index(js, pat)
	if i < 0 {
		return "", false
	}
	rest := js[i+len(pat):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return "", false
	}
	return string(rest[:j]), true
}
