package wsframe

import (
	"encoding/binary"
	"time"
	"unicode/utf8"

	"github.com/zishang520/socket.io/servers/engine/v3/transports"
)

// Interceptor takes a client's text message before the library's reader
// sees it: payload is the complete message, unmasked, valid UTF-8, and only
// valid during the call. It reports whether it took the message; a message
// it leaves goes to the library as if nothing had looked at it.
//
// afterLibrary is set when data frames went to the library since the last
// message an interceptor took. The library's reader hands each message on
// (to its socket's task queue) before it reads the next bytes, so a taker
// that must keep the socket's order sends this message through that queue
// too (realtime's fast path does).
type Interceptor func(payload []byte, afterLibrary bool) bool

// Intercept installs f on t's connection, for text messages of at most
// maxPayload bytes: the hub's own reading of client events
// (realtime/fastpath.go). It reports false when t is not this package's
// transport or its connection has no guard. The first message offered
// reports afterLibrary.
//
// It also opens the connection's gate (see Connected). A nil f only opens it.
func Intercept(t transports.Transport, f Interceptor, maxPayload int) bool {
	c, ok := t.(*conn)
	if !ok {
		return false
	}
	g, ok := c.socket.UnderlyingConn().(*guarded)
	if !ok {
		return false
	}
	if f == nil {
		g.icpt.Store(nil)
	} else {
		g.icpt.Store(&interceptor{take: f, max: uint64(max(maxPayload, 0))})
	}
	g.openGate()
	return true
}

// Connected tells t's connection that its main namespace's socket is
// registered with the library: client events that arrived before wait for
// it (up to gateWait) instead of reaching the library first.
//
// The library sends a socket's CONNECT packet and only then registers the
// socket with its client (socket.go _doConnect: _onconnect, then the
// callback that stores it); an event read in between is an "invalid state"
// to the library, which closes the connection. Node's single thread cannot
// interleave there; a client that emits as soon as it is connected (what
// socket.io-client does with what it buffered) hit it here.
func Connected(t transports.Transport) { Intercept(t, nil, 0) }

// gateWait bounds the wait of an event that came before Connected: the
// window is microseconds; a client that sends events without having
// connected gets the library's answer a second later.
const gateWait = time.Second

// armGate makes the connection's client events wait for openGate.
func (g *guarded) armGate() {
	g.gate = make(chan struct{})
	g.icpt.Store(&interceptor{take: g.waitGate, max: 1 << 16})
}

func (g *guarded) openGate() {
	g.gateOnce.Do(func() {
		if g.gate != nil {
			close(g.gate)
		}
	})
}

// waitGate is the interceptor until the socket is registered: it takes
// nothing, but holds the main namespace's events until the gate opens.
func (g *guarded) waitGate(payload []byte, _ bool) bool {
	if len(payload) < 3 || payload[0] != '4' || (payload[1] != '2' && payload[1] != '5') || payload[2] == '/' {
		return false
	}
	select {
	case <-g.gate:
	default:
		t := time.NewTimer(gateWait)
		select {
		case <-g.gate:
		case <-t.C:
		}
		t.Stop()
	}
	return false
}

type interceptor struct {
	take Interceptor
	max  uint64
}

// interceptState is the guard's reading state once an interceptor is
// installed. Only the reader's goroutine touches it.
type interceptState struct {
	pooled    *[]byte // the stash's buffer, from the outboxes' pool; nil when grown past it
	buf       []byte  // the stash's buffer; nil when empty
	r, w      int     // the stash: buf[r:w], bytes read and not handed on yet
	readErr   error   // the connection's, returned once the stash is handed on
	installed bool    // Read has seen the interceptor before
	passed    bool    // data frames went to the library since the last take
}

// readIntercepted is Read with an interceptor (ic; nil when it was removed
// while the stash held bytes, which are then handed on): the client's complete text
// messages are offered to it, everything else goes to the library in order.
// The stream is taken frame by frame. A frame the interceptor may take is
// held until it is complete, and never offered in the same Read that hands
// the library bytes before it, so those reach the library's queue first.
func (g *guarded) readIntercepted(p []byte, ic *interceptor) (int, error) {
	st := &g.is
	if !st.installed {
		st.installed, st.passed = true, true // the library may hold earlier events
	}
	for {
		if st.r < st.w {
			n := g.drain(p, ic)
			if st.r == st.w {
				g.releaseStash()
			}
			if n > 0 {
				return n, nil
			}
			if g.err != nil {
				return 0, g.err
			}
		}
		if st.readErr != nil {
			// What is left is an incomplete frame: the connection ended
			// inside it, which gorilla would report the same way.
			err := st.readErr
			st.readErr = nil
			st.r, st.w = 0, 0
			g.releaseStash()
			return 0, err
		}
		g.fill(p)
	}
}

