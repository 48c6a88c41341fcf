package config

import (
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// decoder collects every problem of a config instead of stopping at the first,
// and what later steps need to word theirs.
//
// Parse hands the parsed TOML tree to check before the TOML library decodes it
// into the Config structs: check reports, in hub check's words, each value
// that does not fit its field and drops it (the library would stop at the
// first, in its own words), and turns strings from ${VAR}s into the booleans
// and numbers they stand for.
type decoder struct {
	lookup func(string) (string, bool)
	probs  []problem
	tables []table // struct tables met by check, in the order it met them

	// Keyed by rendered path:
	unset   map[string][]string // strings that used unset ${VAR}s without default
	fromEnv map[string]bool     // strings that contained a ${...}
	bad     map[string]bool     // malformed ${...}: already reported
	failed  map[string]bool     // values that could not be decoded (reported)
	single  map[string]bool     // lists written as a single string
}

// table is a TOML table checked against a struct, kept to report its unknown
// keys once the library has decoded the file.
type table struct {
	path   keyPath
	keys   []string // the table's keys, sorted
	fields []string // the struct's keys, in declaration order
	at     int      // where its unknown keys go among the problems
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

// mismatch fails the value v at p: "want, got v".
func (d *decoder) mismatch(p keyPath, want string, v any) (any, bool) {
	d.fail(p, want+", got "+describe(v))
	return nil, false
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

// decode decodes the parsed file root into a Config: it expands the parsed
// tree and checks it in place, then has the library decode it.
func (d *decoder) decode(md toml.MetaData, root toml.Primitive) *Config {
	c := Default()
	// Decoding into an empty interface hands back the parsed tree itself, so
	// the changes made to it reach the decoding of root.
	var tree any
	if err := md.PrimitiveDecode(root, &tree); err != nil {
		d.addRaw(nil, "cannot decode: "+err.Error())
		return c
	}
	algorithmsSet := md.IsDefined("auth", "algorithms") // even if dropped below
	d.expandTree(nil, tree)
	d.check(nil, tree, configType)

	// The library would start an [IOServerOptions.connectionStateRecovery]
	// from a zero Recovery; even an empty table means the defaults.
	if io, ok := tree.(map[string]any)["IOServerOptions"].(map[string]any); ok {
		if _, ok := io["connectionStateRecovery"]; ok {
			c.IO.ConnectionStateRecovery = defaultRecovery()
		}
	}
	doc := document{Config: c, ContentTypes: contentTypesShape(c.ContentTypes)}
	if err := md.PrimitiveDecode(root, &doc); err != nil {
		d.addRaw(nil, "cannot decode: "+err.Error()) // check let through a value that does not fit
	}
	c.ContentTypes = ContentTypes(doc.ContentTypes)
	d.unknownKeys(md.Undecoded())

	// A default that depends on other keys.
	if !algorithmsSet && c.Auth.JWTSecret != "" && c.Auth.PublicKeyFile == "" {
		c.Auth.Algorithms = []string{"HS256"}
	}
	return c
}

// document is what the library decodes a file into: the Config, with
// contentTypes read by shape only, since Parse reports unknown actions from
// validate (with their paths and suggestions) rather than as the decoding
// error of ContentTypes.UnmarshalTOML.
type document struct {
	*Config
	ContentTypes contentTypesShape `toml:"contentTypes"`
}

var (
	configType       = reflect.TypeFor[Config]()
	durationType     = reflect.TypeFor[Duration]()
	byteSizeType     = reflect.TypeFor[ByteSize]()
	stringListType   = reflect.TypeFor[StringList]()
	contentTypesType = reflect.TypeFor[ContentTypes]()
)

// checkIn checks m[k], the value at p.key(k), against t: it stores what the
// library is to decode, or drops a value that does not fit (reported), so
// that the field keeps its default.
func (d *decoder) checkIn(m map[string]any, p keyPath, k string, t reflect.Type) {
	kp := p.key(k)
	if v, ok := d.check(kp, m[k], t); ok {
		m[k] = v
		return
	}
	delete(m, k)
	d.failed[kp.String()] = true
}

// check returns v, the value at p, as the library is to decode it into a t, or
// false after reporting why it does not fit.
func (d *decoder) check(p keyPath, v any, t reflect.Type) (any, bool) {
	switch k := t.Kind(); {
	case k == reflect.Pointer:
		return d.check(p, v, t.Elem())
	case t == contentTypesType: // a value, below
	case k == reflect.Struct:
		return d.table(p, v, t)
	case k == reflect.Map:
		return d.dict(p, v, t.Elem())
	case k == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		return d.tableArray(p, v, t.Elem())
	}
	if d.skip(p) {
		return nil, false
	}
	s, isStr := v.(string)
	env := isStr && d.fromEnv[p.String()] // may stand for a boolean or a number
	s = strings.TrimSpace(s)
	switch t {
	case durationType:
		x, msg := parseDuration(v, env)
		if msg != "" {
			d.fail(p, msg)
			return nil, false
		}
		// Duration.UnmarshalTOML reads this back; it would not take
		// milliseconds from the environment ("25000").
		return x.String(), true
	case byteSizeType:
		if _, msg := parseByteSize(v); msg != "" {
			d.fail(p, msg)
			return nil, false
		}
		return v, true
	case stringListType:
		if isStr {
			d.single[p.String()] = true
			return v, true
		}
		if arr, ok := v.([]any); ok {
			return d.strings(p, arr)
		}
		return d.mismatch(p, stringListExpected, v)
	case contentTypesType:
		return d.contentTypes(p, v)
	}
	switch t.Kind() {
	case reflect.String:
		if isStr {
			return v, true
		}
		return d.mismatch(p, "expected a string", v)
	case reflect.Bool:
		if _, ok := v.(bool); ok {
			return v, true
		}
		if b, err := strconv.ParseBool(s); env && err == nil {
			return b, true
		}
		return d.mismatch(p, "expected true or false", v)
	case reflect.Int:
		if x, ok := v.(int64); ok && x >= math.MinInt && x <= math.MaxInt {
			return v, true
		}
		if n, err := strconv.Atoi(s); env && err == nil {
			return int64(n), true
		}
		return d.mismatch(p, "expected an integer", v)
	case reflect.Float64:
		switch x := v.(type) {
		case int64:
			return float64(x), true
		case float64:
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				return x, true
			}
		}
		if f, err := strconv.ParseFloat(s, 64); env && err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f, true
		}
		return d.mismatch(p, "expected a number like 10 or 0.5", v)
	case reflect.Slice:
		if t.Elem().Kind() != reflect.String {
			break
		}
		if arr, ok := v.([]any); ok { // a single string is not accepted
			return d.strings(p, arr)
		}
		return d.mismatch(p, "expected an array of strings", v)
	}
	return v, true // a type without a check here: the library checks it (see decode)
}

// strings checks the elements of an array of strings.
func (d *decoder) strings(p keyPath, arr []any) (any, bool) {
	ok := true
	for i, e := range arr {
		if ep := p.at(i); d.skip(ep) {
			ok = false
		} else if _, isStr := e.(string); !isStr {
			d.mismatch(ep, "expected a string", e)
			ok = false
		}
	}
	return arr, ok
}

// contentTypes checks the shape of `contentTypes`; validate checks the actions.
func (d *decoder) contentTypes(p keyPath, v any) (any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		if _, probs := parseContentTypes(v); len(probs) > 0 {
			d.fail(p, probs[0])
			return nil, false
		}
		return v, true
	}
	for _, api := range sortedKeys(m) {
		d.checkIn(m, p, api, stringListType)
	}
	return m, true
}

