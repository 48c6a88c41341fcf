package realtime

import (
	"slices"
	"testing"
	"time"

	"github.com/iohub/iohub/hub/realtime/internal/wsframe"
)

// TestRecoveryNeverSkipsTheHandshake: the library skips every middleware of a
// recovered session when skipMiddlewares is true, and takes true when it is
// unset. The handshake must run whatever reaches serverOptions (config
// validation refuses true, and IOOptions cannot ask for it; this is the
// second fence).
func TestRecoveryNeverSkipsTheHandshake(t *testing.T) {
	rec := serverOptions(IOOptions{Recovery: time.Minute}, nopObserver{}, wsframe.NewWriter(), nil).ConnectionStateRecovery()
	if rec == nil {
		t.Fatal("recovery not enabled")
	}
	if rec.GetRawSkipMiddlewares() == nil || rec.SkipMiddlewares() {
		t.Fatalf("library skipMiddlewares set=%v value=%v, want set and false",
			rec.GetRawSkipMiddlewares() != nil, rec.SkipMiddlewares())
	}
	if got := rec.MaxDisconnectionDuration(); got != time.Minute.Milliseconds() {
		t.Fatalf("maxDisconnectionDuration = %d ms", got)
	}
	if serverOptions(IOOptions{}, nopObserver{}, wsframe.NewWriter(), nil).ConnectionStateRecovery() != nil {
		t.Fatal("recovery enabled without IOOptions.Recovery")
	}
}

// The zero IOOptions are Socket.IO's defaults; set fields are kept.
func TestIOOptionsDefaults(t *testing.T) {
	d := IOOptions{}.WithDefaults()
	if d.Path != "/socket.io" || d.PingInterval != 25*time.Second || d.PingTimeout != 20*time.Second ||
		d.ConnectTimeout != 45*time.Second || d.UpgradeTimeout != 10*time.Second || d.MaxHTTPBufferSize != 1_000_000 ||
		!slices.Equal(d.Transports, []string{"polling", "websocket"}) || !slices.Equal(d.CORS.Methods, []string{"GET", "POST"}) ||
		d.CORS.Origins != nil || d.Recovery != 0 {
		t.Fatalf("defaults %+v", d)
	}
	set := IOOptions{Path: "/io", PingInterval: time.Second, Transports: []string{"websocket"}, CORS: CORS{Methods: []string{}}}
	if got := set.WithDefaults(); got.Path != "/io" || got.PingInterval != time.Second ||
		!slices.Equal(got.Transports, []string{"websocket"}) || got.CORS.Methods == nil || len(got.CORS.Methods) != 0 {
		t.Fatalf("set fields changed: %+v", got)
	}
	opts := serverOptions(IOOptions{}, nopObserver{}, wsframe.NewWriter(), nil)
	if opts.Path() != "/socket.io" || opts.PingInterval() != 25*time.Second || opts.MaxHttpBufferSize() != 1_000_000 {
		t.Fatalf("library options: path %q ping %v max %d", opts.Path(), opts.PingInterval(), opts.MaxHttpBufferSize())
	}
}
