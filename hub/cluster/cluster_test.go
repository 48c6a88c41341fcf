package cluster

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/iohub/iohub/hub/realtime"
	"github.com/iohub/iohub/internal/redistest"
)

// local stands in for one node's realtime server: it records the ops of the
// other nodes it is given to apply. (Real servers with real clients are
// tested in hub_test.go; this one makes exact counts easy.)
type local struct {
	mu    sync.Mutex
	calls []string
}

func (l *local) got() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

func (l *local) apply(op realtime.Op) {
	var c string
	switch op.Kind {
	case realtime.OpEmit:
		c = fmt.Sprintf("raw %s %v %v", op.Event, op.Data, op.Rooms)
	case realtime.OpBroadcast:
		c = fmt.Sprintf("broadcast %s %v room=%s except=%s", op.Event, op.Args, op.Room, op.Except)
	case realtime.OpSend:
		c = fmt.Sprintf("send %s %s %v", op.SID, op.Event, op.Args)
	case realtime.OpJoin, realtime.OpLeave:
		c = fmt.Sprintf("%s %s %s", op.Kind, op.SID, op.Room)
	case realtime.OpDisconnect:
		c = fmt.Sprintf("disconnect %s", op.SID)
	case realtime.OpUser:
		c = fmt.Sprintf("user %s gone=%v", op.User, op.Gone)
	default:
		c = fmt.Sprintf("unknown %s", op.Kind)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
}

// logBuf collects a node's log lines.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

type testNode struct {
	*Node
	local *local
	logs  *logBuf
}

func startNode(t *testing.T, url, id string) *testNode {
	t.Helper()
	l, logs := &local{}, &logBuf{}
	n, err := New(Options{
		Redis:         url,
		NodeID:        id,
		ChannelPrefix: "test",
		Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		CheckInterval: 100 * time.Millisecond,
		StartTimeout:  10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	n.Start(l.apply)
	if err := n.Connect(); err != nil {
		t.Fatal(err)
	}
	return &testNode{Node: n, local: l, logs: logs}
}

// connected builds a node from opts and connects it; it is closed when the
// test ends.
func connected(t *testing.T, opts Options) *Node {
	t.Helper()
	n, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	if err := n.Connect(); err != nil {
		t.Fatal(err)
	}
	return n
}

// New and Close of a node never connected touch no network: building a hub
// (hub check) does not dial Redis.
func TestNewDialsNothing(t *testing.T) {
	redis := redistest.Listen(t)
	n, err := New(Options{Redis: redis.URL})
	if err != nil {
		t.Fatal(err)
	}
	n.Publish(realtime.Op{Kind: realtime.OpEmit, Event: "x", Data: 1}) // dropped: not connected
	if n.Reachable() || !n.Degraded() || n.Stats().Dropped != 1 {
		t.Errorf("a node not connected: reachable %v, degraded %v, stats %+v", n.Reachable(), n.Degraded(), n.Stats())
	}
	n.Close()
	if err := n.Connect(); err == nil {
		t.Error("Connect after Close succeeded")
	}
	time.Sleep(50 * time.Millisecond) // an accept would have been counted by now
	if c := redis.Dials(); c != 0 {
		t.Errorf("%d connections to Redis without Connect", c)
	}
}

// emit publishes a raw emit, as a realtime server does after delivering it
// to its own sockets.
func (n *testNode) emit(event string, data any, rooms []string) {
	n.Publish(realtime.Op{Kind: realtime.OpEmit, Event: event, Data: data, Rooms: rooms})
}

// threeNodes starts a redis-server and nodes a, b, c.
func threeNodes(t *testing.T) (*redistest.Server, []*testNode) {
	srv := redistest.Start(t, redistest.Options{})
	nodes := []*testNode{
		startNode(t, srv.URL, "a"),
		startNode(t, srv.URL, "b"),
		startNode(t, srv.URL, "c"),
	}
	return srv, nodes
}

// settle waits until every node has applied want ops from the others, then
// returns each node's calls and resets them.
func settle(t *testing.T, nodes []*testNode, want ...int64) [][]string {
	t.Helper()
	eventually(t, func() bool {
		for i, n := range nodes {
			if n.applied.Load() < want[i] {
				return false
			}
		}
		return true
	})
	out := make([][]string, len(nodes))
	for i, n := range nodes {
		if got := n.applied.Load(); got != want[i] {
			t.Errorf("node %s applied %d ops, want %d", n.id, got, want[i])
		}
		out[i] = n.local.got()
		n.local.mu.Lock()
		n.local.calls = nil
		n.local.mu.Unlock()
		n.applied.Store(0)
	}
	return out
}

// Every kind of op published on a reaches b and c once, as it was made, with
// its binary values binary again; a applies none of its own.
func TestOpsReachOtherNodes(t *testing.T) {
	_, nodes := threeNodes(t)
	a := nodes[0]
	if !a.Reachable() {
		t.Fatal("not reachable with Redis up")
	}
	ops := []realtime.Op{
		{Kind: realtime.OpEmit, Event: "message:create", Data: map[string]any{"text": "hi"}, Rooms: []string{"Authenticated", "Public"}},
		{Kind: realtime.OpEmit, Event: "news", Data: "n"},
		{Kind: realtime.OpBroadcast, Event: "chat", Args: []any{"hi"}, Room: "chat:x", Except: "sa"},
		{Kind: realtime.OpSend, Event: "dm", Args: []any{1.0}, SID: "sb"},
		{Kind: realtime.OpJoin, SID: "sc", Room: "room"},
		{Kind: realtime.OpLeave, SID: "sb", Room: "room"},
		{Kind: realtime.OpDisconnect, SID: "sc"},
		{Kind: realtime.OpUser, User: "7", Gone: true},
		{Kind: realtime.OpUser, User: "8"},
	}
	for _, op := range ops {
		a.Publish(op)
	}
	want := []string{
		"raw message:create map[text:hi] [Authenticated Public]",
		"raw news n []",
		"broadcast chat [hi] room=chat:x except=sa",
		"send sb dm [1]",
		"join sc room",
		"leave sb room",
		"disconnect sc",
		"user 7 gone=true",
		"user 8 gone=false",
	}
	got := settle(t, nodes, 0, int64(len(ops)), int64(len(ops)))
	for i, g := range got {
		w := want
		if i == 0 {
			w = nil
		}
		if !slices.Equal(g, w) {
			t.Errorf("node %s:\n got  %q\n want %q", nodes[i].id, g, w)
		}
	}

	// Binary values, in data and in arguments, arrive as []byte.
	var bin sync.Map
	nodes[1].Start(func(op realtime.Op) { bin.Store(op.Kind, op) })
	a.Publish(realtime.Op{Kind: realtime.OpEmit, Event: "file", Data: map[string]any{"b": []byte{0, 1}}})
	a.Publish(realtime.Op{Kind: realtime.OpBroadcast, Event: "file", Args: []any{"x", []byte{2}}})
	eventually(t, func() bool {
		_, e := bin.Load(realtime.OpEmit)
		_, b := bin.Load(realtime.OpBroadcast)
		return e && b
	})
	e, _ := bin.Load(realtime.OpEmit)
	if b, ok := e.(realtime.Op).Data.(map[string]any)["b"].([]byte); !ok || !bytes.Equal(b, []byte{0, 1}) {
		t.Errorf("emit data: %#v", e.(realtime.Op).Data)
	}
	bc, _ := bin.Load(realtime.OpBroadcast)
	if args := bc.(realtime.Op).Args; len(args) != 2 || !bytes.Equal(args[1].([]byte), []byte{2}) {
		t.Errorf("broadcast args: %#v", args)
	}
}

// Ops of one origin are applied in the order they were made, and each once.
func TestOrderAndExactlyOnce(t *testing.T) {
	_, nodes := threeNodes(t)
	const per = 300
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range per {
				n.emit("seq", fmt.Sprintf("%d:%04d", i, j), nil)
			}
		}()
	}
	wg.Wait()
	got := settle(t, nodes, 2*per, 2*per, 2*per)
	for i, calls := range got {
		if len(calls) != 2*per {
			t.Fatalf("node %d got %d deliveries, want %d", i, len(calls), 2*per)
		}
		last := map[string]string{}
		for _, c := range calls {
			origin, seq, _ := strings.Cut(strings.Fields(c)[2], ":")
			if seq <= last[origin] {
				t.Fatalf("node %d: %q after %q from %s", i, seq, last[origin], origin)
			}
			last[origin] = seq
		}
	}
}

// Redis stops: each node keeps delivering locally, reports degraded, logs it
// once; Redis returns: delivery across nodes resumes without a restart.
func TestOutage(t *testing.T) {
	srv, nodes := threeNodes(t)
	a, b := nodes[0], nodes[1]
	eventually(t, func() bool { return a.Health()["cluster"].(map[string]any)["nodes"] == int64(3) })

	srv.Stop()
	eventually(t, func() bool { return a.Degraded() && b.Degraded() && !a.pubOK.Load() })
	if h := a.Health(); h["status"] != "degraded" || h["cluster"].(map[string]any)["redis"] != "down" {
		t.Errorf("health while down: %v", h)
	}
	for range 20 {
		a.emit("during", 1, nil)
	}
	if a.Reachable() {
		t.Error("reachable while Redis is down: sockets elsewhere would be reported")
	}
	time.Sleep(500 * time.Millisecond) // several failed checks
	srv.Restart()
	eventually(t, func() bool { return !a.Degraded() && !b.Degraded() && !nodes[2].Degraded() })
	if h := a.Health(); h["status"] != nil || h["cluster"].(map[string]any)["dropped"].(int64) < 20 {
		t.Errorf("health after: %v", h)
	}
	for _, n := range nodes {
		if d, u := n.logs.count("redis unreachable"), n.logs.count("redis reachable again"); d != 1 || u != 1 {
			t.Errorf("node %s logged %d outages and %d recoveries, want 1 and 1:\n%s", n.id, d, u, n.logs.b.String())
		}
	}
	settle(t, nodes, 0, 0, 0)
	a.emit("after", 2, nil)
	got := settle(t, nodes, 0, 1, 1)
	if !reflect.DeepEqual(got[1], []string{"raw after 2 []"}) {
		t.Errorf("after recovery b got %q", got[1])
	}
}

// A node that starts while Redis is down serves locally and joins later.
func TestStartWithoutRedis(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	srv.Stop()
	n := connected(t, Options{
		Redis:         srv.URL,
		NodeID:        "late",
		CheckInterval: 100 * time.Millisecond,
		StartTimeout:  200 * time.Millisecond,
	})
	if !n.Degraded() {
		t.Fatal("not degraded without Redis")
	}
	n.Publish(realtime.Op{Kind: realtime.OpEmit, Event: "x", Data: 1})
	srv.Restart()
	eventually(t, func() bool { return !n.Degraded() })
}

func TestRefusedConnection(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{Password: "right"})
	wrong, err := New(Options{
		Redis: strings.Replace(srv.URL, "right", "wrong", 1),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer wrong.Close()
	if err := wrong.Connect(); err == nil || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong password: err = %v (must fail, must not show the password)", err)
	}
	n := startNode(t, srv.URL, "pw")
	if n.Degraded() {
		t.Fatal("degraded with the right password")
	}
}

func TestTLS(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{TLS: true, Password: "pw"})
	n := connected(t, Options{
		Redis:     srv.URL,
		TLSCAFile: srv.CAFile,
	})
	if n.Degraded() {
		t.Fatalf("TLS node degraded: %v", n.Health())
	}
	// The node's KV store is on the same connection settings.
	ctx := context.Background()
	if v, err := n.KV().Add(ctx, "k", 2, 0); v != 2 || err != nil {
		t.Fatalf("kv over TLS: %d %v", v, err)
	}
	// Without the CA the server's certificate is refused (the node starts
	// degraded: a TLS failure may be a proxy not up yet).
	bad := connected(t, Options{
		Redis:        srv.URL,
		StartTimeout: 300 * time.Millisecond,
	})
	if !bad.Degraded() {
		t.Error("connected without trusting the CA")
	}
}