// table checks a table against the struct t, field by field in declaration
// order. Keys that name no field are left undecoded by the library and
// reported from its MetaData.Undecoded (see unknownKeys).
func (d *decoder) table(p keyPath, v any, t reflect.Type) (any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return d.mismatch(p, "expected a table", v)
	}
	tab := table{path: p, keys: sortedKeys(m), at: len(d.probs)}
	var types []reflect.Type
	for f := range t.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("toml"), ","); name != "" && name != "-" {
			tab.fields = append(tab.fields, name)
			types = append(types, f.Type)
		}
	}
	d.tables = append(d.tables, tab) // before the tables inside: see unknownKeys
	for i, name := range tab.fields {
		if _, present := m[name]; present {
			d.checkIn(m, p, name, types[i])
		}
	}
	// The library matches keys to fields ignoring case when it finds no exact
	// match; hub.toml's keys are case-sensitive, so it is not shown them.
	for k := range m {
		if !slices.Contains(tab.fields, k) {
			delete(m, k)
		}
	}
	return m, true
}

// dict checks a table whose keys are names (roles) against its values' type;
// `any` values (an event's config) are free-form.
func (d *decoder) dict(p keyPath, v any, elem reflect.Type) (any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return d.mismatch(p, "expected a table", v)
	}
	if elem.Kind() != reflect.Interface {
		for _, k := range sortedKeys(m) {
			d.checkIn(m, p, k, elem)
		}
	}
	return m, true
}

// tableArray checks an array of tables, which [[events]] is the only one of:
// unless every element is a table, none is decoded.
func (d *decoder) tableArray(p keyPath, v any, elem reflect.Type) (any, bool) {
	var list []map[string]any
	switch x := v.(type) {
	case []map[string]any:
		list = x
	case []any:
		for i, e := range x {
			if t, ok := e.(map[string]any); ok {
				list = append(list, t)
			} else {
				d.mismatch(p.at(i), "expected a table with name and handler", e)
			}
		}
		if len(list) != len(x) {
			return nil, false
		}
	default:
		return d.mismatch(p, "expected an array of tables ([[events]])", v)
	}
	for i, t := range list {
		d.table(p.at(i), t, elem)
	}
	return v, true
}

// unknownKeys reports the keys of the checked tables that the library left
// undecoded: a key it lists, or the first one above it that names no field
// (a table named only by [a.b] is not listed). Keys that name a field are
// values already reported, or inside an event's free-form config. Undecoded
// keys carry no array index, so the tables name the place
// (events[1].handlr); each table's unknown keys come before the problems of
// its values.
func (d *decoder) unknownKeys(undecoded []toml.Key) {
	byKey := map[string][]int{} // table tomlKey -> indices in d.tables
	for i, t := range d.tables {
		k := t.path.tomlKey().String()
		byKey[k] = append(byKey[k], i)
	}
	unknown := make([]map[string]bool, len(d.tables))
	for _, k := range undecoded {
		for n := range k {
			for _, i := range byKey[k[:n].String()] {
				if t := d.tables[i]; slices.Contains(t.keys, k[n]) && !slices.Contains(t.fields, k[n]) {
					if unknown[i] == nil {
						unknown[i] = map[string]bool{}
					}
					unknown[i][k[n]] = true
				}
			}
		}
	}
	// Backwards, so that inserting does not move the places still to fill.
	for i := len(d.tables) - 1; i >= 0; i-- {
		t := d.tables[i]
		var probs []problem
		for _, k := range t.keys {
			if p := t.path.key(k); unknown[i][k] {
				probs = append(probs, problem{path: p, msg: "unknown key" + didYouMean(k, t.fields) + d.unsetNote(p)})
			}
		}
		d.probs = slices.Insert(d.probs, t.at, probs...)
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
