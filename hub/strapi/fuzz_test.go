package strapi

import (
	"os"
	"strings"
	"testing"

	"github.com/iohub/iohub/hub/access"
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
