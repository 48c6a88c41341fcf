package hub

import (
	"github.com/iohub/iohub/hub/admin"
)

// wireAdmin adds the Socket.IO Admin UI's namespace and serves the UI at
// /hub/admin/, when [admin] is enabled.
func (s *Server) wireAdmin() {
	o := s.opts.Admin
	if !o.Enabled {
		return
	}
	logger := s.log.With("component", "admin")
	opts := o.options()
	opts.IO, opts.Logger = s.rt.IO(), logger
	s.admin = admin.New(opts)
	if o.UIDir != "" {
		s.mux.Handle(admin.UIPath, admin.UIHandler(o.UIDir, logger))
	}
}
