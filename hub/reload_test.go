package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/iohub/iohub/hub"
	"github.com/iohub/iohub/hub/auth"
	"github.com/iohub/iohub/hub/clienterr"
	"github.com/iohub/iohub/hub/config"
)

// reloadHub is a real hub started from a config file, reloaded by rewriting
// the file and calling ReloadConfig (what SIGHUP and POST /hub/reload run).
type reloadHub struct {
	*testHub
	srv    *hub.Server
	path   string
	dir    string // the config file's directory; plugins/ is in it
	logs   *syncBuffer
	level  *slog.LevelVar
	apiTok string // the bearer token post uses
}

const secretA = "reload-test-secret-A-0123456789abcdef"
const secretB = "reload-test-secret-B-0123456789abcdef"

// conf is a config file: top-level keys, then tables. Every test config has
// the API token t0ken unless tables set [api] itself.
func conf(top, tables string) string {
	if !strings.Contains(tables, "[api]") {
		tables += "\n[api]\ntokens = [\"t0ken\"]\n"
	}
	return "listen = \"127.0.0.1:0\"\n" + top + "\n[auth]\njwtSecret = \"" + secretA + "\"\n" + tables
}

func startReloadHub(t *testing.T, src string, files map[string]string) *reloadHub {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := &reloadHub{path: filepath.Join(dir, "hub.toml"), dir: dir, logs: &syncBuffer{}, level: new(slog.LevelVar), apiTok: "t0ken"}
	h.write(t, src)
	cfg, err := config.Load(h.path)
	if err != nil {
		t.Fatal(err)
	}
	lv, err := hub.ParseLevel(cfg.LogLevel)
	if err != nil {
		t.Fatal(err)
	}
	h.level.Set(lv)
	logger, err := hub.NewLevelLogger(h.level, "text", h.logs)
	if err != nil {
		t.Fatal(err)
	}
	if h.srv, err = hub.NewFromConfig(cfg, logger); err != nil {
		t.Fatal(err)
	}
	h.srv.SetConfigFile(h.path)
	h.srv.SetLogLevel(h.level)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.testHub = &testHub{url: "http://" + ln.Addr().String(), cfg: cfg, cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- h.srv.Serve(ctx, ln) }()
	t.Cleanup(func() { h.stop(t) })
	return h
}

