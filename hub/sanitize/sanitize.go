// Package sanitize removes private fields (password, reset tokens, ...) from
// content-event payloads before they reach any socket.
//
// Strapi never puts private fields in webhooks, but /hub/emit bodies and Wasm
// handlers are written by people, and one leaked password hash is one too many, so
// the hub cleans every permission-checked payload. Raw emits are sent as given: they
// are the explicit "I know what I am sending" path, as in strapi-plugin-io.
package sanitize

// DefaultPrivateFields are the users-permissions fields Strapi marks private.
var DefaultPrivateFields = []string{"password", "resetPasswordToken", "confirmationToken"}

// Sanitizer removes a fixed set of keys from JSON-shaped values. It is immutable
// and safe for concurrent use.
type Sanitizer struct {
	private map[string]struct{}
}

// New returns a Sanitizer for the given field names (matched exactly, at any depth).
func New(fields []string) *Sanitizer {
	s := &Sanitizer{private: make(map[string]struct{}, len(fields))}
	for _, f := range fields {
		s.private[f] = struct{}{}
	}
	return s
}

// Clean deletes every private key from v at any depth, in place, and returns v.
// v is what encoding/json produces when decoding into an any: maps, slices and
// scalars. Other types are returned untouched.
func (s *Sanitizer) Clean(v any) any {
	if len(s.private) == 0 {
		return v
	}
	s.clean(v)
	return v
}

func (s *Sanitizer) clean(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if _, ok := s.private[k]; ok {
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
