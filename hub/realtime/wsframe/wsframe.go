// Package wsframe is a WebSocket transport for the Socket.IO server that frames
// a broadcast once for all its sockets. The library's own transport calls
// gorilla's NewPreparedMessage for every socket and every message, which builds
// a throwaway connection with a 4 KiB buffer each time: most of the hub's
// fan-out garbage (BENCHMARKS.md). This transport keeps the library's transport
// for everything else and replaces only Send.
package wsframe

import (
	"sync"

	ws "github.com/gorilla/websocket"
	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/v3/pkg/queue"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// Builder is a transports.TransportCtor named "websocket".
type Builder struct{ transports.WebSocketBuilder }

// New wraps the library's websocket transport.
func (b *Builder) New(ctx *types.HttpContext) transports.Transport {
	return &conn{Websocket: transports.NewWebSocket(ctx), socket: ctx.Websocket, queue: queue.New()}
}

type conn struct {
	transports.Websocket
	socket *types.WebSocketConn
	queue  *queue.Queue
}

// Send writes packets in order on the connection's queue, as the library does.
func (c *conn) Send(packets []*packet.Packet) {
	c.SetWritable(false)
	c.queue.Enqueue(func() { c.send(packets) })
}

func (c *conn) send(packets []*packet.Packet) {
	defer func() {
		c.Emit("drain")
		c.SetWritable(true)
		c.Emit("ready")
	}()
	for _, p := range packets {
		var err error
		if p.Options != nil && p.Options.WsPreEncodedFrame != nil {
			err = c.socket.WritePreparedMessage(prepared(p.Options.WsPreEncodedFrame))
		} else {
			var data types.BufferInterface
			if data, err = c.Parser().EncodePacket(p, c.SupportsBinary()); err == nil {
				mt := ws.BinaryMessage
				if _, ok := data.(*types.StringBuffer); ok {
					mt = ws.TextMessage
				}
				err = c.socket.WriteMessage(mt, data.Bytes())
			}
		}
		if err != nil {
			c.socket.Emit("error", err)
			return
		}
	}
}

// The cache maps a broadcast's pre-encoded frame (one buffer shared by all its
// sockets) to its prepared message. A broadcast reaches its sockets within a
// short window, so remembering the most recent frames is enough; a miss only
// costs one more preparation.
const cacheSize = 256

var cache struct {
	sync.Mutex
	byFrame map[types.BufferInterface]*ws.PreparedMessage
	ring    [cacheSize]types.BufferInterface
	next    int
}

func prepared(frame types.BufferInterface) *ws.PreparedMessage {
	cache.Lock()
	defer cache.Unlock()
	if pm, ok := cache.byFrame[frame]; ok {
		return pm
	}
	if cache.byFrame == nil {
		cache.byFrame = make(map[types.BufferInterface]*ws.PreparedMessage, cacheSize)
	}
	mt := ws.BinaryMessage
	if _, ok := frame.(*types.StringBuffer); ok {
		mt = ws.TextMessage
	}
	pm, err := ws.NewPreparedMessage(mt, frame.Bytes())
	if err != nil { // only for invalid message types, which cannot happen here
		panic(err)
	}
	if old := cache.ring[cache.next]; old != nil {
		delete(cache.byFrame, old)
	}
	cache.ring[cache.next] = frame
	cache.next = (cache.next + 1) % cacheSize
	cache.byFrame[frame] = pm
	return pm
}
