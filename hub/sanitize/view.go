package sanitize

// A view is one role's look at a payload, with the rules of Strapi's content
// API output sanitizer (@strapi/utils sanitize.contentAPI.output, v4 and v5):
// password attributes and private attributes go, at every level; a relation
// goes unless the role may find its target (creator fields aside, which follow
// populateCreatorFields); polymorphic relations keep the elements whose __type
// the role may find; components, dynamic zones and media are walked with their
// own schemas. Keys the schema does not name (id, documentId, timestamps,
// locale) stay, as in Strapi. Payloads are walked in place.
type view struct {
	s   *Schemas
	can func(uid string) bool // the role may find uid
}

// payload walks a content event's payload for type uid: a REST answer
// ({"data": .., "meta": ..}, v4's {"id", "attributes"} entities included), or
// an entry as Strapi sends it.
func (v view) payload(uid string, data any) any {
	return v.related(v.s.type_(uid), data)
}

// related walks a value of type t that may be wrapped as a v4 REST relation
// or answer ({"data": ..}).
func (v view) related(t *Type, x any) any {
	if m, ok := x.(map[string]any); ok && isWrapper(m, t) {
		m["data"] = v.value(t, m["data"])
		return m
	}
	return v.value(t, x)
}

// isWrapper reports whether m is {"data": ..} with at most "meta" beside it,
// and not an entity of t that happens to have a "data" attribute.
func isWrapper(m map[string]any, t *Type) bool {
	if _, ok := m["data"]; !ok {
		return false
	}
	if t != nil {
		if _, attr := t.Attrs["data"]; attr {
			return false
		}
	}
	for k := range m {
		if k != "data" && k != "meta" {
			return false
		}
	}
	return true
}

// value walks an entity or a list of entities of type t. An unknown type
// (nil: not in the table) gets the conservative rule.
func (v view) value(t *Type, x any) any {
	if t == nil {
		return reduceUsers(x)
	}
	switch e := x.(type) {
	case []any:
		for i := range e {
			e[i] = v.value(t, e[i])
		}
	case map[string]any:
		if attrs, ok := e["attributes"].(map[string]any); ok {
			if _, attr := t.Attrs["attributes"]; !attr {
				v.entity(t, attrs) // v4 REST: {"id", "attributes": {..}}
				return e
			}
		}
		v.entity(t, e)
	}
	return x
}

// entity applies t's attributes to the fields of one flat entity.
func (v view) entity(t *Type, m map[string]any) {
	for k, val := range m {
		a, ok := t.Attrs[k]
		if !ok {
			if k == "localizations" && val != nil {
				// i18n's hidden relation to the other locales of the same
				// entry: the same type, the same rules.
				m[k] = v.related(t, val)
				continue
			}
			if isCreatorField(k) {
				// Strapi adds createdBy/updatedBy to every type, private
				// unless populateCreatorFields; shown, they are not checked
				// against find (admin users have no content-API permission).
				if !t.PopulateCreatorFields {
					delete(m, k)
				} else if val != nil {
					m[k] = v.related(v.s.type_(adminUser), val)
				}
			}
			continue
		}
		if a.Private || a.Kind == KindPassword {
			delete(m, k)
			continue
		}
		if a.Kind == KindRelation && !a.Morph && !(isCreatorField(k) && t.PopulateCreatorFields) && !v.can(a.Target) {
			delete(m, k) // even when null: Strapi removes the key, not only the value
			continue
		}
		if val == nil {
			continue
		}
		switch a.Kind {
		case KindRelation:
			switch {
			case a.Morph:
				if nv, keep := v.morph(val); keep {
					m[k] = nv
				} else {
					delete(m, k)
				}
			default:
				m[k] = v.related(v.s.type_(a.Target), val)
			}
		case KindMedia:
			m[k] = v.related(v.s.type_(uploadFile), val)
		case KindComponent:
			m[k] = v.value(v.s.type_(a.Component), val)
		case KindDynamicZone:
			m[k] = v.dynamicZone(val)
		}
	}
}

// morph keeps the elements of a polymorphic relation whose __type the role may
// find (Strapi drops elements without one). keep is false when the relation
// goes altogether: it had elements and none is left, or it is not a list or
// object.
func (v view) morph(x any) (any, bool) {
	one := func(el any) bool {
		m, ok := el.(map[string]any)
		if !ok {
			return false
		}
		uid, ok := m["__type"].(string)
		if !ok || !v.can(uid) {
			return false
		}
		v.value(v.s.type_(uid), m)
		return true
	}
	switch e := x.(type) {
	case []any:
		if len(e) == 0 {
			return e, true
		}
		out := e[:0]
		for _, el := range e {
			if one(el) {
				out = append(out, el)
			}
		}
		return out, len(out) > 0
	case map[string]any:
		return e, one(e)
	}
	return nil, false
}

// dynamicZone walks each entry with the schema of its __component. Entries of
// a component the table does not know are dropped: the table is older than
// the component, and hiding a field until the next sync is the safe mistake.
func (v view) dynamicZone(x any) any {
	list, ok := x.([]any)
	if !ok {
		return reduceUsers(x)
	}
	out := list[:0]
	for _, el := range list {
		m, ok := el.(map[string]any)
		if !ok {
			if el == nil {
				out = append(out, el) // Strapi passes null entries through
			}
			continue
		}
		uid, _ := m["__component"].(string)
		if c := v.s.type_(uid); c != nil && c.Component {
			v.entity(c, m)
			out = append(out, m)
		}
	}
	return out
}
