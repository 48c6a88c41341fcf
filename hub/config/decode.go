package config

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// decoder turns the generic tree from the TOML parser into a Config, collecting
// every problem instead of stopping at the first.
type decoder struct {
	lookup func(string) (string, bool)
	probs  []problem

	// Keyed by rendered path:
	unset   map[string][]string // strings that used unset ${VAR}s without default
	fromEnv map[string]bool     // strings that contained a ${...}
	bad     map[string]bool     // malformed ${...}: already reported
	failed  map[string]bool     // values that could not be decoded (reported)
	single  map[string]bool     // lists written as a single string

	algorithmsSet bool // auth.algorithms was present
}

func newDecoder(lookup func(string) (string, bool)) *decoder {
	return &decoder{
		lookup:  lookup,
		unset:   map[string][]string{},
		fromEnv: map[string]bool{},
		bad:     map[string]bool{},
		failed:  map[string]bool{},
		single:  map[string]bool{},
	}
}

// add reports a problem at p, noting unset environment variables that made the
// value at p empty.
func (d *decoder) add(p keyPath, msg string) {
	d.addRaw(p, msg+d.unsetNote(p))
}

func (d *decoder) addRaw(p keyPath, msg string) {
	d.probs = append(d.probs, problem{path: p, msg: msg})
}

// fail reports a value that could not be decoded.
func (d *decoder) fail(p keyPath, msg string) {
	d.failed[p.String()] = true
	d.add(p, msg)
}

// skip reports whether the value at p was already reported as malformed.
func (d *decoder) skip(p keyPath) bool {
	if d.bad[p.String()] {
		d.failed[p.String()] = true
		return true
	}
	return false
}

// ok reports whether the value at p decoded (or was absent).
func (d *decoder) ok(p keyPath) bool { return !d.failed[p.String()] }

// elem is the path of element i of the list at p; a list written as a single
// string has its one element at p itself.
func (d *decoder) elem(p keyPath, i int) keyPath {
	if d.single[p.String()] {
		return p
	}
	return p.at(i)
}

// field decodes m[key], if present, into *dst with conv.
func field[T any](m map[string]any, parent keyPath, key string, conv func(keyPath, any) (T, bool), dst *T) {
	v, ok := m[key]
	if !ok {
		return
	}
	if x, ok := conv(parent.key(key), v); ok {
		*dst = x
	}
}

// unknownKeys reports the keys of m (at p) that are not in known.
func (d *decoder) unknownKeys(p keyPath, m map[string]any, known ...string) {
	for _, k := range sortedKeys(m) {
		if !slices.Contains(known, k) {
			d.add(p.key(k), "unknown key"+didYouMean(k, known))
		}
	}
}

// table returns m[key] as a table; ok is false if absent or not a table (which
// is reported).
func (d *decoder) table(m map[string]any, parent keyPath, key string) (map[string]any, keyPath, bool) {
	p := parent.key(key)
	v, present := m[key]
	if !present {
		return nil, p, false
	}
	t, ok := v.(map[string]any)
	if !ok {
		d.fail(p, "expected a table, got "+describe(v))
	}
	return t, p, ok
}

func (d *decoder) str(p keyPath, v any) (string, bool) {
	if d.skip(p) {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		d.fail(p, "expected a string, got "+describe(v))
	}
	return s, ok
}

func (d *decoder) boolean(p keyPath, v any) (bool, bool) {
	if d.skip(p) {
		return false, false
	}
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		if d.fromEnv[p.String()] {
			if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
				return b, true
			}
		}
	}
	d.fail(p, "expected true or false, got "+describe(v))
	return false, false
}

func (d *decoder) integer(p keyPath, v any) (int, bool) {
	if d.skip(p) {
		return 0, false
	}
	switch x := v.(type) {
	case int64:
		if x >= math.MinInt && x <= math.MaxInt {
			return int(x), true
		}
	case string:
		if d.fromEnv[p.String()] {
			if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
				return n, true
			}
		}
	}
	d.fail(p, "expected an integer, got "+describe(v))
	return 0, false
}

func (d *decoder) duration(p keyPath, v any) (Duration, bool) {
	if d.skip(p) {
		return 0, false
	}
	x, msg := parseDuration(v, d.fromEnv[p.String()])
	if msg != "" {
		d.fail(p, msg)
		return 0, false
	}
	return x, true
}

func (d *decoder) size(p keyPath, v any) (ByteSize, bool) {
	if d.skip(p) {
		return 0, false
	}
	x, msg := parseByteSize(v)
	if msg != "" {
		d.fail(p, msg)
		return 0, false
	}
	return x, true
}

// strings decodes an array of strings (a single string is not accepted).
func (d *decoder) strings(p keyPath, v any) ([]string, bool) {
	if d.skip(p) {
		return nil, false
	}
	arr, ok := v.([]any)
	if !ok {
		d.fail(p, "expected an array of strings, got "+describe(v))
		return nil, false
	}
	return d.stringElems(p, arr)
}

