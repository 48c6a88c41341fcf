package hub_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/iohub/iohub/hub"
	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/internal/hubtest"
)

// A hub built from Options: zero Options work, the ctx given to New ends
// nothing once it is built, and configs are for NewFromConfig's hubs only.
func TestNewFromOptions(t *testing.T) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := hub.New(done, hub.Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("New with an ended ctx: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	srv, err := hub.New(ctx, hub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cancel() // New's ctx bounded building only
	url := hubtest.Serve(t, srv)

	res, err := http.Get(url + "/hub/health")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("health: %d", res.StatusCode)
	}
	if _, err := dial(t, url, ""); err != nil {
		t.Fatalf("anonymous socket: %v", err)
	}
	if _, err := dial(t, url, "bad.token.here"); err == nil || err.Error() != "Invalid token." {
		t.Fatalf("bad token: err = %v, want Invalid token.", err)
	}
	if _, err := srv.Apply(context.Background(), config.Default()); err == nil {
		t.Error("Apply changed a hub built by New")
	}
}
