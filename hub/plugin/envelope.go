package plugin

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/iohub/iohub/hub/handler"
)

// appendEnvelope appends the ABI v1 envelope of call to buf, with args as its
// arguments (call.Args, or them with placeholders for binary; nil with
// call.ArgsJSON set: those bytes). Keys are
// written in the documented order (sdk/ABI.md section 4) so guests can scan
// for them.
func appendEnvelope(buf []byte, c *handler.Call, args []any) ([]byte, error) {
	buf = append(buf, `{"v":1,"kind":`...)
	buf = appendString(buf, string(c.Kind))
	buf = append(buf, `,"event":`...)
	buf = appendString(buf, c.Event)
	buf = append(buf, `,"args":`...)
	if args == nil && c.ArgsJSON != nil {
		buf = append(buf, c.ArgsJSON...) // spliced: valid JSON from the socket side
	} else if len(args) == 0 {
		buf = append(buf, "[]"...)
	} else {
		var err error
		if buf, err = appendJSON(buf, args); err != nil {
			return buf, err
		}
	}
	buf = append(buf, `,"ack":`...)
	buf = strconv.AppendBool(buf, c.Ack)
	buf = append(buf, `,"socket":{"id":`...)
	buf = appendString(buf, c.Socket.ID)
	buf = append(buf, `,"role":`...)
	buf = appendString(buf, c.Socket.Role)
	buf = append(buf, `,"userId":`...)
	buf = appendString(buf, c.Socket.UserID)
	buf = append(buf, `,"rooms":[`...)
	for i, r := range c.Socket.Rooms {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, r)
	}
	buf = append(buf, `],"user":`...)
	if c.Socket.Claims == nil {
		buf = append(buf, "null"...)
	} else {
		var err error
		if buf, err = appendJSON(buf, c.Socket.Claims); err != nil {
			return buf, err
		}
	}
	buf = append(buf, `},"reason":`...)
	buf = appendString(buf, c.Reason)
	buf = append(buf, `,"ts":`...)
	buf = strconv.AppendInt(buf, c.Received.UnixMilli(), 10)
	return append(buf, '}'), nil
}

// appendJSON appends v as JSON without encoding/json's HTML escaping, so
// "<b>&" reaches the guest as the client sent it, not as "\u003cb\u003e\u0026".
func appendJSON(buf []byte, v any) ([]byte, error) {
	w := bytes.NewBuffer(buf)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return buf, err
	}
	out := w.Bytes()
	return out[:len(out)-1], nil // Encode ends with a newline
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does, so the envelope is always valid JSON.
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c >= 0x20:
				buf = append(buf, c)
			case c == '\n':
				buf = append(buf, '\\', 'n')
			case c == '\r':
				buf = append(buf, '\\', 'r')
			case c == '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, `\ufffd`...)
		} else {
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}