// stringList decodes a string or an array of strings.
func (d *decoder) stringList(p keyPath, v any) (StringList, bool) {
	if d.skip(p) {
		return nil, false
	}
	switch x := v.(type) {
	case string:
		d.single[p.String()] = true
		return StringList{x}, true
	case []any:
		return d.stringElems(p, x)
	}
	d.fail(p, stringListExpected+", got "+describe(v))
	return nil, false
}

func (d *decoder) stringElems(p keyPath, arr []any) ([]string, bool) {
	out, ok := make([]string, 0, len(arr)), true
	for i, e := range arr {
		s, isStr := d.str(p.at(i), e)
		ok = ok && isStr
		out = append(out, s)
	}
	if !ok {
		d.failed[p.String()] = true
	}
	return out, ok
}

func (d *decoder) anyTable(p keyPath, v any) (map[string]any, bool) {
	t, ok := v.(map[string]any)
	if !ok {
		d.fail(p, "expected a table, got "+describe(v))
	}
	return t, ok
}

// decode fills c (prefilled with defaults) from the expanded tree m.
func (d *decoder) decode(m map[string]any, c *Config) {
	var root keyPath
	d.unknownKeys(root, m, "listen", "publicRoleName", "permissionMode", "privateFields",
		"logLevel", "logFormat", "IOServerOptions", "contentTypes", "events", "auth",
		"strapi", "roles", "api", "plugins", "cluster", "http", "limits", "admin")
	field(m, root, "listen", d.str, &c.Listen)
	field(m, root, "publicRoleName", d.str, &c.PublicRoleName)
	field(m, root, "permissionMode", d.str, &c.PermissionMode)
	field(m, root, "privateFields", d.strings, &c.PrivateFields)
	field(m, root, "logLevel", d.str, &c.LogLevel)
	field(m, root, "logFormat", d.str, &c.LogFormat)
	if t, p, ok := d.table(m, root, "IOServerOptions"); ok {
		d.decodeIO(t, p, &c.IO)
	}
	if v, ok := m["contentTypes"]; ok {
		d.decodeContentTypes(root.key("contentTypes"), v, &c.ContentTypes)
	}
	if v, ok := m["events"]; ok {
		d.decodeEvents(root.key("events"), v, &c.Events)
	}
	if t, p, ok := d.table(m, root, "auth"); ok {
		d.decodeAuth(t, p, &c.Auth)
	}
	if t, p, ok := d.table(m, root, "strapi"); ok {
		d.decodeStrapi(t, p, &c.Strapi)
	}
	if t, p, ok := d.table(m, root, "roles"); ok {
		d.decodeRoles(t, p, c.Roles)
	}
	if t, p, ok := d.table(m, root, "api"); ok {
		d.unknownKeys(p, t, "tokens", "maxBodySize")
		field(t, p, "tokens", d.strings, &c.API.Tokens)
		field(t, p, "maxBodySize", d.size, &c.API.MaxBodySize)
	}
	if t, p, ok := d.table(m, root, "plugins"); ok {
		d.unknownKeys(p, t, "dir", "watch", "timeout", "memoryLimit", "jsRuntime")
		field(t, p, "dir", d.str, &c.Plugins.Dir)
		field(t, p, "watch", d.boolean, &c.Plugins.Watch)
		field(t, p, "timeout", d.duration, &c.Plugins.Timeout)
		field(t, p, "memoryLimit", d.size, &c.Plugins.MemoryLimit)
		field(t, p, "jsRuntime", d.str, &c.Plugins.JSRuntime)
	}
	if t, p, ok := d.table(m, root, "cluster"); ok {
		d.decodeCluster(t, p, &c.Cluster)
	}
	if t, p, ok := d.table(m, root, "http"); ok {
		d.decodeHTTP(t, p, &c.HTTP)
	}
	if t, p, ok := d.table(m, root, "limits"); ok {
		d.decodeLimits(t, p, &c.Limits)
	}
	if t, p, ok := d.table(m, root, "admin"); ok {
		d.decodeAdmin(t, p, &c.Admin)
	}
}

func (d *decoder) decodeIO(m map[string]any, p keyPath, io *IOServerOptions) {
	d.unknownKeys(p, m, "path", "pingInterval", "pingTimeout", "connectTimeout",
		"upgradeTimeout", "maxHttpBufferSize", "transports", "cors", "connectionStateRecovery")
	field(m, p, "path", d.str, &io.Path)
	field(m, p, "pingInterval", d.duration, &io.PingInterval)
	field(m, p, "pingTimeout", d.duration, &io.PingTimeout)
	field(m, p, "connectTimeout", d.duration, &io.ConnectTimeout)
	field(m, p, "upgradeTimeout", d.duration, &io.UpgradeTimeout)
	field(m, p, "maxHttpBufferSize", d.size, &io.MaxHTTPBufferSize)
	field(m, p, "transports", d.strings, &io.Transports)
	if t, cp, ok := d.table(m, p, "cors"); ok {
		d.unknownKeys(cp, t, "origin", "methods", "allowedHeaders", "credentials")
		field(t, cp, "origin", d.stringList, &io.Cors.Origin)
		field(t, cp, "methods", d.stringList, &io.Cors.Methods)
		field(t, cp, "allowedHeaders", d.stringList, &io.Cors.AllowedHeaders)
		field(t, cp, "credentials", d.boolean, &io.Cors.Credentials)
	}
	if t, rp, ok := d.table(m, p, "connectionStateRecovery"); ok {
		r := defaultRecovery()
		d.unknownKeys(rp, t, "maxDisconnectionDuration", "skipMiddlewares")
		field(t, rp, "maxDisconnectionDuration", d.duration, &r.MaxDisconnectionDuration)
		field(t, rp, "skipMiddlewares", d.boolean, &r.SkipMiddlewares)
		io.ConnectionStateRecovery = r
	}
}

