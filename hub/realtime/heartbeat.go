package realtime

import (
	"time"

	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	"github.com/zishang520/socket.io/servers/engine/v3"
)

// pongAgain is how long after a client's pong the engine is handed that pong
// once more.
//
// The engine's ping timer sends the ping and only then arms the ping
// timeout. A client that answers before the timer is armed has its pong
// clear the previous timeout instead; the new one then fires and closes a
// live session ("ping timeout": about once per 3,000 WebSocket sockets per
// few minutes under load, and a long-polling session in a loaded CI run).
// The hub's writer puts the ping on the wire at once, which makes the race
// likely. Handing the engine the pong again a little later clears the late
// timeout; a duplicate pong is harmless (it clears an already cleared timer
// and restarts the ping interval, so the next ping comes pongAgain later).
const pongAgain = 200 * time.Millisecond

// repeatedPong is the repeat, not repeated itself. The engine only reads it,
// so every socket shares it.
var repeatedPong = &packet.Packet{Type: packet.PONG}

// repeatPongs makes es hand itself each client pong again, pongAgain later,
// whatever the transport: the race is the engine's heartbeat.
func repeatPongs(es engine.Socket) {
	_ = es.On("packet", func(args ...any) {
		if p, ok := args[0].(*packet.Packet); !ok || p.Type != packet.PONG || p == repeatedPong {
			return
		}
		time.AfterFunc(pongAgain, func() {
			if es.ReadyState() == "open" {
				es.Transport().Emit("packet", repeatedPong)
			}
		})
	})
}
