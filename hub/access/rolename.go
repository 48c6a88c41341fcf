package access

import (
	"errors"
	"strings"
)

// UserRoomPrefix starts the room every authenticated socket joins: "user:<id>".
const UserRoomPrefix = "user:"

// socketIDLen is the length of a Socket.IO socket id as the library makes them:
// 18 random bytes in unpadded base64url. Every socket is in a room of that name.
const socketIDLen = 24

// CheckRoleName reports why name cannot be a role, or nil. A role's name is its
// room, and rooms share one name space with the rooms the hub and Socket.IO
// make, so a role may not take a name of theirs:
//
//   - empty (or blank): not a name;
//   - starting with "user:" in any letter case: the rooms of single users, so a
//     role "user:1" would receive user 1's private messages;
//   - 24 characters, all of A-Z a-z 0-9 '-' '_': the shape of a socket id, so
//     such a role would receive what is sent to that one socket.
//
// The rule holds for every source of role names: hub.toml, Strapi's roles and
// role claims in tokens.
func CheckRoleName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("role name must not be empty")
	case len(name) >= len(UserRoomPrefix) && strings.EqualFold(name[:len(UserRoomPrefix)], UserRoomPrefix):
		return errors.New(`role name must not start with "user:": that prefix names the rooms of single users`)
	case looksLikeSocketID(name):
		return errors.New("role name must not be 24 letters, digits, '-' or '_' alone: that is the shape of a socket id, whose room holds one socket")
	}
	return nil
}

func looksLikeSocketID(s string) bool {
	if len(s) != socketIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
