// Command chat is a room chat as an iohub Wasm handler. Bind it to a client
// event, e.g.
//
//	[[events]]
//	name = "chat:send"
//	handler = "chat"
//
// The client sends emit("chat:send", {room, text}, ack). The handler checks
// the input, joins the sender to the room, broadcasts
// "chat:message" [{room, text, from, userId, ts}] to the room (sender
// included) and acks [{"ok":true}]. Bad input acks {"error": "..."}.
package main

import (
	"strconv"

	iohub "github.com/iohub/iohub/sdk/go"
)

const (
	maxRoom = 64  // bytes
	maxText = 500 // bytes
	// roomPrefix namespaces chat rooms: a client must not be able to join a
	// role room ("Administrator"), "user:<id>" or another socket's id room
	// and so receive what is meant for them.
	roomPrefix = "chat:"
)

var (
	msg   []byte // the broadcast, reused across events
	okAck = []byte(`[{"ok":true}]`)
)

func init() { iohub.Handle(handle) }

func handle(ev *iohub.Event) iohub.Status {
	if ev.Kind != iohub.KindEvent {
		return iohub.StatusOK
	}
	arg := ev.Arg(0)
	if len(arg) == 0 || arg[0] != '{' {
		return iohub.Fail(`the first argument must be an object {"room": "...", "text": "..."}`)
	}
	room, ok := iohub.String(arg, "room")
	if !ok || room == "" || len(room) > maxRoom {
		return iohub.Fail("room must be a non-empty string of at most 64 bytes")
	}
	text, ok := iohub.String(arg, "text")
	if !ok || text == "" || len(text) > maxText {
		return iohub.Fail("text must be a non-empty string of at most 500 bytes")
	}

	// The JSON is built by hand; AppendString escapes quotes, backslashes and
	// control characters.
	msg = append(msg[:0], `[{"room":`...)
	msg = iohub.AppendString(msg, room)
	msg = append(msg, `,"text":`...)
	msg = iohub.AppendString(msg, text)
	msg = append(msg, `,"from":`...)
	msg = iohub.AppendString(msg, ev.SocketID)
	msg = append(msg, `,"userId":`...)
	if ev.UserID == "" {
		msg = append(msg, "null"...) // anonymous
	} else {
		msg = iohub.AppendString(msg, ev.UserID)
	}
	msg = append(msg, `,"ts":`...)
	msg = strconv.AppendInt(msg, iohub.NowMs(), 10)
	msg = append(msg, "}]"...)

	// Effects are applied in order and only if we return StatusOK, so the
	// join takes effect before the broadcast and the sender receives it too.
	if err := iohub.Join("", roomPrefix+room); err != nil {
		return iohub.Fail("chat: join: " + err.Error())
	}
	if err := iohub.Raw(roomPrefix+room, "chat:message", msg, false); err != nil {
		return iohub.Fail("chat: broadcast: " + err.Error())
	}
	if ev.Ack {
		if err := iohub.Reply(okAck); err != nil {
			return iohub.Fail("chat: reply: " + err.Error())
		}
	}
	return iohub.StatusOK
}

// main never runs in a c-shared (reactor) build.
func main() {}
