// Package wsframe is a WebSocket transport for the Socket.IO server that frames
// a broadcast once for all its sockets and writes each connection's queued
// frames with one system call. The library's own transport calls gorilla's
// NewPreparedMessage for every socket and every message (a throwaway
// connection with a 4 KiB buffer each time: most of the hub's fan-out garbage,
// BENCHMARKS.md) and makes a write call per message. This transport keeps the
// library's transport for reading, upgrades and closing, and replaces Send.
package wsframe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"sync"

	ws "github.com/gorilla/websocket"
	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/v3/pkg/queue"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// Builder is a transports.TransportCtor named "websocket".
type Builder struct{ transports.WebSocketBuilder }

// New wraps the library's websocket transport. From here on every write to
// the connection goes through this conn (control frames too), so the frames it
// writes itself never interleave with gorilla's.
func (b *Builder) New(ctx *types.HttpContext) transports.Transport {
	c := &conn{
		Websocket: transports.NewWebSocket(ctx),
		socket:    ctx.Websocket,
		net:       ctx.Websocket.UnderlyingConn(),
		queue:     queue.New(),
	}
	c.socket.SetPingHandler(func(data string) error {
		return c.writeControl(ws.PongMessage, []byte(data))
	})
	c.socket.SetCloseHandler(func(code int, _ string) error {
		return c.writeControl(ws.CloseMessage, ws.FormatCloseMessage(code, ""))
	})
	return c
}

type conn struct {
	transports.Websocket
	socket *types.WebSocketConn
	net    net.Conn
	queue  *queue.Queue
	mu     sync.Mutex // one writer on net at a time
}

// Send writes packets in order on the connection's queue, as the library does,
// but as one write system call for the whole batch: a loopback write costs
// microseconds, and during a broadcast burst the engine hands over many
// packets at once.
func (c *conn) Send(packets []*packet.Packet) {
	c.SetWritable(false)
	c.queue.Enqueue(func() { c.send(packets) })
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (c *conn) send(packets []*packet.Packet) {
	defer func() {
		c.Emit("drain")
		c.SetWritable(true)
		c.Emit("ready")
	}()
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 { // do not keep a huge burst's buffer around
			buffers.Put(buf)
		}
	}()
	for _, p := range packets {
		if p.Options != nil && p.Options.WsPreEncodedFrame != nil {
			buf.Write(frame(p.Options.WsPreEncodedFrame))
			continue
		}
		data, err := c.Parser().EncodePacket(p, c.SupportsBinary())
		if err != nil {
			c.socket.Emit("error", err)
			return
		}
		op := byte(ws.BinaryMessage)
		if _, ok := data.(*types.StringBuffer); ok {
			op = ws.TextMessage
		}
		appendHeader(buf, op, data.Len())
		buf.Write(data.Bytes())
	}
	if err := c.write(buf.Bytes()); err != nil {
		if errors.Is(err, net.ErrClosed) {
			c.socket.Emit("close")
		} else {
			c.socket.Emit("error", err)
		}
	}
}

func (c *conn) write(b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := c.net.Write(b)
	return err
}

func (c *conn) writeControl(op byte, data []byte) error {
	var buf bytes.Buffer
	appendHeader(&buf, op, len(data))
	buf.Write(data)
	return c.write(buf.Bytes())
}

// appendHeader writes a final, unmasked (server to client) frame header
// (RFC 6455 section 5.2).
func appendHeader(buf *bytes.Buffer, op byte, n int) {
	buf.WriteByte(0x80 | op)
	switch {
	case n < 126:
		buf.WriteByte(byte(n))
	case n <= 0xffff:
		buf.WriteByte(126)
		buf.WriteByte(byte(n >> 8))
		buf.WriteByte(byte(n))
	default:
		buf.WriteByte(127)
		var l [8]byte
		binary.BigEndian.PutUint64(l[:], uint64(n))
		buf.Write(l[:])
	}
}

// The cache maps a broadcast's pre-encoded payload (one buffer shared by all its
// sockets) to its complete WebSocket frame, built once. A broadcast reaches its sockets within a
// short window, so remembering the most recent frames is enough; a miss only
// costs one more preparation.
const cacheSize = 256

var cache struct {
	sync.Mutex
	byPayload map[types.BufferInterface][]byte
	ring      [cacheSize]types.BufferInterface
	next      int
}

// frame returns the WebSocket frame carrying payload; callers must not modify it.
func frame(payload types.BufferInterface) []byte {
	cache.Lock()
	defer cache.Unlock()
	if f, ok := cache.byPayload[payload]; ok {
		return f
	}
	if cache.byPayload == nil {
		cache.byPayload = make(map[types.BufferInterface][]byte, cacheSize)
	}
	op := byte(ws.BinaryMessage)
	if _, ok := payload.(*types.StringBuffer); ok {
		op = ws.TextMessage
	}
	var buf bytes.Buffer
	appendHeader(&buf, op, payload.Len())
	buf.Write(payload.Bytes())
	f := buf.Bytes()
	if old := cache.ring[cache.next]; old != nil {
		delete(cache.byPayload, old)
	}
	cache.ring[cache.next] = payload
	cache.next = (cache.next + 1) % cacheSize
	cache.byPayload[payload] = f
	return f
}
