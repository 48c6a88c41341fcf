package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			w.Header().Set("X-Method", r.Method)
			_, _ = w.Write([]byte(r.Header.Get("Authorization") + "|" + r.URL.RawQuery))
		case "/redirect":
			http.Redirect(w, r, "/echo", http.StatusFound)
		case "/big":
			_, _ = w.Write([]byte(strings.Repeat("x", MaxBody+1)))
		case "/slow":
			time.Sleep(time.Second)
		}
	}))
	defer srv.Close()
	c := New(Options{URL: srv.URL, APIToken: "hub-token", Timeout: 30 * time.Second})
	short := New(Options{URL: srv.URL, APIToken: "hub-token", Timeout: 200 * time.Millisecond})
	ctx := context.Background()
	tests := []struct {
		name       string
		call       func() (int, []byte, error)
		wantStatus int
		wantBody   string
		wantErr    string
	}{
		{"api token", func() (int, []byte, error) { return c.Get(ctx, "/echo?a=1") }, 200, "Bearer hub-token|a=1", ""},
		{"user token", func() (int, []byte, error) { return c.GetAs(ctx, "/echo", "user") }, 200, "Bearer user|", ""},
		{"post has no token", func() (int, []byte, error) { return c.Post(ctx, "/echo", []byte("{}")) }, 200, "|", ""},
		{"redirect not followed", func() (int, []byte, error) { return c.Get(ctx, "/redirect") }, 302, "", ""},
		{"too big", func() (int, []byte, error) { return c.Get(ctx, "/big") }, 0, "", "larger than"},
		{"timeout", func() (int, []byte, error) { return short.Get(ctx, "/slow") }, 0, "", "Timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, err := tt.call()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hub-token") {
					t.Fatalf("error shows the token: %v", err)
				}
				return
			}
			if err != nil || status != tt.wantStatus || (tt.wantBody != "" && string(body) != tt.wantBody) {
				t.Fatalf("= %d %q %v, want %d %q", status, body, err, tt.wantStatus, tt.wantBody)
			}
		})
	}
	if !c.HasAPIToken() || New(Options{URL: srv.URL}).HasAPIToken() {
		t.Fatal("HasAPIToken wrong")
	}
}
