package realtime

import (
	"github.com/iohub/iohub/hub/access"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// EmitContent is the permission-checked path shared by /hub/emit, Strapi webhooks
// and plugins: ev.Name() goes to every role room whose role may receive ev, with
// private fields removed from data. It returns those rooms, sorted.
//
// All qualifying rooms go into one broadcast: a socket is in exactly one role room,
// so it gets one copy, and the packet is encoded once instead of once per room.
func (s *Server) EmitContent(ev access.ContentEvent, data any) []string {
	roles := s.rules.Load().Recipients(ev)
	if len(roles) == 0 {
		return []string{}
	}
	data = s.clean.Load().Clean(data)
	_ = s.io.To(toRooms(roles)...).Emit(ev.Name(), data) // content event names are never reserved
	s.obs.Delivered(DeliveryContent)
	return roles
}

// EmitRaw sends event with data as given, unchecked: to every socket when rooms is
// empty, else once to each socket in the union of rooms. It fails only for event
// names Socket.IO reserves ("connect", "disconnect", ...).
func (s *Server) EmitRaw(event string, data any, rooms []string) error {
	if err := s.io.To(toRooms(rooms)...).Emit(event, data); err != nil {
		return err
	}
	s.obs.Delivered(DeliveryRaw)
	return nil
}

func toRooms(names []string) []socket.Room {
	rooms := make([]socket.Room, len(names))
	for i, n := range names {
		rooms[i] = socket.Room(n)
	}
	return rooms
}
