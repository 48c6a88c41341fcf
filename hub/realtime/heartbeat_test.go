package realtime

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/iohub/iohub/hub/limit"
	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	"github.com/zishang520/socket.io/servers/engine/v3"
)

// Every session's engine is handed each client pong a second time,
// pongAgain later (and the repeat is not repeated).
func TestPongRepeated(t *testing.T) {
	s, url, _ := startLimited(t, limit.Settings{})
	var pongs atomic.Int32
	_ = s.io.Engine().On("connection", func(args ...any) {
		_ = args[0].(engine.Socket).On("packet", func(args ...any) {
			if p, ok := args[0].(*packet.Packet); ok && p.Type == packet.PONG {
				pongs.Add(1)
			}
		})
	})
	c := dialRaw(t, url, nil)
	c.write(t, "3")
	time.Sleep(pongAgain + 300*time.Millisecond)
	if n := pongs.Load(); n != 2 {
		t.Fatalf("the engine saw %d pongs, want 2 (the client's and its repeat)", n)
	}
}
