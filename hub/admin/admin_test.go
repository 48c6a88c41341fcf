package admin_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// hashOfSecret is bcrypt("s3cret") at cost 4, as bcryptjs (the Admin UI's
// own server) writes it.
const hashOfSecret = "$2a$04$ufoBOZ.IpVFW2ZbfZswvn.Co/.AGofpr0txVfsZ/p0mC451Zh0zD6"

const readonlyAdmin = `
[admin]
enabled = true
username = "ops"
password = "` + hashOfSecret + `"
uiDir = ""
`

const writableAdmin = `
[admin]
enabled = true
username = "ops"
password = "plain-s3cret"
readonly = false
uiDir = ""
`

var opsLogin = map[string]any{"username": "ops", "password": "s3cret"}

// socketInfo is what the tests read of a serialised socket.
type socketInfo struct {
	ID        string         `json:"id"`
	ClientID  string         `json:"clientId"`
	Transport string         `json:"transport"`
	Nsp       string         `json:"nsp"`
	Data      map[string]any `json:"data"`
	Rooms     []string       `json:"rooms"`
	Handshake struct {
		Address string         `json:"address"`
		Headers map[string]any `json:"headers"`
		Issued  int64          `json:"issued"`
	} `json:"handshake"`
}

func TestAdminDisabledByDefault(t *testing.T) {
	h := startHub(t, "")
	_, res, ok := connect(t, h, "/admin", opsLogin)
	if ok || !strings.Contains(res, "Invalid namespace") {
		t.Fatalf("connect to /admin without [admin]: ok=%v %s, want Invalid namespace", ok, res)
	}
}

func TestAdminRefusesWrongCredentials(t *testing.T) {
	h := startHub(t, readonlyAdmin)
	for _, auth := range []map[string]any{
		{"username": "ops", "password": "wrong"},
		{"username": "root", "password": "s3cret"},
		{"username": "ops", "password": hashOfSecret}, // the hash is not the password
		{"username": "ops"},
		{"sessionId": "0123456789abcdef0123456789abcdef"},
		{},
	} {
		_, res, ok := connect(t, h, "/admin", auth)
		var refusal struct{ Message string }
		_ = json.Unmarshal([]byte(res), &refusal)
		if ok || refusal.Message != "invalid credentials" {
			t.Errorf("auth %v: ok=%v %s, want the UI's invalid credentials", auth, ok, res)
		}
	}
}

func TestAdminAllSockets(t *testing.T) {
	h := startHub(t, readonlyAdmin)
	anon, _, ok := connect(t, h, "/", map[string]any{})
	if !ok {
		t.Fatal("anonymous socket refused")
	}
	user, _, ok := connect(t, h, "/", map[string]any{"token": h.token(t, "7")})
	if !ok {
		t.Fatal("user socket refused")
	}

	ui, _, ok := connect(t, h, "/admin", opsLogin)
	if !ok {
		t.Fatal("admin login refused")
	}
	var session string
	_ = json.Unmarshal(ui.event("session")[0], &session)
	var cfg struct{ SupportedFeatures []string }
	_ = json.Unmarshal(ui.event("config")[0], &cfg)
	if got := strings.Join(cfg.SupportedFeatures, ","); got != "ALL_EVENTS" {
		t.Errorf("readonly features = %s, want ALL_EVENTS alone", got)
	}
	var all []socketInfo
	if err := json.Unmarshal(ui.event("all_sockets")[0], &all); err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("all_sockets has %d sockets, want the 2 application sockets: %+v", len(all), all)
	}
	byID := map[string]socketInfo{}
	for _, s := range all {
		byID[s.ID] = s
		if s.Nsp != "/" || s.Transport != "websocket" || len(s.ClientID) != 12 || s.Handshake.Address != "127.0.0.1" || s.Handshake.Issued == 0 {
			t.Errorf("socket %+v: want nsp /, websocket, a 12-character client id, address 127.0.0.1 and issued", s)
		}
	}
	if s := byID[anon.sid]; !sameSet(s.Rooms, "Public", anon.sid) || s.Data["role"] != "Public" {
		t.Errorf("anonymous socket: rooms %v data %v", s.Rooms, s.Data)
	}
	if s := byID[user.sid]; !sameSet(s.Rooms, "Authenticated", user.sid, "user:7") || s.Data["role"] != "Authenticated" || s.Data["userId"] != "7" {
		t.Errorf("user socket: rooms %v data %v", s.Rooms, s.Data)
	}
	var stats struct {
		Uptime       float64
		ClientsCount int
		Namespaces   []struct {
			Name         string
			SocketsCount int
		}
	}
	_ = json.Unmarshal(ui.event("server_stats")[0], &stats)
	if stats.ClientsCount != 2 || len(stats.Namespaces) != 1 || stats.Namespaces[0].Name != "/" || stats.Namespaces[0].SocketsCount != 2 || stats.Uptime <= 0 {
		t.Errorf("server_stats %+v: want 2 clients and only namespace / with 2 sockets", stats)
	}

	// Live events: a socket connects, leaves.
	third, _, _ := connect(t, h, "/", map[string]any{})
	var connected socketInfo
	_ = json.Unmarshal(ui.event("socket_connected")[0], &connected)
	if connected.ID != third.sid || !slices.Contains(connected.Rooms, "Public") {
		t.Errorf("socket_connected %+v, want %s in Public", connected, third.sid)
	}
	third.ws.Close()
	args := ui.event("socket_disconnected")
	var nsp, id string
	_ = json.Unmarshal(args[0], &nsp)
	_ = json.Unmarshal(args[1], &id)
	if nsp != "/" || id != third.sid {
		t.Errorf("socket_disconnected %s %s, want / %s", nsp, id, third.sid)
	}

	// A broadcast to everyone does not reach the UI: the ack below is
	// written to the UI's connection after anything the broadcast would have
	// put there.
	h.raw(t, `{"event":"everyone"}`)
	anon.event("everyone")
	ui.ack(1, "_disconnect", "/", false, anon.sid)
	if slices.Contains(drain(ui), "everyone") {
		t.Error("the UI's socket got a broadcast meant for the application's sockets")
	}

	// The session id stands for the credentials on reconnection.
	if _, res, ok := connect(t, h, "/admin", map[string]any{"sessionId": session}); !ok {
		t.Errorf("reconnect with session %q refused: %s", session, res)
	}
}

