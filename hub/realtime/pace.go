package realtime

import (
	"context"
	"time"
)

// paceBacklog and paceMax bound Pace: how many bytes may wait for the sockets'
// writers, over all connections, before a source is made to wait, and for how
// long at most.
const (
	paceBacklog = 128 << 10
	paceMax     = time.Second
)

// Pace returns once the sockets' writers have caught up with what the hub has
// accepted (at most paceBacklog bytes waiting), after paceMax, or when ctx
// ends. The HTTP API calls it before answering an emit, so a source that emits
// faster than the sockets take events waits, instead of growing the hub's
// memory and every event's latency. (Node's single event loop gives its
// servers this for free: it cannot take the next request while it writes.)
func (s *Server) Pace(ctx context.Context) {
	if s.writer.Backlog() <= paceBacklog {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, paceMax)
	defer cancel()
	_ = s.writer.WaitBacklog(ctx, paceBacklog)
}
