// Package hubtest runs real hubs for tests: built from TOML text with
// hub.NewFromConfig and served on a loopback listener until the test ends.
package hubtest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/iohub/iohub/hub"
	"github.com/iohub/iohub/hub/config"
)

// Start parses src (a hub.toml), builds the hub with a text logger writing
// to log (nil: discarded) and serves it until the test ends. It returns the
// hub, its base URL ("http://127.0.0.1:port") and the parsed config.
func Start(t testing.TB, src string, log io.Writer) (*hub.Server, string, *config.Config) {
	t.Helper()
	cfg, err := config.Parse([]byte(src), "test.toml")
	if err != nil {
		t.Fatal(err)
	}
	if log == nil {
		log = io.Discard
	}
	srv, err := hub.NewFromConfig(cfg, slog.New(slog.NewTextHandler(log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return srv, Serve(t, srv), cfg
}

// Serve serves srv on a loopback listener until the test ends (then it
// shuts the hub down and waits for Serve to return, at most 15 s), and
// returns its base URL.
func Serve(t testing.TB, srv *hub.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("Serve did not return after shutdown")
		}
	})
	return "http://" + ln.Addr().String()
}
