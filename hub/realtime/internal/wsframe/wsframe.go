// Package wsframe is a WebSocket transport for the Socket.IO server that frames
// a broadcast once for all its sockets and coalesces each connection's writes.
//
// The library's own transport calls gorilla's NewPreparedMessage for every
// socket and every message (a throwaway connection with a 4 KiB buffer each
// time), makes one write system call per message, and runs every send on a
// fresh goroutine that marks the transport unwritable until it is done. Here a
// send only appends finished frames to the connection's outbox and returns;
// a few long-lived flushers write outboxes with one non-blocking system call
// each, so the frames that arrive while a connection waits for its turn go out
// together (writer.go). The library's transport is kept for reading, upgrades
// and closing.
package wsframe

import (
	"io"
	"strings"
	"sync/atomic"
	"time"

	ws "github.com/gorilla/websocket"
	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// Writer is what the connections of one server share: the flushers that write
// their outboxes, the backlog the server paces its sources on (Backlog,
// WaitBacklog), and the cache of broadcast frames. Two servers in one process
// have one each. Close stops its flushers.
type Writer struct {
	flushers flusherPool
	backlog  backlog
	cache    frameCache
}

// NewWriter returns a Writer; its flushers start with the first write.
func NewWriter() *Writer { return &Writer{} }

// Close stops w's flushers. Connections still open write on their own
// goroutines from then on.
func (w *Writer) Close() { w.flushers.close() }

// Builder is a transports.TransportCtor named "websocket", whose connections
// share W.
type Builder struct {
	transports.WebSocketBuilder
	W *Writer
	// MaxMessage is the server's maxHttpBufferSize, the largest message
	// gorilla's reader accepts; 0: unknown, every message goes to that reader.
	MaxMessage int64
}

// closeFlushTimeout bounds how long closing a connection waits for its queued
// frames (a server-side disconnect packet, typically) to be written.
const closeFlushTimeout = time.Second

// New wraps the library's websocket transport. From here on every write to
// the connection goes through this conn (control frames too), so the frames it
// writes itself never interleave with gorilla's.
func (b *Builder) New(ctx *types.HttpContext) transports.Transport {
	c := &conn{
		Websocket: transports.NewWebSocket(ctx),
		socket:    ctx.Websocket,
	}
	c.out.init(b.W, ctx.Websocket.UnderlyingConn(), c.failed)
	// A connection that opens the session may take frames directly from the
	// start; one that upgrades a polling session must first receive what the
	// engine buffered during the upgrade (see Queue).
	c.direct.Store(!ctx.Query().Has("sid"))
	if g, ok := ctx.Websocket.UnderlyingConn().(*guarded); ok && c.direct.Load() {
		// A new session: its socket is not registered yet.
		armHandoff(g, b.MaxMessage, c.deliverAside)
	}
	// The base transport calls DoClose through its prototype: make that this
	// conn, so queued frames are written before the connection closes.
	c.Prototype(c)
	c.socket.SetPingHandler(func(data string) error {
		return c.out.writeNow(appendHeader(nil, ws.PongMessage, len(data)), []byte(data))
	})
	c.socket.SetCloseHandler(func(code int, _ string) error {
		if c.closeSent.Swap(true) {
			return nil
		}
		msg := ws.FormatCloseMessage(code, "")
		return c.out.writeNow(appendHeader(nil, ws.CloseMessage, len(msg)), msg)
	})
	return c
}

type conn struct {
	transports.Websocket
	socket *types.WebSocketConn
	out    outbox
	direct atomic.Bool // Queue may bypass the engine (see Queue)
	// closeSent: a Close frame went out (the answer to the client's, or ours).
	// RFC 6455 allows one per direction.
	closeSent atomic.Bool
}

// Message returns the WebSocket frame of an Engine.IO message packet ("4")
// carrying an encoded Socket.IO packet, for Queue.
func Message(encoded []byte) []byte {
	f := appendHeader(make([]byte, 0, len(encoded)+11), ws.TextMessage, len(encoded)+1)
	f = append(f, '4')
	return append(f, encoded...)
}

// AppendMessageHeader appends the header of a Message frame for an encoded
// Socket.IO packet of n bytes (its "4" included): append the packet after it.
func AppendMessageHeader(b []byte, n int) []byte {
	return append(appendHeader(b, ws.TextMessage, n+1), '4')
}

// Queue queues a finished frame (from Message) on t without going through the
// engine's socket, and reports whether it did: false when t is not this
// package's transport or cannot take frames directly yet, and the caller must
// write through the engine.
//
// The engine buffers packets while a polling session upgrades and hands them
// to the new transport in its first Send after the switch; a frame queued
// directly before that Send would overtake them. So an upgraded connection
// takes direct frames only after its first Send other than the upgrade probe.
func Queue(t transports.Transport, frame []byte) bool {
	c := directConn(t)
	if c != nil {
		c.out.queue(frame)
	}
	return c != nil
}

// directConn returns t when it is this package's transport and takes
// frames directly (see Queue), else nil.
func directConn(t transports.Transport) *conn {
	if c, ok := t.(*conn); ok && c.direct.Load() {
		return c
	}
	return nil
}

// Reply is Queue for a frame answering the client (an ack): when the
// connection has nothing waiting, the frame is written on the calling
// goroutine instead of by a flusher.
func Reply(t transports.Transport, frame []byte) bool {
	c := directConn(t)
	if c != nil {
		c.out.queueAndFlush(frame)
	}
	return c != nil
}

// isProbe reports whether packets are the upgrade's "pong probe", which the
// engine sends on the new transport before switching to it.
func isProbe(packets []*packet.Packet) bool {
	if len(packets) != 1 || packets[0].Type != packet.PONG || packets[0].Data == nil {
		return false
	}
	s, ok := packets[0].Data.(*strings.Reader)
	if !ok {
		return false
	}
	var b strings.Builder
	_, _ = io.Copy(&b, io.NewSectionReader(s, 0, s.Size()))
	return b.String() == "probe"
}

// Send queues packets, in order, as frames on the connection's outbox. It never
// waits for the network, so the transport stays writable and the engine hands
// over each packet as it is produced; its "drain" (which the engine counts, one
// per Send) is emitted once the frames are queued.
func (c *conn) Send(packets []*packet.Packet) {
	var small [4][]byte
	frames := small[:0]
	for _, p := range packets {
		if p.Options != nil && p.Options.WsPreEncodedFrame != nil {
			frames = append(frames, c.out.w.cache.frame(p.Options.WsPreEncodedFrame))
			continue
		}
		data, err := c.Parser().EncodePacket(p, c.SupportsBinary())
		if err != nil {
			c.socket.Emit("error", err)
			break
		}
		f := appendHeader(make([]byte, 0, data.Len()+10), opcode(data), data.Len())
		frames = append(frames, append(f, data.Bytes()...))
	}
	c.out.queue(frames...)
	if !c.direct.Load() && !isProbe(packets) {
		c.direct.Store(true)
	}
	c.Emit("drain")
}

// DoClose writes what is queued and a Close frame (bounded by
// closeFlushTimeout), then closes as the library does. The library's own
// transport drops the TCP connection without a Close frame, so clients saw
// 1006 (abnormal closure) on every server-side close; Node's ws sends an
// empty Close (clients see 1005), or the code of the client's violation (see
// Guard).
func (c *conn) DoClose(fn types.Callable) {
	if !c.closeSent.Swap(true) {
		var msg []byte
		if code := violationOf(c.socket.UnderlyingConn()); code != 0 {
			msg = ws.FormatCloseMessage(code, "")
		}
		c.out.queue(append(appendHeader(nil, ws.CloseMessage, len(msg)), msg...))
	}
	c.out.close(closeFlushTimeout)
	c.Websocket.DoClose(fn)
}

// failed reports a write error the way gorilla's reader reports read errors,
// which makes the engine close the socket.
func (c *conn) failed(closed bool, err error) {
	if closed {
		c.socket.Emit("close")
	} else {
		c.socket.Emit("error", err)
	}
}
