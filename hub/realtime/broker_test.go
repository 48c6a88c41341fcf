package realtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/auth"
	"github.com/iohub/iohub/hub/sanitize"
)

// userAuth makes the token "u<id>" user <id> with the role Authenticated;
// no token is Public.
type userAuth struct{}

func (userAuth) Authenticate(_ context.Context, token string) (auth.Identity, error) {
	if id, ok := strings.CutPrefix(token, "u"); ok {
		return auth.Identity{Role: "Authenticated", UserID: id}, nil
	}
	return auth.Identity{Role: "Public", Anonymous: true}, nil
}

// node is one Server of a test hub, served on a loopback listener.
type node struct {
	*Server
	url string
}

// startNodes serves count Servers, each with broker(i) (nil: all joined by
// one MemoryBroker).
func startNodes(t *testing.T, count int, broker func(i int) Broker) []node {
	t.Helper()
	rules, err := access.New(map[string][]string{
		"Public":        {"api::message.message.find"},
		"Authenticated": {"api::message.message.*"},
	}, access.ModeAction)
	if err != nil {
		t.Fatal(err)
	}
	mb := NewMemoryBroker()
	nodes := make([]node, count)
	for i := range nodes {
		var b Broker
		if broker != nil {
			b = broker(i)
		} else {
			b = mb.Node()
		}
		s := New(Options{
			Auth:      userAuth{},
			Rules:     rules,
			Sanitizer: sanitize.New([]string{"password"}),
			Logger:    slog.New(slog.DiscardHandler),
			Broker:    b,
		})
		nodes[i] = node{s, serve(t, s)}
	}
	return nodes
}

// member is a connected raw client and its socket id.
type member struct {
	*rawClient
	sid string
}

// join connects a client with token ("" for none) and waits until its
// server registered the socket.
func join(t *testing.T, n node, token string) member {
	t.Helper()
	c := rawOpen(t, n.url, nil)
	hello, _ := json.Marshal(map[string]string{"token": token})
	c.write(t, "40"+string(hello))
	p := c.read(t)
	var connected struct{ SID string }
	if !strings.HasPrefix(p, "40") || json.Unmarshal([]byte(p[2:]), &connected) != nil || connected.SID == "" {
		t.Fatalf("connect: %q", p)
	}
	waitFor(t, func() bool { return n.conn(connected.SID) != nil }, func() string { return "socket never registered" })
	return member{c, connected.SID}
}

// next reads the next event packet: its name and arguments.
func (m member) next(t *testing.T) (string, string) {
	t.Helper()
	p := m.read(t)
	var ev []json.RawMessage
	if !strings.HasPrefix(p, "42") || json.Unmarshal([]byte(p[2:]), &ev) != nil || len(ev) == 0 {
		t.Fatalf("expected an event, got %q", p)
	}
	var name string
	_ = json.Unmarshal(ev[0], &name)
	args, _ := json.Marshal(ev[1:])
	return name, string(args)
}

// expect reads the next event and compares it.
func (m member) expect(t *testing.T, name, args string) {
	t.Helper()
	if n, a := m.next(t); n != name || a != args {
		t.Fatalf("got %s %s, want %s %s", n, a, name, args)
	}
}

// quietUntil checks that the next event is the mark: nothing the test did
// before emitting it reached this client (events arrive in order).
func (m member) quietUntil(t *testing.T, mark string) {
	t.Helper()
	if n, a := m.next(t); n != mark {
		t.Fatalf("got %s %s before the mark %s", n, a, mark)
	}
}

