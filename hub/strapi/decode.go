package strapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// This file decodes what Strapi's users-permissions plugin answers about roles.
// The decoders are pure functions of the body, fuzzed in fuzz_test.go: the body
// comes from the network, and a Strapi behind a misbehaving proxy must make the
// sync fail (keeping the last table), never panic or grant something odd.
//
//	GET /api/users-permissions/roles
//	  {"roles": [{"id": 1, "documentId": "..." (v5 only), "name": "Authenticated",
//	              "type": "authenticated", "nb_users": 0, ...}, ...]}
//	GET /api/users-permissions/roles/:id
//	  {"role": {"id": 1, "name": "Authenticated", "type": "authenticated",
//	            "permissions": {"api::message": {"controllers": {"message":
//	                {"find": {"enabled": true, "policy": ""}, ...}}}, ...}}}
//
// A permission's name is "<type>.<controller>.<action>", which for content types
// is the hub's own permission string: "api::message" + "message" + "find" is
// "api::message.message.find".

// roleRef is one entry of the role list.
type roleRef struct {
	ID   string // the id as Strapi wrote it ("1"), for /roles/:id
	Name string
	Type string // "public", "authenticated", or the custom role's type
	V5   bool   // the object carries a documentId: Strapi v5
}

// role is one role with its enabled permissions, sorted.
type role struct {
	ref         roleRef
	permissions []string
	skipped     int // enabled permissions whose names the hub cannot use
}

// maxRoles bounds how many roles one sync reads (each costs a request).
const maxRoles = 1000

// decodeRoleList parses the answer of GET /api/users-permissions/roles.
func decodeRoleList(body []byte) ([]roleRef, error) {
	var doc struct {
		Roles *[]json.RawMessage `json:"roles"`
	}
	if err := strictObject(body, &doc); err != nil {
		return nil, err
	}
	if doc.Roles == nil {
		return nil, errors.New(`no "roles" list in the answer`)
	}
	if len(*doc.Roles) > maxRoles {
		return nil, fmt.Errorf("%d roles; at most %d are supported", len(*doc.Roles), maxRoles)
	}
	refs := make([]roleRef, 0, len(*doc.Roles))
	for i, raw := range *doc.Roles {
		ref, err := decodeRoleRef(raw)
		if err != nil {
			return nil, fmt.Errorf("roles[%d]: %w", i, err)
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

// decodeRole parses the answer of GET /api/users-permissions/roles/:id.
func decodeRole(body []byte) (role, error) {
	var doc struct {
		Role *struct {
			roleFields
			Permissions map[string]struct {
				Controllers map[string]map[string]struct {
					Enabled bool `json:"enabled"`
				} `json:"controllers"`
			} `json:"permissions"`
		} `json:"role"`
	}
	if err := strictObject(body, &doc); err != nil {
		return role{}, err
	}
	if doc.Role == nil {
		return role{}, errors.New(`no "role" object in the answer`)
	}
	ref, err := doc.Role.ref()
	if err != nil {
		return role{}, fmt.Errorf("role: %w", err)
	}
	r := role{ref: ref}
	for typ, t := range doc.Role.Permissions {
		for ctrl, actions := range t.Controllers {
			for action, a := range actions {
				if !a.Enabled {
					continue
				}
				if name := typ + "." + ctrl + "." + action; usablePermission(typ, ctrl, action) {
					r.permissions = append(r.permissions, name)
				} else {
					r.skipped++
				}
			}
		}
	}
	slices.Sort(r.permissions)
	return r, nil
}

// roleFields are the fields the hub uses from a role object.
type roleFields struct {
	ID         json.RawMessage `json:"id"`
	DocumentID *string         `json:"documentId"`
	Name       *string         `json:"name"`
	Type       *string         `json:"type"`
}

func (f *roleFields) ref() (roleRef, error) {
	id, ok := formatID(f.ID)
	if !ok {
		return roleRef{}, errors.New(`"id" is not a number or a string`)
	}
	if f.Name == nil || strings.TrimSpace(*f.Name) == "" {
		return roleRef{}, errors.New(`"name" is missing or empty`)
	}
	ref := roleRef{ID: id, Name: *f.Name, V5: f.DocumentID != nil}
	if f.Type != nil {
		ref.Type = *f.Type
	}
	return ref, nil
}

// decodeRoleRef reads one role object of the role list.
func decodeRoleRef(raw json.RawMessage) (roleRef, error) {
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return roleRef{}, errors.New("not an object")
	}
	var f roleFields
	if err := json.Unmarshal(raw, &f); err != nil {
		return roleRef{}, err
	}
	return f.ref()
}

// formatID renders a role id, which Strapi sends as a JSON number, for a URL path.
func formatID(raw json.RawMessage) (string, bool) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil && n != "" {
		if i, err := n.Int64(); err == nil {
			return strconv.FormatInt(i, 10), true
		}
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil && s != "" {
		return s, true
	}
	return "", false
}

// usablePermission reports whether type.controller.action makes a permission
// string the hub's rules can hold: "<namespace>::<name>", then plain segments
// (letters, digits, '-', '_'). Strapi's own names always are; a name with a
// dot or a '*' inside a segment would mean something else to the rules.
func usablePermission(typ, ctrl, action string) bool {
	ns, name, ok := strings.Cut(typ, "::")
	return ok && plain(ns) && plain(name) && plain(ctrl) && plain(action)
}

func plain(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// strictObject decodes body, which must be one JSON object, into v.
func strictObject(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errors.New("the answer is not a JSON object")
	}
	if err := json.Unmarshal(trimmed, v); err != nil {
		return fmt.Errorf("the answer is not valid JSON: %v", err)
	}
	return nil
}
