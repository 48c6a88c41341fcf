package wsframe

import (
	"encoding/binary"
	"sync"

	ws "github.com/gorilla/websocket"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// appendHeader appends a final, unmasked (server to client) frame header
// (RFC 6455 section 5.2) to b.
func appendHeader(b []byte, op byte, n int) []byte {
	b = append(b, 0x80|op)
	switch {
	case n < 126:
		return append(b, byte(n))
	case n <= 0xffff:
		return append(b, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 127)
		return binary.BigEndian.AppendUint64(b, uint64(n))
	}
}

// opcode is the frame type for an encoded Engine.IO packet: the parser returns
// text as a StringBuffer and binary as anything else.
func opcode(data types.BufferInterface) byte {
	if _, ok := data.(*types.StringBuffer); ok {
		return ws.TextMessage
	}
	return ws.BinaryMessage
}

// The cache maps a broadcast's pre-encoded payload (one buffer shared by all its
// sockets) to its complete WebSocket frame, built once. A broadcast reaches its
// sockets within a short window, so remembering the most recent frames is
// enough; a miss only costs one more preparation.
const cacheSize = 256

type frameCache struct {
	sync.Mutex
	byPayload map[types.BufferInterface][]byte
	ring      [cacheSize]types.BufferInterface
	next      int
}

// frame returns the WebSocket frame carrying payload; callers must not modify it.
func (cache *frameCache) frame(payload types.BufferInterface) []byte {
	cache.Lock()
	defer cache.Unlock()
	if f, ok := cache.byPayload[payload]; ok {
		return f
	}
	if cache.byPayload == nil {
		cache.byPayload = make(map[types.BufferInterface][]byte, cacheSize)
	}
	f := appendHeader(make([]byte, 0, payload.Len()+10), opcode(payload), payload.Len())
	f = append(f, payload.Bytes()...)
	if old := cache.ring[cache.next]; old != nil {
		delete(cache.byPayload, old)
	}
	cache.ring[cache.next] = payload
	cache.next = (cache.next + 1) % cacheSize
	cache.byPayload[payload] = f
	return f
}