func (h *reloadHub) write(t *testing.T, src string) {
	t.Helper()
	if err := os.WriteFile(h.path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// send posts body to path with the current API token; it returns the status
// and the decoded answer.
func (h *reloadHub) send(t *testing.T, path string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, h.url+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+h.apiTok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

// received reports whether c gets event when emit runs: a raw marker sent
// after it arrives after it on the same socket, so its absence is seen
// without waiting for a timeout.
func (h *reloadHub) received(t *testing.T, c *goClient, event string, emit func()) bool {
	t.Helper()
	n := len(c.seen())
	emit()
	mark := fmt.Sprintf("mark-%d", time.Now().UnixNano())
	if code, body := h.send(t, "/hub/raw", map[string]any{"event": mark}); code != 202 {
		t.Fatalf("raw %s: %d %v", mark, code, body)
	}
	c.waitFor(t, mark)
	return slices.Contains(c.seen()[n:], event)
}

func (h *reloadHub) emit(t *testing.T, event string, data any) func() {
	return func() {
		if code, body := h.send(t, "/hub/emit", map[string]any{"event": event, "data": data}); code != 202 {
			t.Fatalf("emit %s: %d %v", event, code, body)
		}
	}
}

// connect dials until a socket both connects and hears a raw event (the Go
// client sometimes connects and then receives nothing; see dial).
func (h *reloadHub) connect(t *testing.T, token string) *goClient {
	t.Helper()
	for attempt := 1; ; attempt++ {
		c, err := dial(t, h.url, token)
		if err != nil {
			t.Fatal(err)
		}
		mark := fmt.Sprintf("hello-%d", time.Now().UnixNano())
		if code, _ := h.send(t, "/hub/raw", map[string]any{"event": mark}); code != 202 {
			t.Fatalf("raw: %d", code)
		}
		if c.heard(t, mark) {
			return c
		}
		if attempt == 3 {
			t.Fatal("no socket heard a raw event in 3 attempts")
		}
		c.Close()
	}
}

// stillConnected fails unless c was never disconnected and still hears the
// hub.
func (h *reloadHub) stillConnected(t *testing.T, c *goClient) {
	t.Helper()
	select {
	case <-c.closed:
		t.Fatal("the socket connected before the reload was disconnected")
	default:
	}
	h.received(t, c, "", func() {})
}

func mint(t *testing.T, secret, role, sub string) string {
	t.Helper()
	a, err := auth.New(auth.Options{JWTSecret: secret, Algorithms: []string{"HS256"}, RoleClaim: "role", AuthenticatedRole: "Authenticated"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Mint(role, sub, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// payloads records the first argument of each event name c receives.
func payloads(c *goClient, event string) func() []any {
	var mu sync.Mutex
	var got []any
	_ = c.On(types.EventName(event), func(args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(args) > 0 {
			got = append(got, args[0])
		}
	})
	return func() []any {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
}

// ack emits event with an ack and returns the reply's first value, or the
// error (a timeout when nothing answers within 3s).
func ack(c *goClient, event string) (any, error) {
	type answer struct {
		v   any
		err error
	}
	ch := make(chan answer, 1)
	c.Timeout(3 * time.Second).EmitWithAck(event)(func(args []any, err error) {
		var v any
		if len(args) > 0 {
			v = args[0]
		}
		ch <- answer{v, err}
	})
	select {
	case a := <-ch:
		return a.v, a.err
	case <-time.After(5 * time.Second): // the client's own timeout did not fire
		return nil, errors.New("no ack and no timeout in 5s")
	}
}

const greetJS = "module.exports = { name: 'greet', handler: (ctx, socket, ack) => ack(ctx.config.reply) };\n"

// Each live setting: change it in the file, reload, and see the new
// behaviour, while a socket connected before the reload stays connected.
func TestReloadLiveSettings(t *testing.T) {
	publicCreate := "[roles.Public]\npermissions = [\"api::message.message.create\"]\n"
	double := &strapiDouble{perms: map[string][]string{"Public": {"api::message.message.create"}}}
	strapiSrv := httptest.NewServer(double)
	t.Cleanup(strapiSrv.Close)

	type phase int
	const (
		before phase = iota
		after
	)
	cases := []struct {
		name          string
		before, after string
		files         map[string]string
		changed       []string
		check         func(t *testing.T, h *reloadHub, c *goClient, p phase)
	}{
		{
			name:    "api tokens",
			before:  conf("", "[api]\ntokens = [\"old-token\"]\n"),
			after:   conf("", "[api]\ntokens = [\"new-token\"]\n"),
			changed: []string{"api.tokens"},
			check: func(t *testing.T, h *reloadHub, c *goClient, p phase) {
				h.apiTok = "old-token"
				code, _ := h.send(t, "/hub/raw", map[string]any{"event": "x"})
				want := map[phase]int{before: 202, after: 401}[p]
				if code != want {
					t.Errorf("old token: %d, want %d", code, want)
				}
				h.apiTok = "new-token"
				code, _ = h.send(t, "/hub/raw", map[string]any{"event": "x"})
				if want := map[phase]int{before: 401, after: 202}[p]; code != want {
					t.Errorf("new token: %d, want %d", code, want)
				}
				if p == before {
					h.apiTok = "old-token"
				}
			},
		},
		{
			name:    "roles",
			before:  conf("", ""),
			after:   conf("", publicCreate),
			changed: []string{"roles"},
			check: func(t *testing.T, h *reloadHub, c *goClient, p phase) {
				if got := h.received(t, c, "message:create", h.emit(t, "api::message.message.create", 1)); got != (p == after) {
					t.Errorf("Public received create: %v", got)
				}
			},
		},
		{
			name:    "permissionMode",
			before:  conf("permissionMode = \"action\"", "[roles.Public]\npermissions = [\"api::message.message.find\"]\n"),
			after:   conf("permissionMode = \"read\"", "[roles.Public]\npermissions = [\"api::message.message.find\"]\n"),
			changed: []string{"permissionMode"},
			check: func(t *testing.T, h *reloadHub, c *goClient, p phase) {
				if got := h.received(t, c, "message:create", h.emit(t, "api::message.message.create", 1)); got != (p == after) {
					t.Errorf("Public (find only) received create: %v", got)
				}
			},
		},
		{
			name:    "privateFields",
			before:  conf("privateFields = [\"password\"]", publicCreate),
			after:   conf("privateFields = [\"secret\"]", publicCreate),
			changed: []string{"privateFields"},
			check: func(t *testing.T, h *reloadHub, c *goClient, p phase) {
				got := payloads(c, "message:create")
				data := map[string]any{"password": "p", "secret": "s", "text": "t"}
				if !h.received(t, c, "message:create", h.emit(t, "api::message.message.create", data)) {
					t.Fatal("no message:create")
				}
				want := map[phase]string{before: "map[secret:s text:t]", after: "map[password:p text:t]"}[p]
				if all := got(); len(all) != 1 || fmt.Sprint(all[0]) != want {
					t.Errorf("payload %v, want [%s]", all, want)
				}
			},
		},
		{
			name:    "contentTypes",
			before:  conf("", "[contentTypes]\narticle = \"*\"\n"+publicCreate),
			after:   conf("", "[contentTypes]\nmessage = \"*\"\n"+publicCreate),
			changed: []string{"contentTypes"},
			check: func(t *testing.T, h *reloadHub, c *goClient, p phase) {
				webhook := func() {
					code, body := h.send(t, "/hub/webhooks/strapi", map[string]any{"event": "entry.create", "model": "message",
						"uid": "api::message.message", "entry": map[string]any{"id": 1, "text": "hi"}})
					if code != 202 && code != 200 {
						t.Fatalf("webhook: %d %v", code, body)
					}
				}
				if got := h.received(t, c, "message:create", webhook); got != (p == after) {
					t.Errorf("webhook for message forwarded: %v", got)
				}
			},
		},
		{
			name:    "auth secret",
			before:  conf("", ""),
			after:   strings.Replace(conf("", ""), secretA, secretB, 1),
			changed: []string{"auth.jwtSecret"},
			check: func(t *testing.T, h *reloadHub, c *goClient, p phase) {
				oldTok, newTok := mint(t, secretA, "", "1"), mint(t, secretB, "", "2")
				if p == before {
					c := h.connect(t, oldTok) // stays connected through the reload
					t.Cleanup(func() { h.stillConnected(t, c) })
					if _, err := dial(t, h.url, newTok); err == nil {
						t.Error("a token of the next secret was accepted before the reload")
					}
					return
				}
				if _, err := dial(t, h.url, oldTok); err == nil || err.Error() != clienterr.ErrInvalidToken.Error() {
					t.Errorf("old secret's token after the reload: %v, want %q", err, clienterr.ErrInvalidToken)
				}
				h.connect(t, newTok)
			},
		},
		{
			name:    "limits",
			before:  conf("", ""),
			after:   conf("", "[limits]\nmaxConnections = 1\n"),
			changed: []string{"limits.maxConnections"},
			check: func(t *testing.T, h *reloadHub, c *goClient, p phase) {
				c2, err := dial(t, h.url, "")
				if p == before {
					if err != nil {
						t.Fatalf("second socket before the reload: %v", err)
					}
					c2.Close()
					return
				}
				if err == nil || err.Error() != clienterr.ErrTooManyConnections.Error() {
					t.Errorf("second socket after the reload: %v, want %q", err, clienterr.ErrTooManyConnections)
				}
			},
		},
		{
			name:    "logLevel",
			before:  conf("logLevel = \"info\"", ""),
			after:   conf("logLevel = \"debug\"", ""),
			changed: []string{"logLevel"},
			check: func(t *testing.T, h *reloadHub, c *goClient, p phase) {
				n := len(h.logs.String())
				c2 := h.connect(t, "")
				defer c2.Close()
				// The client hears CONNECT before the hub's connection
				// listener logs: wait for the listener to register it.
				waitUntil(t, func() bool { return h.srv.Realtime().HasSocket(c2.Id()) })
				logged := func() bool { return strings.Contains(h.logs.String()[n:], `level=DEBUG msg="socket connected"`) }
				if p == after {
					waitUntil(t, logged)
				} else if time.Sleep(50 * time.Millisecond); logged() {
					t.Error("debug line logged at info level")
				}
			},
		},
		{
			name:    "strapi",
			before:  conf("", ""),
			after:   conf("", "[strapi]\nurl = \""+strapiSrv.URL+"\"\napiToken = \"strapi-token\"\nversion = 4\n"),
			changed: []string{"strapi.apiToken", "strapi.url", "strapi.version"},
			check: func(t *testing.T, h *reloadHub, c *goClient, p phase) {
				if p == before {
					if h.received(t, c, "message:create", h.emit(t, "api::message.message.create", 1)) {
						t.Error("Public received create without roles")
					}
					return
				}
				// The new sync's first table arrives shortly after the reload.
				for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
					if h.received(t, c, "message:create", h.emit(t, "api::message.message.create", 1)) {
						break
					}
					if time.Now().After(deadline) {
						t.Fatal("Strapi's roles never applied")
					}
				}
			},
		},
		{
			name:    "events",
			files:   map[string]string{"plugins/greet.js": greetJS},
			before:  conf("", "[[events]]\nname = \"greet\"\nhandler = \"greet\"\nconfig = { reply = \"a\" }\n"),
			after:   conf("", "[[events]]\nname = \"greet\"\nhandler = \"greet\"\nconfig = { reply = \"b\" }\n"),
			changed: []string{"events"},
			check: func(t *testing.T, h *reloadHub, c *goClient, p phase) {
				got, err := ack(c, "greet")
				if want := map[phase]string{before: "a", after: "b"}[p]; err != nil || got != want {
					t.Errorf("greet ack: %v, %v; want %q", got, err, want)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.files != nil {
				requireQuickJS(t)
				tc.before = strings.Replace(tc.before, "\n[auth]", "\n[plugins]\njsRuntime = "+quote(quickJS(t))+"\n[auth]", 1)
				tc.after = strings.Replace(tc.after, "\n[auth]", "\n[plugins]\njsRuntime = "+quote(quickJS(t))+"\n[auth]", 1)
			}
			h := startReloadHub(t, tc.before, tc.files)
			if strings.Contains(tc.before, "old-token") {
				h.apiTok = "old-token"
			}
			c := h.connect(t, "")
			tc.check(t, h, c, before)

			h.write(t, tc.after)
			res, err := h.srv.ReloadConfig(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Changed, tc.changed) || len(res.RestartRequired) != 0 {
				t.Errorf("reload = %+v, want changed %q", res, tc.changed)
			}
			if tc.name == "api tokens" {
				h.apiTok = "new-token"
			}
			h.stillConnected(t, c)
			tc.check(t, h, c, after)
			h.stillConnected(t, c)
		})
	}
}

func quickJS(t *testing.T) string {
	p, err := filepath.Abs("../node_modules/quickjs-wasi/quickjs.wasm")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func requireQuickJS(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(quickJS(t)); err != nil {
		if os.Getenv("IOHUB_REQUIRE_ALL") != "" {
			t.Fatal("the QuickJS runtime is missing: run npm ci at the repository root")
		}
		t.Skip("the QuickJS runtime is missing: run npm ci at the repository root")
	}
}

// Settings made once are reported and keep their value.
func TestReloadRestartRequired(t *testing.T) {
	h := startReloadHub(t, conf("", ""), nil)
	c := h.connect(t, "")
	h.write(t, strings.Replace(conf("logFormat = \"json\"", "[IOServerOptions]\npath = \"/elsewhere\"\n[http]\nidleTimeout = \"5s\"\n"),
		"127.0.0.1:0", "127.0.0.1:1", 1))
	res, err := h.srv.ReloadConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"IOServerOptions.path", "http.idleTimeout", "listen", "logFormat"}
	if len(res.Changed) != 0 || !slices.Equal(res.RestartRequired, want) {
		t.Errorf("reload = %+v, want restartRequired %q", res, want)
	}
	// Socket.IO still answers at the old path, on the old listener, and the
	// log is still text.
	h.connect(t, "").Close()
	h.stillConnected(t, c)
	if !strings.Contains(h.logs.String(), `level=WARN msg="config reload: these settings keep their old value until a restart"`) {
		t.Errorf("no restart warning in text format:\n%s", h.logs)
	}
}

// An invalid file changes nothing, even the parts of it that are valid, and
// every problem is logged and answered as `hub check` prints it.
func TestReloadInvalid(t *testing.T) {
	cases := []struct {
		name     string
		src      string
		problems []string // prefixes after "<path>: "
	}{
		{"invalid values", conf("permissionMode = \"sometimes\"", "[api]\ntokens = [\"new-token\"]\n[limits]\nmaxConnections = -1\n"),
			[]string{"permissionMode: ", "limits.maxConnections: "}},
		{"syntax", "listen = \n", []string{"syntax error at line 1"}},
		{"missing handler", conf("", "[api]\ntokens = [\"new-token\"]\n[[events]]\nname = \"greet\"\nhandler = \"absent\"\n"),
			[]string{"events[0] (greet -> absent): inactive: "}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := startReloadHub(t, conf("", "[roles.Public]\npermissions = [\"api::message.message.create\"]\n"), nil)
			c := h.connect(t, "")
			h.write(t, tc.src)

			_, err := h.srv.ReloadConfig(context.Background())
			var re *hub.ReloadError
			if !errors.As(err, &re) {
				t.Fatalf("ReloadConfig = %v, want a *ReloadError", err)
			}
			checkProblems(t, h, re.Problems, tc.problems)
			code, body := h.send(t, "/hub/reload", nil)
			e, _ := body["error"].(map[string]any)
			if code != 422 || e["code"] != "invalid_config" {
				t.Fatalf("POST /hub/reload: %d %v", code, body)
			}
			var answered []string
			for _, p := range e["problems"].([]any) {
				answered = append(answered, p.(string))
			}
			if !slices.Equal(answered, re.Problems) {
				t.Errorf("answered problems %q, want %q", answered, re.Problems)
			}
			for _, p := range re.Problems {
				if !strings.Contains(h.logs.String(), "config reload refused: "+p) && !strings.Contains(h.logs.String(), fmt.Sprintf("%q", "config reload refused: "+p)) {
					t.Errorf("problem not logged: %s\n%s", p, h.logs)
				}
			}
			h.scraped(t, `iohub_config_reloads_total{outcome="refused"} 2`)
			// Old behaviour intact: the old token, the old roles, the socket.
			h.apiTok = "new-token"
			if code, _ := h.send(t, "/hub/raw", map[string]any{"event": "x"}); code != 401 {
				t.Errorf("new token: %d, want 401", code)
			}
			h.apiTok = "t0ken"
			if !h.received(t, c, "message:create", h.emit(t, "api::message.message.create", 1)) {
				t.Error("the old roles are gone")
			}
			h.stillConnected(t, c)
		})
	}
}

func checkProblems(t *testing.T, h *reloadHub, got, prefixes []string) {
	t.Helper()
	if len(got) != len(prefixes) {
		t.Fatalf("problems %q, want %d", got, len(prefixes))
	}
	for i, p := range got {
		if !strings.HasPrefix(p, h.path+": "+prefixes[i]) {
			t.Errorf("problem %d = %q, want it to start with %q", i, p, h.path+": "+prefixes[i])
		}
	}
}

// POST /hub/reload answers what changed, and what needs a restart.
func TestReloadEndpoint(t *testing.T) {
	h := startReloadHub(t, conf("", ""), nil)
	c := h.connect(t, "")
	h.write(t, strings.Replace(conf("", "[api]\ntokens = [\"t0ken\", \"second\"]\n[roles.Public]\npermissions = [\"*\"]\n"),
		"127.0.0.1:0", "127.0.0.1:2", 1))
	code, body := h.send(t, "/hub/reload", nil)
	if code != 200 || fmt.Sprint(body) != "map[changed:[api.tokens roles] restartRequired:[listen]]" {
		t.Fatalf("POST /hub/reload: %d %v", code, body)
	}
	h.apiTok = "second"
	if !h.received(t, c, "message:create", h.emit(t, "api::message.message.create", 1)) {
		t.Error("the new role permission did not apply")
	}
	// Nothing changed: nothing listed.
	if code, body := h.send(t, "/hub/reload", nil); code != 200 || fmt.Sprint(body) != "map[changed:[] restartRequired:[listen]]" {
		t.Errorf("second POST /hub/reload: %d %v", code, body)
	}
	h.scraped(t, `iohub_config_reloads_total{outcome="ok"} 2`)
}

// scraped fails unless GET /hub/metrics has line.
func (h *reloadHub) scraped(t *testing.T, line string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.url+"/hub/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+h.apiTok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if !slices.Contains(strings.Split(string(body), "\n"), line) {
		t.Errorf("no %q in the metrics", line)
	}
}

// A hub built from a Config, not a file, has nothing to re-read.
func TestReloadWithoutFile(t *testing.T) {
	h := startHub(t)
	req, _ := http.NewRequest(http.MethodPost, h.url+"/hub/reload", nil)
	req.Header.Set("Authorization", "Bearer t0ken")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusConflict {
		t.Errorf("POST /hub/reload: %d, want 409", res.StatusCode)
	}
}

// countingDouble is strapiDouble counting the requests it gets.
type countingDouble struct {
	strapiDouble
	mu sync.Mutex
	n  int
}

func (d *countingDouble) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	d.n++
	d.mu.Unlock()
	d.strapiDouble.ServeHTTP(w, r)
}

func (d *countingDouble) requests() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n
}

// A reload that moves [strapi] stops the old sync before it answers, and
// Close stops the new one: neither Strapi hears from the hub afterwards.
func TestReloadStopsOldStrapiSync(t *testing.T) {
	first, second := &countingDouble{}, &countingDouble{}
	s1, s2 := httptest.NewServer(first), httptest.NewServer(second)
	t.Cleanup(s1.Close)
	t.Cleanup(s2.Close)
	strapiConf := func(url string) string {
		return conf("", "[strapi]\nurl = \""+url+"\"\napiToken = \"strapi-token\"\nversion = 4\nsyncInterval = \"20ms\"\n")
	}
	h := startReloadHub(t, strapiConf(s1.URL), nil)
	waitUntil(t, func() bool { return first.requests() >= 6 }) // a few syncs of 3 requests

	h.write(t, strapiConf(s2.URL))
	if _, err := h.srv.ReloadConfig(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The old sync sends one request at a time: the one it had sent when it
	// stopped may reach the double a moment later, and nothing after it (a
	// sync still running would send three per 20ms).
	stopped := first.requests()
	time.Sleep(100 * time.Millisecond)
	if late := first.requests() - stopped; late > 1 {
		t.Fatalf("the old Strapi got %d requests after the reload", late)
	}
	stopped = first.requests()
	waitUntil(t, func() bool { return second.requests() >= 6 })
	if n := first.requests(); n != stopped {
		t.Errorf("the old Strapi got %d requests after the reload", n-stopped)
	}

	h.stop(t) // Serve's return: Close has waited for the sync goroutine
	closed := second.requests()
	time.Sleep(100 * time.Millisecond)                // five sync intervals
	if late := second.requests() - closed; late > 1 { // one may have been on its way
		t.Errorf("Strapi got %d requests after Close", late)
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
	}
}
