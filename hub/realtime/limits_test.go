package realtime

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/auth"
	"github.com/iohub/iohub/hub/clienterr"
	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/limit"
	"github.com/iohub/iohub/hub/sanitize"
)

// testAuth accepts every socket as Public, except the tokens "bad" (refused)
// and "slow" (held until release is closed).
type testAuth struct {
	slowStarted chan struct{}
	release     chan struct{}
}

func (a *testAuth) Authenticate(ctx context.Context, token string) (auth.Identity, error) {
	switch token {
	case "bad":
		return auth.Identity{}, clienterr.ErrInvalidToken
	case "slow":
		a.slowStarted <- struct{}{}
		<-a.release
	}
	return auth.Identity{Role: "Public", Anonymous: true}, nil
}

// startLimited serves a realtime.Server with limits on a loopback listener.
func startLimited(t testing.TB, l limit.Settings) (*Server, string, *testAuth) {
	t.Helper()
	rules, err := access.New(nil, access.Mode("action"))
	if err != nil {
		t.Fatal(err)
	}
	a := &testAuth{slowStarted: make(chan struct{}, 1), release: make(chan struct{})}
	s := New(Options{
		IO:        IOOptions{}.WithDefaults(),
		Auth:      a,
		Rules:     rules,
		Sanitizer: sanitize.New(nil),
		Logger:    slog.New(slog.DiscardHandler),
		Limits:    l,
	})
	return s, serve(t, s), a
}

// serve serves s at /socket.io/ on a loopback listener until the test ends,
// and returns the base URL.
func serve(t testing.TB, s *Server) string {
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", s.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		s.Close()
		srv.Close()
	})
	return srv.URL
}

func from(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }

// waitConnections waits (up to 10s) for the limiter's count to reach want:
// slots are released when the server notices a close, after the client's.
func waitConnections(t *testing.T, s *Server, want int) {
	t.Helper()
	waitFor(t, func() bool { return s.LimitStats().Connections == want },
		func() string {
			return fmt.Sprintf("connections = %d, want %d (stats %+v)", s.LimitStats().Connections, want, s.LimitStats())
		})
}

// waitSockets waits (up to 10s) for the count of connected sockets: the
// client hears CONNECT before the server's "connection" listeners run.
func waitSockets(t *testing.T, s *Server, want int64) {
	t.Helper()
	waitFor(t, func() bool { return s.Sockets() == want },
		func() string { return fmt.Sprintf("sockets = %d, want %d", s.Sockets(), want) })
}

