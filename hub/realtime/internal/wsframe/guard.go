package wsframe

import (
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"unicode/utf8"
)

// Close codes the guard answers a broken client with (RFC 6455 section 7.4.1).
const (
	CloseProtocolError = 1002
	CloseInvalidData   = 1007 // text that is not UTF-8
)

// ErrProtocol is what a guarded connection's Read returns once the client
// broke the WebSocket protocol; Violation tells how.
var ErrProtocol = errors.New("wsframe: client broke the WebSocket protocol")

// Guard wraps a hijacked WebSocket connection so that its reads are checked
// against RFC 6455 before the library's reader (gorilla) sees them. Gorilla
// does not check that text messages are UTF-8 and takes a one-byte Close
// payload for "no status"; Node's ws closes with 1007 and 1002. At the first
// violation Read returns the bytes before it, then ErrProtocol, which makes
// the library close the transport; this package's transport then sends a
// Close frame with the code (see conn.DoClose).
//
// Only client-to-server framing is checked: frames must be masked, carry no
// reserved bits (no extension is negotiated), use known opcodes, keep control
// frames short and unfragmented, fragment data messages properly and close
// with a valid code and a UTF-8 reason.
func Guard(c net.Conn) net.Conn { return &guarded{Conn: c} }

type guarded struct {
	net.Conn
	violation atomic.Int32 // the close code, once violated
	err       error        // returned by the next Read
	frameReader
	icpt atomic.Pointer[interceptor] // nil: every byte goes to the library
	is   interceptState
	// gate, when not nil, holds client events until the socket is
	// registered (Connected).
	gate     chan struct{}
	gateOnce sync.Once
}

// Violation returns the close code the client's violation calls for, or 0.
func (g *guarded) Violation() int { return int(g.violation.Load()) }

// SyscallConn exposes the socket, for the writer's non-blocking writes.
func (g *guarded) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := g.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}

func (g *guarded) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	// With an interceptor, or bytes it left (it may have been removed since).
	if ic := g.icpt.Load(); ic != nil || g.is.r < g.is.w || g.is.readErr != nil {
		return g.readIntercepted(p, ic)
	}
	n, err := g.Conn.Read(p)
	if n > 0 {
		if ok, code := g.scan(p[:n]); !ok {
			g.violation.Store(int32(code))
			g.err = ErrProtocol
			return g.valid, nil // the bytes before the violation; the error comes next
		}
	}
	return n, err
}

// violations reports the close code of conn's client violation, or 0; conn
// is what the transport writes to (the guarded connection, if any).
func violationOf(c net.Conn) int {
	if g, ok := c.(*guarded); ok {
		return g.Violation()
	}
	return 0
}

// frameReader follows the client's frames through the byte stream.
type frameReader struct {
	hdr       [14]byte // the current frame's header, as it arrives
	hdrLen    int      // header bytes so far
	need      int      // the header's full length, once its first two bytes are in
	inPayload bool     // the header is complete
	left      uint64   // payload bytes of the current frame still to come
	op        byte     // the current frame's opcode
	fin       bool
	mask      [4]byte
	maskPos   int
	inMsg     bool   // a data message is open (its last frame not seen yet)
	text      bool   // and it is text
	partial   []byte // UTF-8 bytes of a character split across reads or frames
	ctrl      []byte // a Close frame's payload, collected
	valid     int    // set by scan: bytes of the chunk before the violating frame
}

// scan follows b through the frames. It returns false and the close code at
// the first violation, with valid set to where the violating frame starts in b
// (0 when it started in an earlier read).
func (r *frameReader) scan(b []byte) (bool, int) {
	frameStart := 0
	fail := func(code int) (bool, int) { r.valid = frameStart; return false, code }
	for i := 0; i < len(b); {
		if !r.inPayload {
			if r.hdrLen == 0 {
				frameStart = i
			}
			r.hdr[r.hdrLen] = b[i]
			r.hdrLen++
			i++
			if r.hdrLen == 2 {
				if ok, code := r.flags(); !ok {
					return fail(code)
				}
			}
			if r.hdrLen >= 2 && r.hdrLen == r.need {
				if ok, code := r.length(); !ok {
					return fail(code)
				}
				if r.left == 0 {
					if ok, code := r.endFrame(); !ok {
						return fail(code)
					}
				}
			}
			continue
		}
		n := int(min(uint64(len(b)-i), r.left))
		if ok, code := r.payload(b[i : i+n]); !ok {
			return fail(code)
		}
		i += n
		r.left -= uint64(n)
		if r.left == 0 {
			if ok, code := r.endFrame(); !ok {
				return fail(code)
			}
		}
	}
	return true, 0
}

