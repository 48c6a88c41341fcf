package realtime

import (
	"testing"

	"github.com/gorilla/websocket"
)

// An idle WebSocket connection keeps two goroutines, its reader and the
// engine's ping timer, with 4 KiB and 2 KiB of stack: the CONNECT must not
// leave the reader's stack grown (wsframe's handoff).
func TestIdleConnectionStacks(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes stacks larger")
	}
	const n = 200
	s, url, _ := startLimited(t, noLimits)
	s.SetHandlers(pingOnly{})
	before := idleSample()
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		c, err := idleDial(url)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
		defer c.Close()
	}
	waitSockets(t, s, n)
	after := idleSample()
	goroutines := float64(after.goroutines-before.goroutines) / n
	stack := (float64(after.StackInuse) - float64(before.StackInuse)) / n
	t.Logf("per connection: %.2f goroutines, %.0f B of stack", goroutines, stack)
	if goroutines > 2.1 {
		t.Errorf("%.2f goroutines per idle connection, want 2", goroutines)
	}
	if stack > 8<<10 { // 10 KiB with the reader grown to 8 KiB
		t.Errorf("%.0f B of stack per idle connection, want about 6 KiB (4 KiB reader, 2 KiB timer)", stack)
	}
}
