package metrics

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/iohub/iohub/hub/handler"
)

// The handler hook: calls by handler and outcome, a duration histogram per
// handler, reloads by outcome; values outside the known sets become "other".
func TestHandlerObserver(t *testing.T) {
	m := New("test")
	var obs handler.Observer = m
	obs.HandlerCall("chat", handler.CallOK, 2*time.Millisecond)
	obs.HandlerCall("chat", handler.CallOK, 3*time.Millisecond)
	obs.HandlerCall("chat", handler.CallTimeout, 100*time.Millisecond)
	obs.HandlerCall("guard", handler.CallRejected, time.Millisecond)
	obs.HandlerCall("guard", "made-up", time.Millisecond)
	obs.Reloaded(handler.ReloadOK)
	obs.Reloaded(handler.ReloadFailed)
	obs.Reloaded(handler.ReloadFailed)

	for _, c := range []struct {
		handler, outcome string
		want             float64
	}{
		{"chat", "ok", 2}, {"chat", "timeout", 1}, {"guard", "rejected", 1}, {"guard", "other", 1}, {"chat", "error", 0},
	} {
		if got := testutil.ToFloat64(m.handlerCalls.WithLabelValues(c.handler, c.outcome)); got != c.want {
			t.Errorf("calls{%s,%s} = %v, want %v", c.handler, c.outcome, got, c.want)
		}
	}
	if got := testutil.ToFloat64(m.reloads.WithLabelValues("failed")); got != 2 {
		t.Errorf("failed reloads %v, want 2", got)
	}
	want := `
# HELP iohub_handler_call_duration_seconds How long calls of events[] handlers took, by handler (module name).
# TYPE iohub_handler_call_duration_seconds histogram
iohub_handler_call_duration_seconds_bucket{handler="guard",le="0.0001"} 0
iohub_handler_call_duration_seconds_bucket{handler="guard",le="0.00025"} 0
iohub_handler_call_duration_seconds_bucket{handler="guard",le="0.0005"} 0
iohub_handler_call_duration_seconds_bucket{handler="guard",le="0.001"} 2
iohub_handler_call_duration_seconds_bucket{handler="guard",le="0.0025"} 2
iohub_handler_call_duration_seconds_bucket{handler="guard",le="0.005"} 2
iohub_handler_call_duration_seconds_bucket{handler="guard",le="0.01"} 2
iohub_handler_call_duration_seconds_bucket{handler="guard",le="0.025"} 2
iohub_handler_call_duration_seconds_bucket{handler="guard",le="0.05"} 2
iohub_handler_call_duration_seconds_bucket{handler="guard",le="0.1"} 2
iohub_handler_call_duration_seconds_bucket{handler="guard",le="0.25"} 2
iohub_handler_call_duration_seconds_bucket{handler="guard",le="0.5"} 2
iohub_handler_call_duration_seconds_bucket{handler="guard",le="1"} 2
iohub_handler_call_duration_seconds_bucket{handler="guard",le="+Inf"} 2
iohub_handler_call_duration_seconds_sum{handler="guard"} 0.002
iohub_handler_call_duration_seconds_count{handler="guard"} 2
`
	// Only guard's series: chat's sum depends on float rounding of three values.
	m.handlerDuration.DeleteLabelValues("chat")
	if err := testutil.GatherAndCompare(m.reg, strings.NewReader(want), "iohub_handler_call_duration_seconds"); err != nil {
		t.Error(err)
	}
}

// Handler names are the operator's file names, but capped: past the cap a
// name is counted as "other", so the series count stays bounded.
func TestHandlerNamesCapped(t *testing.T) {
	m := New("test")
	for i := range maxHandlerNames + 50 {
		m.HandlerCall(fmt.Sprintf("h%d", i), handler.CallOK, time.Millisecond)
	}
	if n := testutil.CollectAndCount(m.handlerCalls); n != maxHandlerNames+1 {
		t.Errorf("%d series, want %d (the cap and other)", n, maxHandlerNames+1)
	}
	if got := testutil.ToFloat64(m.handlerCalls.WithLabelValues(Other, "ok")); got != 50 {
		t.Errorf("other = %v, want 50", got)
	}
}

