// Package metrics exposes what the hub does in the Prometheus text format, for
// GET /hub/metrics. It owns its prometheus.Registry (never the library's global
// one, so two hubs in one process, or tests, do not share counts) with the Go
// runtime and process collectors and iohub's own families.
//
// The hub's packages do not import Prometheus: each tells what happens through
// a small observer interface of its own (realtime.Observer, httpapi.Observer,
// handler.Observer), which *Metrics implements, or is read at scrape time
// (sockets, cluster, Strapi sync; see Set*).
//
// No label takes a value a client chose: event names, room names, socket ids
// and paths never become labels. Label values come from fixed sets, from the
// operator's config (roles, handler names), and are capped (see boundedLabel)
// so a config with thousands of names cannot blow up the series count either.
package metrics

import (
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace starts every iohub family name.
const Namespace = "iohub"

// Other stands for a label value outside the known set (a role that is not
// configured, a handler name past the cap, an unknown reason).
const Other = "other"

// Metrics is the hub's registry and its families. Build it with New; it is
// safe for concurrent use. A nil *Metrics is valid and records nothing, so
// components can be built without one.
type Metrics struct {
	reg *prometheus.Registry

	accepted       prometheus.Counter
	refused        *prometheus.CounterVec
	eventsReceived prometheus.Counter
	eventsDropped  *prometheus.CounterVec
	deliveries     *prometheus.CounterVec
	reached        prometheus.Counter
	refusedReasons *boundedLabel
	dropReasons    *boundedLabel

	requests *prometheus.CounterVec
	webhooks *prometheus.CounterVec

	handlerCalls    *prometheus.CounterVec
	handlerDuration *prometheus.HistogramVec
	handlerNames    *boundedLabel
	reloads         *prometheus.CounterVec
	configReloads   *prometheus.CounterVec

	sockets atomic.Pointer[func() []SocketCount]
	cluster atomic.Pointer[func() ClusterStats]
	strapi  atomic.Pointer[func() StrapiStats]
}

// New builds the registry with the Go runtime and process collectors and every
// iohub family. version labels iohub_build_info.
func New(version string) *Metrics {
	m := &Metrics{
		reg:            prometheus.NewRegistry(),
		handlerNames:   newBoundedLabel(maxHandlerNames),
		refusedReasons: newBoundedLabel(maxReasons),
		dropReasons:    newBoundedLabel(maxReasons),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "build_info",
		Help:        "Always 1; the version label is the running hub's.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	info.Set(1)
	m.reg.MustRegister(info)
	m.registerSockets()
	m.registerAPI()
	m.registerHandlers()
	m.registerConfig()
	m.reg.MustRegister(pullCollector{m})
	return m
}

// Registry is where the families live; an embedder may register its own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text (or OpenMetrics)
// format. It does not authenticate: the HTTP API mounts it behind its bearer
// tokens.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// counter registers a counter vector and creates the series of values, so
// they are scraped as 0 before the first event (a rate over a series that
// appears later misses its first increments).
func (m *Metrics) counter(name, help string, label string, values ...string) *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, []string{label})
	for _, val := range values {
		v.WithLabelValues(val)
	}
	m.reg.MustRegister(v)
	return v
}

// oneOf returns v when it is one of known, else Other: the guard that keeps a
// caller's mistake from adding label values.
func oneOf(v string, known []string) string {
	for _, k := range known {
		if v == k {
			return v
		}
	}
	return Other
}

// counterVec registers a counter vector with several labels.
func (m *Metrics) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	m.reg.MustRegister(v)
	return v
}