func TestDuplicateNodeID(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	startNode(t, srv.URL, "same")
	twin := startNode(t, srv.URL, "same")
	if twin.logs.count("another running node has this nodeId") != 1 {
		t.Errorf("no warning about the duplicate id:\n%s", twin.logs.b.String())
	}
}

func TestGeneratedID(t *testing.T) {
	a, b := generateID(), generateID()
	if a == b {
		t.Fatalf("ids %q %q", a, b)
	}
	if !validNodeID(a) {
		t.Errorf("generated id %q is not a valid nodeId", a)
	}
}

// Ops that do not decode (another version on the channel) are ignored and
// logged once; the node keeps applying good ones. An op of a kind this
// version does not know is handed on (the realtime server ignores it).
func TestBadOps(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	n := startNode(t, srv.URL, "n1")
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	ctx := context.Background()
	for _, msg := range []string{"garbage", `{"n":"x","k":"emit","d":"x","b":[[0]]}`, `{"n":"x","k":"teleport"}`} {
		if err := rdb.Publish(ctx, "test:ops", msg).Err(); err != nil {
			t.Fatal(err)
		}
	}
	_ = rdb.Publish(ctx, "test:ops", `{"n":"other","k":"emit","e":"ok","d":1}`).Err()
	eventually(t, func() bool { return len(n.local.got()) == 2 })
	if got := n.local.got(); !slices.Equal(got, []string{"unknown teleport", "raw ok 1 []"}) {
		t.Errorf("got %q", got)
	}
	if c := n.logs.count("ignoring ops that do not decode"); c != 1 {
		t.Errorf("logged %d times, want once", c)
	}
}

// eventually polls cond for up to 15s (generous: the machine is shared).
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 15s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
