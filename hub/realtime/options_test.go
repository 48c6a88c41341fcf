package realtime

import (
	"testing"
	"time"

	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/hub/realtime/internal/wsframe"
)

// TestRecoveryNeverSkipsTheHandshake: the library skips every middleware of a
// recovered session when skipMiddlewares is true, and takes true when it is
// unset. The handshake must run whatever reaches serverOptions (config
// validation refuses true; this is the second fence).
func TestRecoveryNeverSkipsTheHandshake(t *testing.T) {
	for _, skip := range []bool{false, true} {
		io := config.Default().IO
		io.ConnectionStateRecovery = &config.Recovery{MaxDisconnectionDuration: config.Duration(time.Minute), SkipMiddlewares: skip}
		rec := serverOptions(io, nopObserver{}, wsframe.NewWriter()).ConnectionStateRecovery()
		if rec == nil {
			t.Fatal("recovery not enabled")
		}
		if rec.GetRawSkipMiddlewares() == nil || rec.SkipMiddlewares() {
			t.Fatalf("config skipMiddlewares=%v: library skipMiddlewares set=%v value=%v, want set and false",
				skip, rec.GetRawSkipMiddlewares() != nil, rec.SkipMiddlewares())
		}
		if got := rec.MaxDisconnectionDuration(); got != time.Minute.Milliseconds() {
			t.Fatalf("maxDisconnectionDuration = %d ms", got)
		}
	}
}
