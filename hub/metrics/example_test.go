package metrics_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/iohub/iohub/hub/metrics"
)

// Metrics is the hub's Prometheus registry: the realtime server, the
// handler host and the HTTP API report to it, and Handler serves it (the
// hub mounts it at GET /hub/metrics, behind a bearer token).
func Example() {
	m := metrics.New("example")
	m.ConnectionAccepted()
	m.EventReceived()
	m.EventDropped("no_handler")

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/hub/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "iohub_client_events_") {
			fmt.Println(line)
		}
	}
	// Output:
	// iohub_client_events_dropped_total{reason="no_handler"} 1
	// iohub_client_events_dropped_total{reason="queue_full"} 0
	// iohub_client_events_received_total 1
}
