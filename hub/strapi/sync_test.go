package strapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/strapi/client"
)

const apiToken = "full-access-token"

// fakeStrapi answers the users-permissions role routes like Strapi, from the
// answers recorded from the real v4 and v5 (testdata/), which can be changed
// per test.
type fakeStrapi struct {
	t        testing.TB
	srv      *httptest.Server
	requests atomic.Int32

	mu     sync.Mutex
	bodies map[string]string // path -> body
	status int               // when not 0, every answer has this status
}

func newFakeStrapi(t testing.TB, version string) *fakeStrapi {
	fs := &fakeStrapi{t: t, bodies: map[string]string{}}
	for path, file := range map[string]string{
		"/api/users-permissions/roles":   "roles",
		"/api/users-permissions/roles/1": "role-1",
		"/api/users-permissions/roles/2": "role-2",
	} {
		b, err := os.ReadFile("testdata/" + version + "-" + file + ".json")
		if err != nil {
			t.Fatal(err)
		}
		fs.bodies[path] = string(b)
	}
	fs.srv = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(fs.srv.Close)
	return fs
}

func (fs *fakeStrapi) serve(w http.ResponseWriter, r *http.Request) {
	fs.requests.Add(1)
	if r.Method != http.MethodGet {
		fs.t.Errorf("unexpected %s %s", r.Method, r.URL)
	}
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer "+apiToken {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"data":null,"error":{"status":401,"name":"UnauthorizedError","message":"Missing or invalid credentials"}}`))
		return
	}
	fs.mu.Lock()
	body, ok := fs.bodies[r.URL.Path]
	status := fs.status
	fs.mu.Unlock()
	switch {
	case status != 0:
		w.WriteHeader(status)
	case !ok:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"data":null,"error":{"status":404,"name":"NotFoundError","message":"Role not found"}}`))
	default:
		_, _ = w.Write([]byte(body))
	}
}

// setPermission enables or disables one permission in a recorded role answer,
// as PUT /api/users-permissions/roles/:id does in Strapi.
func (fs *fakeStrapi) setPermission(path, typ, ctrl, action string, enabled bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var doc map[string]map[string]any
	if err := json.Unmarshal([]byte(fs.bodies[path]), &doc); err != nil {
		fs.t.Fatal(err)
	}
	perms := doc["role"]["permissions"].(map[string]any)
	t, _ := perms[typ].(map[string]any)
	if t == nil {
		t = map[string]any{"controllers": map[string]any{}}
		perms[typ] = t
	}
	c, _ := t["controllers"].(map[string]any)[ctrl].(map[string]any)
	if c == nil {
		c = map[string]any{}
		t["controllers"].(map[string]any)[ctrl] = c
	}
	c[action] = map[string]any{"enabled": enabled, "policy": ""}
	b, _ := json.Marshal(doc)
	fs.bodies[path] = string(b)
}

func (fs *fakeStrapi) set(path, body string) {
	fs.mu.Lock()
	fs.bodies[path] = body
	fs.mu.Unlock()
}

type applied struct {
	mu    sync.Mutex
	rules []*access.Rules
}

func (a *applied) apply(r *access.Rules) {
	a.mu.Lock()
	a.rules = append(a.rules, r)
	a.mu.Unlock()
}

func (a *applied) last() (*access.Rules, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.rules) == 0 {
		return nil, 0
	}
	return a.rules[len(a.rules)-1], len(a.rules)
}

type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newSyncer(t testing.TB, fs *fakeStrapi, edit ...func(*Options)) (*Syncer, *applied, *logBuf) {
	t.Helper()
	ap, lb := &applied{}, &logBuf{}
	opts := Options{
		Client:       client.New(client.Options{URL: fs.srv.URL, APIToken: apiToken, Timeout: 2 * time.Second}),
		SyncInterval: time.Hour,
		PublicRole:   "Public",
		Mode:         access.ModeAction,
		Apply:        ap.apply,
		Logger:       slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, e := range edit {
		e(&opts)
	}
	return New(opts), ap, lb
}

func ev(s string) access.ContentEvent {
	e, err := access.ParseEvent(s)
	if err != nil {
		panic(err)
	}
	return e
}

// TestSyncRecorded reads the roles real Strapi v4 and v5 answered (bootstrap
// permissions of the e2e apps) and checks who receives what.
func TestSyncRecorded(t *testing.T) {
	for _, version := range []string{"v4", "v5"} {
		t.Run(version, func(t *testing.T) {
			fs := newFakeStrapi(t, version)
			s, ap, _ := newSyncer(t, fs)
			if s.Version() != 0 {
				t.Fatalf("version %d before the first sync", s.Version())
			}
			res, err := s.Sync(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int{"v4": 4, "v5": 5}[version]
			if res.Version != want || s.Version() != want || !res.Changed {
				t.Fatalf("result %+v, version %d", res, s.Version())
			}
			rules, n := ap.last()
			if n != 1 {
				t.Fatalf("applied %d tables", n)
			}
			for event, roles := range map[string][]string{
				"api::message.message.create":    {"Authenticated", "Public"},
				"api::message.message.find":      {"Authenticated", "Public"},
				"api::message.message.update":    {"Authenticated"},
				"api::message.message.publish":   {"Authenticated"},
				"api::message.message.unpublish": {"Authenticated"},
				"api::message.message.delete":    {"Authenticated"},
				"api::chat.chat.create":          nil,
			} {
				if got := rules.Recipients(ev(event)); !slices.Equal(got, roles) {
					t.Errorf("%s: recipients %q, want %q", event, got, roles)
				}
			}
			if !rules.Has("Authenticated", "plugin::users-permissions.user.me") || rules.Has("Public", "plugin::users-permissions.user.me") {
				t.Error("plugin permissions not synced")
			}
			if res.Roles["Public"] == 0 || res.Roles["Authenticated"] == 0 || len(res.Roles) != 2 {
				t.Errorf("roles %v", res.Roles)
			}
			// Each sync: the list plus one request per role.
			if n := fs.requests.Load(); n != 3 {
				t.Errorf("%d requests", n)
			}
		})
	}
}

func TestSyncFollowsChanges(t *testing.T) {
	fs := newFakeStrapi(t, "v5")
	s, ap, lb := newSyncer(t, fs)
	ctx := context.Background()
	if _, err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// Unchanged: not applied again, logged at debug only.
	res, err := s.Sync(ctx)
	if _, n := ap.last(); err != nil || n != 1 || res.Changed {
		t.Fatalf("unchanged table applied again: %d, %+v, %v", n, res, err)
	}
	fs.setPermission("/api/users-permissions/roles/2", "api::message", "message", "create", false)
	fs.setPermission("/api/users-permissions/roles/2", "api::message", "message", "update", true)
	res, err = s.Sync(ctx)
	rules, n := ap.last()
	if err != nil || n != 2 || !res.Changed {
		t.Fatalf("%d tables, %+v, %v", n, res, err)
	}
	if got := rules.Recipients(ev("api::message.message.create")); !slices.Equal(got, []string{"Authenticated"}) {
		t.Errorf("create: %q", got)
	}
	if got := rules.Recipients(ev("api::message.message.update")); !slices.Equal(got, []string{"Authenticated", "Public"}) {
		t.Errorf("update: %q", got)
	}
	if strings.Count(lb.String(), `msg="strapi: roles synced"`) != 2 {
		t.Errorf("want two info lines for two changes:\n%s", lb)
	}
}

// TestSyncFailureKeepsTable: a failed sync applies nothing, is logged once at
// warn until it recovers, and recovery is logged once.
func TestSyncFailureKeepsTable(t *testing.T) {
	fs := newFakeStrapi(t, "v4")
	s, ap, lb := newSyncer(t, fs)
	ctx := context.Background()
	if _, err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if h := s.Health(); h["roles"] != "ok" || h["version"] != 4 {
		t.Fatalf("health %v", h)
	}
	fs.mu.Lock()
	fs.status = http.StatusInternalServerError
	fs.mu.Unlock()
	for range 3 {
		if _, err := s.Sync(ctx); err == nil || !strings.Contains(err.Error(), "status 500") {
			t.Fatalf("error %v", err)
		}
	}
	if _, n := ap.last(); n != 1 {
		t.Fatalf("a failed sync applied a table (%d)", n)
	}
	if s.Health()["roles"] != "failing" {
		t.Fatal("health does not say failing")
	}
	if c := strings.Count(lb.String(), "level=WARN"); c != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", c, lb)
	}
	fs.mu.Lock()
	fs.status = 0
	fs.mu.Unlock()
	for range 2 {
		if _, err := s.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if c := strings.Count(lb.String(), "strapi: roles sync recovered"); c != 1 {
		t.Fatalf("recovery logged %d times:\n%s", c, lb)
	}
	if _, n := ap.last(); n != 1 {
		t.Fatal("the same table applied again after recovery")
	}
}

func TestSyncErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*fakeStrapi, *Options)
		want string
	}{
		{"token refused", func(fs *fakeStrapi, o *Options) {
			o.Client = client.New(client.Options{URL: fs.srv.URL, APIToken: "read-only", Timeout: 2 * time.Second})
		},
			"status 401: Strapi refused strapi.apiToken; it must be a full-access API token"},
		{"list not JSON", func(fs *fakeStrapi, _ *Options) { fs.set("/api/users-permissions/roles", "<html>") },
			"the answer is not a JSON object"},
		{"no roles key", func(fs *fakeStrapi, _ *Options) { fs.set("/api/users-permissions/roles", `{"data":[]}`) },
			`no "roles" list`},
		{"role vanished", func(fs *fakeStrapi, _ *Options) { fs.set("/api/users-permissions/roles/2", "") },
			"GET /api/users-permissions/roles/2: the answer is not a JSON object"},
		{"role without name", func(fs *fakeStrapi, _ *Options) {
			fs.set("/api/users-permissions/roles/1", `{"role":{"id":1,"permissions":{}}}`)
		}, `"name" is missing or empty`},
		{"unreachable", func(fs *fakeStrapi, _ *Options) { fs.srv.Close() }, "connect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFakeStrapi(t, "v4")
			s, ap, _ := newSyncer(t, fs, func(o *Options) { tt.edit(fs, o) })
			_, err := s.Sync(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), apiToken) {
				t.Fatal("token in the error")
			}
			if _, n := ap.last(); n != 0 {
				t.Fatal("applied a table")
			}
		})
	}
}

func TestSyncRoleNames(t *testing.T) {
	fs := newFakeStrapi(t, "v4")
	// A third role, and the Public role renamed in Strapi: it is still the
	// room of anonymous sockets, publicRoleName.
	fs.set("/api/users-permissions/roles", `{"roles":[{"id":1,"name":"Authenticated","type":"authenticated"},`+
		`{"id":2,"name":"Visitors","type":"public"},{"id":"3","name":"Editor","type":"editor"},{"id":4,"name":"Editor","type":"editor2"}]}`)
	fs.set("/api/users-permissions/roles/3", `{"role":{"id":3,"name":"Editor","type":"editor","permissions":{`+
		`"api::article":{"controllers":{"article":{"update":{"enabled":true},"find":{"enabled":false}}}},`+
		`"api::bad":{"controllers":{"a.b":{"x":{"enabled":true}},"c":{"*":{"enabled":true}}}},`+
		`"nonamespace":{"controllers":{"c":{"x":{"enabled":true}}}}}}}`)
	fs.set("/api/users-permissions/roles/4", `{"role":{"id":4,"name":"Editor","type":"editor2","permissions":{`+
		`"api::article":{"controllers":{"article":{"delete":{"enabled":true},"update":{"enabled":true}}}}}}}`)
	s, ap, _ := newSyncer(t, fs, func(o *Options) { o.PublicRole = "Guest"; o.Mode = access.ModeRead })
	res, err := s.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := ap.last()
	if rules.Mode() != access.ModeRead {
		t.Error("mode not applied")
	}
	if got := rules.Recipients(ev("api::message.message.find")); !slices.Equal(got, []string{"Authenticated", "Guest"}) {
		t.Errorf("public role not renamed: %q", got)
	}
	if res.Roles["Editor"] != 2 || !rules.Has("Editor", "api::article.article.delete") || !rules.Has("Editor", "api::article.article.update") {
		t.Errorf("roles of one name not merged: %v", res.Roles)
	}
	if res.Version != 4 {
		t.Errorf("version %d", res.Version)
	}
}

func TestSyncConfiguredVersion(t *testing.T) {
	fs := newFakeStrapi(t, "v5")
	s, _, _ := newSyncer(t, fs, func(o *Options) { o.Version = 4 })
	if s.Version() != 4 {
		t.Fatal("configured version not reported before a sync")
	}
	if res, err := s.Sync(context.Background()); err != nil || res.Version != 4 {
		t.Fatalf("%+v %v: the configured version must win", res, err)
	}
}

// TestRunSyncsOnInterval: Run syncs every syncInterval and stops with ctx.
func TestRunSyncsOnInterval(t *testing.T) {
	fs := newFakeStrapi(t, "v4")
	s, ap, _ := newSyncer(t, fs, func(o *Options) { o.SyncInterval = 20 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	fs.setPermission("/api/users-permissions/roles/2", "api::message", "message", "delete", true)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if r, _ := ap.last(); r != nil && r.Has("Public", "api::message.message.delete") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the change never arrived")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not stop")
	}
}

// TestSyncSerialised: concurrent syncs never overlap, so the last one to return
// read Strapi after every change made before it was called.
func TestSyncSerialised(t *testing.T) {
	fs := newFakeStrapi(t, "v4")
	var inside, overlap atomic.Int32
	inner := fs.srv.Config.Handler
	fs.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/users-permissions/roles" {
			if inside.Add(1) > 1 {
				overlap.Add(1)
			}
			time.Sleep(time.Millisecond)
			defer inside.Add(-1)
		}
		inner.ServeHTTP(w, r)
	})
	s, _, _ := newSyncer(t, fs)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Sync(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if overlap.Load() != 0 {
		t.Fatal("syncs overlapped")
	}
}

func TestDecodeRoleIDs(t *testing.T) {
	for in, want := range map[string]string{`1`: "1", `"7"`: "7", `12345678901`: "12345678901"} {
		refs, err := decodeRoleList([]byte(fmt.Sprintf(`{"roles":[{"id":%s,"name":"A"}]}`, in)))
		if err != nil || refs[0].ID != want {
			t.Errorf("id %s: %+v %v", in, refs, err)
		}
	}
	for _, bad := range []string{`1.5`, `null`, `""`, `{}`, `true`} {
		if _, err := decodeRoleList([]byte(fmt.Sprintf(`{"roles":[{"id":%s,"name":"A"}]}`, bad))); err == nil {
			t.Errorf("id %s accepted", bad)
		}
	}
}
