package metrics

import "github.com/prometheus/client_golang/prometheus"

// Families read at scrape time from the components that own the numbers (the
// socket table, the cluster node, the Strapi syncer), instead of being kept a
// second time here: they cannot drift from /hub/health.

// SocketCount is how many sockets are connected over one transport with one
// role. Role is Other for a role the hub does not know (see
// realtime.Server.SocketCounts).
type SocketCount struct {
	Transport string // "polling" or "websocket"; a socket that upgraded counts as websocket
	Role      string
	N         int
}

// ClusterStats is a cluster node's state and counters.
type ClusterStats struct {
	Up          bool  // ops cross to the other nodes (false: degraded)
	Nodes       int64 // live nodes seen by the last check
	Published   int64 // ops Redis acknowledged
	Received    int64 // ops of other nodes applied here
	Dropped     int64 // ops known not to have been published
	Unconfirmed int64 // ops sent to Redis that it never acknowledged: maybe delivered, maybe not
}

// StrapiStats is the roles sync's state ("ok", "failing" or "pending") and
// attempts.
type StrapiStats struct {
	State     string
	Succeeded int64
	Failed    int64
}

// Strapi sync states, the values of iohub_strapi_sync_state's state label.
var strapiStates = []string{"ok", "failing", "pending"}

// SetSockets installs what reports the connected sockets. Call it before
// serving; nil removes it.
func (m *Metrics) SetSockets(f func() []SocketCount) { m.sockets.Store(&f) }

// SetCluster installs what reports the cluster node; without it, the cluster
// families are absent.
func (m *Metrics) SetCluster(f func() ClusterStats) { m.cluster.Store(&f) }

// SetStrapi installs what reports the roles sync; without it (roles from
// hub.toml), the Strapi families are absent.
func (m *Metrics) SetStrapi(f func() StrapiStats) { m.strapi.Store(&f) }

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, labels, nil)
}

var (
	descSockets = desc("sockets_connected",
		"Connected sockets by transport (following upgrades) and role (other: a role not in the hub's roles table).",
		"transport", "role")
	descRedisState = desc("cluster_redis_state",
		"1 for the cluster node's current Redis state: up (ops cross to other nodes) or degraded (a Redis down or not answering: this node's sockets only).",
		"state")
	descNodes       = desc("cluster_nodes", "Live cluster nodes seen by the last Redis check, this one included.")
	descPublished   = desc("cluster_ops_published_total", "Ops (deliveries for other nodes) Redis acknowledged.")
	descReceived    = desc("cluster_ops_received_total", "Ops from other nodes applied here.")
	descDropped     = desc("cluster_ops_dropped_total", "Ops known not to have been published: made while Redis was down or not answering, or stuck in a full queue, or not encodable.")
	descUnconfirmed = desc("cluster_ops_unconfirmed_total", "Ops sent to Redis that it never acknowledged (the connection failed or the answer timed out): other nodes may or may not have got them.")
	descStrapiState = desc("strapi_sync_state",
		"1 for the roles sync's current state: ok, failing (the last sync failed; an older table is in force) or pending (none finished yet).",
		"state")
	descStrapiAttempts = desc("strapi_sync_attempts_total", "Roles syncs with Strapi by outcome: ok or failed.", "outcome")
)

// The fixed descriptors are package-level values, but immutable.

type pullCollector struct{ m *Metrics }

func (c pullCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSockets, descRedisState, descNodes, descPublished,
		descReceived, descDropped, descUnconfirmed, descStrapiState, descStrapiAttempts} {
		ch <- d
	}
}

func (c pullCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.m
	if f := m.sockets.Load(); f != nil && *f != nil {
		for _, s := range (*f)() {
			ch <- prometheus.MustNewConstMetric(descSockets, prometheus.GaugeValue, float64(s.N), s.Transport, s.Role)
		}
	}
	if f := m.cluster.Load(); f != nil && *f != nil {
		s := (*f)()
		ch <- prometheus.MustNewConstMetric(descRedisState, prometheus.GaugeValue, b2f(s.Up), "up")
		ch <- prometheus.MustNewConstMetric(descRedisState, prometheus.GaugeValue, b2f(!s.Up), "degraded")
		ch <- prometheus.MustNewConstMetric(descNodes, prometheus.GaugeValue, float64(s.Nodes))
		ch <- prometheus.MustNewConstMetric(descPublished, prometheus.CounterValue, float64(s.Published))
		ch <- prometheus.MustNewConstMetric(descReceived, prometheus.CounterValue, float64(s.Received))
		ch <- prometheus.MustNewConstMetric(descDropped, prometheus.CounterValue, float64(s.Dropped))
		ch <- prometheus.MustNewConstMetric(descUnconfirmed, prometheus.CounterValue, float64(s.Unconfirmed))
	}
	if f := m.strapi.Load(); f != nil && *f != nil {
		s := (*f)()
		for _, st := range strapiStates {
			ch <- prometheus.MustNewConstMetric(descStrapiState, prometheus.GaugeValue, b2f(s.State == st), st)
		}
		ch <- prometheus.MustNewConstMetric(descStrapiAttempts, prometheus.CounterValue, float64(s.Succeeded), "ok")
		ch <- prometheus.MustNewConstMetric(descStrapiAttempts, prometheus.CounterValue, float64(s.Failed), "failed")
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
