package httpapi

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
)

// pacedEmitter is a recEmitter that also paces, counting the calls.
type pacedEmitter struct {
	recEmitter
	paced atomic.Int32
}

func (p *pacedEmitter) Pace(context.Context) { p.paced.Add(1) }

// The emit endpoints answer only after the emitter's Pace; a refused request
// and the health check do not wait for it.
func TestEmitEndpointsPace(t *testing.T) {
	f := newFixture(t)
	em := &pacedEmitter{}
	f.api = New(Options{Tokens: []string{testToken}, MaxBodySize: 1 << 20}, em, nil)
	for _, tt := range []struct {
		path, body string
		status     int
		paced      bool
	}{
		{"/hub/emit", `{"event":"api::message.message.create","data":{}}`, http.StatusAccepted, true},
		{"/hub/raw", `{"event":"hello","data":1}`, http.StatusAccepted, true},
		{"/hub/emit", `{"event":"nope"}`, http.StatusBadRequest, false},
		{"/hub/health", ``, http.StatusOK, false},
	} {
		before := em.paced.Load()
		method := http.MethodPost
		if tt.path == "/hub/health" {
			method = http.MethodGet
		}
		w := f.do(method, tt.path, tt.body)
		if w.Code != tt.status {
			t.Fatalf("%s: status %d, want %d: %s", tt.path, w.Code, tt.status, w.Body)
		}
		if got := em.paced.Load() > before; got != tt.paced {
			t.Errorf("%s %s: paced = %v, want %v", tt.path, tt.body, got, tt.paced)
		}
	}
}
