package realtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/sanitize"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// roomsEcho answers "rooms" with the socket's id and the rooms its call carries.
type roomsEcho struct{}

func (roomsEcho) Bound(event string) bool { return event == "rooms" }

func (roomsEcho) Handle(_ context.Context, call *handler.Call) handler.Outcome {
	b, _ := json.Marshal([]any{call.Socket.ID, call.Socket.Rooms})
	return handler.Outcome{Replied: true, ReplyJSON: b}
}

// The rooms a handler sees follow every join and leave, whichever way it is
// made (the hub's Join/Leave, the library's remote join of a room's sockets),
// with the hub's adapter caching the list and with the library's adapter
// (connection-state recovery) building it each time.
func TestHandlerRoomsFollowJoins(t *testing.T) {
	for _, recovery := range []time.Duration{0, time.Minute} {
		rules, err := access.New(nil, access.Mode("action"))
		if err != nil {
			t.Fatal(err)
		}
		s := New(Options{
			IO:        IOOptions{Recovery: recovery}.WithDefaults(),
			Auth:      &testAuth{slowStarted: make(chan struct{}, 1), release: make(chan struct{})},
			Rules:     rules,
			Sanitizer: sanitize.New(nil),
			Logger:    slog.New(slog.DiscardHandler),
		})
		if (s.rooms != nil) != (recovery == 0) {
			t.Fatalf("recovery %s: rooms cached %v", recovery, s.rooms != nil)
		}
		s.SetHandlers(roomsEcho{})
		c := dialRaw(t, serve(t, s), nil)
		id := 0
		rooms := func() (string, []string) {
			t.Helper()
			id++
			c.emit(t, id, "rooms", nil)
			_, args, err := c.ack(t)
			if err != nil {
				t.Fatal(err)
			}
			var pair []json.RawMessage // the ack's arguments: sid, rooms
			var sid string
			var list []string
			if json.Unmarshal([]byte(args), &pair) != nil || len(pair) != 2 || json.Unmarshal(pair[0], &sid) != nil || json.Unmarshal(pair[1], &list) != nil {
				t.Fatalf("reply %s", args)
			}
			return sid, list
		}
		sid, first := rooms()
		if !slices.Contains(first, sid) {
			t.Fatalf("recovery %s: rooms %v lack the socket's own", recovery, first)
		}
		_, again := rooms()
		if !slices.Equal(first, again) {
			t.Fatalf("recovery %s: %v then %v without a change", recovery, first, again)
		}
		s.Join(sid, "zz-joined")
		if _, got := rooms(); !slices.Contains(got, "zz-joined") || !slices.IsSorted(got) {
			t.Fatalf("recovery %s: after Join %v", recovery, got)
		}
		s.Leave(sid, "zz-joined")
		if _, got := rooms(); !slices.Equal(got, first) {
			t.Fatalf("recovery %s: after Leave %v, want %v", recovery, got, first)
		}
		s.io.In(socket.Room(sid)).SocketsJoin("remote")
		if _, got := rooms(); !slices.Contains(got, "remote") {
			t.Fatalf("recovery %s: after SocketsJoin %v", recovery, got)
		}
		s.io.In(socket.Room(sid)).SocketsLeave("remote")
		if _, got := rooms(); !slices.Equal(got, first) {
			t.Fatalf("recovery %s: after SocketsLeave %v, want %v", recovery, got, first)
		}
	}
}
