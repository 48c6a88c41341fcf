package config

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written in TOML as a string for
// time.ParseDuration ("25s", "100ms", "1m30s") or as an integer number of
// milliseconds (25000, as strapi-plugin-io users write pingInterval). Negative
// durations are refused.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d like time.Duration ("25s").
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes d as "25s", which UnmarshalText and hub.toml read back.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a duration string like "25s" (e.g. for flag.TextVar).
func (d *Duration) UnmarshalText(b []byte) error {
	v, msg := parseDuration(string(b), false)
	if msg != "" {
		return errors.New(msg)
	}
	*d = v
	return nil
}

// UnmarshalTOML implements toml.Unmarshaler: a string or integer milliseconds.
func (d *Duration) UnmarshalTOML(data any) error {
	v, msg := parseDuration(data, false)
	if msg != "" {
		return errors.New(msg)
	}
	*d = v
	return nil
}

const durationExpected = `expected a duration like "25s" or milliseconds as an integer`

// parseDuration converts a TOML value. A string that came from a ${VAR}
// expansion (fromEnv) may also be an integer number of milliseconds. The message
// is empty on success.
func parseDuration(v any, fromEnv bool) (Duration, string) {
	switch x := v.(type) {
	case int64:
		if x < 0 {
			return 0, "must not be negative, got " + describe(v)
		}
		if x > math.MaxInt64/int64(time.Millisecond) {
			return 0, "too large, got " + describe(v)
		}
		return Duration(time.Duration(x) * time.Millisecond), ""
	case string:
		s := strings.TrimSpace(x)
		if fromEnv && isDigits(s) {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n > math.MaxInt64/int64(time.Millisecond) {
				return 0, "too large, got " + describe(v)
			}
			return Duration(time.Duration(n) * time.Millisecond), ""
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, durationExpected + ", got " + describe(v)
		}
		if d < 0 {
			return 0, "must not be negative, got " + describe(v)
		}
		return Duration(d), ""
	}
	return 0, durationExpected + ", got " + describe(v)
}

// ByteSize is a number of bytes, written in TOML as an integer (or a whole
// float such as 1e6) or as a string with an optional unit: "1048576", "1e6",
// "100kB", "512KiB", "1MB", "16MiB", "1GiB", "1.5MiB". Units are B, kB (1000),
// KiB (1024), MB, MiB, GB, GiB, case-insensitive. Negative sizes are refused.
type ByteSize int64

// Size units.
const (
	KiB ByteSize = 1 << 10
	MiB ByteSize = 1 << 20
	GiB ByteSize = 1 << 30
)