func (d *decoder) decodeContentTypes(p keyPath, v any, ct *ContentTypes) {
	if d.skip(p) {
		return
	}
	t, isTable := v.(map[string]any)
	if !isTable {
		c, probs := parseContentTypes(v)
		if len(probs) > 0 {
			d.fail(p, probs[0])
			return
		}
		*ct = c
		return
	}
	c := ContentTypes{Types: make(map[string][]string, len(t))}
	for _, api := range sortedKeys(t) {
		if acts, ok := d.stringList(p.key(api), t[api]); ok {
			c.Types[api] = acts
		}
	}
	*ct = c
}

func (d *decoder) decodeEvents(p keyPath, v any, events *[]Event) {
	var list []map[string]any
	switch x := v.(type) {
	case []map[string]any:
		list = x
	case []any:
		for i, e := range x {
			t, ok := e.(map[string]any)
			if !ok {
				d.fail(p.at(i), "expected a table with name and handler, got "+describe(e))
				continue
			}
			list = append(list, t)
		}
		if len(list) != len(x) {
			return
		}
	default:
		d.fail(p, "expected an array of tables ([[events]]), got "+describe(v))
		return
	}
	out := make([]Event, len(list))
	for i, t := range list {
		ep := p.at(i)
		d.unknownKeys(ep, t, "name", "handler", "config")
		field(t, ep, "name", d.str, &out[i].Name)
		field(t, ep, "handler", d.str, &out[i].Handler)
		field(t, ep, "config", d.anyTable, &out[i].Config)
	}
	*events = out
}

func (d *decoder) decodeAuth(m map[string]any, p keyPath, a *Auth) {
	d.unknownKeys(p, m, "jwtSecret", "publicKeyFile", "algorithms", "roleClaim",
		"authenticatedRole", "requireConfirmed", "issuer", "audience", "leeway", "requireExp")
	field(m, p, "jwtSecret", d.str, &a.JWTSecret)
	field(m, p, "publicKeyFile", d.str, &a.PublicKeyFile)
	_, d.algorithmsSet = m["algorithms"]
	field(m, p, "algorithms", d.strings, &a.Algorithms)
	field(m, p, "roleClaim", d.str, &a.RoleClaim)
	field(m, p, "authenticatedRole", d.str, &a.AuthenticatedRole)
	field(m, p, "requireConfirmed", d.boolean, &a.RequireConfirmed)
	field(m, p, "issuer", d.str, &a.Issuer)
	field(m, p, "audience", d.str, &a.Audience)
	field(m, p, "leeway", d.duration, &a.Leeway)
	field(m, p, "requireExp", d.boolean, &a.RequireExp)
}

func (d *decoder) decodeRoles(m map[string]any, p keyPath, roles map[string]Role) {
	for _, name := range sortedKeys(m) {
		rp := p.key(name)
		t, ok := d.anyTable(rp, m[name])
		if !ok {
			continue
		}
		var r Role
		d.unknownKeys(rp, t, "permissions")
		field(t, rp, "permissions", d.strings, &r.Permissions)
		roles[name] = r
	}
}

// fileOrder maps the rendered path of every key in the file (array tables
// indexed: events[1].handler) to its position among the file's keys.
func fileOrder(md toml.MetaData) map[string]int {
	keys := md.Keys()
	order := make(map[string]int, len(keys))
	cur := map[string]int{} // array table path -> index of its latest [[...]]
	for n, k := range keys {
		var p keyPath
		for i, seg := range k {
			p = p.key(seg)
			s := p.String()
			if i == len(k)-1 && md.Type(k...) == "ArrayHash" {
				idx, seen := cur[s]
				if seen {
					idx++
				}
				cur[s] = idx
				p = p.at(idx)
			} else if idx, ok := cur[s]; ok {
				p = p.at(idx)
			}
		}
		if s := p.String(); !hasKey(order, s) {
			order[s] = n
		}
	}
	return order
}

func hasKey[K comparable, V any](m map[K]V, k K) bool {
	_, ok := m[k]
	return ok
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func quote(s string) string { return strconv.Quote(s) }
