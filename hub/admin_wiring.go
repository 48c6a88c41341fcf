package hub

import (
	"github.com/iohub/iohub/hub/admin"
)

// wireAdmin adds the Socket.IO Admin UI's namespace and serves the UI at
// /hub/admin/, when [admin] is enabled.
func (s *Server) wireAdmin() {
	cfg := s.cfg.Admin
	if !cfg.Enabled {
		return
	}
	logger := s.log.With("component", "admin")
	opts := adminOptions(cfg)
	opts.IO, opts.Logger = s.rt.IO(), logger
	s.admin = admin.New(opts)
	if cfg.UIDir != "" {
		s.mux.Handle(admin.UIPath, admin.UIHandler(cfg.UIDir, logger))
	}
}
