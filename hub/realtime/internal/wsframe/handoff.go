package wsframe

import (
	"bytes"

	"github.com/zishang520/socket.io/v3/pkg/types"
)

// The library runs a client's Socket.IO CONNECT (namespace, middlewares,
// socket creation) on the connection's reader goroutine, which grows that
// goroutine's stack to 8 KiB. Parked in its read, the reader uses a little
// over 2 KiB of it: more than the quarter under which the garbage collector
// shrinks a stack, so each idle connection kept 8 KiB of stack for good.
// Handing the CONNECT to the library from a short-lived goroutine, while the
// reader waits for it (order is kept), leaves the reader at 4 KiB.

// armHandoff is armGate, with CONNECT packets of at most maxMessage bytes
// taken from the stream and given to deliver instead (maxMessage <= 0: none).
// Larger ones are gorilla's to refuse, as before.
func armHandoff(g *guarded, maxMessage int64, deliver func(payload []byte)) {
	g.armGate()
	if maxMessage <= 0 {
		return
	}
	g.icpt.Store(&interceptor{take: func(payload []byte, afterLibrary bool) bool {
		if !isConnect(payload) || int64(len(payload)) > maxMessage {
			return g.waitGate(payload, afterLibrary)
		}
		deliver(payload)
		return true
	}, max: 1 << 16})
}

// isConnect reports whether payload is an Engine.IO message carrying a
// Socket.IO CONNECT ("40...").
func isConnect(payload []byte) bool {
	return len(payload) >= 2 && payload[0] == '4' && payload[1] == '0'
}

// deliverAside gives the library a text message as its reader would, from a
// goroutine of its own.
func (c *conn) deliverAside(payload []byte) {
	data := types.NewStringBuffer(bytes.Clone(payload)) // payload is the reader's
	aside(func() { c.OnData(data) })
}

// aside runs f on a new goroutine and returns when f has: whatever stack f
// needs goes away with that goroutine.
func aside(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}