// Two servers joined by a MemoryBroker act as one hub: every delivery made
// on one reaches the sockets of both, once, with what the origin decided.
func TestMemoryBrokerOneHub(t *testing.T) {
	nodes := startNodes(t, 2, nil)
	a, b := nodes[0], nodes[1]
	pubA, userB := join(t, a, ""), join(t, b, "u7")
	pubB := join(t, b, "")
	mark := func() { _ = a.EmitRaw("mark", 0, nil) }

	// A content event: only Authenticated may see create, private fields go.
	ev, _ := access.ParseEvent("api::message.message.create")
	if rooms := a.EmitContent(ev, map[string]any{"text": "hi", "password": "x"}); !slices.Equal(rooms, []string{"Authenticated"}) {
		t.Fatalf("rooms %v", rooms)
	}
	userB.expect(t, "message:create", `[{"text":"hi"}]`)

	// Raw to all and to a room; a socket-id room of another node's socket.
	_ = a.EmitRaw("news", "n", nil)
	for _, m := range []member{pubA, userB, pubB} {
		m.expect(t, "news", `["n"]`)
	}
	_ = a.EmitRaw("dm", 1, []string{"user:7"})
	userB.expect(t, "dm", `[1]`)
	_ = a.EmitRaw("yours", 2, []string{pubB.sid})
	pubB.expect(t, "yours", `[2]`)
	if err := a.EmitRaw("connect", 1, nil); err == nil {
		t.Error("reserved name accepted")
	}
	mark()
	for _, m := range []member{pubA, userB, pubB} {
		m.quietUntil(t, "mark") // nothing of "connect", nothing doubled
	}

	// What handlers do: broadcast except the sender, act on a socket of
	// another node.
	if err := a.Broadcast("chat", []any{"hi"}, "", pubA.sid); err != nil {
		t.Fatal(err)
	}
	userB.expect(t, "chat", `["hi"]`)
	pubB.expect(t, "chat", `["hi"]`)
	if !a.HasSocket(pubB.sid) || !a.Send(pubB.sid, "direct", []any{"x", 3}) {
		t.Fatal("a socket of the other node cannot be reached")
	}
	pubB.expect(t, "direct", `["x",3]`)
	if !a.Join(pubB.sid, "room1") {
		t.Fatal("join elsewhere")
	}
	waitFor(t, func() bool { return slices.Contains(socketRooms(b.conn(pubB.sid)), "room1") }, func() string { return "not joined" })
	_ = a.Broadcast("in-room", nil, "room1", "")
	pubB.expect(t, "in-room", `[]`)
	if !a.Leave(pubB.sid, "room1") {
		t.Fatal("leave elsewhere")
	}
	waitFor(t, func() bool { return !slices.Contains(socketRooms(b.conn(pubB.sid)), "room1") }, func() string { return "not left" })
	mark()
	pubA.quietUntil(t, "mark") // the sender of "chat" was skipped

	// A Strapi user deleted, reported to a: their socket on b closes.
	a.UserChanged("7", true)
	waitFor(t, func() bool { return b.conn(userB.sid) == nil }, func() string { return "user 7 still connected on b" })
	if !a.Disconnect(pubB.sid) {
		t.Fatal("disconnect elsewhere")
	}
	waitFor(t, func() bool { return b.Sockets() == 0 }, func() string { return "b still has sockets" })
}

// recordingBroker records what a server publishes.
type recordingBroker struct {
	mu   sync.Mutex
	ops  []Op
	down bool
}

func (r *recordingBroker) Start(func(Op)) {}
func (r *recordingBroker) Publish(op Op) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op)
}
func (r *recordingBroker) Reachable() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.down
}

func (r *recordingBroker) take() []Op {
	r.mu.Lock()
	defer r.mu.Unlock()
	ops := r.ops
	r.ops = nil
	return ops
}

