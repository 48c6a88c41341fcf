package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/iohub/iohub/hub/clienterr"
)

// The socket side's families. The methods implement realtime.Observer.

// Delivery kinds, the values of iohub_deliveries_total's kind label: what the
// realtime server was asked to send, from any source (HTTP API, webhooks,
// handlers, other nodes).
var deliveryKinds = []string{"content", "raw", "broadcast", "send"}

func (m *Metrics) registerSockets() {
	m.accepted = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: Namespace, Name: "connections_accepted_total",
		Help: "Sockets that passed the handshake.",
	})
	m.reg.MustRegister(m.accepted)
	m.refused = m.counter("connections_refused_total",
		"Sockets refused in the handshake, by reason (the connect_error data.code).", "reason",
		string(clienterr.InvalidTokenCode), string(clienterr.InvalidCredentialsCode), string(clienterr.AuthUnavailableCode))
	m.eventsReceived = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: Namespace, Name: "client_events_received_total",
		Help: "Events clients emitted to the hub.",
	})
	m.reg.MustRegister(m.eventsReceived)
	m.eventsDropped = m.counter("client_events_dropped_total",
		"Client events not passed to a handler, by reason: no_handler (none bound to the name), queue_full (too many of the socket's events waiting for handlers).",
		"reason", "no_handler", "queue_full")
	m.deliveries = m.counter("deliveries_total",
		"Packets the hub was asked to send to its sockets, by kind: content (permission-checked emits), raw (POST /hub/raw), broadcast and send (handlers). Ops applied from other nodes count on the node that delivers them.",
		"kind", deliveryKinds...)
	m.reached = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: Namespace, Name: "delivery_sockets_total",
		Help: "Sockets reached by broadcasts (content, raw and handler broadcasts): one per socket per packet. Not counted with connectionStateRecovery, whose adapter is the library's.",
	})
	m.reg.MustRegister(m.reached)
}

// ConnectionAccepted counts a socket that passed the handshake.
func (m *Metrics) ConnectionAccepted() {
	if m != nil {
		m.accepted.Inc()
	}
}

// ConnectionRefused counts a refused socket; code is a clienterr code.
func (m *Metrics) ConnectionRefused(code string) {
	if m != nil {
		m.refused.WithLabelValues(m.refusedReasons.value(code)).Inc()
	}
}

// EventReceived counts an event a client emitted.
func (m *Metrics) EventReceived() {
	if m != nil {
		m.eventsReceived.Inc()
	}
}

// EventDropped counts a client event no handler got, by the hub's reason.
func (m *Metrics) EventDropped(reason string) {
	if m != nil {
		m.eventsDropped.WithLabelValues(m.dropReasons.value(reason)).Inc()
	}
}

// Delivered counts one packet of a kind (see deliveryKinds).
func (m *Metrics) Delivered(kind string) {
	if m != nil {
		m.deliveries.WithLabelValues(oneOf(kind, deliveryKinds)).Inc()
	}
}

// SocketsReached counts the sockets one broadcast reached.
func (m *Metrics) SocketsReached(n int) {
	if m != nil && n > 0 {
		m.reached.Add(float64(n))
	}
}
