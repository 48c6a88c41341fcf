package sanitize

import (
	"encoding/json"
	"slices"
	"strings"
)

// Delivery is one packet of a content event: Data to the union of Rooms.
type Delivery struct {
	Rooms []string
	Data  any
}

// Plan decides what each role receiving a content event of type uid sees,
// and groups the roles that see the same: one Delivery (one encoding, one
// broadcast to the union of its rooms) per distinct shape, not per role or
// socket. has is the roles table (access.Rules.Has): a role may find a type
// when has(role, "<uid>.find").
//
// Roles see the same shape when they agree on find for every type the event's
// schema can reach (Schemas.targets); groups whose payloads still come out
// equal (they differ only on types this event does not carry) are merged.
// The common case, where Public and Authenticated differ on a relation, costs
// two encodings. Without a schema for uid, everyone gets the Conservative
// payload, once.
//
// data is walked in place; every Delivery but the last gets a copy.
func Plan(s *Schemas, uid string, data any, roles []string, has func(role, permission string) bool) []Delivery {
	if len(roles) == 0 {
		return nil
	}
	if !s.Has(uid) {
		return []Delivery{{Rooms: roles, Data: Conservative(data)}}
	}
	targets := s.targets[uid]
	var groups []Delivery
	index := map[string]int{}
	var key strings.Builder
	for _, role := range roles {
		key.Reset()
		for _, t := range targets {
			if has(role, t+".find") {
				key.WriteByte('1')
			} else {
				key.WriteByte('0')
			}
		}
		if i, ok := index[key.String()]; ok {
			groups[i].Rooms = append(groups[i].Rooms, role)
			continue
		}
		index[key.String()] = len(groups)
		groups = append(groups, Delivery{Rooms: []string{role}})
	}
	for i := range groups {
		d := data
		if i < len(groups)-1 {
			d = deepCopy(data)
		}
		role := groups[i].Rooms[0] // any member: they agree on every target
		v := view{s: s, can: func(t string) bool { return has(role, t+".find") }}
		groups[i].Data = v.payload(uid, d)
	}
	return merge(groups)
}

// merge joins groups whose payloads came out the same (roles that differ on
// a type this event does not carry), so each distinct payload is sent once.
// Payloads that do not encode are left apart.
func merge(groups []Delivery) []Delivery {
	if len(groups) < 2 {
		return groups
	}
	out := groups[:0]
	seen := map[string]int{}
	for _, g := range groups {
		b, err := json.Marshal(g.Data)
		if err != nil {
			out = append(out, g)
			continue
		}
		if i, ok := seen[string(b)]; ok {
			out[i].Rooms = append(out[i].Rooms, g.Rooms...)
			continue
		}
		seen[string(b)] = len(out)
		out = append(out, g)
	}
	for i := range out {
		slices.Sort(out[i].Rooms)
	}
	return out
}

// deepCopy copies the maps and lists of a JSON-shaped value; other values
// (strings, numbers, bytes) are shared, as nothing changes them.
func deepCopy(x any) any {
	switch e := x.(type) {
	case map[string]any:
		out := make(map[string]any, len(e))
		for k, v := range e {
			out[k] = deepCopy(v)
		}
		return out
	case []any:
		out := make([]any, len(e))
		for i, v := range e {
			out[i] = deepCopy(v)
		}
		return out
	}
	return x
}