// fill reads more of the stream into the stash: through p when the stash is
// empty (the read that waits for an idle client holds no buffer of ours),
// else after the incomplete frame the stash holds, growing it when needed.
func (g *guarded) fill(p []byte) {
	st := &g.is
	if st.r == st.w {
		n, err := g.Conn.Read(p)
		if n > 0 {
			if st.buf == nil {
				// The outboxes' pool: an idle connection holds no stash buffer
				// (its reader waits for the network in gorilla's).
				st.pooled = buffers.Get().(*[]byte)
				st.buf = (*st.pooled)[:cap(*st.pooled)]
			}
			if len(st.buf) < n {
				st.buf, st.pooled = make([]byte, n), nil
			}
			st.r, st.w = 0, copy(st.buf, p[:n])
		}
		st.readErr = err
		return
	}
	need := st.w - st.r + 512
	if _, plen, ok := peekHeader(st.buf[st.r:st.w]); ok && plen < 1<<31 {
		need = max(need, 14+int(plen))
	}
	if st.r > 0 { // move the incomplete frame to the front
		st.w = copy(st.buf, st.buf[st.r:st.w])
		st.r = 0
	}
	if len(st.buf) < need {
		grown := make([]byte, max(need, 2*len(st.buf)))
		copy(grown, st.buf[:st.w])
		if st.pooled != nil {
			release(st.pooled)
		}
		st.buf, st.pooled = grown, nil
	}
	n, err := g.Conn.Read(st.buf[st.w:])
	st.w += n
	st.readErr = err
}

// releaseStash gives an empty stash's buffer back.
func (g *guarded) releaseStash() {
	st := &g.is
	if st.pooled != nil {
		release(st.pooled)
	}
	st.pooled, st.buf, st.r, st.w = nil, nil, 0, 0
}

// drain hands the stash on, frame by frame, into p or to the interceptor. It
// returns the bytes written to p; 0 without a violation means it needs more.
func (g *guarded) drain(p []byte, ic *interceptor) int {
	st := &g.is
	fr := &g.frameReader
	out := 0
	for st.r < st.w && out < len(p) {
		stash := st.buf[st.r:st.w]
		room := len(p) - out
		if fr.inPayload {
			// The rest of a frame the library is reading.
			if !g.pass(p, &out, int(min(fr.left, uint64(len(stash)), uint64(room)))) {
				return out
			}
			continue
		}
		if fr.hdrLen != 0 {
			// A header begun before the interceptor came (one byte at a time).
			if !g.pass(p, &out, 1) {
				return out
			}
			continue
		}
		if len(stash) < 2 {
			return out // whether it may be offered shows in the first two bytes
		}
		hlen, plen, complete := peekHeader(stash)
		takeable := ic != nil && g.takeable(stash) && plen <= ic.max
		if takeable {
			if out > 0 {
				return out // the library takes what came before first
			}
			if !complete || uint64(len(stash)) < uint64(hlen)+plen {
				return 0 // need the rest of the frame
			}
			if g.offer(stash[:hlen+int(plen)], hlen, ic) {
				st.r += hlen + int(plen)
				continue
			}
		}
		k := uint64(len(stash))
		if complete {
			k = min(k, uint64(hlen)+plen)
		}
		if !g.pass(p, &out, int(min(k, uint64(room)))) {
			return out
		}
	}
	return out
}

// pass hands the stash's next n bytes to the library, checked by the guard.
// At a violation it hands on the bytes before it and returns false.
func (g *guarded) pass(p []byte, out *int, n int) bool {
	st := &g.is
	chunk := st.buf[st.r : st.r+n]
	if ok, code := g.scan(chunk); !ok {
		g.violation.Store(int32(code))
		g.err = ErrProtocol
		*out += copy(p[*out:], chunk[:g.valid])
		st.r, st.w = 0, 0
		return false
	}
	if g.op < 8 {
		st.passed = true // a data frame: it may be an event
	}
	*out += copy(p[*out:], chunk)
	st.r += n
	return true
}

// takeable reports whether the frame starting b may be offered: a complete
// (FIN) masked text frame with no reserved bits, outside a fragmented
// message. Anything else is the library's, and the guard's to check.
func (g *guarded) takeable(b []byte) bool {
	return len(b) >= 2 && b[0] == 0x81 && b[1]&0x80 != 0 && !g.inMsg
}

// offer unmasks frame's payload in place and offers it; a payload that is
// not UTF-8 or not taken is masked again, to be handed on as it came.
func (g *guarded) offer(frame []byte, hlen int, ic *interceptor) bool {
	var mask [4]byte
	copy(mask[:], frame[hlen-4:hlen])
	payload := frame[hlen:]
	maskBytes(payload, mask)
	if utf8.Valid(payload) && ic.take(payload, g.is.passed) {
		g.is.passed = false
		return true
	}
	maskBytes(payload, mask)
	return false
}

// maskBytes applies (or removes) a client frame's mask, eight bytes a step.
func maskBytes(b []byte, mask [4]byte) {
	m32 := binary.LittleEndian.Uint32(mask[:])
	m64 := uint64(m32) | uint64(m32)<<32
	i := 0
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^m64)
	}
	for ; i < len(b); i++ {
		b[i] ^= mask[i&3]
	}
}

// peekHeader reads the header of the client frame starting b: its length
// (with the mask) and the payload's. complete is false while b holds only
// part of the header.
func peekHeader(b []byte) (hlen int, plen uint64, complete bool) {
	if len(b) < 2 {
		return 0, 0, false
	}
	hlen = 2
	if b[1]&0x80 != 0 {
		hlen += 4
	}
	switch l := b[1] & 0x7f; l {
	case 126:
		hlen += 2
		if len(b) < hlen {
			return hlen, 0, false
		}
		plen = uint64(binary.BigEndian.Uint16(b[2:4]))
	case 127:
		hlen += 8
		if len(b) < hlen {
			return hlen, 0, false
		}
		plen = binary.BigEndian.Uint64(b[2:10])
	default:
		plen = uint64(l)
	}
	return hlen, plen, len(b) >= hlen
}
