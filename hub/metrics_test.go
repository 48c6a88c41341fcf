package hub_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/iohub/iohub/hub"
	"github.com/iohub/iohub/internal/hubtest"
	"github.com/iohub/iohub/internal/promtest"
)

// The names a client and an API caller choose: none may become a label value
// or appear anywhere in the scrape.
const (
	weirdEvent = `xyzzy-"ev"{le="1"}` + "\\n-42"
	weirdRoom  = "plugh-room-17"
	weirdRaw   = "frotz-raw-event"
)

// metricsHub runs a hub on testConfig and returns it, with its URL and
// config for dial and token.
func metricsHub(t *testing.T) (*hub.Server, *testHub) {
	t.Helper()
	srv, url, cfg := hubtest.Start(t, testConfig, nil)
	return srv, &testHub{url: url, cfg: cfg}
}

// send makes an API request with the test token and returns the status.
func send(t *testing.T, method, url string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer t0ken")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// Real traffic (two sockets, one refused, a client event, API emits and
// webhooks) shows in /hub/metrics, read through the hub's own handler.
func TestMetrics(t *testing.T) {
	srv, h := metricsHub(t)
	url := h.url

	// The metrics need a token, like the rest of the API but /hub/health.
	for _, auth := range []string{"", "Bearer wrong"} {
		req, _ := http.NewRequest(http.MethodGet, url+"/hub/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /hub/metrics with %q: %d, want 401", auth, res.StatusCode)
		}
	}

	anon, err := dial(t, url, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dial(t, url, h.token(t, "", "7")); err != nil {
		t.Fatal(err)
	}
	if _, err := dial(t, url, "bad.token.here"); err == nil {
		t.Fatal("a bad token connected")
	}
	// A client that retried (see dial) leaves a socket that disconnects.
	sockets := func(s *promtest.Scrape) float64 { v, _ := s.Value("iohub_sockets_connected"); return v }
	scrape := eventuallyScrape(t, url, func(s *promtest.Scrape) bool { return sockets(s) == 2 })
	if srv.Realtime().Sockets() != 2 {
		t.Fatalf("realtime counts %d sockets, metrics 2", srv.Realtime().Sockets())
	}
	accepted, _ := scrape.Value("iohub_connections_accepted_total")

	if err := anon.Emit(weirdEvent, 1); err != nil {
		t.Fatal(err)
	}
	for path, body := range map[string]any{
		"/hub/emit": map[string]any{"event": "api::message.message.create", "data": 1},
		"/hub/raw":  map[string]any{"event": weirdRaw, "room": weirdRoom},
	} {
		if code := send(t, http.MethodPost, url+path, mustJSON(body)); code != 202 {
			t.Fatalf("%s: %d", path, code)
		}
	}
	hooks := []struct {
		body string
		code int
	}{
		{`{"event":"entry.create","model":"message","uid":"api::message.message","entry":{"id":1,"text":"hi"}}`, 202}, // forwarded
		{`{"event":"media.create","media":{}}`, 202},                                                                  // ignored
		{`{"event":`, 400}, // refused
	}
	for _, hk := range hooks {
		if code := send(t, http.MethodPost, url+"/hub/webhooks/strapi", []byte(hk.body)); code != hk.code {
			t.Fatalf("webhook %s: %d, want %d", hk.body, code, hk.code)
		}
	}
	if code := send(t, http.MethodGet, url+"/hub/"+weirdRoom, nil); code != 404 {
		t.Fatalf("unknown path: %d", code)
	}

	s := eventuallyScrape(t, url, func(s *promtest.Scrape) bool {
		v, _ := s.Value("iohub_client_events_received_total")
		return v >= 1
	})
	want := []struct {
		name   string
		labels []string
		value  float64
	}{
		{"iohub_connections_accepted_total", nil, accepted},
		{"iohub_connections_refused_total", []string{"reason", "invalid_token"}, 1},
		{"iohub_connections_refused_total", []string{"reason", "auth_unavailable"}, 0},
		{"iohub_sockets_connected", []string{"transport", "websocket", "role", "Public"}, 1},
		{"iohub_sockets_connected", []string{"transport", "websocket", "role", "Authenticated"}, 1},
		{"iohub_sockets_connected", []string{"role", "other"}, 0},
		{"iohub_client_events_received_total", nil, 1},
		{"iohub_client_events_dropped_total", []string{"reason", "no_handler"}, 1},
		{"iohub_client_events_dropped_total", []string{"reason", "queue_full"}, 0},
		{"iohub_deliveries_total", []string{"kind", "content"}, 2}, // the emit and the webhook
		{"iohub_deliveries_total", []string{"kind", "raw"}, 1},
		{"iohub_delivery_sockets_total", nil, 4}, // both sockets may read message:create, twice; nobody is in the raw's room
		{"iohub_api_requests_total", []string{"route", "emit", "status", "202"}, 1},
		{"iohub_api_requests_total", []string{"route", "raw", "status", "202"}, 1},
		{"iohub_api_requests_total", []string{"route", "webhook_strapi", "status", "202"}, 2},
		{"iohub_api_requests_total", []string{"route", "webhook_strapi", "status", "400"}, 1},
		{"iohub_api_requests_total", []string{"route", "metrics", "status", "401"}, 2},
		{"iohub_api_requests_total", []string{"route", "unknown", "status", "404"}, 1},
		{"iohub_webhooks_total", []string{"outcome", "forwarded"}, 1},
		{"iohub_webhooks_total", []string{"outcome", "ignored"}, 1},
		{"iohub_webhooks_total", []string{"outcome", "refused"}, 1},
		{"iohub_reloads_total", []string{"outcome", "ok"}, 0},
		{"iohub_build_info", nil, 1},
	}
	for _, w := range want {
		if got, ok := s.Value(w.name, w.labels...); !ok || got != w.value {
			t.Errorf("%s%v = %v (present %v), want %v", w.name, w.labels, got, ok, w.value)
		}
	}
	if accepted < 2 {
		t.Errorf("accepted %v connections, want at least 2", accepted)
	}
	for _, family := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes", "process_open_fds"} {
		if _, ok := s.Families[family]; !ok {
			t.Errorf("no %s: the Go and process collectors are missing", family)
		}
	}
	for _, family := range []string{"iohub_cluster_redis_state", "iohub_strapi_sync_state"} {
		if _, ok := s.Families[family]; ok {
			t.Errorf("%s without [cluster] or [strapi] sync", family)
		}
	}
	for _, name := range []string{"xyzzy", weirdRoom, weirdRaw} {
		if strings.Contains(s.Text, name) {
			t.Errorf("the scrape contains %q, which a client chose", name)
		}
	}
	for _, v := range s.LabelValues() {
		if strings.Contains(v, "xyzzy") || strings.Contains(v, "plugh") || strings.Contains(v, "frotz") {
			t.Errorf("label value %q came from a client", v)
		}
	}
}

