package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iohub/iohub/hub/handler"
)

// The events[] handlers' families. The methods implement handler.Observer.

var (
	callOutcomes = []string{
		string(handler.CallOK), string(handler.CallError),
		string(handler.CallRejected), string(handler.CallTimeout),
	}
	reloadOutcomes = []string{string(handler.ReloadOK), string(handler.ReloadFailed)}
)

// handlerBuckets span a fast Wasm call (tens of µs) to well past the default
// 100 ms handler timeout.
var handlerBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}

func (m *Metrics) registerHandlers() {
	m.handlerCalls = m.counterVec("handler_calls_total",
		"Calls of events[] handlers by handler (module name) and outcome: ok, error, rejected, timeout.",
		"handler", "outcome")
	m.handlerDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "handler_call_duration_seconds",
		Help:    "How long calls of events[] handlers took, by handler (module name).",
		Buckets: handlerBuckets,
	}, []string{"handler"})
	m.reg.MustRegister(m.handlerDuration)
	m.reloads = m.counter("reloads_total",
		"Handler module reloads by outcome: ok (a new version serves), failed (the previous one keeps serving).",
		"outcome", reloadOutcomes...)
}

// HandlerCall implements handler.Observer.
func (m *Metrics) HandlerCall(name string, outcome handler.CallOutcome, d time.Duration) {
	if m == nil {
		return
	}
	name = m.handlerNames.value(name)
	m.handlerCalls.WithLabelValues(name, oneOf(string(outcome), callOutcomes)).Inc()
	m.handlerDuration.WithLabelValues(name).Observe(d.Seconds())
}

// Reloaded implements handler.Observer.
func (m *Metrics) Reloaded(outcome handler.ReloadOutcome) {
	if m != nil {
		m.reloads.WithLabelValues(oneOf(string(outcome), reloadOutcomes)).Inc()
	}
}
