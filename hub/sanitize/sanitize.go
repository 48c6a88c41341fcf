// Package sanitize decides what each role sees of a content event.
//
// Two layers. The Sanitizer removes privateFields (password, reset tokens, ...)
// by name, at any depth, from every permission-checked payload: Strapi never
// puts private fields in webhooks, but /hub/emit bodies and handlers are written
// by people, and one leaked password hash is one too many. Plan then gives each
// role what Strapi's content API would give it: with the content-type schemas
// read from Strapi (Schemas), private and password attributes of the type and
// of every related type go, and so do relations whose target the role may not
// find; without a schema for the type, a conservative rule reduces anything
// that looks like a users-permissions user to its id. Raw emits are sent as
// given: they are the explicit "I know what I am sending" path, as in
// strapi-plugin-io.
package sanitize

import (
	"slices"
	"strings"
)

// defaultPrivateFields are the users-permissions fields Strapi marks private.
var defaultPrivateFields = []string{"password", "resetPasswordToken", "confirmationToken"}

// DefaultPrivateFields returns the users-permissions fields Strapi marks
// private: privateFields' default, and what the hub removes from a Strapi
// user before handlers see it.
func DefaultPrivateFields() []string { return slices.Clone(defaultPrivateFields) }

// Sanitizer removes a fixed set of keys from JSON-shaped values. It is immutable
// and safe for concurrent use.
type Sanitizer struct {
	private map[string]struct{}
}

// New returns a Sanitizer for the given field names, matched at any depth,
// ignoring case and surrounding spaces: "Password" and "password " are the same
// secret to whoever reads the event.
func New(fields []string) *Sanitizer {
	s := &Sanitizer{private: make(map[string]struct{}, len(fields))}
	for _, f := range fields {
		s.private[fold(f)] = struct{}{}
	}
	return s
}

// fold is the form private names are compared in.
func fold(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// isPrivate reports whether key is one of the private field names.
func (s *Sanitizer) isPrivate(key string) bool {
	if s == nil || len(s.private) == 0 {
		return false
	}
	_, ok := s.private[fold(key)]
	return ok
}

// Clean deletes every private key from v at any depth, in place, and returns v.
// v is what encoding/json produces when decoding into an any: maps, slices and
// scalars. Other types are returned untouched.
func (s *Sanitizer) Clean(v any) any {
	if s == nil || len(s.private) == 0 {
		return v
	}
	s.clean(v)
	return v
}

func (s *Sanitizer) clean(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if s.isPrivate(k) {
				delete(t, k)
				continue
			}
			s.clean(child)
		}
	case []any:
		for _, child := range t {
			s.clean(child)
		}
	}
}
