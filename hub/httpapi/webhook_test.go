package httpapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/iohub/iohub/hub/clienterr"
)

// sample is one webhook request as Strapi sent it (testdata/strapi/*.jsonl, copied
// from the recordings in shared/strapi/samples).
type sample struct {
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

func readSamples(t testing.TB, name string) []sample {
	t.Helper()
	data, err := os.ReadFile("testdata/strapi/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var out []sample
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var s sample
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("%s line %d: %v", name, len(out)+1, err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Expected socket event per sample line, in order; "" means ignored. The uid is
// api::<apiName>.<apiName> for message and plugin::users-permissions.user for users.
var sampleEvents = map[string][]string{
	"webhooks-v4.jsonl": {
		"message:create", "message:update", "message:update", "message:update", "message:update",
		"message:unpublish", // v4: no uid, derived from model
		"message:update", "message:update",
		"message:publish", // v4: no uid, derived from model
		"message:delete", "message:create", "message:delete",
		"users-permissions:update", "users-permissions:update", "users-permissions:create",
		"message:create", "message:create", "message:create", "message:create", "message:create",
		"message:create", "message:create", "message:create", "message:create", "message:create",
		"message:delete", "message:delete", "message:delete", "message:delete", "message:delete",
		"message:delete", "message:delete", "message:delete", "message:delete", "message:delete",
	},
	"webhooks-v5.jsonl": {
		"message:create", "message:publish", "message:update", "message:publish", "message:unpublish",
		"message:update", "message:update", "message:publish", "message:update",
		"", // entry.draft-discard
		"message:create", "message:delete", "message:delete",
		"users-permissions:update", "users-permissions:update", "users-permissions:create",
		"message:create", "message:create", "message:create", "message:create", "message:create",
		"message:create", "message:create", "message:create", "message:create", "message:create",
	},
}

func TestWebhookSamples(t *testing.T) {
	for file, events := range sampleEvents {
		t.Run(file, func(t *testing.T) {
			samples := readSamples(t, file)
			if len(samples) != len(events) {
				t.Fatalf("%d samples, %d expectations", len(samples), len(events))
			}
			for i, s := range samples {
				t.Run(fmt.Sprint("line", i+1), func(t *testing.T) {
					checkSample(t, s, events[i])
				})
			}
		})
	}
}

func checkSample(t *testing.T, s sample, wantEvent string) {
	// Plugin types are forwarded only when named, so name users-permissions.
	f := newFixture(t, func(o *Options) {
		o.ContentTypes = map[string][]string{"message": {"*"}, "users-permissions": {"*"}}
	})
	f.em.rooms = []string{"Authenticated"}
	r := httptest.NewRequest(http.MethodPost, "/hub/webhooks/strapi", bytes.NewReader(s.Body))
	for k, v := range s.Headers { // as Strapi sent them, Authorization: Bearer X included
		if k != "host" && k != "content-length" && k != "connection" {
			r.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	f.api.ServeHTTP(w, r)

	var body struct {
		Event string          `json:"event"`
		Entry json.RawMessage `json:"entry"`
	}
	if err := json.Unmarshal(s.Body, &body); err != nil {
		t.Fatal(err)
	}
	content, raw := f.em.calls()
	if len(raw) != 0 {
		t.Errorf("raw emits: %v", raw)
	}
	if wantEvent == "" {
		wantJSON(t, w, 202, `{"ignored":`+mustJSON(t, fmt.Sprintf("unknown webhook event %q", body.Event))+`}`)
		if len(content) != 0 {
			t.Errorf("ignored webhook emitted: %+v", content)
		}
		if !strings.Contains(f.log.String(), "level=DEBUG") || !strings.Contains(f.log.String(), "ignored") {
			t.Errorf("ignored webhook not logged at debug: %s", f.log)
		}
		return
	}
	wantJSON(t, w, 202, `{"event":"`+wantEvent+`","rooms":["Authenticated"]}`)
	if len(content) != 1 {
		t.Fatalf("%d content emits", len(content))
	}
	ev := content[0].Ev
	apiName, action, _ := strings.Cut(wantEvent, ":")
	wantUID := "api::" + apiName + "." + apiName
	if apiName == "users-permissions" {
		wantUID = "plugin::users-permissions.user"
	}
	if ev.Name() != wantEvent || ev.UID != wantUID || ev.Action != action || ev.APIName != apiName {
		t.Errorf("event = %+v, want %s on %s", ev, wantEvent, wantUID)
	}
	if "entry."+action != body.Event {
		t.Errorf("action %q from webhook event %q", action, body.Event)
	}

	// Without [strapi] version, each entry picks its shape. A v4 entry gets
	// the v4 REST shape: entry.id as data.id, the rest as data.attributes, and an
	// empty meta. A v5 entry (it has a documentId) gets v5's flat REST shape:
	// the entry as data.
	var entry map[string]any
	if err := json.Unmarshal(body.Entry, &entry); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"data": entry, "meta": map[string]any{}}
	if _, v5 := entry["documentId"]; !v5 {
		id := entry["id"]
		delete(entry, "id")
		want = map[string]any{"data": map[string]any{"id": id, "attributes": entry}, "meta": map[string]any{}}
	}
	if got := normValue(t, content[0].Data); got != normValue(t, want) {
		t.Errorf("payload = %s\n   want %s", got, normValue(t, want))
	}
}

func TestWebhookV4PublishWithoutUID(t *testing.T) {
	f := newFixture(t)
	for _, action := range []string{"publish", "unpublish"} {
		body := `{"event":"entry.` + action + `","createdAt":"2026-11-25T10:47:12.690Z","model":"article","entry":{"id":7,"title":"t","publishedAt":null}}`
		wantJSON(t, f.do(http.MethodPost, "/hub/webhooks/strapi", body), 202, `{"event":"article:`+action+`","rooms":[]}`)
	}
	content, _ := f.em.calls()
	if len(content) != 2 || content[0].Ev.UID != "api::article.article" || content[1].Ev.Action != "unpublish" {
		t.Errorf("calls = %+v", content)
	}
	// A uid, when present, wins over the model.
	body := `{"event":"entry.update","model":"article","uid":"api::blog.article","entry":{"id":7}}`
	wantJSON(t, f.do(http.MethodPost, "/hub/webhooks/strapi", body), 202, `{"event":"blog:update","rooms":[]}`)
}

func TestWebhookIgnored(t *testing.T) {
	tests := []struct{ name, body, reason string }{
		{"media create", `{"event":"media.create","createdAt":"2026-11-25T10:47:12.690Z","media":{"id":1,"name":"a.png","url":"/uploads/a.png"}}`,
			`media events are not forwarded (got "media.create")`},
		{"media update", `{"event":"media.update","media":{"id":1}}`, `media events are not forwarded (got "media.update")`},
		{"media delete", `{"event":"media.delete","media":{"id":1}}`, `media events are not forwarded (got "media.delete")`},
		{"v5 draft discard", `{"event":"entry.draft-discard","model":"message","uid":"api::message.message","entry":{"id":5}}`,
			`unknown webhook event "entry.draft-discard"`},
		{"review workflow", `{"event":"review-workflows.updateEntryStage","uid":"api::message.message"}`,
			`unknown webhook event "review-workflows.updateEntryStage"`},
		{"made up", `{"event":"trigger-test"}`, `unknown webhook event "trigger-test"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			wantJSON(t, f.do(http.MethodPost, "/hub/webhooks/strapi", tt.body), 202, `{"ignored":`+mustJSON(t, tt.reason)+`}`)
			mustNoCalls(t, f.em)
			if !strings.Contains(f.log.String(), "level=DEBUG msg=\"api: strapi webhook ignored\"") {
				t.Errorf("not logged at debug: %s", f.log)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWebhookContentTypes(t *testing.T) {
	tests := []struct {
		name    string
		ct      map[string][]string
		uid     string
		action  string
		forward bool
		reason  string // the ignored reason, when not the contentTypes one
	}{
		{"all", nil, "api::message.message", "create", true, ""},
		{"all excludes plugin types", nil, "plugin::users-permissions.user", "update", false,
			`plugin::users-permissions.user is a plugin content type; name "users-permissions" in contentTypes to forward it`},
		{"plugin type named", map[string][]string{"users-permissions": {"update"}}, "plugin::users-permissions.user", "update", true, ""},
		{"star", map[string][]string{"message": {"*"}}, "api::message.message", "delete", true, ""},
		{"listed", map[string][]string{"chat": {"create", "update"}}, "api::chat.chat", "update", true, ""},
		{"not listed", map[string][]string{"chat": {"create"}}, "api::chat.chat", "delete", false, ""},
		{"publish needs its own entry", map[string][]string{"chat": {"update"}}, "api::chat.chat", "publish", false, ""},
		{"absent apiName", map[string][]string{"chat": {"*"}}, "api::message.message", "create", false, ""},
		{"keyed by apiName, not type", map[string][]string{"article": {"*"}}, "api::blog.article", "create", false, ""},
		{"none", map[string][]string{}, "api::message.message", "create", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(o *Options) { o.ContentTypes = tt.ct })
			body := `{"event":"entry.` + tt.action + `","uid":"` + tt.uid + `","entry":{"id":1}}`
			w := f.do(http.MethodPost, "/hub/webhooks/strapi", body)
			content, _ := f.em.calls()
			apiName := strings.SplitN(strings.SplitN(tt.uid, "::", 2)[1], ".", 2)[0]
			if tt.forward {
				wantJSON(t, w, 202, `{"event":"`+apiName+`:`+tt.action+`","rooms":[]}`)
				if len(content) != 1 {
					t.Errorf("%d emits, want 1", len(content))
				}
				return
			}
			reason := tt.reason
			if reason == "" {
				reason = fmt.Sprintf("content type %q with action %q is not enabled in contentTypes", apiName, tt.action)
			}
			wantJSON(t, w, 202, `{"ignored":`+mustJSON(t, reason)+`}`)
			if len(content) != 0 {
				t.Errorf("%d emits, want 0", len(content))
			}
		})
	}
}

func TestWebhookErrors(t *testing.T) {
	tests := []struct {
		name, body string
		code       clienterr.Code
		message    string
	}{
		{"not JSON", `entry.create`, clienterr.BadJSON, "body is not valid JSON: invalid character 'e' looking for beginning of value at byte 1"},
		{"truncated", `{"event":"entry.create","entry":{"id":1}`, clienterr.BadJSON, "body is not valid JSON: unexpected end of input at byte 40"},
		{"trailing garbage", `{"event":"media.create"}]`, clienterr.BadJSON, "body is not valid JSON: unexpected data after the JSON object at byte 25"},
		{"array", `[]`, clienterr.BadJSON, "body must be a JSON object, got an array"},
		{"missing event", `{"model":"message","entry":{"id":1}}`, clienterr.MissingField, `field "event" is required`},
		{"empty event", `{"event":"","entry":{"id":1}}`, clienterr.MissingField, `field "event" is required`},
		{"event not a string", `{"event":1}`, clienterr.InvalidField, `field "event" must be a string, got a number`},
		{"missing entry", `{"event":"entry.create","uid":"api::message.message"}`, clienterr.MissingField, `field "entry" is required`},
		{"null entry", `{"event":"entry.delete","uid":"api::message.message","entry":null}`, clienterr.MissingField, `field "entry" is required`},
		{"entry not an object", `{"event":"entry.update","uid":"api::message.message","entry":[1]}`, clienterr.InvalidField, `field "entry" must be an object, got an array`},
		{"no uid nor model", `{"event":"entry.create","entry":{"id":1}}`, clienterr.MissingField, `field "uid" is required (or "model", from which it is derived)`},
		{"uid not a string", `{"event":"entry.create","uid":5,"entry":{"id":1}}`, clienterr.InvalidField, `field "uid" must be a string, got a number`},
		{"model not a string", `{"event":"entry.create","model":{},"entry":{"id":1}}`, clienterr.InvalidField, `field "model" must be a string, got an object`},
		{"bad uid", `{"event":"entry.create","uid":"message","entry":{"id":1}}`, clienterr.InvalidField, `field "uid" must look like "<namespace>::<name>.<type>", got "message"`},
		{"bad model", `{"event":"entry.publish","model":"my message","entry":{"id":1}}`, clienterr.InvalidField, `field "model": "my message" does not name a content type`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			wantError(t, f.do(http.MethodPost, "/hub/webhooks/strapi", tt.body), 400, tt.code, tt.message)
			mustNoCalls(t, f.em)
		})
	}
}

// Strapi adds fields over versions; the webhook accepts what it does not know.
func TestWebhookUnknownFieldsIgnored(t *testing.T) {
	f := newFixture(t)
	body := `{"event":"entry.create","createdAt":"x","model":"message","uid":"api::message.message","entry":{"id":1},"future":{"a":1},"Event":"entry.delete"}`
	wantJSON(t, f.do(http.MethodPost, "/hub/webhooks/strapi", body), 202, `{"event":"message:create","rooms":[]}`)
}

func TestRESTPayload(t *testing.T) {
	entry := map[string]any{"id": json.Number("9007199254740993"), "documentId": "abc", "text": "hi", "nested": map[string]any{"id": 2}}
	got := restPayload(entry)
	want := map[string]any{
		"data": map[string]any{"id": json.Number("9007199254740993"), "attributes": map[string]any{
			"documentId": "abc", "text": "hi", "nested": map[string]any{"id": 2},
		}},
		"meta": map[string]any{},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("restPayload = %#v", got)
	}
	if _, ok := entry["id"]; !ok {
		t.Error("restPayload modified the entry")
	}
	// An entry without id still has the shape clients expect.
	if got := normValue(t, restPayload(map[string]any{"a": 1})); got != `{"data":{"attributes":{"a":1},"id":null},"meta":{}}` {
		t.Errorf("no id: %s", got)
	}
}
