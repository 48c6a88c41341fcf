package plugin

import (
	"testing"

	"github.com/iohub/iohub/hub/handler"
)

// BenchmarkHandleCSDKFastPath: the C SDK's echo given its arguments as JSON,
// as the hub's WebSocket fast path calls handlers (handler.Call.ArgsJSON):
// the event of bench/'s ack scenario. Run it with -cpu 1 for CPU per call.
func BenchmarkHandleCSDKFastPath(b *testing.B) {
	dir := buildCEcho(b)
	benchHandleCall(b, dir, "echo", func() *handler.Call {
		c := event("e", true)
		c.Args = nil
		c.ArgsJSON = []byte(`[{"n":12345,"text":"hello"}]`)
		return c
	})
}
