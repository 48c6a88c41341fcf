package sanitize

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
)

// testSchemas is the e2e projects' message type (text, private secret, author
// to users, category to a type Public may not find) with a component, a
// dynamic zone, media and a polymorphic relation added.
func testSchemas() *Schemas {
	rel := func(target string) Attr { return Attr{Kind: KindRelation, Target: target} }
	return NewSchemas([]Type{
		{UID: "api::message.message", Attrs: map[string]Attr{
			"text":     {Kind: "string"},
			"secret":   {Kind: "string", Private: true},
			"author":   rel("plugin::users-permissions.user"),
			"category": rel("api::category.category"),
			"seo":      {Kind: KindComponent, Component: "shared.seo"},
			"blocks":   {Kind: KindDynamicZone},
			"cover":    {Kind: KindMedia},
			"pinned":   {Kind: KindRelation, Morph: true},
		}},
		{UID: "api::category.category", Attrs: map[string]Attr{
			"name": {Kind: "string"}, "code": {Kind: "string", Private: true},
		}},
		{UID: "plugin::users-permissions.user", Attrs: map[string]Attr{
			"username": {Kind: "string"}, "email": {Kind: "email"},
			"password":           {Kind: KindPassword, Private: true},
			"resetPasswordToken": {Kind: "string", Private: true},
			"role":               rel("plugin::users-permissions.role"),
		}},
		{UID: "plugin::users-permissions.role", Attrs: map[string]Attr{"name": {Kind: "string"}}},
		{UID: "plugin::upload.file", Attrs: map[string]Attr{
			"url": {Kind: "text"}, "folderPath": {Kind: "string", Private: true},
		}},
		{UID: "shared.seo", Component: true, Attrs: map[string]Attr{
			"title": {Kind: "string"}, "note": {Kind: "string", Private: true},
			"by": rel("plugin::users-permissions.user"),
		}},
		{UID: "shared.quote", Component: true, Attrs: map[string]Attr{
			"body": {Kind: "text"}, "hidden": {Kind: "password"},
		}},
		{UID: "api::page.page", Attrs: map[string]Attr{
			"title": {Kind: "string"}, "data": {Kind: "json"},
		}, PopulateCreatorFields: true},
		{UID: "admin::user", Attrs: map[string]Attr{
			"firstname": {Kind: "string"}, "password": {Kind: KindPassword},
		}},
	})
}

// perms is a roles table: Public finds messages only; Authenticated also
// categories and users; Editor as Authenticated; Admin everything.
var perms = map[string][]string{
	"Public":        {"api::message.message.find"},
	"Authenticated": {"api::message.message.find", "api::category.category.find", "plugin::users-permissions.user.find"},
	"Editor":        {"api::message.message.find", "api::category.category.find", "plugin::users-permissions.user.find"},
	"Admin": {"api::message.message.find", "api::category.category.find", "plugin::users-permissions.user.find",
		"plugin::users-permissions.role.find", "api::page.page.find"},
}