func waitFor(t *testing.T, cond func() bool, msg func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(msg())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func wantRefused(t *testing.T, e *connectError, err error) {
	t.Helper()
	msg, code := clienterr.Handshake(err)
	if e == nil {
		t.Fatalf("connected, want %s", code)
	}
	if e.Message != msg || e.Data.Code != string(code) {
		t.Fatalf("connect_error %+v, want %q / %q", e, msg, code)
	}
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

func TestMaxConnections(t *testing.T) {
	s, url, _ := startLimited(t, limit.Settings{MaxConnections: 3, MaxConnectionsPerIP: 2, TrustedProxies: loopback})
	a1 := dialRaw(t, url, from("203.0.113.1"))
	a2 := dialRaw(t, url, from("203.0.113.1"))
	wantRefused(t, rawOpen(t, url, from("203.0.113.1")).connect(t), clienterr.ErrTooManyConnections)
	dialRaw(t, url, from("203.0.113.2"))
	wantRefused(t, rawOpen(t, url, from("203.0.113.3")).connect(t), clienterr.ErrTooManyConnections)
	if st := s.LimitStats(); st.Connections != 3 || st.RefusedConns != 2 {
		t.Fatalf("stats %+v, want 3 connections and 2 refusals", st)
	}
	// A disconnect frees its slot, for the whole node and for its address.
	a1.close()
	waitConnections(t, s, 2)
	dialRaw(t, url, from("203.0.113.1"))
	waitConnections(t, s, 3)

	// A socket that leaves while its Engine.IO connection stays open frees
	// its slot too, again and again on the same connection.
	for range 5 {
		a2.write(t, "41")
		waitConnections(t, s, 2)
		// The library answers a CONNECT for a namespace it still lists with
		// closing the connection ("invalid state"); once under heavy load
		// (CI, -race) the CONNECT came too soon after the slot was released.
		// Give its namespace bookkeeping a moment: not a timing assertion.
		time.Sleep(50 * time.Millisecond)
		if e := a2.connect(t); e != nil {
			t.Fatalf("reconnect on the same connection: %+v", e)
		}
		waitConnections(t, s, 3)
	}
}

// X-Forwarded-For counts only from a trusted proxy; SetLimits applies to the
// next handshake.
func TestForwardedForTrustedOnly(t *testing.T) {
	s, url, _ := startLimited(t, limit.Settings{MaxConnectionsPerIP: 1})
	dialRaw(t, url, from("198.51.100.1"))
	// Spoofed: the header is ignored, both are 127.0.0.1.
	wantRefused(t, rawOpen(t, url, from("198.51.100.2")).connect(t), clienterr.ErrTooManyConnections)

	s.SetLimits(limit.Settings{MaxConnectionsPerIP: 1, TrustedProxies: loopback})
	dialRaw(t, url, from("198.51.100.2"))
	// A client-written entry left of the proxy's is not believed either.
	wantRefused(t, rawOpen(t, url, from("198.51.100.9, 198.51.100.2")).connect(t), clienterr.ErrTooManyConnections)
	if st := s.LimitStats(); st.Connections != 2 || st.Addresses != 2 {
		t.Fatalf("stats %+v, want 2 connections from 2 addresses", st)
	}
}

// Refused and abandoned handshakes give their slot back.
func TestSlotReleasedOnFailedHandshake(t *testing.T) {
	s, url, a := startLimited(t, limit.Settings{MaxConnections: 1})
	c := rawOpen(t, url, nil)
	c.write(t, `40{"token":"bad"}`)
	wantRefused(t, c.connectResult(t), clienterr.ErrInvalidToken)
	waitConnections(t, s, 0)

	// The client goes away while its token is being checked: the library
	// then drops the socket without "connection" or "disconnect"; the
	// connection's close releases the slot.
	c = rawOpen(t, url, nil)
	c.write(t, `40{"token":"slow"}`)
	<-a.slowStarted
	if n := s.LimitStats().Connections; n != 1 {
		t.Fatalf("%d connections during the handshake, want 1", n)
	}
	c.close()
	waitConnections(t, s, 0)
	close(a.release)
	dialRaw(t, url, nil) // the slot is free for someone else
	waitSockets(t, s, 1)
	waitConnections(t, s, 1)
}

// Many clients connecting and leaving at once, some refused, some leaving in
// the middle of the handshake: the count never passes the limit and ends at
// zero.
func TestConnectionChurn(t *testing.T) {
	const max = 4
	s, url, _ := startLimited(t, limit.Settings{MaxConnections: max})
	var wg sync.WaitGroup
	var connected, refused atomic.Int64
	for w := range 6 {
		wg.Go(func() {
			var held *rawClient // each worker keeps one socket while it opens the next
			for i := range 15 {
				c := rawOpen(t, url, nil)
				c.write(t, "40")
				if (w+i)%4 == 0 { // leave without waiting for the answer
					c.close()
					continue
				}
				if e := c.connectResult(t); e != nil {
					refused.Add(1)
					c.close()
					continue
				}
				connected.Add(1)
				if n := s.LimitStats().Connections; n > max {
					t.Errorf("%d connections counted, over the limit %d", n, max)
				}
				if held != nil {
					held.close()
				}
				held = c
			}
			if held != nil {
				held.close()
			}
		})
	}
	wg.Wait()
	waitConnections(t, s, 0)
	waitSockets(t, s, 0)
	t.Logf("%d connected, %d refused", connected.Load(), refused.Load())
	if connected.Load() == 0 {
		t.Fatal("nobody connected")
	}
}

// testClock is moved by hand, so rates are tested without waiting.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// withClock gives s a limiter on clk; call it before any client connects.
func withClock(s *Server, l limit.Settings, clk *testClock) {
	s.adm.l = limit.New(l, clk.Now)
}

func TestHandshakesPerSecond(t *testing.T) {
	lim := limit.Settings{Handshakes: limit.NewRate(2, 0), TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	s, url, _ := startLimited(t, limit.Settings{})
	clk := &testClock{now: time.Unix(1_700_000_000, 0)}
	withClock(s, lim, clk)

	dialRaw(t, url, from("192.0.2.1")).close()
	dialRaw(t, url, from("192.0.2.1")).close()
	wantRefused(t, rawOpen(t, url, from("192.0.2.1")).connect(t), clienterr.ErrTooManyHandshakes)
	dialRaw(t, url, from("192.0.2.2")) // another address has its own bucket
	clk.Add(500 * time.Millisecond)    // one token at 2/s
	dialRaw(t, url, from("192.0.2.1"))
	wantRefused(t, rawOpen(t, url, from("192.0.2.1")).connect(t), clienterr.ErrTooManyHandshakes)
	if st := s.LimitStats(); st.RefusedHandshakes != 2 || st.RefusedConns != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// echo is a handler.Dispatcher bound to "connection" and "echo": it answers
// echo's ack with its argument and counts its calls.
type echo struct{ connections, events atomic.Int64 }

func (e *echo) Bound(event string) bool { return event == "echo" || event == "connection" }

func (e *echo) Handle(_ context.Context, call *handler.Call) handler.Outcome {
	if call.Kind == handler.Connection {
		e.connections.Add(1)
		return handler.Outcome{}
	}
	e.events.Add(1)
	if call.ArgsJSON != nil { // read by the fast path
		return handler.Outcome{Replied: true, ReplyJSON: call.ArgsJSON}
	}
	return handler.Outcome{Replied: true, Reply: call.Args}
}

func TestEventsPerSecond(t *testing.T) {
	lim := limit.Settings{Events: limit.NewRate(1, 3)}
	s, url, _ := startLimited(t, limit.Settings{})
	clk := &testClock{now: time.Unix(1_700_000_000, 0)} // stands still: no refill
	withClock(s, lim, clk)
	h := &echo{}
	s.SetHandlers(h)

	c := dialRaw(t, url, nil)
	// Events without an ack come first: the burst's 3 tokens go to the
	// first 3, the 2 others are dropped.
	for i := range 5 {
		c.emit(t, -1, "echo", i)
	}
	for i := range 4 {
		c.emit(t, i, "echo", i)
	}
	limited := 0
	for range 4 {
		id, args, err := c.ack(t)
		if err != nil {
			t.Fatal(err)
		}
		switch args {
		case `[{"error":"rate limited"}]`:
			limited++
		default:
			t.Errorf("ack %d: %s, want the rate-limited error", id, args)
		}
	}
	if limited != 4 {
		t.Fatalf("%d rate-limited acks, want 4", limited)
	}
	if st := s.LimitStats(); st.EventsLimited != 6 {
		t.Fatalf("%d events limited, want 6", st.EventsLimited)
	}

	// A second later one token is back; the ack carries the handler's answer.
	clk.Add(time.Second)
	c.emit(t, 9, "echo", "hi")
	if id, args, err := c.ack(t); err != nil || id != 9 || args != `["hi"]` {
		t.Fatalf("ack %d %s %v, want 9 [\"hi\"]", id, args, err)
	}
	if n := h.events.Load(); n != 4 {
		t.Fatalf("handlers ran %d times, want 4", n)
	}
	// The hub's own connection call is never limited.
	if n := h.connections.Load(); n != 1 {
		t.Fatalf("%d connection calls, want 1", n)
	}

	// Turning the limit off applies to the sockets already connected.
	s.SetLimits(limit.Settings{})
	for i := range 10 {
		c.emit(t, 100+i, "echo", i)
	}
	for i := range 10 {
		if id, args, err := c.ack(t); err != nil || args != fmt.Sprintf("[%d]", id-100) {
			t.Fatalf("ack %d: %d %s %v", i, id, args, err)
		}
	}
}
