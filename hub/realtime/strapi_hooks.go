package realtime

// UserForgetter is implemented by authenticators that cache what Strapi said
// about users (*auth.Authenticator): a user change must reach the next
// handshake, not wait for the cache to expire.
type UserForgetter interface {
	ForgetUser(id string)
}

// UserChanged applies a Strapi user change (a users-permissions webhook, or a
// user the periodic re-check no longer finds) on every node: the
// authenticator forgets the user, so their next handshake asks Strapi again
// (a role change applies from the next connection), and a user that is gone
// (blocked or deleted) loses their sockets. A Strapi webhook reaches one
// node, and every node caches users and holds sockets.
func (s *Server) UserChanged(id string, gone bool) {
	if id == "" {
		return
	}
	s.userChangedHere(id, gone)
	s.publish(Op{Kind: OpUser, User: id, Gone: gone})
}

// userChangedHere is UserChanged on this node.
func (s *Server) userChangedHere(id string, gone bool) {
	if f, ok := s.auth.Load().Authenticator.(UserForgetter); ok {
		f.ForgetUser(id)
	}
	if gone {
		n := s.disconnectUser(id)
		s.log.Info("strapi: user blocked or deleted; their sockets here were disconnected", "user", id, "sockets", n)
	}
}

// disconnectUser closes every socket of this hub authenticated as user id, and
// returns how many it closed.
//
// It walks the hub's own connection table instead of broadcasting a disconnect
// to the room "user:<id>", so it does not depend on the adapter supporting
// remote disconnects, and it reaches exactly the sockets whose identity names
// the user.
func (s *Server) disconnectUser(id string) int {
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
