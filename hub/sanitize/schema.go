package sanitize

import (
	"slices"
	"strings"
)

// Attribute kinds the views treat specially; every other Strapi type
// ("string", "integer", "json", ...) is a plain value.
const (
	KindRelation    = "relation"
	KindMedia       = "media"
	KindComponent   = "component"
	KindDynamicZone = "dynamiczone"
	KindPassword    = "password"
)

// uploadFile is the type media attributes point at.
const uploadFile = "plugin::upload.file"

// Attr is what the views need of one attribute of a content type or component.
type Attr struct {
	// Kind is Strapi's attribute type ("relation", "media", "string", ...).
	Kind string
	// Private is `private: true`, or the name listed in the type's
	// options.privateAttributes.
	Private bool
	// Target is a relation's target uid; "" for polymorphic relations.
	Target string
	// Morph is true for morphTo/morphToOne/morphToMany relations, whose
	// targets are named by each element's __type.
	Morph bool
	// Component is a component attribute's component uid.
	Component string
}

// Type is one content type or component.
type Type struct {
	UID   string
	Attrs map[string]Attr
	// PopulateCreatorFields is options.populateCreatorFields: createdBy and
	// updatedBy are shown (Strapi makes them private otherwise).
	PopulateCreatorFields bool
	// Component is true for components (they have no find permission).
	Component bool
}

// Schemas is an immutable table of content types and components, as read
// from Strapi. Build it with NewSchemas; a nil *Schemas knows no type.
type Schemas struct {
	types map[string]*Type
	// targets holds, per content type, the uids whose find permission can
	// change what a role sees of that type's events, sorted. Roles that agree
	// on all of them see the same payload.
	targets map[string][]string
}

// NewSchemas builds the table. A later type of the same uid replaces an
// earlier one.
func NewSchemas(types []Type) *Schemas {
	s := &Schemas{types: make(map[string]*Type, len(types)), targets: map[string][]string{}}
	for i := range types {
		t := types[i]
		s.types[t.UID] = &t
	}
	var all []string
	for uid, t := range s.types {
		if !t.Component {
			all = append(all, uid)
		}
	}
	slices.Sort(all)
	for _, uid := range all {
		set, morph := map[string]bool{}, false
		s.reach(uid, map[string]bool{}, set, &morph)
		if morph {
			// A polymorphic relation may point at any type.
			s.targets[uid] = all
			continue
		}
		ts := make([]string, 0, len(set))
		for t := range set {
			ts = append(ts, t)
		}
		slices.Sort(ts)
		s.targets[uid] = ts
	}
	return s
}

// reach collects the relation targets reachable from uid through visible
// attributes: relations (whose target is checked, then walked), components,
// dynamic zones (any component may appear) and media.
func (s *Schemas) reach(uid string, seen, targets map[string]bool, morph *bool) {
	if seen[uid] {
		return
	}
	seen[uid] = true
	t := s.types[uid]
	if t == nil {
		return
	}
	for name, a := range t.Attrs {
		if a.Private || a.Kind == KindPassword {
			continue
		}
		switch a.Kind {
		case KindRelation:
			if a.Morph {
				*morph = true
				continue
			}
			if !(isCreatorField(name) && t.PopulateCreatorFields) {
				targets[a.Target] = true
			}
			s.reach(a.Target, seen, targets, morph)
		case KindMedia:
			s.reach(uploadFile, seen, targets, morph)
		case KindComponent:
			s.reach(a.Component, seen, targets, morph)
		case KindDynamicZone:
			for cuid, c := range s.types {
				if c.Component {
					s.reach(cuid, seen, targets, morph)
				}
			}
		}
	}
	if t.PopulateCreatorFields {
		s.reach(adminUser, seen, targets, morph)
	}
}

// adminUser is the type of createdBy and updatedBy.
const adminUser = "admin::user"

func isCreatorField(name string) bool { return name == "createdBy" || name == "updatedBy" }

// Len is the number of types and components known.
func (s *Schemas) Len() int {
	if s == nil {
		return 0
	}
	return len(s.types)
}

// Has reports whether uid is a known content type.
func (s *Schemas) Has(uid string) bool {
	if s == nil {
		return false
	}
	t, ok := s.types[uid]
	return ok && !t.Component
}

// Equal reports whether two tables describe the same types.
func (s *Schemas) Equal(o *Schemas) bool {
	if s.Len() != o.Len() {
		return false
	}
	if s.Len() == 0 {
		return true
	}
	for uid, t := range s.types {
		u, ok := o.types[uid]
		if !ok || t.PopulateCreatorFields != u.PopulateCreatorFields || t.Component != u.Component ||
			len(t.Attrs) != len(u.Attrs) {
			return false
		}
		for name, a := range t.Attrs {
			if b, ok := u.Attrs[name]; !ok || a != b {
				return false
			}
		}
	}
	return true
}

// type_ returns the type or component uid, or nil.
func (s *Schemas) type_(uid string) *Type {
	if s == nil {
		return nil
	}
	return s.types[uid]
}

// IsMorph reports whether a Strapi relation kind is polymorphic on the
// owning side (morphTo, morphToOne, morphToMany): its elements name their type
// in __type. morphOne and morphMany have a target like other relations.
func IsMorph(relation string) bool {
	return strings.HasPrefix(strings.ToLower(relation), "morphto")
}