// What a server publishes, and what it keeps to itself.
func TestPublishedOps(t *testing.T) {
	rec := &recordingBroker{}
	s := startNodes(t, 1, func(int) Broker { return rec })[0]
	here := join(t, s, "")

	ev, _ := access.ParseEvent("api::message.message.find")
	s.EmitContent(ev, map[string]any{"id": 1.0, "password": "p"})
	ev, _ = access.ParseEvent("api::message.message.create")
	s.EmitContent(ev, map[string]any{"id": 2.0})
	_ = s.EmitRaw("mine", 1, []string{here.sid}) // a socket here: stays here
	_ = s.EmitRaw("connect", 1, nil)             // refused: not published
	_ = s.Broadcast("to-me", nil, here.sid, "")  // a socket here: stays here
	_ = s.EmitRaw("bin", []byte{1}, []string{"Public"})
	s.Join(here.sid, "r")    // here
	s.Send("gone", "x", nil) // elsewhere: published
	s.UserChanged("", true)  // nobody
	s.UserChanged("9", false)
	var got []string
	for _, op := range rec.take() {
		b, _ := json.Marshal(op)
		got = append(got, string(b))
	}
	want := []string{
		`{"Kind":"emit","Event":"message:find","Data":{"id":1},"Args":null,"Rooms":["Authenticated","Public"],"Room":"","Except":"","SID":"","User":"","Gone":false}`,
		`{"Kind":"emit","Event":"message:create","Data":{"id":2},"Args":null,"Rooms":["Authenticated"],"Room":"","Except":"","SID":"","User":"","Gone":false}`,
		`{"Kind":"emit","Event":"bin","Data":"AQ==","Args":null,"Rooms":["Public"],"Room":"","Except":"","SID":"","User":"","Gone":false}`,
		`{"Kind":"send","Event":"x","Data":null,"Args":null,"Rooms":null,"Room":"","Except":"","SID":"gone","User":"","Gone":false}`,
		`{"Kind":"user","Event":"","Data":null,"Args":null,"Rooms":null,"Room":"","Except":"","SID":"","User":"9","Gone":false}`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("published:\n got  %s\n want %s", strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}

	// Other nodes unreachable: a socket not here cannot be acted on.
	rec.mu.Lock()
	rec.down = true
	rec.mu.Unlock()
	if s.HasSocket("gone") || s.Send("gone", "x", nil) || s.Join("gone", "r") || s.Leave("gone", "r") || s.Disconnect("gone") {
		t.Error("a socket elsewhere reported reachable while the other nodes are not")
	}
	if !s.HasSocket(here.sid) {
		t.Error("a socket here reported unreachable")
	}
	if ops := rec.take(); len(ops) != 0 {
		t.Errorf("published while unreachable: %+v", ops)
	}
}

// Readers are read once, before the local delivery, so the local sockets and
// the op carry the same bytes.
func TestPublishedReaderRead(t *testing.T) {
	rec := &recordingBroker{}
	s := startNodes(t, 1, func(int) Broker { return rec })[0]
	m := join(t, s, "")
	_ = s.EmitRaw("text", strings.NewReader("read once"), nil)
	m.expect(t, "text", `["read once"]`)
	if ops := rec.take(); len(ops) != 1 || ops[0].Data != "read once" {
		t.Errorf("op %+v", ops)
	}
}

// countDeliveries counts Delivered by kind.
type countDeliveries struct {
	nopObserver
	mu sync.Mutex
	n  map[string]int
}

func (c *countDeliveries) Delivered(kind string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[kind]++
}

// Ops of other nodes count as deliveries where they are applied, as the
// node's own do (iohub_deliveries_total on every node).
func TestAppliedOpsCounted(t *testing.T) {
	rules, _ := access.New(map[string][]string{"Public": {"api::message.message.find"}}, access.ModeAction)
	mb := NewMemoryBroker()
	obs := []*countDeliveries{{n: map[string]int{}}, {n: map[string]int{}}}
	var s [2]*Server
	for i := range s {
		s[i] = New(Options{Auth: userAuth{}, Rules: rules, Sanitizer: sanitize.New(nil), Observer: obs[i], Broker: mb.Node()})
		t.Cleanup(s[i].Close)
	}
	ev, _ := access.ParseEvent("api::message.message.find")
	s[0].EmitContent(ev, map[string]any{"id": 1.0})
	_ = s[0].EmitRaw("raw", 1, nil)
	_ = s[0].Broadcast("b", nil, "", "")
	want := []map[string]int{
		{DeliveryContent: 1, DeliveryRaw: 1, DeliveryBroadcast: 1},
		{DeliveryRaw: 2, DeliveryBroadcast: 1}, // the content event arrives as the raw emit its origin decided
	}
	for i, o := range obs {
		o.mu.Lock()
		if !maps.Equal(o.n, want[i]) {
			t.Errorf("server %d counted %v, want %v", i, o.n, want[i])
		}
		o.mu.Unlock()
	}
}
