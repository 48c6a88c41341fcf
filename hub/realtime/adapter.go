package realtime

import (
	"github.com/iohub/iohub/hub/realtime/internal/wsframe"
	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// fanoutAdapter is the library's in-memory adapter with a faster broadcast:
// the packet is encoded and framed once, and the frame is queued straight on
// every WebSocket connection served by package wsframe. Per socket that skips
// the engine's packet object, its events and a copy of the payload, which
// were most of the hub's cost per delivered message (BENCHMARKS.md). Sockets
// on other transports (polling, a connection mid-upgrade) and broadcasts the
// shortcut does not cover (binary attachments, volatile or uncompressed
// flags) go through the library as before, so what clients receive is the
// same.
type fanoutAdapter struct {
	socket.Adapter
	encoder parser.Encoder
	obs     Observer // counts the sockets each broadcast reaches
	// rooms counts the namespace's room changes (rooms.go); nil: not counted.
	rooms *roomsVersion
}

type fanoutAdapterBuilder struct {
	obs   Observer
	rooms *roomsVersion
}

func (b fanoutAdapterBuilder) New(nsp socket.Namespace) socket.Adapter {
	a := &fanoutAdapter{Adapter: socket.MakeAdapter(), encoder: nsp.Server().Encoder(), obs: b.obs}
	if nsp.Name() == "/" {
		a.rooms = b.rooms
	}
	a.Prototype(a)
	a.Construct(nsp)
	return a
}

// AddAll, Del and DelAll are every join and leave of the namespace's
// sockets (Socket.Join, Leave, leaving all on disconnect, remote joins):
// each marks the sockets' cached room lists stale.
func (a *fanoutAdapter) AddAll(id socket.SocketId, rooms *types.Set[socket.Room]) {
	a.Adapter.AddAll(id, rooms)
	a.rooms.changed()
}

func (a *fanoutAdapter) Del(id socket.SocketId, room socket.Room) {
	a.Adapter.Del(id, room)
	a.rooms.changed()
}

func (a *fanoutAdapter) DelAll(id socket.SocketId) {
	a.Adapter.DelAll(id)
	a.rooms.changed()
}

func (a *fanoutAdapter) Broadcast(p *parser.Packet, opts *socket.BroadcastOptions) {
	if opts != nil && opts.Flags != nil {
		f := opts.Flags
		if f.Volatile || (f.Compress != nil && !*f.Compress) {
			a.viaLibrary(p, opts)
			return
		}
	}
	// Binary goes to the library before anything is encoded here: encoding
	// reads binary readers (the library's BytesBuffer), so a second encoding
	// would send empty attachments.
	if parser.HasBinary(p.Data) {
		a.viaLibrary(p, opts)
		return
	}
	p.Nsp = a.Nsp().Name()
	encoded := a.encoder.Encode(p)
	text, ok := onlyText(encoded)
	if !ok {
		a.viaLibrary(p, opts)
		return
	}
	frame := wsframe.Message(text.Bytes())

	// What the library's adapter writes, for the sockets that take no frame.
	viaEngine := &socket.WriteOptions{PreEncoded: true}
	pre := types.NewStringBufferString("4")
	_, _ = pre.Write(text.Bytes())
	viaEngine.WsPreEncodedFrame = pre

	reached := 0
	a.each(opts, func(s *socket.Socket) {
		reached++
		if notify := s.NotifyOutgoingListeners(); notify != nil {
			notify(p)
		}
		engine := s.Client().Conn()
		if engine.ReadyState() == "open" && wsframe.Queue(engine.Transport(), frame) {
			return
		}
		s.Client().WriteToEngine(encoded, viaEngine)
	})
	a.obs.SocketsReached(reached)
}

// viaLibrary leaves a broadcast to the library's adapter, counting the
// sockets it reaches with a walk of the rooms (no encoding): these broadcasts
// (binary, volatile) are the rare ones.
func (a *fanoutAdapter) viaLibrary(p *parser.Packet, opts *socket.BroadcastOptions) {
	reached := 0
	a.each(opts, func(*socket.Socket) { reached++ })
	a.Adapter.Broadcast(p, opts)
	a.obs.SocketsReached(reached)
}

// onlyText returns the encoded packet when it is a single text frame (no
// binary attachments).
func onlyText(encoded []types.BufferInterface) (*types.StringBuffer, bool) {
	if len(encoded) != 1 {
		return nil, false
	}
	s, ok := encoded[0].(*types.StringBuffer)
	return s, ok
}

// each calls fn once for every connected socket in the union of opts.Rooms
// (every socket when there are none), except those in a room of opts.Except:
// the library's broadcast semantics.
func (a *fanoutAdapter) each(opts *socket.BroadcastOptions, fn func(*socket.Socket)) {
	var rooms, except []socket.Room
	if opts != nil {
		if opts.Rooms != nil {
			rooms = opts.Rooms.Keys()
		}
		if opts.Except != nil {
			except = opts.Except.Keys()
		}
	}
	var skip map[socket.SocketId]struct{}
	if len(except) > 0 || len(rooms) > 1 {
		skip = map[socket.SocketId]struct{}{}
		for _, r := range except {
			if ids, ok := a.Rooms().Load(r); ok {
				for _, id := range ids.Keys() {
					skip[id] = struct{}{}
				}
			}
		}
	}
	sockets := a.Nsp().Sockets()
	visit := func(id socket.SocketId) {
		if skip != nil {
			if _, seen := skip[id]; seen {
				return
			}
			if len(rooms) > 1 {
				skip[id] = struct{}{} // one copy per socket across rooms
			}
		}
		if s, ok := sockets.Load(id); ok && s.Connected() {
			fn(s)
		}
	}
	if len(rooms) == 0 {
		for _, id := range a.Sids().Keys() {
			visit(id)
		}
		return
	}
	for _, r := range rooms {
		if ids, ok := a.Rooms().Load(r); ok {
			for _, id := range ids.Keys() {
				visit(id)
			}
		}
	}
}
