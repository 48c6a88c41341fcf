package httpapi

import (
	"encoding/json"
	"net/http"
	"testing"
)

// v4UIDlessPublishes returns the recorded v4 publish/unpublish webhooks, which
// carry a model and no uid.
func v4UIDlessPublishes(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, s := range readSamples(t, "webhooks-v4.jsonl") {
		var b struct {
			UID   *string `json:"uid"`
			Model string  `json:"model"`
		}
		if err := json.Unmarshal(s.Body, &b); err != nil {
			t.Fatal(err)
		}
		if b.UID == nil && b.Model == "message" {
			out = append(out, string(s.Body))
		}
	}
	if len(out) < 2 {
		t.Fatalf("recording has %d uid-less webhooks for message, want publish and unpublish", len(out))
	}
	return out
}

// TestModelTableNotRedirected: whatever webhooks arrived before, Strapi v4's
// uid-less publish of "message" (as recorded) is api::message.message, unless
// a forwarded webhook showed message living at another api::<api>.message.
func TestModelTableNotRedirected(t *testing.T) {
	hostile := []struct {
		name, body string
		listedOnly bool // with contentTypes all, the webhook is forwarded and teaches
	}{
		{"uppercase namespace, forwarded", `{"event":"entry.create","model":"message","uid":"API::message.message","entry":{"id":1}}`, false},
		{"plugin namespace, forwarded", `{"event":"entry.update","model":"message","uid":"plugin::message.message","entry":{"id":1}}`, false},
		{"admin namespace", `{"event":"entry.update","model":"message","uid":"admin::message.message","entry":{"id":1}}`, false},
		{"uppercase api name", `{"event":"entry.update","model":"message","uid":"api::Chat.message","entry":{"id":1}}`, false},
		{"another model's uid", `{"event":"entry.create","model":"message","uid":"api::chat.chat","entry":{"id":1}}`, false},
		{"filtered out by contentTypes", `{"event":"entry.create","model":"message","uid":"api::evil.message","entry":{"id":1}}`, true},
		{"unknown event", `{"event":"entry.bogus","model":"message","uid":"api::chat.message","entry":{"id":1}}`, false},
		{"media event", `{"event":"media.create","model":"message","uid":"api::chat.message"}`, false},
		{"invalid: no entry", `{"event":"entry.create","model":"message","uid":"api::chat.message"}`, false},
		{"invalid: entry not an object", `{"event":"entry.create","model":"message","uid":"api::chat.message","entry":[]}`, false},
		{"invalid uid", `{"event":"entry.create","model":"message","uid":"api::chat.message.x","entry":{"id":1}}`, false},
		{"duplicate-free model case", `{"event":"entry.create","model":"Message","uid":"api::chat.Message","entry":{"id":1}}`, false},
	}
	cts := map[string]map[string][]string{
		"all":    nil,
		"listed": {"message": {"*"}, "chat": {"*"}},
	}
	for ctName, ct := range cts {
		t.Run(ctName, func(t *testing.T) {
			f := newFixture(t, func(o *Options) { o.ContentTypes = ct })
			for _, h := range hostile {
				if h.listedOnly && ct == nil {
					continue
				}
				w := f.do(http.MethodPost, "/hub/webhooks/strapi", h.body)
				if w.Code != 202 && w.Code != 400 {
					t.Fatalf("%s: status %d %s", h.name, w.Code, w.Body)
				}
			}
			before, _ := f.em.calls()
			for _, body := range v4UIDlessPublishes(t) {
				if w := f.do(http.MethodPost, "/hub/webhooks/strapi", body); w.Code != 202 {
					t.Fatalf("publish: status %d %s", w.Code, w.Body)
				}
			}
			after, _ := f.em.calls()
			got := after[len(before):]
			if len(got) < 2 {
				t.Fatalf("%d publishes forwarded, want 2: %s", len(got), f.log)
			}
			for _, c := range got {
				if c.Ev.UID != "api::message.message" {
					t.Errorf("uid-less %s went to %s", c.Ev.Action, c.Ev.UID)
				}
			}
		})
	}
}

// TestModelTableLearnsForwarded: a forwarded webhook whose uid is
// api::<api>.<model> teaches the table; with the API name different from the
// model, the later uid-less publish follows it.
func TestModelTableLearnsForwarded(t *testing.T) {
	f := newFixture(t, func(o *Options) {
		o.ContentTypes = map[string][]string{"chat": {"*"}}
	})
	f.do(http.MethodPost, "/hub/webhooks/strapi", `{"event":"entry.create","model":"message","uid":"api::chat.message","entry":{"id":1}}`)
	w := f.do(http.MethodPost, "/hub/webhooks/strapi", `{"event":"entry.publish","model":"message","entry":{"id":1}}`)
	wantJSON(t, w, 202, `{"event":"chat:publish","rooms":[]}`)
}

func TestContentTypeUID(t *testing.T) {
	tests := []struct {
		model, uid string
		want       bool
	}{
		{"message", "api::message.message", true},
		{"article", "api::blog.article", true},
		{"blog-post", "api::my-blog2.blog-post", true},
		{"message", "API::message.message", false},
		{"message", "Api::message.message", false},
		{"message", "plugin::message.message", false},
		{"user", "plugin::users-permissions.user", false},
		{"message", "api::Message.message", false},
		{"Message", "api::message.Message", false},
		{"message", "api::message.other", false},
		{"message", "api::.message", false},
		{"message", "api::message", false},
		{"message", "api::a.b.message", false},
		{"message", " api::message.message", false},
		{"message", "api::message.message ", false},
		{"m_x", "api::m_x.m_x", false},
		{"1message", "api::1message.1message", false},
		{"", "api::x.", false},
		{"message", "", false},
	}
	for _, tt := range tests {
		if got := contentTypeUID(tt.model, tt.uid); got != tt.want {
			t.Errorf("contentTypeUID(%q, %q) = %v, want %v", tt.model, tt.uid, got, tt.want)
		}
	}
}
