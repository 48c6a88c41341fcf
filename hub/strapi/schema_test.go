package strapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/iohub/iohub/hub/sanitize"
	"github.com/iohub/iohub/hub/strapi/client"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The recorded answers of the e2e projects (message: text, private secret,
// author to users, category to api::category.category) decode into a table
// whose views behave as Strapi's REST API does for the e2e roles.
func TestRecordedSchemas(t *testing.T) {
	has := func(perms ...string) func(string, string) bool {
		return func(_ string, p string) bool { return slices.Contains(perms, p) }
	}
	public := has("api::message.message.find")
	authenticated := has("api::message.message.find", "api::category.category.find")
	for _, version := range []string{"v4", "v5"} {
		t.Run(version, func(t *testing.T) {
			types, err := decodeSchemas(readTestdata(t, version+"-content-types"), readTestdata(t, version+"-components"))
			if err != nil {
				t.Fatal(err)
			}
			byUID := map[string]sanitize.Type{}
			for _, ty := range types {
				byUID[ty.UID] = ty
			}
			msg := byUID["api::message.message"].Attrs
			if !msg["secret"].Private || msg["author"].Target != "plugin::users-permissions.user" ||
				msg["category"].Target != "api::category.category" || msg["text"].Kind != "string" {
				t.Fatalf("message attributes %+v", msg)
			}
			user := byUID["plugin::users-permissions.user"].Attrs
			if user["password"].Kind != sanitize.KindPassword || !user["resetPasswordToken"].Private || user["email"].Private {
				t.Fatalf("user attributes %+v", user)
			}
			if _, ok := byUID["admin::user"]; !ok {
				t.Fatal("admin::user missing: creator fields could not be walked")
			}
			table := sanitize.NewSchemas(types)
			// What v5 sends with entry.create when the message has an author
			// and a category (relations filled in by the webhook).
			entry := `{"id":1,"documentId":"m","text":"hi","secret":"s",
				"author":{"id":7,"documentId":"u","username":"ann","email":"a@x","provider":"local","confirmed":true,"blocked":false},
				"category":{"id":2,"documentId":"c","name":"news","code":"k"}}`
			for _, tt := range []struct {
				role string
				has  func(string, string) bool
				want string
			}{
				{"Public", public, `{"data":{"documentId":"m","id":1,"text":"hi"},"meta":{}}`},
				// Users may not be found by Authenticated in the e2e projects either.
				{"Authenticated", authenticated, `{"data":{"category":{"documentId":"c","id":2,"name":"news"},"documentId":"m","id":1,"text":"hi"},"meta":{}}`},
			} {
				var data any
				_ = json.Unmarshal([]byte(`{"data":`+entry+`,"meta":{}}`), &data)
				ds := sanitize.Plan(table, "api::message.message", data, []string{tt.role}, tt.has)
				got, _ := json.Marshal(ds[0].Data)
				if string(got) != tt.want {
					t.Errorf("%s: got %s, want %s", tt.role, got, tt.want)
				}
			}
		})
	}
}

type schemaSink struct {
	mu     sync.Mutex
	tables []*sanitize.Schemas
}

func (s *schemaSink) apply(t *sanitize.Schemas) {
	s.mu.Lock()
	s.tables = append(s.tables, t)
	s.mu.Unlock()
}

func (s *schemaSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tables)
}

func TestSyncSchemas(t *testing.T) {
	fs := newFakeStrapi(t, "v5")
	fs.set(contentTypesPath, string(readTestdata(t, "v5-content-types")))
	fs.set(componentsPath, string(readTestdata(t, "v5-components")))
	var sink schemaSink
	logs := &logBuf{}
	s := New(Options{
		Client:       client.New(client.Options{URL: fs.srv.URL, APIToken: apiToken}),
		ApplySchemas: sink.apply,
		Logger:       slog.New(slog.NewTextHandler(logs, nil)),
	})
	ctx := context.Background()
	steps := []struct {
		name      string
		change    func()
		wantErr   bool
		wantApply int // total ApplySchemas calls after the step
	}{
		{"first sync applies", func() {}, false, 1},
		{"unchanged: not applied again", func() {}, false, 1},
		{"a type changed: applied", func() {
			var doc struct {
				Data []map[string]any `json:"data"`
			}
			_ = json.Unmarshal(readTestdata(t, "v5-content-types"), &doc)
			for _, ct := range doc.Data {
				if ct["uid"] == "api::message.message" {
					ct["schema"].(map[string]any)["attributes"].(map[string]any)["secret"] = map[string]any{"type": "string"}
				}
			}
			b, _ := json.Marshal(doc)
			fs.set(contentTypesPath, string(b))
		}, false, 2},
		{"garbage keeps the last table", func() { fs.set(componentsPath, `{"data":[{"uid":1}]}`) }, true, 2},
		{"no content-type builder: conservative, not a failure", func() {
			fs.set(componentsPath, string(readTestdata(t, "v5-components")))
			fs.mu.Lock()
			delete(fs.bodies, contentTypesPath)
			fs.mu.Unlock()
		}, false, 2},
	}
	for _, st := range steps {
		st.change()
		res, err := s.Sync(ctx)
		if (err != nil) != st.wantErr {
			t.Fatalf("%s: err = %v", st.name, err)
		}
		if got := sink.count(); got != st.wantApply {
			t.Fatalf("%s: %d tables applied, want %d", st.name, got, st.wantApply)
		}
		if !st.wantErr && res.Types == 0 {
			t.Fatalf("%s: result says no types", st.name)
		}
	}
	if !strings.Contains(logs.String(), "answered 404") {
		t.Errorf("the missing API was not logged:\n%s", logs.String())
	}
}
