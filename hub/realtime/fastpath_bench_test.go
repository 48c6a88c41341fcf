package realtime

import (
	"strconv"
	"sync"
	"testing"

	"github.com/iohub/iohub/hub/limit"
)

// BenchmarkFastPathAck: sequential acks over WebSockets (8 clients, each
// waiting for its answer before the next event), answered by a handler that
// returns its arguments: the hub's own cost of a round trip (reading the
// frame, admitting and dispatching the event, writing the ack) without a
// Wasm call, plus the in-process clients' cost. Compare runs, not absolutes.
func BenchmarkFastPathAck(b *testing.B) {
	s, url, _ := startLimited(b, limit.Settings{})
	s.SetHandlers(&recorder{})
	const clients = 8
	cs := make([]*rawClient, clients)
	for i := range cs {
		cs[i] = dialRaw(b, url, nil)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/clients + 1
	for _, c := range cs {
		wg.Add(1)
		go func(c *rawClient) {
			defer wg.Done()
			for i := range per {
				c.write(b, "42"+strconv.Itoa(i)+`["rec",{"n":`+strconv.Itoa(i)+`,"text":"hello"}]`)
				if _, _, err := c.ack(b); err != nil {
					b.Error(err)
					return
				}
			}
		}(c)
	}
	wg.Wait()
}