// flags checks the first two header bytes.
func (r *frameReader) flags() (bool, int) {
	b0, b1 := r.hdr[0], r.hdr[1]
	fin, rsv, op := b0&0x80 != 0, b0&0x70, b0&0x0f
	switch {
	case rsv != 0, b1&0x80 == 0: // reserved bits (no extension is negotiated); an unmasked client frame
		return false, CloseProtocolError
	case op >= 8: // control: close, ping, pong
		if op > 10 || !fin || b1&0x7f > 125 {
			return false, CloseProtocolError
		}
	case op == 0: // continuation
		if !r.inMsg {
			return false, CloseProtocolError
		}
	case op <= 2: // text, binary
		if r.inMsg {
			return false, CloseProtocolError
		}
		r.inMsg, r.text = true, op == 1
	default:
		return false, CloseProtocolError
	}
	r.op, r.fin = op, fin
	r.need = 2 + 4 // the mask
	switch b1 & 0x7f {
	case 126:
		r.need += 2
	case 127:
		r.need += 8
	}
	return true, 0
}

// length reads the complete header's payload length and mask.
func (r *frameReader) length() (bool, int) {
	var n uint64
	switch l := r.hdr[1] & 0x7f; l {
	case 126:
		n = uint64(binary.BigEndian.Uint16(r.hdr[2:4]))
	case 127:
		n = binary.BigEndian.Uint64(r.hdr[2:10])
		if n>>63 != 0 {
			return false, CloseProtocolError
		}
	default:
		n = uint64(l)
	}
	copy(r.mask[:], r.hdr[r.need-4:r.need])
	r.maskPos = 0
	r.left = n
	r.ctrl = r.ctrl[:0]
	r.inPayload = true
	return true, 0
}

// payload checks a piece of the current frame's payload.
func (r *frameReader) payload(p []byte) (bool, int) {
	switch {
	case r.op == 8: // close: collected (at most 125 bytes), checked at its end
		for _, c := range p {
			r.ctrl = append(r.ctrl, c^r.mask[r.maskPos&3])
			r.maskPos++
		}
	case r.op >= 8: // ping, pong: anything goes
		r.maskPos += len(p)
	case r.text:
		if !r.utf8(p) {
			return false, CloseInvalidData
		}
	default:
		r.maskPos += len(p)
	}
	return true, 0
}

// utf8 checks a masked piece of a text message, carrying a character split
// across pieces in partial.
func (r *frameReader) utf8(p []byte) bool {
	var buf [512]byte
	for len(p) > 0 {
		n := copy(buf[len(r.partial):], p)
		copy(buf[:], r.partial)
		for i := len(r.partial); i < len(r.partial)+n; i++ {
			buf[i] ^= r.mask[r.maskPos&3]
			r.maskPos++
		}
		p = p[n:]
		chunk := buf[:len(r.partial)+n]
		// Keep an incomplete last character for the next piece.
		cut := len(chunk)
		for k := 1; k <= 3 && k <= len(chunk); k++ {
			c := chunk[len(chunk)-k]
			if c < 0x80 {
				break
			}
			if utf8.RuneStart(c) {
				if !utf8.FullRune(chunk[len(chunk)-k:]) {
					cut = len(chunk) - k
				}
				break
			}
		}
		if !utf8.Valid(chunk[:cut]) {
			return false
		}
		r.partial = append(r.partial[:0], chunk[cut:]...)
		if len(r.partial) > 0 && !validPrefix(r.partial) {
			return false
		}
	}
	return true
}

// validPrefix reports whether b (1-3 bytes, an incomplete character) can still
// become a valid UTF-8 character: utf8.Valid on it padded with the smallest
// continuation bytes would accept it.
func validPrefix(b []byte) bool {
	var tmp [4]byte
	n := copy(tmp[:], b)
	need := 0
	switch c := b[0]; {
	case c&0xe0 == 0xc0:
		need = 2
	case c&0xf0 == 0xe0:
		need = 3
	case c&0xf8 == 0xf0:
		need = 4
	default:
		return false
	}
	for i := n; i < need; i++ {
		tmp[i] = 0x80
	}
	// The smallest continuation can make a valid prefix look overlong (E0 80
	// is never valid, E0 A0 is): try the largest second byte too.
	if utf8.Valid(tmp[:need]) {
		return true
	}
	if n == 1 {
		tmp[1] = 0xbf
		return utf8.Valid(tmp[:need])
	}
	return false
}

// endFrame is called when a frame's payload is complete.
func (r *frameReader) endFrame() (bool, int) {
	r.hdrLen, r.need, r.inPayload = 0, 0, false
	switch {
	case r.op == 8:
		return checkClose(r.ctrl)
	case r.op >= 8:
	case r.fin:
		text := r.text
		r.inMsg, r.text = false, false
		if text && len(r.partial) > 0 {
			r.partial = r.partial[:0]
			return false, CloseInvalidData
		}
	}
	return true, 0
}

// checkClose checks a Close frame's payload: empty, or a valid code and a
// UTF-8 reason.
func checkClose(p []byte) (bool, int) {
	switch {
	case len(p) == 0:
		return true, 0
	case len(p) == 1:
		return false, CloseProtocolError
	}
	code := int(binary.BigEndian.Uint16(p))
	valid := (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)
	if !valid {
		return false, CloseProtocolError
	}
	if !utf8.Valid(p[2:]) {
		return false, CloseInvalidData
	}
	return true, 0
}
