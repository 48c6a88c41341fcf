package plugin

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestJSPluginV2Forms: strapi-plugin-io 2's object forms of $io.emit and
// $io.raw, next to version 1's positional forms, become the effects the plugin's
// semantics call for.
func TestJSPluginV2Forms(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "v2.js", `
const article = {
  uid: 'api::blog.article', singularName: 'article',
  attributes: {
    title: { type: 'string' },
    author: { type: 'relation', relation: 'manyToOne', target: 'plugin::users-permissions.user' },
    cover: { type: 'media' },
    seo: { type: 'component', component: 'shared.seo' },
  },
};
module.exports = { name: 'e', handler: ({ strapi }, socket, ack) => {
  const r = [];
  r.push(strapi.$io.emit({ event: 'create', schema: article,
    data: { id: 1, title: 't', author: { id: 2, username: 'ann' }, cover: null, seo: { id: 3, x: 1 }, tags: [1] } }));
  r.push(strapi.$io.emit({ event: 'update', schema: 'api::message.message', data: { id: 5, text: 'hi' } }));
  r.push(strapi.$io.emit({ event: 'api::blog.article.publish', data: { id: 1 } }));
  r.push(strapi.$io.emit({ event: 'update', schema: { uid: 'api::home.home' }, data: null })); // nothing, as the plugin
  r.push(strapi.$io.raw({ event: 'dm', data: { n: 1 }, rooms: ['user:1', 'Editor'] }));
  r.push(strapi.$io.raw({ event: 'one', data: 'x', room: 'lobby' }));
  r.push(strapi.$io.raw({ event: 'all', data: [1] }));
  r.push(strapi.$io.raw('v1', { n: 2 }, { room: 'lobby' }));
  ack(r);
} };
`)
	h := newJSHost(t, dir, Options{}, "e=v2")
	out := h.handle(event("e", true))
	if out.Error != "" {
		t.Fatalf("outcome: %s\n%s", fmtOutcome(out), h.logs)
	}
	got, _ := json.Marshal(h.rec.Effects())
	want := `[` +
		`{"op":"emit","name":"article:create","event":"api::blog.article.create","data":{"data":{"attributes":{"author":{"data":{"attributes":{"username":"ann"},"id":2}},` +
		`"cover":{"data":null},"seo":{"id":3,"x":1},"tags":[1],"title":"t"},"id":1},"meta":{}}},` +
		`{"op":"emit","event":"api::message.message.update","data":{"data":{"attributes":{"text":"hi"},"id":5},"meta":{}}},` +
		`{"op":"emit","name":"article:publish","event":"api::blog.article.publish","data":{"data":{"attributes":{},"id":1},"meta":{}}},` +
		`{"op":"raw","rooms":["user:1","Editor"],"event":"dm","data":{"data":{"n":1}}},` +
		`{"op":"raw","rooms":["lobby"],"event":"one","data":{"data":"x"}},` +
		`{"op":"raw","event":"all","args":[{"data":[1]}]},` +
		`{"op":"raw","room":"lobby","event":"v1","args":[{"n":2}]}]`
	if string(got) != want {
		t.Errorf("effects:\n got %s\nwant %s", got, want)
	}
	if r := toJSON(t, out.Reply); r != `[[true,true,true,false,true,true,true,true]]` {
		t.Errorf("return values %s", r)
	}
}

