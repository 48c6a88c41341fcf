package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	client "github.com/zishang520/socket.io/clients/socket/v3"

	"github.com/iohub/iohub/hub"
	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/internal/hubtest"
)

const testConfig = `
listen = "127.0.0.1:0"
[auth]
jwtSecret = "go-client-test-secret-0123456789abcdef"
[api]
tokens = ["t0ken"]
[roles.Public]
permissions = ["api::message.message.create"]
[roles.Authenticated]
permissions = ["api::message.message.*"]
`

type testHub struct {
	url    string
	cfg    *config.Config
	cancel context.CancelFunc
	done   chan error
}

// startHub runs a real hub (hub.New + Serve on a loopback listener) for one test.
func startHub(t *testing.T) *testHub {
	t.Helper()
	return startHubConfig(t, testConfig)
}

// startHubConfig is startHub on src, a whole hub.toml. The hub stops when the
// test ends, or at stop.
func startHubConfig(t *testing.T, src string) *testHub {
	t.Helper()
	cfg, err := config.Parse([]byte(src), "test.toml")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := hub.NewFromConfig(cfg, slog.New(slog.DiscardHandler))
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

func (h *testHub) stop(t *testing.T) {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		if err != nil {
			t.Errorf("Serve returned %v after shutdown, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Error("Serve did not return after shutdown")
	}
}

func (h *testHub) token(t *testing.T, role, sub string) string {
	opts, err := hub.OptionsFromConfig(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := hub.NewAuthenticator(opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Mint(role, sub, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (h *testHub) post(t *testing.T, path string, body any) int {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, h.url+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer t0ken")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// goClient is the library's own Go Socket.IO client with a record of events.
type goClient struct {
	*client.Socket
	mu     sync.Mutex
	events []string
	got    chan string
	closed chan struct{}
}

// dial connects the library's Go client over websocket. The client has races
// of its own: under load its Socket.Connect can send CONNECT twice when the
// manager opens meanwhile, and the connection then stalls (500 connections of
// the Node client under the same load never did). So a connection that
// neither connects nor fails in time is tried again with a fresh client.
// Long-polling, and event handlers, are tested with the Node client in e2e/:
// the Go client's polling transport does not reliably send packets written
// after the handshake.
func dial(t *testing.T, url, token string) (*goClient, error) {
	t.Helper()
	c, err := dialOnce(t, url, token)
	for attempt := 2; attempt <= 3 && errors.Is(err, errNoAnswer); attempt++ {
		t.Logf("Go client got no answer; attempt %d", attempt)
		c, err = dialOnce(t, url, token)
	}
	return c, err
}

var errNoAnswer = errors.New("no connect or connect_error in 5s")

func dialOnce(t *testing.T, url, token string) (*goClient, error) {
	t.Helper()
	var auth map[string]any
	if token != "" {
		auth = map[string]any{"token": token}
	}
	s, err := hubtest.GoSocket(url, auth)
	if errors.Is(err, hubtest.ErrNoOpen) {
		return nil, errNoAnswer
	}
	if err != nil {
		return nil, err
	}
	c := &goClient{Socket: s, got: make(chan string, 64), closed: make(chan struct{})}
	s.OnAny(func(args ...any) {
		name, _ := args[0].(string)
		c.mu.Lock()
		c.events = append(c.events, name)
		c.mu.Unlock()
		c.got <- name
	})
	var once sync.Once
	_ = s.On("disconnect", func(...any) { once.Do(func() { close(c.closed) }) })
	result := make(chan error, 1)
	_ = s.Once("connect", func(...any) { result <- nil })
	_ = s.Once("connect_error", func(args ...any) { result <- fmt.Errorf("%v", args[0]) })
	s.Connect()
	select {
	case err := <-result:
		if err != nil {
			s.Close()
			return nil, err
		}
	case <-time.After(5 * time.Second):
		s.Close()
		return nil, errNoAnswer
	}
	t.Cleanup(func() { s.Close() })
	return c, nil
}

// heard reports whether the client sees event within 5s.
func (c *goClient) heard(t *testing.T, event string) bool {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case e := <-c.got:
			if e == event {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

// waitFor returns once the client has seen event, failing after 5s.
func (c *goClient) waitFor(t *testing.T, event string) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case e := <-c.got:
			if e == event {
				return
			}
		case <-timeout:
			t.Fatalf("did not receive %q; got %v", event, c.seen())
		}
	}
}

func (c *goClient) seen() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.events...)
}

func TestGoClient(t *testing.T) {
	h := startHub(t)
	if _, err := dial(t, h.url, "bad.token.here"); err == nil || err.Error() != "Invalid token." {
		t.Fatalf("bad token: err = %v, want Invalid token.", err)
	}
	// zishang520's Go client sometimes connects and then receives nothing
	// (see dial): when "end" does not arrive at all, the round is repeated
	// with new clients. What does arrive must be exactly right.
	var anon, user *goClient
	for attempt := 1; ; attempt++ {
		var err error
		if anon, err = dial(t, h.url, ""); err != nil {
			t.Fatal(err)
		}
		if user, err = dial(t, h.url, h.token(t, "", "7")); err != nil {
			t.Fatal(err)
		}
		// Public holds create, not update: the anonymous socket sees only
		// create; the Authenticated one (a Strapi-like token without a role
		// claim) sees both, then its direct message in user:7.
		for _, ev := range []string{"create", "update"} {
			if code := h.post(t, "/hub/emit", map[string]any{"event": "api::message.message." + ev, "data": 1}); code != 202 {
				t.Fatalf("emit %s: %d", ev, code)
			}
		}
		if code := h.post(t, "/hub/raw", map[string]any{"event": "dm", "room": "user:7"}); code != 202 {
			t.Fatalf("raw: %d", code)
		}
		if code := h.post(t, "/hub/raw", map[string]any{"event": "end"}); code != 202 {
			t.Fatalf("raw: %d", code)
		}
		if anon.heard(t, "end") && user.heard(t, "end") {
			break
		}
		if attempt == 3 {
			t.Fatalf("no \"end\" in 3 rounds; last round got %v and %v", anon.seen(), user.seen())
		}
		t.Logf("round %d: a Go client got nothing (%v, %v); again with new clients", attempt, anon.seen(), user.seen())
		anon.Close()
		user.Close()
	}
	if got := fmt.Sprint(anon.seen()); got != "[message:create end]" {
		t.Errorf("anonymous got %s", got)
	}
	if got := fmt.Sprint(user.seen()); got != "[message:create message:update dm end]" {
		t.Errorf("authenticated got %s", got)
	}

	// Graceful shutdown disconnects the connected clients and Serve
	// returns nil.
	h.stop(t)
	for _, c := range []*goClient{anon, user} {
		select {
		case <-c.closed:
		case <-time.After(5 * time.Second):
			t.Error("client not disconnected by shutdown")
		}
	}
}
