package httpapi

import (
	"strings"
	"testing"
	"time"

	"github.com/iohub/iohub/hub/access"
)

// The decoders are pure functions of the body; for any input they must return
// exactly one of a request and a client error (a 4xx), and never panic.

var fuzzSeeds = []string{
	``, ` `, `{}`, `[]`, `null`, `"x"`, `1`, `{`, `}`, `{"event":`, `{"event":"x",}`, `{"a":1} x`,
	`{"event":null}`, `{"event":""}`, `{"event":5}`, `{"evnt":"x"}`, `{"event":"a","event":"b"}`,
	`{"event":"api::message.message.create","data":{"id":9007199254740993,"x":[1e400,-0.5,true,null]}}`,
	`{"event":"api::message.message.","data":1}`, `{"event":"message:create"}`,
	`{"event":"news","room":"a","rooms":["b","a"]}`, `{"event":"news","rooms":[]}`, `{"event":"news","rooms":[""]}`,
	`{"event":"connect"}`, `{"event":"news","rooms":"a"}`, `{"event":"news","room":null,"rooms":[1]}`,
	`{"event":"entry.create","uid":"api::message.message","entry":{"id":1}}`,
	`{"event":"entry.publish","model":"message","entry":{"id":1}}`,
	`{"event":"entry.publish","model":"a.b","entry":{"id":1}}`,
	`{"event":"entry.update","entry":[]}`, `{"event":"entry.delete","entry":null}`,
	`{"event":"media.create","media":{"id":1}}`, `{"event":"entry.create","uid":"x::y","entry":{}}`,
	"{\"event\":\"\xff\xfe\"}", `{"event":"\ud800"}`, `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`,
	`{"event":"entry.delete","uid":"api::message.message","entry":{"id":1,"documentId":"d","locale":"en"}}`,
	`{"event":"entry.update","uid":"api::message.message","entry":{"id":1e400,"documentId":7,"updatedAt":"2026-11-25T10:00:00Z","publishedAt":{}}}`,
	`{"event":"entry.update","uid":"plugin::users-permissions.user","entry":{"id":"1","blocked":"yes"}}`,
	`{"event":"entry.create","model":"message","uid":"API::message.message","entry":{"id":1}}`,
	`{"event":"entry.create","model":"message","uid":"plugin::message.message","entry":{"id":1}}`,
	`{"event":"entry.create","model":"article","uid":"api::blog.article","entry":{"id":1}}`,
}

func seed(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	for _, file := range []string{"webhooks-v4.jsonl", "webhooks-v5.jsonl"} {
		for _, s := range readSamples(f, file) {
			f.Add([]byte(s.Body))
		}
	}
}

func checkOutcome[T any](t *testing.T, req *T, e *apiError) {
	t.Helper()
	if (req == nil) == (e == nil) {
		t.Fatalf("want exactly one of request and error, got %v and %v", req, e)
	}
	if e != nil && (e.Status < 400 || e.Status > 499 || e.Code == "" || e.Message == "") {
		t.Fatalf("bad error %+v", e)
	}
}

func FuzzDecodeEmit(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, e := decodeEmit(body)
		checkOutcome(t, req, e)
		if req != nil && req.Event.Name() == ":" {
			t.Fatalf("empty event accepted: %+v", req.Event)
		}
	})
}

func FuzzDecodeRaw(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, e := decodeRaw(body)
		checkOutcome(t, req, e)
		if req == nil {
			return
		}
		if req.Event == "" || access.IsReservedEvent(req.Event) {
			t.Fatalf("event %q accepted", req.Event)
		}
		for i, r := range req.Rooms {
			if r == "" || (i > 0 && req.Rooms[i-1] >= r) {
				t.Fatalf("rooms not sorted, unique and non-empty: %q", req.Rooms)
			}
		}
	})
}

func FuzzDecodeWebhook(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, e := decodeWebhook(body)
		checkOutcome(t, req, e)
		if req == nil {
			return
		}
		// Whatever a webhook says, the model table only ever holds
		// api::<api>.<model> in lowercase for its model.
		var m modelUIDs
		m.learn(req.Model, req.UID)
		if u := m.uid(req.Model); u != "" && (!strings.HasPrefix(u, "api::") || !strings.HasSuffix(u, "."+req.Model) ||
			u != strings.ToLower(u) || strings.Count(u, ".") != 1) {
			t.Fatalf("model %q learnt uid %q", req.Model, u)
		}
		ev, ignored, e := webhookEvent(req)
		if e != nil {
			if e.Status < 400 || e.Status > 499 {
				t.Fatalf("bad error %+v", e)
			}
			return
		}
		if ignored != "" {
			return
		}
		if req.Entry == nil || ev.Name() == ":" || ev.UID == "" {
			t.Fatalf("forwarded without entry or event: %+v %+v", req, ev)
		}
		p := restPayload(req.Entry)
		if _, ok := p["data"].(map[string]any)["attributes"].(map[string]any)["id"]; ok {
			t.Fatal("id left in attributes")
		}
		for _, shape := range []string{PayloadFlat, PayloadEntry} {
			if shapePayload(req.Entry, shape) == nil {
				t.Fatal("no payload")
			}
		}
		// The tracker takes any entry: the same event twice is held back the
		// second time exactly when the entry names its document.
		var tr docTracker
		now := time.Unix(1_800_000_000, 0)
		if r := tr.admit(req, ev, now); r != "" {
			t.Fatalf("first event held back: %s", r)
		}
		_, _, named := documentKey(req.Entry)
		if r := tr.admit(req, ev, now); (r != "") != named {
			t.Fatalf("second event: %q (document named: %v)", r, named)
		}
	})
}