// String formats b with the largest binary unit dividing it ("16MiB"), else in
// bytes ("1000000").
func (b ByteSize) String() string {
	for _, u := range []struct {
		n    ByteSize
		name string
	}{{GiB, "GiB"}, {MiB, "MiB"}, {KiB, "KiB"}} {
		if b != 0 && b%u.n == 0 {
			return strconv.FormatInt(int64(b/u.n), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// MarshalText writes b like String, which UnmarshalText and hub.toml read back.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText reads a size string like "16MiB" (e.g. for flag.TextVar).
func (b *ByteSize) UnmarshalText(text []byte) error {
	v, msg := parseByteSize(string(text))
	if msg != "" {
		return errors.New(msg)
	}
	*b = v
	return nil
}

// UnmarshalTOML implements toml.Unmarshaler: an integer or a string with a unit.
func (b *ByteSize) UnmarshalTOML(data any) error {
	v, msg := parseByteSize(data)
	if msg != "" {
		return errors.New(msg)
	}
	*b = v
	return nil
}

const sizeExpected = `expected a size like 1048576 or "1MiB" (units B, kB, KiB, MB, MiB, GB, GiB)`

var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1e3, "kib": 1 << 10,
	"mb": 1e6, "mib": 1 << 20,
	"gb": 1e9, "gib": 1 << 30,
}

// parseByteSize converts a TOML value; the message is empty on success.
func parseByteSize(v any) (ByteSize, string) {
	bad := func() (ByteSize, string) { return 0, sizeExpected + ", got " + describe(v) }
	switch x := v.(type) {
	case int64:
		if x < 0 {
			return 0, "must not be negative, got " + describe(v)
		}
		return ByteSize(x), ""
	case float64:
		if x < 0 {
			return 0, "must not be negative, got " + describe(v)
		}
		if x != math.Trunc(x) || math.IsNaN(x) || math.IsInf(x, 0) {
			return bad()
		}
		if x >= math.MaxInt64 {
			return 0, "too large, got " + describe(v)
		}
		return ByteSize(x), ""
	case string:
		s := strings.TrimSpace(x)
		if strings.HasPrefix(s, "-") {
			return 0, "must not be negative, got " + describe(v)
		}
		num, unit := splitNumber(s)
		mult, ok := sizeUnits[strings.ToLower(strings.TrimSpace(unit))]
		if num == "" || !ok {
			return bad()
		}
		if isDigits(num) {
			n, err := strconv.ParseInt(num, 10, 64)
			if err != nil || n > math.MaxInt64/mult {
				return 0, "too large, got " + describe(v)
			}
			return ByteSize(n * mult), ""
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return bad()
		}
		f *= float64(mult)
		if err != nil || f >= math.MaxInt64 {
			return 0, "too large, got " + describe(v)
		}
		if f != math.Trunc(f) {
			return 0, "not a whole number of bytes, got " + describe(v)
		}
		return ByteSize(f), ""
	}
	return bad()
}

// splitNumber splits "1.5e3 MiB" into "1.5e3" and " MiB": digits, an optional
// fraction and an optional exponent.
func splitNumber(s string) (num, rest string) {
	i := 0
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	if digits() == 0 {
		return "", s
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return "", s
		}
	}
	if i+1 < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i
		i++
		if s[i] == '+' {
			i++
		}
		if digits() == 0 {
			i = j // not an exponent: leave it to the unit
		}
	}
	return s[:i], s[i:]
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// StringList is a list of strings written in TOML as one string or as an array
// of strings: origin = "*" and origin = ["*"] are the same.
type StringList []string

// UnmarshalTOML implements toml.Unmarshaler.
func (l *StringList) UnmarshalTOML(data any) error {
	v, msg := parseStringList(data)
	if msg != "" {
		return errors.New(msg)
	}
	*l = v
	return nil
}

const stringListExpected = "expected a string or an array of strings"

func parseStringList(v any) (StringList, string) {
	switch x := v.(type) {
	case string:
		return StringList{x}, ""
	case []any:
		out := make(StringList, 0, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Sprintf("[%d]: expected a string, got %s", i, describe(e))
			}
			out = append(out, s)
		}
		return out, ""
	}
	return nil, stringListExpected + ", got " + describe(v)
}

// ContentActions are the actions a contentTypes entry may list (besides "*").
var ContentActions = []string{
	"find", "findOne", "create", "update", "delete",
	"publish", "unpublish", "createOrUpdate", "bulkDelete",
}

// ContentTypes is `contentTypes`: either "*" (every content type), or a table
// mapping an apiName (the segment after "api::" in the uid, e.g. "message") to
// "*", one action, or a list of actions from [ContentActions].
//
// When the key is absent, All is true: a hub that was given no filter forwards
// every content type, as the permission rules still decide who receives it. An
// empty table ([contentTypes] with no entries) allows nothing, and an entry with
// an empty list (message = []) disables that content type.
type ContentTypes struct {
	// All is true for contentTypes = "*" and when the key is absent.
	All bool
	// Types maps apiName to its actions; ["*"] means every action.
	Types map[string][]string
}

// Allows reports whether events for action on apiName are forwarded: c.All, or
// Types[apiName] contains "*" or action.
func (c ContentTypes) Allows(apiName, action string) bool {
	if c.All {
		return true
	}
	acts := c.Types[apiName]
	return slices.Contains(acts, "*") || slices.Contains(acts, action)
}

// UnmarshalTOML implements toml.Unmarshaler. Unknown actions are errors.
func (c *ContentTypes) UnmarshalTOML(data any) error {
	var v contentTypesShape
	if err := v.UnmarshalTOML(data); err != nil {
		return err
	}
	for api, acts := range v.Types {
		for _, a := range acts {
			if msg := checkAction(a); msg != "" {
				return fmt.Errorf("%s: %s", api, msg)
			}
		}
	}
	*c = ContentTypes(v)
	return nil
}

// contentTypesShape is ContentTypes read without checking the actions.
type contentTypesShape ContentTypes

// UnmarshalTOML implements toml.Unmarshaler.
func (c *contentTypesShape) UnmarshalTOML(data any) error {
	v, probs := parseContentTypes(data)
	if len(probs) > 0 {
		return errors.New(probs[0])
	}
	*c = contentTypesShape(v)
	return nil
}

const contentTypesExpected = `expected "*" or a table of content types like { message = "*" }`

// parseContentTypes checks the shape only; actions are checked by validate. The
// messages are prefixed with the entry's key and a ": " when they concern one.
func parseContentTypes(v any) (ContentTypes, []string) {
	switch x := v.(type) {
	case string:
		if x == "*" {
			return ContentTypes{All: true}, nil
		}
		return ContentTypes{}, []string{contentTypesExpected + ", got " + describe(v)}
	case map[string]any:
		c := ContentTypes{Types: make(map[string][]string, len(x))}
		var probs []string
		for _, api := range sortedKeys(x) {
			acts, msg := parseStringList(x[api])
			if msg != "" {
				probs = append(probs, api+": "+msg)
				continue
			}
			c.Types[api] = acts
		}
		return c, probs
	}
	return ContentTypes{}, []string{contentTypesExpected + ", got " + describe(v)}
}

// checkAction returns a problem message for an action not in ContentActions.
func checkAction(a string) string {
	if a == "*" || slices.Contains(ContentActions, a) {
		return ""
	}
	return fmt.Sprintf("unknown action %q%s; expected one of %s, or \"*\"",
		a, didYouMean(a, ContentActions), strings.Join(ContentActions, ", "))
}

// describe renders a decoded TOML value for "got ..." in messages.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return "a datetime"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	case nil:
		return "nothing"
	}
	return fmt.Sprintf("a %T", v)
}
