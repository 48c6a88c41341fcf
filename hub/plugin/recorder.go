package plugin

import (
	"sync"

	"github.com/iohub/iohub/hub/access"
)

// Recorder is a handler.Target that records what handlers do instead of doing
// it to sockets: for `hub try`, which runs a module outside a hub, and for tests.
type Recorder struct {
	mu      sync.Mutex
	effects []Recorded
	// Sockets are the socket ids HasSocket (and send/join/leave/disconnect)
	// accept. Set before use.
	Sockets map[string]bool
}

// Recorded is one applied effect.
type Recorded struct {
	Op   string `json:"op"` // emit, raw, send, join, leave, disconnect
	SID  string `json:"sid,omitempty"`
	Room string `json:"room,omitempty"`
	// Rooms is the union a raw emit went to (EmitRaw).
	Rooms []string `json:"rooms,omitempty"`
	// Name is a content event's socket event name when it is not the
	// default "<apiName>:<action>" (access.ContentEvent.Named).
	Name   string `json:"name,omitempty"`
	Event  string `json:"event,omitempty"`
	Except string `json:"except,omitempty"`
	Args   []any  `json:"args,omitempty"`
	Data   any    `json:"data,omitempty"`
}

func (r *Recorder) add(e Recorded) {
	r.mu.Lock()
	r.effects = append(r.effects, e)
	r.mu.Unlock()
}

// Effects returns the effects recorded so far, and forgets them.
func (r *Recorder) Effects() []Recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.effects
	r.effects = nil
	return out
}

// EmitContent implements handler.Target; it records the content event's
// permission string and socket event name.
func (r *Recorder) EmitContent(ev access.ContentEvent, data any) []string {
	name := ""
	if ev.Prefix != "" {
		name = ev.Name()
	}
	r.add(Recorded{Op: "emit", Event: ev.Permission(), Data: data, Name: name})
	return nil
}

// EmitRaw implements handler.Target.
func (r *Recorder) EmitRaw(event string, data any, rooms []string) error {
	r.add(Recorded{Op: "raw", Event: event, Data: data, Rooms: rooms})
	return nil
}

// Broadcast implements handler.Target.
func (r *Recorder) Broadcast(event string, args []any, room, exceptSID string) error {
	r.add(Recorded{Op: "raw", Event: event, Args: args, Room: room, Except: exceptSID})
	return nil
}

// Send implements handler.Target.
func (r *Recorder) Send(sid, event string, args []any) bool {
	r.add(Recorded{Op: "send", SID: sid, Event: event, Args: args})
	return r.HasSocket(sid)
}

// Join implements handler.Target.
func (r *Recorder) Join(sid, room string) bool {
	r.add(Recorded{Op: "join", SID: sid, Room: room})
	return r.HasSocket(sid)
}

// Leave implements handler.Target.
func (r *Recorder) Leave(sid, room string) bool {
	r.add(Recorded{Op: "leave", SID: sid, Room: room})
	return r.HasSocket(sid)
}

// Disconnect implements handler.Target.
func (r *Recorder) Disconnect(sid string) bool {
	r.add(Recorded{Op: "disconnect", SID: sid})
	return r.HasSocket(sid)
}

// HasSocket implements handler.Target.
func (r *Recorder) HasSocket(sid string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.Sockets[sid]
}
