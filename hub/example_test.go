package hub_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iohub/iohub/hub"
	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/hub/httpapi"
)

// Embedding the hub in a Go program: build it from Options (plain Go values;
// every field is optional), start it, mount its handler on any HTTP server, and deliver
// content events from Go through Realtime(). The hub's Socket.IO endpoint is
// at /socket.io/ on the same server.
func Example() {
	srv, err := hub.New(context.Background(), hub.Options{
		Auth:  hub.AuthOptions{JWTSecret: "example-secret-0123456789abcdef0123"},
		API:   httpapi.Options{Tokens: []string{"example-token"}},
		Roles: map[string][]string{"Public": {"api::message.message.find", "api::message.message.create"}},
		// Logger nil: no logging.
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	// Serve would do this; with an HTTP server of one's own, Start joins the
	// cluster and starts the Strapi sync and plugins watcher (none here).
	if err := srv.Start(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	res, err := http.Get(ts.URL + "/hub/health")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.StatusCode, strings.TrimSpace(string(body)))

	// A permission-checked content event, as POST /hub/emit sends it.
	ev, err := access.ParseEvent("api::message.message.create")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("sent to", srv.Realtime().EmitContent(ev, map[string]any{"text": "hi"}))
	// Output:
	// 200 {"sockets":0,"status":"ok"}
	// sent to [Public]
}

// The same hub from a hub.toml (parsed here from text; config.Load reads a
// file). A hub built from a config can also change it while it runs: see
// Server.Apply.
func ExampleNewFromConfig() {
	cfg, err := config.Parse([]byte(`
[auth]
jwtSecret = "example-secret-0123456789abcdef0123"
[api]
tokens = ["example-token"]
[roles.Public]
permissions = ["api::message.message.find", "api::message.message.create"]
`), "example.toml")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, err := hub.NewFromConfig(cfg, nil) // nil: no logging
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	ev, err := access.ParseEvent("api::message.message.create")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("sent to", srv.Realtime().EmitContent(ev, map[string]any{"text": "hi"}))
	// Output:
	// sent to [Public]
}

// Run serves a hub on its Listen address until the context ends.
func ExampleRun() {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	fmt.Println("stopped:", hub.Run(ctx, hub.Options{
		Listen: "127.0.0.1:0",
		Auth:   hub.AuthOptions{JWTSecret: "example-secret-0123456789abcdef0123"},
		API:    httpapi.Options{Tokens: []string{"example-token"}},
	}))
	// Output:
	// stopped: <nil>
}

// An embedder adds its own metrics beside the hub's, served by GET
// /hub/metrics.
func ExampleServer_Metrics() {
	srv, err := hub.New(context.Background(), hub.Options{
		API: httpapi.Options{Tokens: []string{"example-token"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	orders := prometheus.NewCounter(prometheus.CounterOpts{Name: "shop_orders_total", Help: "Orders placed."})
	srv.Metrics().Registry().MustRegister(orders)
	orders.Inc()

	req := httptest.NewRequest(http.MethodGet, "/hub/metrics", nil)
	req.Header.Set("Authorization", "Bearer example-token")
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.Contains(rec.Body.String(), "shop_orders_total 1"))
	// Output:
	// 200 true
}

// Apply changes a running hub's configuration without dropping a socket; it
// reports what changed and what would need a restart.
func ExampleServer_Apply() {
	parse := func(token string) *config.Config {
		cfg, err := config.Parse([]byte(`
[auth]
jwtSecret = "example-secret-0123456789abcdef0123"
[api]
tokens = ["`+token+`"]
`), "example.toml")
		if err != nil {
			panic(err)
		}
		return cfg
	}
	srv, err := hub.NewFromConfig(parse("old-token"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	res, err := srv.Apply(context.Background(), parse("new-token"))
	fmt.Println(res.Changed, err)
	// Output:
	// [api.tokens] <nil>
}
