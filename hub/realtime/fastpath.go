package realtime

import (
	"encoding/json"
	"strconv"

	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/realtime/internal/wsframe"
	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// The fast path of client events. Once a socket is connected over a
// WebSocket, the hub's transport reads its event packets itself
// (wsframe.Intercept): the event name and the arguments' JSON come out of
// the frame without a generic decode, the handlers get the JSON spliced into
// their input (handler.Call.ArgsJSON), run on the goroutine that read the
// frame when the socket has nothing else queued, and the ack goes onto the
// connection's outbox as a frame built from the reply's JSON. The library's
// path decoded every packet into Go values, ran it on a goroutine of its
// socket queue, then on one of the hub's, and encoded the reply again: most
// of the cost of an ack (BENCHMARKS.md).
//
// The library keeps everything else: the handshake, namespaces, polling,
// upgrades, pongs, disconnects, binary events, events too large for the
// fast path, and whatever this reader does not recognise; a frame it leaves
// reaches the library as if nothing had looked at it. Order is kept: a
// frame read after frames that went to the library is handed to the
// library's socket queue too (socket.Enqueue), behind them, and the next
// ones go there as long as one of those waits.

// maxFastEvent bounds the events read here; larger ones take the library's
// path, which also applies maxHttpBufferSize to them.
const maxFastEvent = 64 << 10

// readEvents lets the hub read c's event packets from its WebSocket, if it
// has one of this package's.
func (s *Server) readEvents(c *conn) {
	engine := c.sock.Conn()
	if engine.Protocol() != 4 || s.handlers == nil {
		wsframe.Connected(engine.Transport())
		return
	}
	wsframe.Intercept(engine.Transport(), func(payload []byte, afterLibrary bool) bool {
		return s.takeEvent(c, payload, afterLibrary)
	}, min(maxFastEvent, s.maxMessage))
}

// takeEvent is the interceptor of c's frames: it takes the main namespace's
// event packets while c is connected.
func (s *Server) takeEvent(c *conn, payload []byte, afterLibrary bool) bool {
	ev, ok := parseEventPacket(payload, c.lastEvent)
	if !ok || c.closed.Load() {
		return false
	}
	c.lastEvent = ev.name
	if afterLibrary || c.viaLibrary.Load() > 0 {
		if c.viaLibrary.Load() >= maxPending {
			// The library's queue is unbounded: a client flooding while it
			// is behind gets what the hub's own queue answers.
			s.obs.EventReceived()
			s.queueFull(c, ev.name, s.replierFor(c, &ev))
			return true
		}
		queued := ev // only this copy lives on the heap
		c.viaLibrary.Add(1)
		c.sock.Enqueue(func() {
			s.fastEvent(c, &queued)
			c.viaLibrary.Add(-1)
		})
		return true
	}
	s.fastEvent(c, &ev)
	return true
}

// fastEvent is onClientEvent for an event read by the fast path.
func (s *Server) fastEvent(c *conn, ev *eventPacket) {
	if c.closed.Load() { // disconnected while the event waited: as the library, ignored
		s.obs.EventReceived()
		return
	}
	reply := s.replierFor(c, ev)
	if !s.admit(c, ev.name, reply) {
		return
	}
	call := callFor(c, handler.Event, ev.name, nil, ev.hasID, s.roomsOf(c))
	call.ArgsJSON = ev.args
	s.dispatchHere(c, call, reply)
}

// replierFor answers ev's ack, if the client asked for one.
func (s *Server) replierFor(c *conn, ev *eventPacket) replier {
	if !ev.hasID {
		return nil
	}
	return s.frameReply(c, ev.id)
}

// frameReply answers ack id of c with a frame of its own: the reply's JSON
// spliced into an ACK packet, queued on the connection's outbox (through the
// engine while the outbox cannot take frames directly). A reply with binary
// is encoded by the library's encoder, attachments and all.
func (s *Server) frameReply(c *conn, id uint64) replier {
	return func(out handler.Outcome) {
		if !c.sock.Connected() {
			return // as the library's ack callback
		}
		if out.Error == "" && out.Replied && out.ReplyJSON == nil {
			encoded := s.io.Encoder().Encode(&parser.Packet{Type: parser.ACK, Nsp: "/", Id: &id, Data: out.Reply})
			c.sock.Client().WriteToEngine(encoded, &socket.WriteOptions{})
			return
		}
		body := out.ReplyJSON
		switch {
		case out.Error != "":
			msg, _ := json.Marshal(out.Error)
			body = append(append([]byte(`[{"error":`), msg...), "}]"...)
		case !out.Replied:
			body = []byte("[]")
		}
		var idText [20]byte
		id10 := strconv.AppendUint(idText[:0], id, 10)
		// The ACK packet, "3<id><args>", framed as an Engine.IO message.
		frame := wsframe.AppendMessageHeader(make([]byte, 0, 16+len(id10)+len(body)), 1+len(id10)+len(body))
		frame = append(append(append(frame, '3'), id10...), body...)
		engine := c.sock.Conn()
		if engine.ReadyState() == "open" && wsframe.Reply(engine.Transport(), frame) {
			return
		}
		packet := frame[len(frame)-1-len(id10)-len(body):]
		c.sock.Client().WriteToEngine([]types.BufferInterface{types.NewStringBuffer(packet)}, &socket.WriteOptions{})
	}
}
