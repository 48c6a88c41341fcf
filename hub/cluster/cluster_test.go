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

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/sanitize"
	"github.com/iohub/iohub/internal/redistest"
)

// local stands in for one node's realtime server: it records what the node
// was asked to deliver to its own sockets. (The real server with real
// clients is tested in hub_test.go; this one makes exact counts easy.)
type local struct {
	mu      sync.Mutex
	sockets map[string]bool
	calls   []string
	// roles is who PlanContent sends to (the rules' recipients), all with
	// the same payload unless shapes is set.
	roles []string
	// shapes, when set, is PlanContent's answer: one payload per group.
	shapes []sanitize.Delivery
}

func newLocal(sids ...string) *local {
	l := &local{sockets: map[string]bool{}, roles: []string{"Authenticated", "Public"}}
	for _, s := range sids {
		l.sockets[s] = true
	}
	return l
}

func (l *local) record(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, fmt.Sprintf(format, args...))
}

func (l *local) got() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

func (l *local) PlanContent(ev access.ContentEvent, data any) []sanitize.Delivery {
	l.record("plan %s %v", ev.Name(), data)
	if l.shapes != nil {
		return l.shapes
	}
	if len(l.roles) == 0 {
		return nil
	}
	return []sanitize.Delivery{{Rooms: slices.Clone(l.roles), Data: data}}
}

func (l *local) EmitRaw(event string, data any, rooms []string) error {
	if event == "connect" {
		return fmt.Errorf("reserved")
	}
	l.record("raw %s %v %v", event, data, rooms)
	return nil
}

func (l *local) Broadcast(event string, args []any, room, except string) error {
	l.record("broadcast %s %v room=%s except=%s", event, args, room, except)
	return nil
}

func (l *local) Send(sid, event string, args []any) bool {
	l.record("send %s %s %v", sid, event, args)
	return l.HasSocket(sid)
}

func (l *local) Join(sid, room string) bool {
	l.record("join %s %s", sid, room)
	return l.HasSocket(sid)
}

func (l *local) Leave(sid, room string) bool {
	l.record("leave %s %s", sid, room)
	return l.HasSocket(sid)
}

func (l *local) Disconnect(sid string) bool {
	l.record("disconnect %s", sid)
	return l.HasSocket(sid)
}

func (l *local) UserChanged(id string, gone bool) {
	l.record("user %s gone=%v", id, gone)
}

