package sanitize

// Without a schema for a type (no [strapi] apiToken, or a uid Strapi does not
// have, as /hub/emit may send), the hub cannot know which fields are
// relations, so it applies one rule that errs on the side of hiding: below the
// event's own entity, any object that looks like a users-permissions user is
// reduced to its id and documentId. That is the relation Strapi fills into
// webhooks that leaks the most (email, provider, confirmed, blocked), and one
// no role may read by default.

// Conservative applies the no-schema rule to a content event's payload, in
// place: the event's entity (or entities, or the REST answer's data) stays,
// and user-looking objects nested in it are reduced.
func Conservative(data any) any {
	if m, ok := data.(map[string]any); ok && isWrapper(m, nil) {
		m["data"] = conservativeEntities(m["data"])
		return m
	}
	return conservativeEntities(data)
}

func conservativeEntities(x any) any {
	switch e := x.(type) {
	case []any:
		for i := range e {
			e[i] = conservativeEntities(e[i])
		}
	case map[string]any:
		if attrs, ok := e["attributes"].(map[string]any); ok {
			conservativeFields(attrs)
		} else {
			conservativeFields(e)
		}
	}
	return x
}

func conservativeFields(m map[string]any) {
	for k, val := range m {
		m[k] = reduceUsers(val)
	}
}

// reduceUsers reduces every user-looking object in x, at any depth.
func reduceUsers(x any) any {
	switch e := x.(type) {
	case []any:
		for i := range e {
			e[i] = reduceUsers(e[i])
		}
	case map[string]any:
		if attrs, ok := e["attributes"].(map[string]any); ok && looksLikeUser(attrs) {
			return idOnly(e) // v4 REST: {"id", "attributes": {..}}
		}
		if looksLikeUser(e) {
			return idOnly(e)
		}
		for k, val := range e {
			e[k] = reduceUsers(val)
		}
	}
	return x
}

// looksLikeUser: an email and one of username, provider, confirmed, blocked,
// the fields users-permissions users carry and few other objects do together.
func looksLikeUser(m map[string]any) bool {
	if _, ok := m["email"]; !ok {
		return false
	}
	for _, k := range []string{"username", "provider", "confirmed", "blocked"} {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

func idOnly(m map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"id", "documentId"} {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}
