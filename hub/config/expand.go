package config

import (
	"strings"
)

// expansion is the result of expanding one string.
type expansion struct {
	out      string
	unset    []string // variables named by ${VAR} (no default) that were unset
	expanded bool     // the string contained at least one ${...}
	problem  string   // non-empty when the string is malformed
}

// expandString expands ${VAR} and ${VAR:-default} in s (see the package doc).
func expandString(s string, lookup func(string) (string, bool)) expansion {
	if !strings.Contains(s, "${") && !strings.Contains(s, "$$") {
		return expansion{out: s}
	}
	var (
		b = strings.Builder{}
		e expansion
	)
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "$$") {
			b.WriteByte('$')
			i += 2
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			e.problem = `unterminated "${" (write "$${" for a literal "${")`
			return e
		}
		ref := s[i : i+2+end+1] // "${...}"
		inner := s[i+2 : i+2+end]
		name, def, hasDef := strings.Cut(inner, ":-")
		switch {
		case !isVarName(name):
			e.problem = "invalid variable reference " + quote(ref) +
				": expected ${NAME} or ${NAME:-default}, NAME made of letters, digits and '_'"
			return e
		case strings.Contains(def, "${"):
			e.problem = "invalid variable reference " + quote(ref) + `: a default cannot contain "${"`
			return e
		}
		val, ok := lookup(name)
		switch {
		case hasDef && val == "":
			val = def
		case !ok:
			e.unset = append(e.unset, name)
		}
		b.WriteString(val)
		e.expanded = true
		i += len(ref)
	}
	e.out = b.String()
	return e
}

func isVarName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// expandTree expands every string in v, a value decoded by the TOML parser, in
// place, recording in d which paths used the environment and which were
// malformed. It returns the (possibly replaced) value.
func (d *decoder) expandTree(p keyPath, v any) any {
	switch x := v.(type) {
	case string:
		e := expandString(x, d.lookup)
		if e.problem != "" {
			d.add(p, e.problem)
			d.bad[p.String()] = true
			return x
		}
		if e.expanded {
			d.fromEnv[p.String()] = true
		}
		if len(e.unset) > 0 {
			d.unset[p.String()] = e.unset
		}
		return e.out
	case map[string]any:
		for _, k := range sortedKeys(x) {
			x[k] = d.expandTree(p.key(k), x[k])
		}
	case []map[string]any:
		for i, m := range x {
			d.expandTree(p.at(i), m)
		}
	case []any:
		for i := range x {
			x[i] = d.expandTree(p.at(i), x[i])
		}
	}
	return v
}

// unsetNote is " (environment variable X is not set)" when the value at p
// became empty because of unset variables, else "".
func (d *decoder) unsetNote(p keyPath) string {
	if d == nil {
		return ""
	}
	vars := d.unset[p.String()]
	switch len(vars) {
	case 0:
		return ""
	case 1:
		return " (environment variable " + vars[0] + " is not set)"
	}
	return " (environment variables " + strings.Join(vars, ", ") + " are not set)"
}
