package hub_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// strapiDouble answers the routes the hub reads with its API token like Strapi
// v4: the role list, each role's permissions, and users by id.
type strapiDouble struct {
	mu      sync.Mutex
	perms   map[string][]string // role name -> "api::message.message.find", ...
	blocked bool                // user 1
	deleted bool                // user 1, through DELETE /api/users/1 (no webhook)
}

func (d *strapiDouble) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer strapi-token" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	roles := []map[string]any{
		{"id": 1, "name": "Authenticated", "type": "authenticated"},
		{"id": 2, "name": "Public", "type": "public"},
	}
	switch r.URL.Path {
	case "/api/users-permissions/roles":
		_ = json.NewEncoder(w).Encode(map[string]any{"roles": roles})
	case "/api/users-permissions/roles/1", "/api/users-permissions/roles/2":
		role := roles[0]
		if strings.HasSuffix(r.URL.Path, "2") {
			role = roles[1]
		}
		tree := map[string]any{}
		for _, p := range d.perms[role["name"].(string)] {
			parts := strings.Split(p, ".")
			typ := tree[parts[0]]
			if typ == nil {
				typ = map[string]any{"controllers": map[string]any{parts[1]: map[string]any{}}}
				tree[parts[0]] = typ
			}
			typ.(map[string]any)["controllers"].(map[string]any)[parts[1]].(map[string]any)[parts[2]] = map[string]any{"enabled": true}
		}
		role["permissions"] = tree
		_ = json.NewEncoder(w).Encode(map[string]any{"role": role})
	case "/api/users": // the re-check of connected users
		users := []map[string]any{}
		if !d.deleted && r.URL.Query().Get("filters[id][$in][0]") == "1" {
			users = append(users, map[string]any{"id": 1, "blocked": d.blocked, "confirmed": true})
		}
		_ = json.NewEncoder(w).Encode(users)
	case "/api/users/1":
		if d.deleted {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": 1, "username": "ann", "blocked": d.blocked,
			"role": map[string]any{"id": 1, "name": "Authenticated", "type": "authenticated"}})
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// TestStrapiWiring runs a hub whose roles and users come from a Strapi double:
// the roles synced before the hub serves decide who receives, a permission
// change reaches the hub with POST /hub/strapi/sync, and a user blocked in
// Strapi loses the open socket and cannot connect again.
func TestStrapiWiring(t *testing.T) {
	d := &strapiDouble{perms: map[string][]string{
		"Public":        {"api::message.message.find"},
		"Authenticated": {"api::message.message.create", "api::message.message.find"},
	}}
	h := startStrapiHub(t, d)

	anon, err := dial(t, h.url, "")
	if err != nil {
		t.Fatal(err)
	}
	user, err := dial(t, h.url, h.token(t, "", "1"))
	if err != nil {
		t.Fatal(err)
	}
	// Strapi's Public role may find, not create: hub.toml's [roles] no longer counts.
	emit := func(action string) {
		t.Helper()
		if code := h.post(t, "/hub/emit", map[string]any{"event": "api::message.message." + action, "data": map[string]any{"id": 1}}); code != 202 {
			t.Fatalf("emit: %d", code)
		}
	}
	emit("create")
	emit("find")
	user.waitFor(t, "message:find")
	anon.waitFor(t, "message:find")
	if got := strings.Join(anon.seen(), ","); got != "message:find" {
		t.Fatalf("anonymous got %s", got)
	}

	d.mu.Lock()
	d.perms["Public"] = append(d.perms["Public"], "api::message.message.create")
	d.mu.Unlock()
	res, body := h.postBody(t, "/hub/strapi/sync")
	if res != 200 || !strings.Contains(body, `"Public":2`) || !strings.Contains(body, `"version":4`) {
		t.Fatalf("sync: %d %s", res, body)
	}
	emit("create")
	anon.waitFor(t, "message:create")

	// Blocked in Strapi: Strapi's webhook makes the hub drop the open socket,
	// and the next handshake reads the user again.
	d.mu.Lock()
	d.blocked = true
	d.mu.Unlock()
	code := h.post(t, "/hub/webhooks/strapi", map[string]any{"event": "entry.update", "model": "user",
		"uid": "plugin::users-permissions.user", "entry": map[string]any{"id": 1, "username": "ann", "blocked": true}})
	if code != 202 {
		t.Fatalf("webhook: %d", code)
	}
	select {
	case <-user.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the blocked user's socket stayed open")
	}
	if _, err := dial(t, h.url, h.token(t, "", "1")); err == nil || !strings.Contains(err.Error(), "Invalid credentials") {
		t.Fatalf("blocked user connected again: %v", err)
	}
	select {
	case <-anon.closed:
		t.Fatal("another socket was dropped")
	default:
	}
}

func (h *testHub) postBody(t *testing.T, path string) (int, string) {
	req, _ := http.NewRequest(http.MethodPost, h.url+path, nil)
	req.Header.Set("Authorization", "Bearer t0ken")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// startStrapiHub runs a hub whose [strapi] is the double d.
func startStrapiHub(t *testing.T, d *strapiDouble) *testHub {
	t.Helper()
	strapiSrv := httptest.NewServer(d)
	t.Cleanup(strapiSrv.Close)
	return startHubConfig(t, `
listen = "127.0.0.1:0"
[auth]
jwtSecret = "go-client-test-secret-0123456789abcdef"
[api]
tokens = ["t0ken"]
[strapi]
url = "`+strapiSrv.URL+`"
apiToken = "strapi-token"
[roles.Public]
permissions = ["api::message.message.create"]
`)
}

// TestStrapiUserDeletedWithoutWebhook: a user deleted through DELETE
// /api/users/:id (Strapi sends no webhook) loses the open socket at the next
// sync, which re-checks connected users.
func TestStrapiUserDeletedWithoutWebhook(t *testing.T) {
	d := &strapiDouble{perms: map[string][]string{"Authenticated": {"api::message.message.find"}}}
	h := startStrapiHub(t, d)
	user, err := dial(t, h.url, h.token(t, "", "1"))
	if err != nil {
		t.Fatal(err)
	}
	anon, err := dial(t, h.url, "")
	if err != nil {
		t.Fatal(err)
	}
	if res, body := h.postBody(t, "/hub/strapi/sync"); res != 200 {
		t.Fatalf("sync: %d %s", res, body)
	}
	select {
	case <-user.closed:
		t.Fatal("an existing user was disconnected")
	default:
	}
	d.mu.Lock()
	d.deleted = true
	d.mu.Unlock()
	if res, body := h.postBody(t, "/hub/strapi/sync"); res != 200 {
		t.Fatalf("sync: %d %s", res, body)
	}
	select {
	case <-user.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the deleted user's socket stayed open")
	}
	select {
	case <-anon.closed:
		t.Fatal("another socket was dropped")
	default:
	}
}