func (l *local) HasSocket(sid string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sockets[sid]
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

func startNode(t *testing.T, url, id string, sids ...string) *testNode {
	t.Helper()
	l, logs := newLocal(sids...), &logBuf{}
	n, err := New(Options{
		Redis:         url,
		NodeID:        id,
		ChannelPrefix: "test",
		Local:         l,
		Sanitizer:     sanitize.New([]string{"password"}),
		Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		CheckInterval: 100 * time.Millisecond,
		StartTimeout:  10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return &testNode{Node: n, local: l, logs: logs}
}

// threeNodes starts a redis-server and nodes a, b, c with sockets sa, sb, sc.
func threeNodes(t *testing.T) (*redistest.Server, []*testNode) {
	srv := redistest.Start(t, redistest.Options{})
	nodes := []*testNode{
		startNode(t, srv.URL, "a", "sa"),
		startNode(t, srv.URL, "b", "sb"),
		startNode(t, srv.URL, "c", "sc"),
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

func TestDeliveryPaths(t *testing.T) {
	_, nodes := threeNodes(t)
	a := nodes[0]
	ev, _ := access.ParseEvent("api::message.message.create")

	// A content event: checked and sanitised on a, the result applied as a
	// raw emit to the chosen rooms on b and c.
	rooms := a.EmitContent(ev, map[string]any{"text": "hi", "password": "x"})
	if !reflect.DeepEqual(rooms, []string{"Authenticated", "Public"}) {
		t.Fatalf("rooms = %v", rooms)
	}
	got := settle(t, nodes, 0, 1, 1)
	want := [][]string{
		{"plan message:create map[text:hi]", "raw message:create map[text:hi] [Authenticated Public]"},
		{"raw message:create map[text:hi] [Authenticated Public]"},
		{"raw message:create map[text:hi] [Authenticated Public]"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("content:\n got  %q\n want %q", got, want)
	}
	// Two shapes: each group gets its own payload, here and elsewhere, as
	// one op per shape.
	a.local.shapes = []sanitize.Delivery{
		{Rooms: []string{"Public"}, Data: map[string]any{"text": "hi"}},
		{Rooms: []string{"Authenticated", "Editor"}, Data: map[string]any{"text": "hi", "author": "u"}},
	}
	rooms = a.EmitContent(ev, map[string]any{"text": "hi"})
	if !reflect.DeepEqual(rooms, []string{"Authenticated", "Editor", "Public"}) {
		t.Fatalf("rooms = %v", rooms)
	}
	got = settle(t, nodes, 0, 2, 2)
	wantShapes := []string{"raw message:create map[text:hi] [Public]", "raw message:create map[author:u text:hi] [Authenticated Editor]"}
	for i := range nodes {
		if g := got[i][len(got[i])-2:]; !reflect.DeepEqual(g, wantShapes) {
			t.Errorf("node %d shapes:\n got  %q\n want %q", i, g, wantShapes)
		}
	}
	a.local.shapes = nil

	// No qualifying role: nothing crosses (never "everyone").
	a.local.roles = nil
	a.EmitContent(ev, map[string]any{})
	// Raw to all, to several rooms; a reserved name is refused and not sent.
	if err := a.EmitRaw("news", "n", nil); err != nil {
		t.Fatal(err)
	}
	_ = a.EmitRaw("dm", "d", []string{"user:7", "Editor"})
	if err := a.EmitRaw("connect", "x", nil); err == nil {
		t.Error("reserved name accepted")
	}
	// A raw emit to a socket here stays here.
	_ = a.EmitRaw("mine", 1, []string{"sa"})
	got = settle(t, nodes, 0, 2, 2)
	for i := 1; i < 3; i++ {
		want := []string{"raw news n []", "raw dm d [user:7 Editor]"}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("node %d raw:\n got  %q\n want %q", i, got[i], want)
		}
	}
	if len(got[0]) != 4 { // plan (nobody) + 3 raw (news, dm, mine) on a itself
		t.Errorf("node a: %q", got[0])
	}
}

func TestHandlerOps(t *testing.T) {
	_, nodes := threeNodes(t)
	a := nodes[0]
	// What a Wasm handler on a does: broadcast except the sender, and act on
	// sockets here and elsewhere.
	_ = a.Broadcast("chat", []any{"hi"}, "chat:x", "sa")
	if !a.HasSocket("sa") || !a.HasSocket("sb") || a.HasSocket("") {
		t.Error("HasSocket: local and remote sockets must be reachable, \"\" not")
	}
	if !a.Send("sb", "dm", []any{1}) || !a.Join("sc", "room") || !a.Leave("sb", "room") || !a.Disconnect("sc") {
		t.Error("remote socket ops must report true while Redis is up")
	}
	a.Join("sa", "here") // local: not published
	a.Send("ghost", "dm", nil)
	got := settle(t, nodes, 0, 6, 6)
	want := [][]string{
		{"broadcast chat [hi] room=chat:x except=sa", "join sa here"},
		{"broadcast chat [hi] room=chat:x except=sa", "send sb dm [1]", "leave sb room"},
		{"broadcast chat [hi] room=chat:x except=sa", "join sc room", "disconnect sc"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ops:\n got  %q\n want %q", got, want)
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
				_ = n.EmitRaw("seq", fmt.Sprintf("%d:%04d", i, j), nil)
			}
		}()
	}
	wg.Wait()
	got := settle(t, nodes, 2*per, 2*per, 2*per)
	for i, calls := range got {
		if len(calls) != 3*per {
			t.Fatalf("node %d got %d deliveries, want %d", i, len(calls), 3*per)
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
		_ = a.EmitRaw("during", 1, nil)
	}
	if a.Send("sb", "dm", nil) || a.HasSocket("sb") {
		t.Error("remote socket ops must report false while Redis is down")
	}
	if n := len(a.local.got()); n != 20 {
		t.Errorf("local deliveries during the outage: %d, want 20", n)
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
	_ = a.EmitRaw("after", 2, nil)
	got := settle(t, nodes, 0, 1, 1)
	if !reflect.DeepEqual(got[1], []string{"raw after 2 []"}) {
		t.Errorf("after recovery b got %q", got[1])
	}
}

// A node that starts while Redis is down serves locally and joins later.
func TestStartWithoutRedis(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	srv.Stop()
	l := newLocal("s1")
	n, err := New(Options{
		Redis:         srv.URL,
		NodeID:        "late",
		Local:         l,
		CheckInterval: 100 * time.Millisecond,
		StartTimeout:  200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if !n.Degraded() {
		t.Fatal("not degraded without Redis")
	}
	_ = n.EmitRaw("x", 1, nil)
	srv.Restart()
	eventually(t, func() bool { return !n.Degraded() })
}

func TestRefusedConnection(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{Password: "right"})
	_, err := New(Options{
		Redis: strings.Replace(srv.URL, "right", "wrong", 1),
		Local: newLocal(),
	})
	if err == nil || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong password: err = %v (must fail, must not show the password)", err)
	}
	n := startNode(t, srv.URL, "pw")
	if n.Degraded() {
		t.Fatal("degraded with the right password")
	}
}

func TestTLS(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{TLS: true, Password: "pw"})
	n, err := New(Options{
		Redis:     srv.URL,
		TLSCAFile: srv.CAFile,
		Local:     newLocal(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
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
	bad, err := New(Options{
		Redis:        srv.URL,
		Local:        newLocal(),
		StartTimeout: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
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
// logged once; the node keeps applying good ones.
func TestBadOps(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	n := startNode(t, srv.URL, "n1", "s1")
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	ctx := context.Background()
	for _, msg := range []string{"garbage", `{"n":"x","k":"emit","d":"x","b":[[0]]}`, `{"n":"x","k":"teleport"}`} {
		if err := rdb.Publish(ctx, "test:ops", msg).Err(); err != nil {
			t.Fatal(err)
		}
	}
	_ = rdb.Publish(ctx, "test:ops", `{"n":"other","k":"emit","e":"ok","d":1}`).Err()
	eventually(t, func() bool { return len(n.local.got()) == 1 })
	if got := n.local.got(); got[0] != "raw ok 1 []" {
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

// pacingLocal counts Pace calls.
type pacingLocal struct {
	Local
	paced int
}

func (p *pacingLocal) Pace(context.Context) { p.paced++ }

// A node forwards pacing to its local server, so the HTTP API still waits for
// this node's sockets when clustered.
func TestNodeForwardsPace(t *testing.T) {
	p := &pacingLocal{}
	n := &Node{local: p}
	var pacer interface{ Pace(context.Context) } = n
	pacer.Pace(context.Background())
	if p.paced != 1 {
		t.Fatalf("local Pace called %d times, want 1", p.paced)
	}
}

// A Strapi user change is an op like the others: applied on the node it was
// reported to, and once on every other node.
func TestUserChangedReachesOtherNodes(t *testing.T) {
	_, nodes := threeNodes(t)
	nodes[0].UserChanged("7", true)
	nodes[0].UserChanged("8", false)
	nodes[0].UserChanged("", true) // nobody: neither applied nor sent
	want := []string{"user 7 gone=true", "user 8 gone=false"}
	for i, got := range settle(t, nodes, 0, 2, 2) {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("node %s: %q, want %q", nodes[i].id, got, want)
		}
	}
}
