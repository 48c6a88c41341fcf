package realtime

import (
	"slices"
	"sync/atomic"
)

// The rooms a handler call carries (handler.Socket.Rooms): the socket's
// rooms, sorted. Building the list asks the library's adapter for a copy of
// the socket's room set and sorts it, on every event: a few percent of an
// ack round trip. Rooms change far less often than events arrive, so each
// socket keeps the list it built with the version of the memberships it saw,
// and builds it again only once a join or leave anywhere moved the version
// on. The hub's adapter moves it (adapter.go); with the library's own adapter
// (connection-state recovery) nothing would, so nothing is cached.

// roomsVersion counts the changes of the main namespace's memberships. A nil
// one counts nothing.
type roomsVersion struct{ n atomic.Uint64 }

func (v *roomsVersion) changed() {
	if v != nil {
		v.n.Add(1)
	}
}

// roomList is a socket's rooms as of a version. Handlers only read it.
type roomList struct {
	version uint64
	rooms   []string
}

// roomsOf returns c's rooms, sorted; the slice is shared, not to be changed.
func (s *Server) roomsOf(c *conn) []string {
	if s.rooms == nil {
		return socketRooms(c)
	}
	// The version is read before the rooms: a change during the build
	// leaves a newer version behind, and the next call builds again.
	v := s.rooms.n.Load()
	if l := c.rooms.Load(); l != nil && l.version == v {
		return l.rooms
	}
	rooms := socketRooms(c)
	c.rooms.Store(&roomList{version: v, rooms: rooms})
	return rooms
}

// socketRooms builds c's room list from the library's adapter.
func socketRooms(c *conn) []string {
	keys := c.sock.Rooms().Keys()
	rooms := make([]string, len(keys))
	for i, r := range keys {
		rooms[i] = string(r)
	}
	slices.Sort(rooms)
	return rooms
}
