package access

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Mode selects which permission lets a role receive a content event.
type Mode string

const (
	// ModeAction is strapi-plugin-io's rule: receiving "<uid>.<action>" needs the
	// permission Required(action) on the uid. Faithful, but receiving create events
	// needs the create permission (upstream issues #24, #29).
	ModeAction Mode = "action"
	// ModeRead adds: find or findOne on the uid is enough to receive all its events.
	// It only ever adds recipients to ModeAction, so switching to it never silences
	// a role that used to receive an event.
	ModeRead Mode = "read"
)

// Required returns the permission action a role needs to receive an event with
// the given action: publish and createOrUpdate need update, unpublish and bulkDelete
// need delete, everything else (custom actions included) needs itself.
func Required(action string) string {
	switch action {
	case "publish", "createOrUpdate":
		return "update"
	case "unpublish", "bulkDelete":
		return "delete"
	}
	return action
}

// Rules is an immutable table of role permissions. Build a new one to change it.
type Rules struct {
	mode  Mode
	roles []role // sorted by name, so recipients come out in a stable order
}

type role struct {
	name     string
	all      bool                // holds "*"
	exact    map[string]struct{} // "api::message.message.create"
	prefixes []string            // "api::message.message." from "api::message.message.*"
}

// New builds the rules from role name -> permission strings. A permission is a full
// "<uid>.<action>" string, "<prefix>.*" (any last segment), or "*" alone. Every
// name must pass CheckRoleName.
func New(roles map[string][]string, mode Mode) (*Rules, error) {
	if mode != ModeAction && mode != ModeRead {
		return nil, fmt.Errorf("access: unknown permission mode %q", mode)
	}
	r := &Rules{mode: mode}
	names := make([]string, 0, len(roles))
	for name := range roles {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := CheckRoleName(name); err != nil {
			return nil, fmt.Errorf("access: role %q: %v", name, err)
		}
		ro := role{name: name, exact: map[string]struct{}{}}
		for _, p := range roles[name] {
			switch {
			case p == "*":
				ro.all = true
			case strings.HasSuffix(p, ".*"):
				ro.prefixes = append(ro.prefixes, strings.TrimSuffix(p, "*"))
			case strings.Contains(p, "*"):
				return nil, fmt.Errorf("access: role %q: permission %q: '*' may only be the whole last segment or the whole permission", name, p)
			default:
				ro.exact[p] = struct{}{}
			}
		}
		r.roles = append(r.roles, ro)
	}
	return r, nil
}

// Mode reports the rules' permission mode.
func (r *Rules) Mode() Mode { return r.mode }

// Has reports whether role holds permission ("<uid>.<action>"), wildcards applied.
// An unknown role holds nothing.
func (r *Rules) Has(roleName, permission string) bool {
	i, ok := slices.BinarySearchFunc(r.roles, roleName, func(ro role, n string) int { return strings.Compare(ro.name, n) })
	return ok && r.roles[i].has(permission)
}

func (ro *role) has(permission string) bool {
	if ro.all {
		return true
	}
	if _, ok := ro.exact[permission]; ok {
		return true
	}
	for _, p := range ro.prefixes {
		// The wildcard stands for exactly one last segment: "a.b.*" matches "a.b.c"
		// but not "a.b.c.d".
		if rest, ok := strings.CutPrefix(permission, p); ok && rest != "" && !strings.Contains(rest, ".") {
			return true
		}
	}
	return false
}

// Recipients returns the roles that may receive ev, sorted by name. The hub sends
// one packet per returned role room.
func (r *Rules) Recipients(ev ContentEvent) []string {
	var out []string
	for i := range r.roles {
		if r.allows(&r.roles[i], ev) {
			out = append(out, r.roles[i].name)
		}
	}
	return out
}

// Allows reports whether roleName may receive ev.
func (r *Rules) Allows(roleName string, ev ContentEvent) bool {
	i, ok := slices.BinarySearchFunc(r.roles, roleName, func(ro role, n string) int { return strings.Compare(ro.name, n) })
	return ok && r.allows(&r.roles[i], ev)
}

func (r *Rules) allows(ro *role, ev ContentEvent) bool {
	if ro.has(ev.UID + "." + Required(ev.Action)) {
		return true
	}
	return r.mode == ModeRead && (ro.has(ev.UID+".find") || ro.has(ev.UID+".findOne"))
}

// Roles returns the role names, sorted, in a new slice.
func (r *Rules) Roles() []string {
	out := make([]string, len(r.roles))
	for i := range r.roles {
		out[i] = r.roles[i].name
	}
	return out
}

// Known reports whether roleName is in the table.
func (r *Rules) Known(roleName string) bool {
	_, ok := slices.BinarySearchFunc(r.roles, roleName, func(ro role, n string) int { return strings.Compare(ro.name, n) })
	return ok
}
