package realtime

import "github.com/zishang520/socket.io/servers/socket/v3"

// IO is the library's server, for packages that extend the hub through the
// library's API rather than through this package: package admin adds the
// Admin UI's namespace and listens to the main namespace's events. The hub's
// own handshake, rooms and handlers stay on the main namespace ("/").
func (s *Server) IO() *socket.Server { return s.io }