// A socket that connects over long-polling counts as polling, and as
// websocket once it upgrades (raw Engine.IO, the protocol's own steps).
func TestMetricsFollowUpgrade(t *testing.T) {
	_, h := metricsHub(t)
	base := h.url + "/socket.io/?EIO=4&transport=polling"
	get := func(u string) string {
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	open := get(base)
	var hs struct{ Sid string }
	if err := json.Unmarshal([]byte(strings.TrimPrefix(open, "0")), &hs); err != nil || hs.Sid == "" {
		t.Fatalf("handshake %q: %v", open, err)
	}
	res, err := http.Post(base+"&sid="+hs.Sid, "text/plain;charset=UTF-8", strings.NewReader("40"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := get(base + "&sid=" + hs.Sid); !strings.HasPrefix(got, "40") {
		t.Fatalf("no CONNECT ack: %q", got)
	}
	role := func(transport string) func(*promtest.Scrape) bool {
		return func(s *promtest.Scrape) bool {
			p, _ := s.Value("iohub_sockets_connected", "transport", "polling", "role", "Public")
			w, _ := s.Value("iohub_sockets_connected", "transport", "websocket", "role", "Public")
			return transport == "polling" && p == 1 && w == 0 || transport == "websocket" && p == 0 && w == 1
		}
	}
	eventuallyScrape(t, h.url, role("polling"))

	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(h.url, "http")+"/socket.io/?EIO=4&transport=websocket&sid="+hs.Sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := ws.WriteMessage(websocket.TextMessage, []byte("2probe")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := ws.ReadMessage(); err != nil || string(msg) != "3probe" {
		t.Fatalf("probe answer %q, %v", msg, err)
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte("5")); err != nil {
		t.Fatal(err)
	}
	eventuallyScrape(t, h.url, role("websocket"))
}

// eventuallyScrape scrapes until cond holds (5 s at most) and returns that
// scrape.
func eventuallyScrape(t *testing.T, url string, cond func(*promtest.Scrape) bool) *promtest.Scrape {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := promtest.Get(t, url, "t0ken")
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never reached the expected state:\n%s", s.Text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
