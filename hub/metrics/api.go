package metrics

import "strconv"

// The HTTP API's families. The methods implement httpapi.Observer.

// Routes are the API's endpoints by name: the route label never holds the
// requested path (any path can be requested), only one of these, or "unknown"
// for a path that is no endpoint.
var routes = []string{"emit", "raw", "webhook_strapi", "strapi_sync", "health", "metrics", "reload", "unknown"}

// Webhook outcomes: forwarded as a content event, ignored on purpose (202
// {"ignored"}), or refused (a 4xx: bad token, body, shape).
var webhookOutcomes = []string{"forwarded", "ignored", "refused"}

func (m *Metrics) registerAPI() {
	m.requests = m.counterVec("api_requests_total",
		"HTTP API requests by route name and status code.", "route", "status")
	m.webhooks = m.counter("webhooks_total",
		"Strapi webhooks by outcome: forwarded, ignored (answered 202 without an emit: not enabled, duplicate, unknown event), refused (4xx).",
		"outcome", webhookOutcomes...)
}

// Request counts one API answer.
func (m *Metrics) Request(route string, status int) {
	if m != nil {
		m.requests.WithLabelValues(oneOf(route, routes), strconv.Itoa(status)).Inc()
	}
}

// Webhook counts one Strapi webhook by outcome (see webhookOutcomes).
func (m *Metrics) Webhook(outcome string) {
	if m != nil {
		m.webhooks.WithLabelValues(oneOf(outcome, webhookOutcomes)).Inc()
	}
}
