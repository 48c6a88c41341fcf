package realtime

import (
	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/auth"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// UserRoomPrefix starts the room every authenticated socket joins: "user:<id>".
// Emitting to it reaches all of one user's tabs and devices. No role may be
// named so (access.CheckRoleName).
const UserRoomPrefix = access.UserRoomPrefix

// identityRooms are the rooms the hub itself manages for a socket: its role room
// (the role name verbatim, as strapi-plugin-io) and, when authenticated, its user
// room. The socket id room is joined by Socket.IO itself.
func identityRooms(id *auth.Identity) []socket.Room {
	rooms := []socket.Room{socket.Room(id.Role)}
	if !id.Anonymous && id.UserID != "" {
		rooms = append(rooms, socket.Room(UserRoomPrefix+id.UserID))
	}
	return rooms
}

// inAll reports whether s is in every one of rooms.
func inAll(s *socket.Socket, rooms []socket.Room) bool {
	in := s.Rooms()
	for _, r := range rooms {
		if !in.Has(r) {
			return false
		}
	}
	return true
}

// IdentityOf returns the identity the handshake attached to s, or nil for a socket
// that has not passed the handshake.
func IdentityOf(s *socket.Socket) *auth.Identity {
	id, _ := s.Data().(*auth.Identity)
	return id
}
