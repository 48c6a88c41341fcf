package strapi

import (
	"os"
	"strings"
	"testing"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/sanitize"
)

// FuzzDecodeRoles: whatever Strapi (or something pretending to be it) answers,
// the decoders never panic, and a role they accept has a name and only
// permissions the access rules take as plain "<ns>::<name>.<ctrl>.<action>"
// strings.
func FuzzDecodeRoles(f *testing.F) {
	for _, name := range []string{"v4-roles", "v4-role-1", "v4-role-2", "v5-roles", "v5-role-1", "v5-role-2"} {
		b, err := os.ReadFile("testdata/" + name + ".json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `null`, `[]`, `{}`, `{"roles":null}`, `{"roles":[null]}`, `{"roles":[{"id":1}]}`,
		`{"roles":[{"id":1,"name":"A","documentId":null}]}`, `{"role":{"id":"x","name":"B","permissions":[]}}`,
		`{"role":{"id":1,"name":"B","permissions":{"api::a":{"controllers":{"b":{"c":{"enabled":"yes"}}}}}}}`,
		`{"role":{"id":1,"name":"B","permissions":{"api::a":{"controllers":{"b.c":{"*":{"enabled":true}}}}}}}`,
		`{"role":{"id":1e99,"name":" ","permissions":{}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if refs, err := decodeRoleList(body); err == nil {
			for _, r := range refs {
				if strings.TrimSpace(r.Name) == "" || r.ID == "" {
					t.Fatalf("accepted %+v", r)
				}
			}
		}
		r, err := decodeRole(body)
		if err != nil {
			return
		}
		if strings.TrimSpace(r.ref.Name) == "" || r.ref.ID == "" {
			t.Fatalf("accepted %+v", r.ref)
		}
		rules, err := access.New(map[string][]string{r.ref.Name: r.permissions}, access.ModeAction)
		if err != nil {
			t.Fatalf("permissions the rules refuse: %v", err)
		}
		for _, p := range r.permissions {
			ev, err := access.ParseEvent(p)
			if err != nil {
				t.Fatalf("permission %q is not a content event: %v", p, err)
			}
			if !rules.Has(r.ref.Name, ev.Permission()) {
				t.Fatalf("permission %q not held", p)
			}
		}
	})
}

// FuzzDecodeSchemas: the schema decoder never panics, and a table it accepts
// can be built and used to plan an event without panicking.
func FuzzDecodeSchemas(f *testing.F) {
	for _, v := range []string{"v4", "v5"} {
		b, err := os.ReadFile("testdata/" + v + "-content-types.json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, []byte(`{"data":[]}`))
	}
	for _, s := range [][2]string{
		{`{"data":null}`, `{"data":[]}`},
		{`{"data":[{"uid":"api::a.a","schema":{"attributes":{"r":{"type":"relation","relation":"morphToMany"}}}}]}`, `{"data":[]}`},
		{`{"data":[{"uid":"api::a.a","schema":{"attributes":{"c":{"type":"component","component":"x.y"},"d":{"type":"dynamiczone"}}}}]}`,
			`{"data":[{"uid":"x.y","schema":{"attributes":{"r":{"type":"relation","target":"api::a.a"}}}}]}`},
		{`{"data":[{"uid":"api::a.a","schema":{"attributes":{"r":{"type":"relation"}}}}]}`, `{"data":[]}`},
		{`{"data":[{"uid":"api::a.a","schema":{"attributes":{"p":null},"privateAttributes":[1,"p"]}}]}`, `{}`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, cts, comps []byte) {
		types, err := decodeSchemas(cts, comps)
		if err != nil {
			return
		}
		table := sanitize.NewSchemas(types)
		for _, ty := range types {
			if ty.UID == "" {
				t.Fatalf("accepted a type without uid")
			}
			data := map[string]any{"data": map[string]any{"id": 1, "x": []any{map[string]any{"__type": ty.UID}}}}
			sanitize.Plan(table, ty.UID, data, []string{"A", "B"}, func(role, _ string) bool { return role == "A" })
		}
	})
}

// FuzzDecodeUserBatch: the users answer never panics the decoder, and every
// id it accepts is a Strapi id.
func FuzzDecodeUserBatch(f *testing.F) {
	for _, s := range []string{`[]`, `[{"id":1,"blocked":false}]`, `[{"id":"1","blocked":true}]`, `{"data":[]}`, `[null]`, `[{"id":1e3,"blocked":false}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeUserBatch(body)
		if err != nil {
			return
		}
		for id := range got {
			if !isStrapiID(id) {
				t.Fatalf("accepted id %q", id)
			}
		}
	})
}
