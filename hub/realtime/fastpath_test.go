package realtime

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/iohub/iohub/hub/clienterr"
	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/limit"
)

// connected returns a client whose socket the hub reads itself: the
// library sends CONNECT before the hub's connection listener runs, so an
// event answered proves the listener ran.
func connected(t *testing.T, url string) *rawClient {
	t.Helper()
	c := dialRaw(t, url, nil)
	c.emit(t, 0, "warm-up", nil)
	c.emit(t, 1, "rec", "warm-up")
	if _, _, err := c.ack(t); err != nil {
		t.Fatal(err)
	}
	return c
}

// recorder is a handler.Dispatcher for "rec": it answers with what it was
// given, and can be held (every call waits for release).
type recorder struct {
	holding atomic.Bool // calls wait for hold to close
	hold    chan struct{}
	calls   atomic.Int64
	viaJSON atomic.Int64 // calls whose arguments came as JSON (the fast path)
}

func (r *recorder) Bound(event string) bool { return event == "rec" }

func (r *recorder) Handle(_ context.Context, call *handler.Call) handler.Outcome {
	if r.holding.Load() {
		<-r.hold
	}
	r.calls.Add(1)
	if call.ArgsJSON == nil {
		b, _ := json.Marshal(call.Args)
		return handler.Outcome{Replied: true, ReplyJSON: b}
	}
	r.viaJSON.Add(1)
	return handler.Outcome{Replied: true, ReplyJSON: call.ArgsJSON}
}

// Over a WebSocket the hub reads the event itself: the handler gets the
// client's JSON (compacted), and the ack carries the reply's JSON as is.
func TestFastPathEvent(t *testing.T) {
	s, url, _ := startLimited(t, limit.Settings{})
	r := &recorder{}
	s.SetHandlers(r)
	c := connected(t, url)
	c.write(t, `427["rec",{"b":1.50,"a":"\u00e9"} , [ 2 ]]`)
	id, args, err := c.ack(t)
	if err != nil || id != 7 || args != `[{"b":1.50,"a":"\u00e9"},[2]]` {
		t.Fatalf("ack %d %s %v", id, args, err)
	}
	// An event of no handler, and one without an ack, are taken too.
	c.emit(t, -1, "nobody", 1)
	c.emit(t, -1, "rec", 2)
	c.emit(t, 8, "rec", 3)
	if id, args, err := c.ack(t); err != nil || id != 8 || args != `[3]` {
		t.Fatalf("ack %d %s %v", id, args, err)
	}
	if n, j := r.calls.Load(), r.viaJSON.Load(); n != 4 || j < 3 {
		t.Fatalf("%d calls, %d with JSON arguments", n, j)
	}
}

// Events that follow frames the library took wait in the library's queue;
// a client flooding while they do gets "too many pending events" past
// maxPending, not a queue that grows without bound.
func TestFastPathBoundedBehindLibrary(t *testing.T) {
	s, url, _ := startLimited(t, limit.Settings{})
	r := &recorder{hold: make(chan struct{})}
	s.SetHandlers(r)
	c := connected(t, url)
	r.holding.Store(true)
	c.write(t, "3") // a pong: the library's, so the next event goes behind it
	const n = maxPending + 40
	for i := range n {
		c.emit(t, i, "rec", i)
	}
	limited := 0
	for limited < n-maxPending {
		_, args, err := c.ack(t)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(args, clienterr.ErrTooManyPending.Message) {
			t.Fatalf("an answer before the handler was released: %s", args)
		}
		limited++
	}
	close(r.hold)
	answered := 0
	for range n - limited {
		if _, args, err := c.ack(t); err != nil || strings.Contains(args, "error") {
			t.Fatalf("%s %v", args, err)
		}
		answered++
	}
	if got := r.calls.Load(); got != int64(answered)+1 || answered != maxPending {
		t.Fatalf("%d calls, %d answered, want %d", got, answered, maxPending)
	}
}

// The library sends CONNECT before it registers the socket; an event that
// arrives in between used to close the connection ("invalid state"). A
// client that does not even wait for CONNECT is served too.
func TestEventRightAfterConnect(t *testing.T) {
	s, url, _ := startLimited(t, limit.Settings{})
	s.SetHandlers(&recorder{})
	for i := range 20 {
		c := rawOpen(t, url, nil)
		c.write(t, "40")
		c.write(t, `421["rec",`+strconv.Itoa(i)+`]`)
		if e := c.connectResult(t); e != nil {
			t.Fatalf("refused: %+v", e)
		}
		if id, args, err := c.ack(t); err != nil || id != 1 || args != "["+strconv.Itoa(i)+"]" {
			t.Fatalf("round %d: ack %d %s %v", i, id, args, err)
		}
		c.close()
	}
}