func TestAdminReadonlyRefusesActions(t *testing.T) {
	h := startHub(t, readonlyAdmin)
	app, _, _ := connect(t, h, "/", map[string]any{})
	ui, _, ok := connect(t, h, "/admin", opsLogin)
	if !ok {
		t.Fatal("admin login refused")
	}
	ui.event("all_sockets")
	for i, cmd := range [][]any{
		{"_disconnect", "/", true, app.sid},
		{"join", "/", "Administrator", app.sid},
		{"leave", "/", "Public", app.sid},
	} {
		if got := ui.ack(10+i, cmd...); !strings.Contains(got, "read-only") {
			t.Errorf("%v: ack %s, want a read-only refusal", cmd, got)
		}
	}
	// Still connected, still in Public.
	h.raw(t, `{"event":"still","room":"Public"}`)
	app.event("still")
}

func TestAdminWritableActions(t *testing.T) {
	h := startHub(t, writableAdmin)
	app, _, _ := connect(t, h, "/", map[string]any{})
	other, _, _ := connect(t, h, "/", map[string]any{})
	ui, _, ok := connect(t, h, "/admin", map[string]any{"username": "ops", "password": "plain-s3cret"})
	if !ok {
		t.Fatal("admin login with the plain-text password refused")
	}
	var cfg struct{ SupportedFeatures []string }
	_ = json.Unmarshal(ui.event("config")[0], &cfg)
	if got := strings.Join(cfg.SupportedFeatures, ","); got != "JOIN,LEAVE,DISCONNECT,ALL_EVENTS" {
		t.Errorf("features = %s", got)
	}

	// join: the UI hears room_joined, and the room reaches the socket.
	if got := ui.ack(1, "join", "/", "vip", app.sid); got != "[]" {
		t.Fatalf("join: ack %s", got)
	}
	args := ui.event("room_joined")
	var room, id string
	_ = json.Unmarshal(args[1], &room)
	_ = json.Unmarshal(args[2], &id)
	if room != "vip" || id != app.sid {
		t.Errorf("room_joined %s %s, want vip %s", room, id, app.sid)
	}
	h.raw(t, `{"event":"for-vip","room":"vip"}`)
	app.event("for-vip")

	// Refusals: another namespace, no target (it would mean everyone).
	for i, cmd := range [][]any{
		{"_disconnect", "/admin", false, ui.sid},
		{"_disconnect", "/", false, ""},
		{"join", "/", "", app.sid},
	} {
		if got := ui.ack(10+i, cmd...); !strings.Contains(got, "error") {
			t.Errorf("%v: ack %s, want a refusal", cmd, got)
		}
	}

	// _disconnect ends the one socket named.
	ui.ack(2, "_disconnect", "/", false, app.sid)
	if !app.gone() {
		t.Fatal("socket not disconnected")
	}
	args = ui.event("socket_disconnected")
	_ = json.Unmarshal(args[1], &id)
	if id != app.sid {
		t.Errorf("socket_disconnected %s, want %s", id, app.sid)
	}
	h.raw(t, `{"event":"after"}`)
	other.event("after")
}

// drain returns the names of the events already received.
func drain(c *client) []string {
	var names []string
	for _, p := range c.backlog {
		n, _ := eventName(p)
		names = append(names, n)
	}
	for {
		select {
		case p := <-c.in:
			n, _ := eventName(p)
			names = append(names, n)
		default:
			return names
		}
	}
}

func sameSet(got []string, want ...string) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}
