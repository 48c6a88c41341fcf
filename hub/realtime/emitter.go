package realtime

import (
	"slices"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/sanitize"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// The emits below reach the sockets of the whole hub: this node's, then,
// through the Broker, every other node's.

// EmitContent is the permission-checked path shared by /hub/emit, Strapi webhooks
// and plugins: ev.Name() goes to every role room whose role may receive ev, each
// with what Strapi's content API would show that role (PlanContent). It returns
// those rooms, sorted.
//
// Roles that see the same payload share one broadcast: a socket is in exactly one
// role room, so it gets one copy, and each distinct payload is encoded once. The
// rules and the sanitiser run here, once; other nodes get one op per payload
// and deliver exactly what this node decided, whatever their own config says.
func (s *Server) EmitContent(ev access.ContentEvent, data any) []string {
	if s.broker != nil {
		data = prepare(data)
	}
	ds := s.PlanContent(ev, data)
	rooms := []string{}
	for _, d := range ds {
		if len(d.Rooms) == 0 { // nobody; never send that as "everyone"
			continue
		}
		_ = s.emitHere(ev.Name(), d.Data, d.Rooms) // content event names are never reserved
		s.publish(Op{Kind: OpEmit, Event: ev.Name(), Data: d.Data, Rooms: d.Rooms})
		rooms = append(rooms, d.Rooms...)
	}
	if len(rooms) > 0 {
		s.obs.Delivered(DeliveryContent)
	}
	slices.Sort(rooms)
	return rooms
}

// PlanContent decides, without sending, who gets which payload of a content
// event: the roles allowed to receive ev, grouped by what they may see of data
// (privateFields removed for all; with schemas, per-role relations and private
// attributes: sanitize.Plan). data may be changed in place.
func (s *Server) PlanContent(ev access.ContentEvent, data any) []sanitize.Delivery {
	rules := s.rules.Load()
	roles := rules.Recipients(ev)
	if len(roles) == 0 {
		return nil
	}
	return sanitize.Plan(s.schemas.Load(), ev.UID, s.clean.Load().Clean(data), roles, rules.Has)
}

// SetSchemas swaps the content-type schema table (nil: none, the conservative
// rule); emits already under way use the old one.
func (s *Server) SetSchemas(t *sanitize.Schemas) { s.schemas.Store(t) }

// EmitRaw sends event with data as given, unchecked: to every socket when rooms is
// empty, else once to each socket in the union of rooms. It fails only for event
// names Socket.IO reserves ("connect", "disconnect", ...), on every node.
func (s *Server) EmitRaw(event string, data any, rooms []string) error {
	if s.broker != nil {
		data = prepare(data)
	}
	if err := s.emitHere(event, data, rooms); err != nil {
		return err
	}
	s.obs.Delivered(DeliveryRaw)
	if s.broker != nil && !(len(rooms) == 1 && s.conn(rooms[0]) != nil) { // the id room of a socket here: nobody else has it
		s.broker.Publish(Op{Kind: OpEmit, Event: event, Data: data, Rooms: rooms})
	}
	return nil
}

// emitHere is EmitRaw on this node's sockets.
func (s *Server) emitHere(event string, data any, rooms []string) error {
	return s.io.To(toRooms(rooms)...).Emit(event, data)
}

func toRooms(names []string) []socket.Room {
	rooms := make([]socket.Room, len(names))
	for i, n := range names {
		rooms[i] = socket.Room(n)
	}
	return rooms
}

func toRoom(name string) socket.Room { return socket.Room(name) }