func TestJSPluginV2FormErrors(t *testing.T) {
	dir := t.TempDir()
	writeJS(t, dir, "bad.js", `
const out = [];
const probe = (name, f) => { try { out.push(name + '=' + f()); } catch (e) { out.push(name + '!' + e.message); } };
module.exports = { name: 'e', handler: ({ strapi }, socket, ack) => {
  const io = strapi.$io;
  probe('no schema, action only', () => io.emit({ event: 'create', data: {} }));
  probe('bad uid', () => io.emit({ event: 'create', schema: 'message', data: {} }));
  probe('schema without uid', () => io.emit({ event: 'create', schema: { singularName: 'm' }, data: {} }));
  probe('full event with schema', () => io.emit({ event: 'api::m.m.create', schema: 'api::m.m', data: {} }));
  probe('bad singularName', () => io.emit({ event: 'create', schema: { uid: 'api::m.m', singularName: 'a b' }, data: {} }));
  probe('entry not an object', () => io.emit({ event: 'create', schema: 'api::m.m', data: 5 }));
  probe('empty rooms', () => io.raw({ event: 'x', data: 1, rooms: [] }));
  probe('rooms not an array', () => io.raw({ event: 'x', data: 1, rooms: 'a' }));
  probe('empty room name', () => io.raw({ event: 'x', data: 1, rooms: ['a', ''] }));
  probe('reserved', () => io.raw({ event: 'disconnect', data: 1, rooms: ['a'] }));
  probe('rooms in v1 form', () => io.raw('x', 1, { rooms: ['a'] }));
  ack(out);
} };
`)
	h := newJSHost(t, dir, Options{}, "e=bad")
	out := h.handle(event("e", true))
	got := strings.Join(toStrings(out.Reply), "\n")
	for _, want := range []string{
		`no schema, action only!$io.emit({ event, schema, data }): without a schema, event must be "<uid>.<action>"`,
		`bad uid!$io.emit({ event, schema, data }): schema must be a content-type uid`,
		`schema without uid!$io.emit({ event, schema, data }): schema must be a content-type uid`,
		`full event with schema!$io.emit({ event, schema, data }): event must be an action like "create"`,
		`bad singularName!$io.emit({ event, schema, data }): schema.singularName must be a name`,
		`entry not an object!$io.emit({ data }): the entry must be an object, got 5`,
		`empty rooms!$io.raw({ event, data, rooms }): rooms is empty; leave it out to send to every socket`,
		`rooms not an array!$io.raw({ event, data, rooms }): rooms must be an array`,
		`empty room name!$io.raw({ event, data, rooms }): rooms[1] must be a non-empty string`,
		`reserved!"disconnect" is a reserved event name`,
		`rooms in v1 form!$io.raw(event, data, opts): "rooms" belongs to the object form`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("reply lacks %q:\n%s", want, got)
		}
	}
	if e := h.rec.Effects(); len(e) != 0 {
		t.Errorf("effects of refused calls: %+v", e)
	}
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAddJSObjectFormEffects: the hub checks the effects of the object forms
// again; nothing the prelude says is trusted.
func TestAddJSObjectFormEffects(t *testing.T) {
	tests := []struct {
		effect string
		ok     bool
	}{
		{`["emit","api::blog.article.create",{"data":{}},"article"]`, true},
		{`["emit","api::blog.article.create",{},"a b"]`, false},
		{`["emit","api::blog.article.create",{},7]`, false},
		{`["emit","api::blog.article.create",{},"article","extra"]`, false},
		{`["rawTo",["a","b"],"ev",{"data":1}]`, true},
		{`["rawTo",[],"ev",1]`, false},
		{`["rawTo",null,"ev",1]`, false},
		{`["rawTo",["a",""],"ev",1]`, false},
		{`["rawTo",["a"],"connect",1]`, false},
		{`["rawTo",["a"],"",1]`, false},
		{`["rawTo",["a"],"ev"]`, false},
		{`["rawTo","a","ev",1]`, false},
	}
	for _, tt := range tests {
		rec := &Recorder{}
		cs := &callState{sid: "s1", chain: &chainState{}, target: rec, log: discardLog}
		err := cs.addJS(json.RawMessage(tt.effect))
		if (err == nil) != tt.ok {
			t.Errorf("%s: error %v, want ok=%v", tt.effect, err, tt.ok)
		}
		cs.apply()
		if n := len(rec.Effects()); (n == 1) != tt.ok {
			t.Errorf("%s: %d effects applied", tt.effect, n)
		}
	}
}
