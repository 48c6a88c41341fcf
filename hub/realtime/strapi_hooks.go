package realtime

// DisconnectUser closes every socket of this hub authenticated as user id (the
// sockets in room "user:<id>"), and returns how many it closed. The hub calls it
// when Strapi says the user was blocked or deleted: the handshake refuses the
// user's next connections, and this ends the ones already open.
//
// It walks the hub's own connection table instead of broadcasting a disconnect
// to the room, so it does not depend on the adapter supporting remote
// disconnects, and it reaches exactly the sockets whose identity names the user.
func (s *Server) DisconnectUser(id string) int {
	if id == "" {
		return 0
	}
	n := 0
	s.conns.Range(func(_, v any) bool {
		if c, ok := v.(*conn); ok && c.id != nil && !c.id.Anonymous && c.id.UserID == id {
			c.sock.Disconnect(true)
			n++
		}
		return true
	})
	return n
}

// UserIDs lists the distinct users with sockets on this hub, for the periodic
// re-check against Strapi (a user deleted without a webhook must not keep
// their sockets).
func (s *Server) UserIDs() []string {
	seen := map[string]bool{}
	var ids []string
	s.conns.Range(func(_, v any) bool {
		if c, ok := v.(*conn); ok && c.id != nil && !c.id.Anonymous && c.id.UserID != "" && !seen[c.id.UserID] {
			seen[c.id.UserID] = true
			ids = append(ids, c.id.UserID)
		}
		return true
	})
	return ids
}
