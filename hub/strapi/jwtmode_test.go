package strapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/iohub/iohub/hub/strapi/client"
)

// The statuses are the real Strapis' (e2e projects): v5 refresh 400, v5
// legacy-support 404, v4 405.
func TestDetectJWTManagement(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		want    string
		wantErr bool
	}{
		{"v5 refresh", http.StatusBadRequest, JWTRefresh, false},
		{"v5 legacy-support", http.StatusNotFound, JWTLegacy, false},
		{"v4", http.StatusMethodNotAllowed, JWTLegacy, false},
		{"rate limited: unknown", http.StatusTooManyRequests, "", true},
		{"down: unknown", http.StatusBadGateway, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.URL.Path != refreshPath || r.Header.Get("Authorization") != "" {
					t.Errorf("unexpected %s %s (auth %q)", r.Method, r.URL, r.Header.Get("Authorization"))
				}
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			api := client.New(client.Options{URL: srv.URL, APIToken: apiToken})
			got, err := DetectJWTManagement(context.Background(), api)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Fatalf("= %q, %v; want %q", got, err, tt.want)
			}
			// The watcher reports a mode once, and keeps it through failures.
			var calls []string
			w := &jwtWatch{api: api, set: func(m string) { calls = append(calls, m) }, log: discard()}
			w.check(context.Background())
			w.check(context.Background())
			if tt.wantErr && len(calls) != 0 || !tt.wantErr && (len(calls) != 1 || calls[0] != tt.want) {
				t.Fatalf("set called with %v", calls)
			}
		})
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