// Values outside the fixed sets of kinds, routes and outcomes never become
// label values, and neither does an empty one.
func TestFixedLabelSets(t *testing.T) {
	m := New("test")
	m.Delivered("room:secret")
	m.Request("/hub/emit?x=1", 200)
	m.Webhook("exploded")
	m.ConnectionRefused("")
	m.EventDropped("")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/hub/metrics", nil))
	body := rec.Body.String()
	for _, s := range []string{"room:secret", "/hub/emit", "exploded", `reason=""`} {
		if strings.Contains(body, s) {
			t.Errorf("scrape contains %q", s)
		}
	}
	for _, s := range []string{
		`iohub_deliveries_total{kind="other"} 1`,
		`iohub_api_requests_total{route="other",status="200"} 1`,
		`iohub_webhooks_total{outcome="other"} 1`,
		`iohub_connections_refused_total{reason="other"} 1`,
		`iohub_client_events_dropped_total{reason="other"} 1`,
	} {
		if !strings.Contains(body, s) {
			t.Errorf("scrape lacks %s", s)
		}
	}
}

// A nil *Metrics records nothing and does not panic: components may run
// without metrics.
func TestNilMetrics(t *testing.T) {
	var m *Metrics
	m.ConnectionAccepted()
	m.ConnectionRefused("invalid_token")
	m.EventReceived()
	m.EventDropped("queue_full")
	m.Delivered("raw")
	m.SocketsReached(3)
	m.Request("emit", 202)
	m.Webhook("forwarded")
	m.HandlerCall("x", handler.CallOK, time.Millisecond)
	m.Reloaded(handler.ReloadOK)
}

// The families read at scrape time: cluster and Strapi appear once set, with
// a state gauge that is 1 for exactly the current state.
func TestPulledFamilies(t *testing.T) {
	m := New("test")
	m.SetCluster(func() ClusterStats { return ClusterStats{Up: false, Nodes: 2, Published: 5, Dropped: 3} })
	m.SetStrapi(func() StrapiStats { return StrapiStats{State: "failing", Succeeded: 1, Failed: 4} })
	want := `
# HELP iohub_cluster_redis_state 1 for the cluster node's current Redis state: up (ops cross to other nodes) or degraded (a Redis down or not answering: this node's sockets only).
# TYPE iohub_cluster_redis_state gauge
iohub_cluster_redis_state{state="degraded"} 1
iohub_cluster_redis_state{state="up"} 0
# HELP iohub_strapi_sync_state 1 for the roles sync's current state: ok, failing (the last sync failed; an older table is in force) or pending (none finished yet).
# TYPE iohub_strapi_sync_state gauge
iohub_strapi_sync_state{state="failing"} 1
iohub_strapi_sync_state{state="ok"} 0
iohub_strapi_sync_state{state="pending"} 0
# HELP iohub_strapi_sync_attempts_total Roles syncs with Strapi by outcome: ok or failed.
# TYPE iohub_strapi_sync_attempts_total counter
iohub_strapi_sync_attempts_total{outcome="failed"} 4
iohub_strapi_sync_attempts_total{outcome="ok"} 1
# HELP iohub_cluster_ops_dropped_total Ops known not to have been published: made while Redis was down or not answering, or stuck in a full queue, or not encodable.
# TYPE iohub_cluster_ops_dropped_total counter
iohub_cluster_ops_dropped_total 3
`
	if err := testutil.GatherAndCompare(m.reg, strings.NewReader(want),
		"iohub_cluster_redis_state", "iohub_strapi_sync_state", "iohub_strapi_sync_attempts_total", "iohub_cluster_ops_dropped_total"); err != nil {
		t.Error(err)
	}
}
