package httpapi

import (
	"net/http"

	"github.com/iohub/iohub/hub/clienterr"
)

// Observer is told about every API answer, for metrics; *metrics.Metrics
// implements it. Methods must be fast and safe for concurrent use.
type Observer interface {
	// Request gets the route's name (never the requested path: see
	// route.name; "unknown" for a path that is no endpoint) and the status
	// answered.
	Request(route string, status int)
	// Webhook gets a Strapi webhook's outcome: "forwarded", "ignored" or
	// "refused" (any 4xx on the webhook route).
	Webhook(outcome string)
}

// Webhook outcomes.
const (
	WebhookForwarded = "forwarded"
	WebhookIgnored   = "ignored"
	WebhookRefused   = "refused"
)

// routeUnknown names requests for a path that is no endpoint.
const routeUnknown = "unknown"

type nopObserver struct{}

func (nopObserver) Request(string, int) {}
func (nopObserver) Webhook(string)      {}

// SetObserver installs o (nil: nobody). Call it before serving.
func (a *API) SetObserver(o Observer) {
	if o == nil {
		o = nopObserver{}
	}
	a.obs = o
}

// SetMetrics installs what GET /hub/metrics serves, behind the API's bearer
// tokens like every endpoint but /hub/health: the metrics name roles and
// handlers, and their volume tells a competitor about the product's traffic.
// Without it (nil), the route answers 404.
func (a *API) SetMetrics(h http.Handler) {
	if h == nil {
		a.metrics.Store(nil)
		return
	}
	a.metrics.Store(&h)
}

func (a *API) serveMetrics(w http.ResponseWriter, r *http.Request) {
	h := a.metrics.Load()
	if h == nil {
		a.fail(w, r, newError(http.StatusNotFound, clienterr.NotFound, "metrics are not enabled on this hub"))
		return
	}
	(*h).ServeHTTP(w, r)
}

// statusWriter remembers the status of an answer, for Observer.
type statusWriter struct {
	http.ResponseWriter
	status int // 0 until the answer starts
}

// code is the status sent: 200 when the handler wrote nothing at all.
func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
