package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/clienterr"
)

// replay posts every sample of a recording to one hub, as Strapi delivered them,
// and returns the socket event each produced ("" when ignored).
func replay(t *testing.T, f *fixture, samples []sample) []string {
	t.Helper()
	var out []string
	for i, s := range samples {
		w := f.do(http.MethodPost, "/hub/webhooks/strapi", string(s.Body))
		if w.Code != 202 {
			t.Fatalf("sample %d: status %d %s", i+1, w.Code, w.Body)
		}
		var ans struct {
			Event   string `json:"event"`
			Ignored string `json:"ignored"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &ans); err != nil {
			t.Fatal(err)
		}
		out = append(out, ans.Event)
	}
	return out
}

// TestWebhookRecordingsOnOneHub replays each recording into one hub: Strapi v5's
// second entry.delete of a document (one per version) is collapsed, everything
// else reaches clients once, in order.
func TestWebhookRecordingsOnOneHub(t *testing.T) {
	for file, events := range sampleEvents {
		t.Run(file, func(t *testing.T) {
			f := newFixture(t, func(o *Options) {
				o.ContentTypes = map[string][]string{"message": {"*"}, "users-permissions": {"*"}}
			})
			want := slices.Clone(events)
			if file == "webhooks-v5.jsonl" {
				want[12] = "" // the published version's delete, after the draft's
			}
			got := replay(t, f, readSamples(t, file))
			if !slices.Equal(got, want) {
				t.Errorf("events:\n got  %q\n want %q", got, want)
			}
			if file == "webhooks-v5.jsonl" && !strings.Contains(f.log.String(), "duplicate entry.delete") {
				t.Errorf("collapsed delete not logged: %s", f.log)
			}
		})
	}
}

func webhook(event, uid, entry string) string {
	return `{"event":"` + event + `","createdAt":"2026-11-25T10:00:00.000Z","model":"message","uid":"` + uid + `","entry":` + entry + `}`
}

func TestWebhookOrder(t *testing.T) {
	const uid = "api::message.message"
	v4 := func(id int, updated string, published string) string {
		return fmt.Sprintf(`{"id":%d,"text":"t","updatedAt":"2026-11-25T10:00:%s","publishedAt":%s}`, id, updated, published)
	}
	v5 := func(id int, updated, published string) string {
		return fmt.Sprintf(`{"id":%d,"documentId":"doc1","text":"t","updatedAt":"2026-11-25T10:00:%s","publishedAt":%s}`, id, updated, published)
	}
	tests := []struct {
		name   string
		bodies []string
		want   []string // socket event, or "" for held back
	}{
		{"delete before its create: the create is late", []string{
			webhook("entry.delete", uid, v4(1, "01.000Z", "null")),
			webhook("entry.create", uid, v4(1, "01.000Z", "null")),
		}, []string{"message:delete", ""}},
		{"updates swapped: the older one is stale", []string{
			webhook("entry.update", uid, v4(1, "02.000Z", "null")),
			webhook("entry.update", uid, v4(1, "01.000Z", "null")),
		}, []string{"message:update", ""}},
		{"update before the create: both go", []string{
			webhook("entry.update", uid, v4(1, "02.000Z", "null")),
			webhook("entry.create", uid, v4(1, "01.000Z", "null")),
		}, []string{"message:update", "message:create"}},
		{"v4 REST publish then unpublish: both go", []string{
			webhook("entry.update", uid, v4(1, "02.000Z", `"2026-11-25T10:00:02.000Z"`)),
			webhook("entry.update", uid, v4(1, "03.000Z", "null")),
		}, []string{"message:update", "message:update"}},
		{"v4 admin publish: update and publish of one change", []string{
			webhook("entry.update", uid, v4(1, "02.000Z", `"2026-11-25T10:00:02.000Z"`)),
			webhook("entry.publish", "", v4(1, "02.000Z", `"2026-11-25T10:00:02.000Z"`)),
		}, []string{"message:update", "message:publish"}},
		{"same event twice", []string{
			webhook("entry.update", uid, v4(1, "02.000Z", "null")),
			webhook("entry.update", uid, v4(1, "02.000Z", "null")),
		}, []string{"message:update", ""}},
		{"two quick updates with one timestamp: both go", []string{
			webhook("entry.update", uid, `{"id":1,"text":"a","updatedAt":"2026-11-25T10:00:02.000Z"}`),
			webhook("entry.update", uid, `{"id":1,"text":"b","updatedAt":"2026-11-25T10:00:02.000Z","publishedAt":"x"}`),
		}, []string{"message:update", "message:update"}},
		{"v5 delete of both versions, any order", []string{
			webhook("entry.delete", uid, v5(4, "01.000Z", `"2026-11-25T10:00:01.000Z"`)),
			webhook("entry.delete", uid, v5(5, "03.000Z", "null")),
		}, []string{"message:delete", ""}},
		{"v5 unpublish after a newer draft save: versions are ordered apart", []string{
			webhook("entry.publish", uid, v5(2, "01.000Z", `"2026-11-25T10:00:01.000Z"`)),
			webhook("entry.update", uid, v5(1, "05.000Z", "null")),
			webhook("entry.unpublish", uid, v5(2, "01.000Z", `"2026-11-25T10:00:01.000Z"`)),
		}, []string{"message:publish", "message:update", "message:unpublish"}},
		{"v5 create and publish of one REST create", []string{
			webhook("entry.publish", uid, v5(2, "01.000Z", `"2026-11-25T10:00:01.000Z"`)),
			webhook("entry.create", uid, v5(1, "01.000Z", "null")),
		}, []string{"message:publish", "message:create"}},
		{"locales are documents of their own", []string{
			webhook("entry.delete", uid, `{"id":1,"documentId":"d","locale":"en"}`),
			webhook("entry.delete", uid, `{"id":2,"documentId":"d","locale":"fr"}`),
		}, []string{"message:delete", "message:delete"}},
		{"other types are other documents", []string{
			webhook("entry.delete", uid, `{"id":1}`),
			webhook("entry.delete", "api::chat.chat", `{"id":1}`),
		}, []string{"message:delete", "chat:delete"}},
		{"no id: never held back", []string{
			webhook("entry.delete", uid, `{"text":"x"}`),
			webhook("entry.delete", uid, `{"text":"x"}`),
		}, []string{"message:delete", "message:delete"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var got []string
			for _, b := range tt.bodies {
				w := f.do(http.MethodPost, "/hub/webhooks/strapi", b)
				var ans struct{ Event, Ignored string }
				if err := json.Unmarshal(w.Body.Bytes(), &ans); err != nil || w.Code != 202 {
					t.Fatalf("%d %s", w.Code, w.Body)
				}
				got = append(got, ans.Event)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDocTrackerForgets: nothing is held back after orderWindow, and memory stays
// bounded under a flood.
func TestDocTrackerForgets(t *testing.T) {
	var tr docTracker
	ev, _ := access.ParseEvent("api::message.message.delete")
	req := &webhookRequest{Event: "entry.delete", Entry: map[string]any{"id": json.Number("1")}}
	t0 := time.Unix(1_800_000_000, 0)
	if r := tr.admit(req, ev, t0); r != "" {
		t.Fatal(r)
	}
	if r := tr.admit(req, ev, t0.Add(orderWindow-time.Millisecond)); r == "" {
		t.Fatal("duplicate within the window forwarded")
	}
	if r := tr.admit(req, ev, t0.Add(orderWindow)); r != "" {
		t.Fatalf("held back after the window: %s", r)
	}
	for i := range maxTracked + 100 {
		r := &webhookRequest{Event: "entry.delete", Entry: map[string]any{"id": json.Number(fmt.Sprint(i + 10))}}
		tr.admit(r, ev, t0.Add(orderWindow))
	}
	if n := len(tr.queue) - tr.head; n > maxTracked+1 {
		t.Fatalf("%d memories kept", n)
	}
	if len(tr.gone) > maxTracked+1 {
		t.Fatalf("%d tombstones kept", len(tr.gone))
	}
}

func TestWebhookPayloadShapes(t *testing.T) {
	const v4Entry = `{"id":1,"text":"hi","password":"p"}`
	const v5Entry = `{"id":1,"documentId":"d","text":"hi"}`
	rest := func(doc bool) string {
		if doc {
			return `{"data":{"id":1,"attributes":{"documentId":"d","text":"hi"}},"meta":{}}`
		}
		return `{"data":{"id":1,"attributes":{"password":"p","text":"hi"}},"meta":{}}`
	}
	tests := []struct {
		name    string
		payload string
		version int
		entry   string
		want    string
	}{
		{"default, v4 entry", "", 0, v4Entry, rest(false)},
		{"default, v5 entry", "", 0, v5Entry, `{"data":{"id":1,"documentId":"d","text":"hi"},"meta":{}}`},
		{"version 4: rest even with a documentId", "", 4, v5Entry, rest(true)},
		{"version 5: flat", "", 5, v4Entry, `{"data":{"id":1,"text":"hi","password":"p"},"meta":{}}`},
		{"rest on v5", "rest", 5, v5Entry, rest(true)},
		{"flat on v4", "flat", 4, v4Entry, `{"data":{"id":1,"text":"hi","password":"p"},"meta":{}}`},
		{"entry", "entry", 5, v5Entry, v5Entry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.api.SetStrapi(StrapiOptions{Payload: tt.payload, Version: func() int { return tt.version }})
			w := f.do(http.MethodPost, "/hub/webhooks/strapi", webhook("entry.create", "api::message.message", tt.entry))
			wantJSON(t, w, 202, `{"event":"message:create","rooms":[]}`)
			content, _ := f.em.calls()
			// The emitter removes private fields; the API hands it the shape.
			if len(content) != 1 || normValue(t, content[0].Data) != normJSON(t, tt.want) {
				t.Fatalf("payload %+v, want %s", content, tt.want)
			}
		})
	}
}

// TestV4PublishLearnsUID: a v4 publish (no uid) gets the uid an earlier webhook of
// the same model carried, rather than the api::<model>.<model> guess.
func TestV4PublishLearnsUID(t *testing.T) {
	f := newFixture(t)
	body := `{"event":"entry.publish","model":"article","entry":{"id":7,"publishedAt":"2026-11-25T10:00:00.000Z"}}`
	wantJSON(t, f.do(http.MethodPost, "/hub/webhooks/strapi", body), 202, `{"event":"article:publish","rooms":[]}`)
	f.do(http.MethodPost, "/hub/webhooks/strapi", `{"event":"entry.create","model":"article","uid":"api::blog.article","entry":{"id":8}}`)
	body = `{"event":"entry.publish","model":"article","entry":{"id":8,"publishedAt":"2026-11-25T10:00:00.000Z"}}`
	wantJSON(t, f.do(http.MethodPost, "/hub/webhooks/strapi", body), 202, `{"event":"blog:publish","rooms":[]}`)
	// Garbage never becomes a learnt uid.
	var m modelUIDs
	m.learn("x", "not a uid")
	if m.uid("x") != "" {
		t.Fatal("learnt an invalid uid")
	}
}

type userCall struct {
	id               string
	blocked, deleted bool
}

func TestWebhookUserChanged(t *testing.T) {
	const userUID = "plugin::users-permissions.user"
	tests := []struct {
		name string
		body string
		want []userCall
	}{
		{"blocked", webhook("entry.update", userUID, `{"id":3,"username":"ann","blocked":true}`), []userCall{{"3", true, false}}},
		{"unblocked", webhook("entry.update", userUID, `{"id":3,"blocked":false}`), []userCall{{"3", false, false}}},
		{"deleted", webhook("entry.delete", userUID, `{"id":"7"}`), []userCall{{"7", true, true}}},
		{"created: nothing to forget", webhook("entry.create", userUID, `{"id":3}`), nil},
		{"v4 without uid", `{"event":"entry.update","model":"user","uid":"plugin::users-permissions.user","entry":{"id":4,"blocked":true}}`, []userCall{{"4", true, false}}},
		{"no id", webhook("entry.update", userUID, `{"blocked":true}`), nil},
		{"another type", webhook("entry.update", "api::user.user", `{"id":3,"blocked":true}`), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// contentTypes "*" does not forward plugin types: the hub still
			// learns about the user.
			f := newFixture(t)
			var mu sync.Mutex
			var got []userCall
			f.api.SetStrapi(StrapiOptions{UserChanged: func(id string, blocked, deleted bool) {
				mu.Lock()
				got = append(got, userCall{id, blocked, deleted})
				mu.Unlock()
			}})
			if w := f.do(http.MethodPost, "/hub/webhooks/strapi", tt.body); w.Code != 202 {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("calls %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestStrapiSyncEndpoint(t *testing.T) {
	t.Run("roles from hub.toml", func(t *testing.T) {
		f := newFixture(t)
		wantError(t, f.do(http.MethodPost, "/hub/strapi/sync", ""), 409, clienterr.StrapiSyncDisabled,
			"roles come from hub.toml: set [strapi] url and apiToken to read them from Strapi")
	})
	t.Run("needs the token", func(t *testing.T) {
		f := newFixture(t)
		called := false
		f.api.SetStrapi(StrapiOptions{Sync: func(context.Context) (any, error) { called = true; return nil, nil }})
		wantError(t, f.do(http.MethodPost, "/hub/strapi/sync", "", "Authorization:"), 401, clienterr.Unauthorized,
			`missing Authorization header; expected "Authorization: Bearer <token>"`)
		wantError(t, f.do(http.MethodGet, "/hub/strapi/sync", ""), 405, clienterr.MethodNotAllowed,
			"method GET is not allowed on /hub/strapi/sync; use POST")
		if called {
			t.Fatal("synced without authorization")
		}
	})
	t.Run("synced", func(t *testing.T) {
		f := newFixture(t)
		f.api.SetStrapi(StrapiOptions{Sync: func(ctx context.Context) (any, error) {
			if _, ok := ctx.Deadline(); !ok {
				t.Error("sync without a deadline")
			}
			return map[string]any{"version": 5, "roles": map[string]int{"Public": 2}}, nil
		}})
		wantJSON(t, f.do(http.MethodPost, "/hub/strapi/sync", ""), 200, `{"version":5,"roles":{"Public":2}}`)
	})
	t.Run("strapi down", func(t *testing.T) {
		f := newFixture(t)
		f.api.SetStrapi(StrapiOptions{Sync: func(context.Context) (any, error) { return nil, errors.New("connection refused") }})
		wantError(t, f.do(http.MethodPost, "/hub/strapi/sync", ""), 502, clienterr.StrapiUnavailable,
			"could not read roles from Strapi, the last roles table stays in force: connection refused")
	})
}
