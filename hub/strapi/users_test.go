package strapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/iohub/iohub/hub/strapi/client"
)

func TestDecodeUserBatch(t *testing.T) {
	tests := []struct {
		name, body string
		want       map[string]userState
		wantErr    bool
	}{
		{"v4 recorded", string(readTestdata(t, "v4-users-batch")), map[string]userState{"1": {false, true}, "2": {false, true}}, false},
		{"v5 recorded", string(readTestdata(t, "v5-users-batch")), map[string]userState{"1": {false, true}, "2": {false, true}}, false},
		{"blocked, unconfirmed", `[{"id":3,"blocked":true,"confirmed":false}]`, map[string]userState{"3": {true, false}}, false},
		{"empty", `[]`, map[string]userState{}, false},
		{"error object", `{"data":null,"error":{"status":400}}`, nil, true},
		{"null", `null`, nil, true},
		{"no blocked", `[{"id":1}]`, nil, true},
		{"string blocked", `[{"id":1,"blocked":"no"}]`, nil, true},
		{"bad id", `[{"id":1.5,"blocked":false}]`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeUserBatch([]byte(tt.body))
			if (err != nil) != tt.wantErr || (!tt.wantErr && !reflect.DeepEqual(got, tt.want)) {
				t.Fatalf("= %v, %v; want %v (err %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// usersStrapi answers GET /api/users like Strapi: the users among the
// filters[id][$in] ids, with their blocked and confirmed fields.
type usersStrapi struct {
	mu       sync.Mutex
	users    map[string]string // id -> JSON object
	queries  []string
	failWith int
}

func (u *usersStrapi) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if r.URL.Path != "/api/users" || r.Header.Get("Authorization") != "Bearer "+apiToken {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if u.failWith != 0 {
		w.WriteHeader(u.failWith)
		return
	}
	q := r.URL.Query()
	u.queries = append(u.queries, q.Get("limit")+"/"+q.Get("fields[0]")+","+q.Get("fields[1]"))
	var out []string
	for i := 0; ; i++ {
		id := q.Get("filters[id][$in][" + strconv.Itoa(i) + "]")
		if id == "" {
			break
		}
		if obj, ok := u.users[id]; ok {
			out = append(out, obj)
		}
	}
	_, _ = w.Write([]byte("[" + strings.Join(out, ",") + "]"))
}

func TestRecheckUsers(t *testing.T) {
	us := &usersStrapi{users: map[string]string{
		"1": `{"id":1,"blocked":false,"confirmed":true}`,
		"2": `{"id":2,"blocked":true,"confirmed":true}`,
		"4": `{"id":4,"blocked":false,"confirmed":false}`,
	}}
	srv := httptest.NewServer(us)
	defer srv.Close()
	many := make([]string, 0, 250)
	for i := 1; i <= 250; i++ {
		many = append(many, strconv.Itoa(i))
	}
	manyGone := append([]string{"2", "3"}, many[4:]...)
	tests := []struct {
		name             string
		ids              []string
		requireConfirmed bool
		failWith         int
		wantGone         []string
		wantRequests     int
		wantErr          bool
	}{
		{"deleted and blocked are gone", []string{"1", "2", "3", "4"}, false, 0, []string{"2", "3"}, 1, false},
		{"unconfirmed too when required", []string{"1", "4"}, true, 0, []string{"4"}, 1, false},
		{"ids from other issuers skipped", []string{"auth0|x", "1", "-1", ""}, false, 0, nil, 1, false},
		{"nobody connected: no request", nil, false, 0, nil, 0, false},
		{"batches of 100", many, false, 0, manyGone, 3, false},
		{"an outage decides nothing", []string{"1", "3"}, false, http.StatusInternalServerError, nil, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			us.mu.Lock()
			us.queries, us.failWith = nil, tt.failWith
			us.mu.Unlock()
			var gone []string
			s := New(Options{
				Client:           client.New(client.Options{URL: srv.URL, APIToken: apiToken}),
				Users:            func() []string { return tt.ids },
				UserGone:         func(id string) { gone = append(gone, id) },
				RequireConfirmed: tt.requireConfirmed,
			})
			err := s.recheckUsers(context.Background())
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !reflect.DeepEqual(gone, tt.wantGone) {
				t.Fatalf("gone = %v, want %v", gone, tt.wantGone)
			}
			us.mu.Lock()
			defer us.mu.Unlock()
			if len(us.queries) != tt.wantRequests {
				t.Fatalf("%d requests, want %d", len(us.queries), tt.wantRequests)
			}
			for _, q := range us.queries {
				if q != "100/blocked,confirmed" {
					t.Fatalf("query %q", q)
				}
			}
		})
	}
}
