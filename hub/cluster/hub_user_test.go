package cluster_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iohub/iohub/hub"
	"github.com/iohub/iohub/internal/hubtest"
	"github.com/iohub/iohub/internal/redistest"
)

// strapiMe answers GET /api/users/me for user 1 like Strapi, and counts the
// lookups: the hub caches the answer per token until a user change.
type strapiMe struct {
	blocked atomic.Bool
	lookups atomic.Int64
}

func (d *strapiMe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/users/me" {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	d.lookups.Add(1)
	_ = json.NewEncoder(w).Encode(map[string]any{"id": 1, "username": "ann", "confirmed": true, "blocked": d.blocked.Load(),
		"role": map[string]any{"id": 1, "name": "Authenticated", "type": "authenticated"}})
}

// A Strapi webhook about a user reaches one node; every node forgets the
// cached user, and a blocked user loses their sockets on every node.
func TestHubUserChangedOnEveryNode(t *testing.T) {
	d := &strapiMe{}
	strapiSrv := httptest.NewServer(d)
	t.Cleanup(strapiSrv.Close)
	srv := redistest.Start(t, redistest.Options{})
	nodes := startNodes(t, srv.URL, 2, func(o *hub.Options) { o.Strapi.URL = strapiSrv.URL })
	a, b := nodes[0].url, nodes[1].url
	token := userToken(t, "1")

	user := connectUser(t, b, token)
	if err := handshake(t, b, token); err != nil {
		t.Fatal(err)
	}
	if n := d.lookups.Load(); n != 1 {
		t.Fatalf("%d Strapi lookups for two handshakes, want 1 (cached)", n)
	}
	webhook := func(blocked bool) {
		post(t, a, "/hub/webhooks/strapi", map[string]any{"event": "entry.update", "model": "user",
			"uid": "plugin::users-permissions.user", "entry": map[string]any{"id": 1, "username": "ann", "blocked": blocked}})
	}

	// A change that is not a block: node b forgets the user (its next
	// handshake asks Strapi again) and keeps the socket.
	webhook(false)
	deadline := time.Now().Add(15 * time.Second)
	for d.lookups.Load() == 1 {
		if time.Now().After(deadline) {
			t.Fatal("node b kept the cached user")
		}
		if err := handshake(t, b, token); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-user.closed:
		t.Fatal("a user who was not blocked lost their socket")
	default:
	}

	// Blocked: node b drops the socket, and forgets the user, so the next
	// handshake reads the block from Strapi.
	d.blocked.Store(true)
	webhook(true)
	select {
	case <-user.closed:
	case <-time.After(15 * time.Second):
		t.Fatal("the blocked user's socket on node b stayed open")
	}
	if err := handshake(t, b, token); err == nil || !strings.Contains(err.Error(), "Invalid credentials") {
		t.Fatalf("blocked user's handshake on node b: %v", err)
	}
}

// userToken signs a Strapi-like token for user id with the nodes' jwtSecret.
func userToken(t *testing.T, id string) string {
	t.Helper()
	now := time.Now()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"id": json.Number(id), "iat": now.Unix(),
		"exp": now.Add(time.Minute).Unix()}).SignedString([]byte("cluster-test-secret-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// userSocket is a connected client; closed is closed when the hub drops it.
type userSocket struct{ closed chan struct{} }

var errNoAnswer = errors.New("no connect or connect_error in 5s")

// dial connects with token and waits for the handshake's answer. keep leaves
// the socket open until the test ends.
func dial(t *testing.T, url, token string, keep bool) (*userSocket, error) {
	t.Helper()
	for attempt := 1; ; attempt++ { // the Go client can stall under load (hub_test.go)
		s, err := hubtest.GoSocket(url, map[string]any{"token": token})
		if errors.Is(err, hubtest.ErrNoOpen) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, err
		}
		u := &userSocket{closed: make(chan struct{})}
		_ = s.Once("disconnect", func(...any) { close(u.closed) })
		result := make(chan error, 1)
		_ = s.Once("connect", func(...any) { result <- nil })
		_ = s.Once("connect_error", func(args ...any) { result <- fmt.Errorf("%v", args[0]) })
		s.Connect()
		select {
		case err = <-result:
		case <-time.After(5 * time.Second):
			err = errNoAnswer
		}
		if err != nil || !keep {
			s.Close()
		} else {
			t.Cleanup(func() { s.Close() })
		}
		if !errors.Is(err, errNoAnswer) || attempt == 3 {
			return u, err
		}
	}
}

func connectUser(t *testing.T, url, token string) *userSocket {
	t.Helper()
	u, err := dial(t, url, token, true)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// handshake connects with token, then closes: nil when the hub accepted it.
func handshake(t *testing.T, url, token string) error {
	t.Helper()
	_, err := dial(t, url, token, false)
	return err
}
