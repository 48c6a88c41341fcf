package hub

import (
	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/httpapi"
	"github.com/iohub/iohub/hub/metrics"
	"github.com/iohub/iohub/hub/realtime"
)

// wireMetrics serves the hub's metrics at GET /hub/metrics (behind the API's
// tokens) and points the families read at scrape time at what owns the
// numbers. The realtime server got the registry as its Observer in New; the
// Strapi families follow the roles sync in force (wireStrapi).
func (s *Server) wireMetrics() {
	m := s.metrics
	s.api.SetObserver(m)
	s.api.SetMetrics(m.Handler())
	m.SetSockets(func() []metrics.SocketCount {
		counts := s.rt.SocketCounts()
		out := make([]metrics.SocketCount, len(counts))
		for i, c := range counts {
			out[i] = metrics.SocketCount{Transport: c.Transport, Role: c.Role, N: c.N}
		}
		return out
	})
	if s.cluster != nil {
		m.SetCluster(func() metrics.ClusterStats {
			st := s.cluster.Stats()
			return metrics.ClusterStats{
				Up: st.Up, Nodes: st.Nodes, Published: st.Published, Received: st.Received,
				Dropped: st.Dropped, Unconfirmed: st.Unconfirmed,
			}
		})
	}
}

// Metrics is the hub's registry: its handler.Observer methods are what the
// plugin host reports handler calls and reloads to, and an embedder may
// register families of its own on Metrics().Registry().
func (s *Server) Metrics() *metrics.Metrics { return s.metrics }

// The registry is every component's observer.
var (
	_ realtime.Observer = (*metrics.Metrics)(nil)
	_ httpapi.Observer  = (*metrics.Metrics)(nil)
	_ handler.Observer  = (*metrics.Metrics)(nil)
)
