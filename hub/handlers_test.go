package hub_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/iohub/iohub/hub"
	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/internal/wattest"
)

// startHubWithHandlers runs a hub whose plugins dir holds the given WAT fixtures
// (from hub/plugin/testdata), with extra config appended.
func startHubWithHandlers(t *testing.T, fixtures map[string]string, extra string) *testHub {
	t.Helper()
	dir := t.TempDir()
	for module, fixture := range fixtures {
		wattest.Install(t, filepath.Join("plugin", "testdata", fixture+".wat"), dir, module)
	}
	text := testConfig + fmt.Sprintf("[plugins]\ndir = %q\nwatch = false\n", dir) + extra
	cfg, err := config.Parse([]byte(text), "test.toml")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := hub.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &testHub{url: "http://" + ln.Addr().String(), cfg: cfg, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() { h.stop(t) })
	return h
}

// ackOf emits event with an ack and returns the ack's arguments.
func ackOf(t *testing.T, c *goClient, event string, args ...any) []any {
	t.Helper()
	got := make(chan []any, 1)
	_ = c.Emit(event, append(args, func(a []any, _ error) { got <- a })...)
	select {
	case a := <-got:
		return a
	case <-time.After(5 * time.Second):
		t.Fatalf("no ack for %s", event)
		return nil
	}
}

// TestHandlersThroughTheHub: events[] handlers see accepted sockets only, answer
// acks, keep a socket's events in order, and a failing handler answers the ack
// with an error without disconnecting anyone.
func TestHandlersThroughTheHub(t *testing.T) {
	h := startHubWithHandlers(t, map[string]string{"welcome": "welcome", "counter": "counter", "trap": "trap"}, `
[[events]]
name = "connection"
handler = "welcome"
config = { mode = "c" }
[[events]]
name = "stats"
handler = "welcome"
config = { mode = "s" }
[[events]]
name = "tick"
handler = "counter"
[[events]]
name = "risky"
handler = "trap"
`)
	a, err := dial(t, h.url, "websocket", "")
	if err != nil {
		t.Fatal(err)
	}
	// The Go client's polling transport delivers server events but, in our
	// runs, not its own emits; the Node client's polling does both (e2e tests),
	// so client events go over websocket here.
	b, err := dial(t, h.url, "websocket", h.token(t, "", "9"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dial(t, h.url, "websocket", "bad.token"); err == nil {
		t.Fatal("bad token accepted")
	}
	a.waitFor(t, "welcome")
	b.waitFor(t, "welcome")
	// Two connection handler runs: the refused socket never reached it.
	if got := ackOf(t, a, "stats"); fmt.Sprint(got) != "[2]" {
		t.Fatalf("stats ack %v, want [2]", got)
	}

	// 30 events sent without waiting come back in order.
	acks := make(chan string, 30)
	for i := 0; i < 30; i++ {
		_ = b.Emit("tick", func(args []any, _ error) { acks <- fmt.Sprint(args) })
	}
	for i := 1; i <= 30; i++ {
		select {
		case got := <-acks:
			if want := fmt.Sprintf("[%04d]", i); got != want {
				t.Fatalf("ack %d = %s, want %s", i, got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("ack %d missing", i)
		}
	}

	// A trapping handler: an error ack, the socket stays connected and the
	// next event works.
	if got := ackOf(t, a, "risky", bigString()); fmt.Sprint(got) != "[map[error:handler failed]]" {
		t.Fatalf("risky ack %v", got)
	}
	if got := ackOf(t, a, "risky", "small"); fmt.Sprint(got) != "[alive]" {
		t.Fatalf("after the trap: %v", got)
	}
	if !a.Connected() {
		t.Fatal("a failing handler disconnected the socket")
	}
}

func bigString() string {
	b := make([]byte, 400)
	for i := range b {
		b[i] = 'x'
	}
	return string(b)
}