func has(role, perm string) bool { return slices.Contains(perms[role], perm) }

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func canon(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestViews(t *testing.T) {
	const entry = `{"id":1,"documentId":"d","text":"hi","secret":"s","createdAt":"t",
		"createdBy":{"id":1,"firstname":"A","password":"h"},
		"author":{"id":7,"documentId":"u","username":"ann","email":"a@x","password":"h","resetPasswordToken":"r",
			"role":{"id":1,"name":"Authenticated"}},
		"category":{"id":2,"name":"news","code":"c"},
		"seo":{"title":"t","note":"n","by":{"id":7,"email":"a@x"}},
		"blocks":[{"__component":"shared.quote","body":"b","hidden":"x"},{"__component":"shared.gone","x":1},null],
		"cover":{"id":3,"url":"/u.png","folderPath":"/1"},
		"pinned":[{"__type":"api::category.category","id":2,"code":"c"},{"__type":"api::page.page","id":4},{"id":5}]}`
	tests := []struct {
		name, uid, role, in, want string
	}{
		{"public: relations it may not find go, privates everywhere", "api::message.message", "Public", entry,
			`{"blocks":[{"__component":"shared.quote","body":"b"},null],"cover":{"id":3,"url":"/u.png"},"createdAt":"t",
			"documentId":"d","id":1,"seo":{"title":"t"},"text":"hi"}`},
		{"authenticated: author and category, cleaned; role it may not find", "api::message.message", "Authenticated", entry,
			`{"author":{"documentId":"u","email":"a@x","id":7,"username":"ann"},"blocks":[{"__component":"shared.quote","body":"b"},null],
			"category":{"id":2,"name":"news"},"cover":{"id":3,"url":"/u.png"},"createdAt":"t","documentId":"d","id":1,
			"pinned":[{"__type":"api::category.category","id":2}],"seo":{"by":{"email":"a@x","id":7},"title":"t"},"text":"hi"}`},
		{"v4 REST shape", "api::message.message", "Public",
			`{"data":{"id":1,"attributes":{"text":"hi","secret":"s","author":{"data":{"id":7,"attributes":{"username":"ann"}}}}},"meta":{}}`,
			`{"data":{"attributes":{"text":"hi"},"id":1},"meta":{}}`},
		{"v4 REST relation walked", "api::message.message", "Authenticated",
			`{"data":{"id":1,"attributes":{"author":{"data":{"id":7,"attributes":{"username":"ann","password":"h"}}}}},"meta":{}}`,
			`{"data":{"attributes":{"author":{"data":{"attributes":{"username":"ann"},"id":7}}},"id":1},"meta":{}}`},
		{"v5 flat list", "api::message.message", "Public",
			`{"data":[{"id":1,"secret":"s"},{"id":2,"author":null}],"meta":{}}`, `{"data":[{"id":1},{"id":2}],"meta":{}}`},
		{"morph with nothing visible goes", "api::message.message", "Public",
			`{"pinned":[{"__type":"api::page.page","id":4}],"text":"x"}`, `{"text":"x"}`},
		{"empty morph list stays", "api::message.message", "Public", `{"pinned":[]}`, `{"pinned":[]}`},
		{"a data attribute is not a wrapper", "api::page.page", "Admin",
			`{"data":{"k":1},"title":"p","createdBy":{"id":1,"firstname":"A","password":"h"}}`,
			`{"createdBy":{"firstname":"A","id":1},"data":{"k":1},"title":"p"}`},
		{"creator fields private by default", "api::category.category", "Admin",
			`{"name":"n","createdBy":{"id":1},"updatedBy":{"id":1}}`, `{"name":"n"}`},
		{"no schema: users reduced to ids", "api::other.other", "Public",
			`{"data":{"id":1,"owner":{"id":7,"documentId":"u","username":"ann","email":"a@x","blocked":false},
			"list":[{"data":{"id":8,"attributes":{"email":"b@x","provider":"local"}}}],"email":"top@x","username":"top"},"meta":{}}`,
			`{"data":{"email":"top@x","id":1,"list":[{"data":{"id":8}}],"owner":{"documentId":"u","id":7},"username":"top"},"meta":{}}`},
		{"no schema: other objects with an email stay", "api::other.other", "Public",
			`{"contact":{"email":"a@x","phone":"1"}}`, `{"contact":{"email":"a@x","phone":"1"}}`},
	}
	s := testSchemas()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := Plan(s, tt.uid, decode(t, tt.in), []string{tt.role}, has)
			if len(ds) != 1 || !reflect.DeepEqual(ds[0].Rooms, []string{tt.role}) {
				t.Fatalf("deliveries %+v", ds)
			}
			if got, want := canon(t, ds[0].Data), canon(t, decode(t, tt.want)); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestPlanGroupsRolesByShape(t *testing.T) {
	s := testSchemas()
	const plain = `{"data":{"id":1,"text":"hi","author":{"id":7,"username":"ann"},"category":{"id":2,"name":"n"}},"meta":{}}`
	const withRole = `{"data":{"id":1,"author":{"id":7,"role":{"id":1,"name":"A"}}},"meta":{}}`
	tests := []struct {
		name, in string
		uid      string
		roles    []string
		want     [][]string // rooms per delivery, in order
	}{
		{"one role", plain, "api::message.message", []string{"Public"}, [][]string{{"Public"}}},
		{"same view shares a packet", plain, "api::message.message", []string{"Authenticated", "Editor"}, [][]string{{"Authenticated", "Editor"}}},
		{"three views", withRole, "api::message.message", []string{"Admin", "Authenticated", "Editor", "Public"},
			[][]string{{"Admin"}, {"Authenticated", "Editor"}, {"Public"}}},
		{"views differing on absent types merged", plain, "api::message.message", []string{"Admin", "Authenticated", "Editor", "Public"},
			[][]string{{"Admin", "Authenticated", "Editor"}, {"Public"}}},
		{"no schema: one packet", plain, "api::other.other", []string{"Admin", "Public"}, [][]string{{"Admin", "Public"}}},
		{"nobody", plain, "api::message.message", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			data := decode(t, in)
			ds := Plan(s, tt.uid, data, tt.roles, has)
			var rooms [][]string
			seen := map[string]bool{}
			for _, d := range ds {
				rooms = append(rooms, d.Rooms)
				seen[canon(t, d.Data)] = true
			}
			if !reflect.DeepEqual(rooms, tt.want) {
				t.Fatalf("rooms %v, want %v", rooms, tt.want)
			}
			if len(seen) != len(ds) {
				t.Errorf("%d deliveries but %d distinct payloads", len(ds), len(seen))
			}
			// Each group sees what its first role alone would see.
			for _, d := range ds {
				alone := Plan(s, tt.uid, decode(t, in), d.Rooms[:1], has)
				if canon(t, alone[0].Data) != canon(t, d.Data) {
					t.Errorf("%v: grouped payload differs from the role's own", d.Rooms)
				}
			}
		})
	}
}

func TestSchemasEqual(t *testing.T) {
	a, b := testSchemas(), testSchemas()
	if !a.Equal(b) || a.Equal(nil) || !(*Schemas)(nil).Equal(nil) {
		t.Fatal("Equal wrong on equal tables")
	}
	c := NewSchemas([]Type{{UID: "api::message.message", Attrs: map[string]Attr{"text": {Kind: "string", Private: true}}}})
	d := NewSchemas([]Type{{UID: "api::message.message", Attrs: map[string]Attr{"text": {Kind: "string"}}}})
	if c.Equal(d) {
		t.Fatal("a private flag change is a change")
	}
}
