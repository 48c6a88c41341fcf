package iohub

// A tiny JSON scanner. encoding/json costs ~32 us per 190-byte envelope inside
// a Go guest (reflection), so the SDK walks JSON by hand: find a key, skip a
// value, unescape a string. It never allocates except to unescape, never
// panics, and is exact on valid JSON; on invalid JSON the results are
// unspecified (but still no panic). Everything here is plain Go, unit-tested
// natively.

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Field returns the raw JSON value of key in the object obj, or nil when obj is
// not an object or has no such key. With duplicate keys the first one wins.
func Field(obj []byte, key string) []byte {
	it, ok := openObject(obj)
	if !ok {
		return nil
	}
	for {
		k, esc, v, ok := it.next()
		if !ok {
			return nil
		}
		if keyEquals(k, esc, key) {
			return v
		}
	}
}

// Index returns the raw JSON value of element i of the array arr, or nil.
func Index(arr []byte, i int) []byte {
	if i < 0 {
		return nil
	}
	it, ok := openArray(arr)
	if !ok {
		return nil
	}
	for n := 0; ; n++ {
		v, ok := it.next()
		if !ok {
			return nil
		}
		if n == i {
			return v
		}
	}
}

// Len returns the number of elements of the array arr, or -1 when arr is not
// a (well-formed) array.
func Len(arr []byte) int {
	it, ok := openArray(arr)
	if !ok {
		return -1
	}
	n := 0
	for {
		if _, ok := it.next(); !ok {
			break
		}
		n++
	}
	if !it.done {
		return -1
	}
	return n
}

// Unquote decodes the raw JSON string value raw (quotes included). ok is false
// when raw is not a JSON string.
func Unquote(raw []byte) (s string, ok bool) {
	raw = trimSpace(raw)
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	end, esc := skipString(raw, 0)
	if end != len(raw) {
		return "", false
	}
	body := raw[1 : end-1]
	if !esc {
		return string(body), true
	}
	b, ok := appendUnescaped(make([]byte, 0, len(body)), body)
	if !ok {
		return "", false
	}
	return string(b), true
}

// String returns obj[key] when it is a JSON string.
func String(obj []byte, key string) (string, bool) {
	return Unquote(Field(obj, key))
}

// Number returns obj[key] when it is a JSON number.
func Number(obj []byte, key string) (float64, bool) {
	v := Field(obj, key)
	if !isNumber(v) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(v), 64)
	return f, err == nil
}

// Int returns obj[key] when it is a JSON number with an integral value that
// fits an int64 ("7", "7.0" and "7e0" all give 7).
func Int(obj []byte, key string) (int64, bool) {
	v := Field(obj, key)
	if !isNumber(v) {
		return 0, false
	}
	if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || f != float64(int64(f)) || f >= 1<<63 || f < -(1<<63) {
		return 0, false
	}
	return int64(f), true
}

// Bool returns obj[key] when it is true or false.
func Bool(obj []byte, key string) (value, ok bool) {
	switch string(Field(obj, key)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// AppendString appends s to dst as a JSON string, quotes included. Invalid
// UTF-8 becomes U+FFFD, since the hub refuses invalid UTF-8.
func AppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// --- scanning primitives ---------------------------------------------------

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func trimSpace(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && isSpace(b[i]) {
		i++
	}
	for j > i && isSpace(b[j-1]) {
		j--
	}
	return b[i:j]
}

// skipString expects b[i] == '"' and returns the index just past the closing
// quote (-1 if unterminated) and whether the string holds escapes.
func skipString(b []byte, i int) (end int, esc bool) {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '"':
			return i + 1, esc
		case '\\':
			esc = true
			i++ // skip the escaped byte; \uXXXX's hex digits need no care
		}
	}
	return -1, esc
}

// skipValue returns the index just past the value starting at b[i] (no
// leading space), or -1. Containers are skipped by counting brackets outside
// strings: exact for valid JSON, no recursion, so no depth limit.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		end, _ := skipString(b, i)
		return end
	case c == '{' || c == '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			case '"':
				end, _ := skipString(b, i)
				if end < 0 {
					return -1
				}
				i = end - 1
			}
		}
		return -1
	case c == 't':
		return skipLiteral(b, i, "true")
	case c == 'f':
		return skipLiteral(b, i, "false")
	case c == 'n':
		return skipLiteral(b, i, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		for i++; i < len(b); i++ {
			if c := b[i]; !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
				break
			}
		}
		return i
	}
	return -1
}

func skipLiteral(b []byte, i int, lit string) int {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit)
	}
	return -1
}

func isNumber(v []byte) bool {
	return len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9') && skipValue(v, 0) == len(v)
}

// objIter walks the members of one object.
type objIter struct {
	b     []byte
	i     int
	first bool
}

func openObject(b []byte) (objIter, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return objIter{}, false
	}
	return objIter{b: b, i: i + 1, first: true}, true
}

// next returns the next member: its raw key (no quotes), whether the key has
// escapes, and its raw value. ok is false at the end or on malformed input.
func (it *objIter) next() (key []byte, esc bool, val []byte, ok bool) {
	b := it.b
	i := skipSpace(b, it.i)
	if i >= len(b) || b[i] == '}' {
		return nil, false, nil, false
	}
	if !it.first {
		if b[i] != ',' {
			return nil, false, nil, false
		}
		i = skipSpace(b, i+1)
	}
	if i >= len(b) || b[i] != '"' {
		return nil, false, nil, false
	}
	end, esc := skipString(b, i)
	if end < 0 {
		return nil, false, nil, false
	}
	key = b[i+1 : end-1]
	i = skipSpace(b, end)
	if i >= len(b) || b[i] != ':' {
		return nil, false, nil, false
	}
	vs := skipSpace(b, i+1)
	ve := skipValue(b, vs)
	if ve < 0 {
		return nil, false, nil, false
	}
	it.i, it.first = ve, false
	return key, esc, b[vs:ve], true
}

// arrIter walks the elements of one array; done is set when the closing
// bracket was reached (as opposed to stopping on malformed input).
type arrIter struct {
	b     []byte
	i     int
	first bool
	done  bool
}

func openArray(b []byte) (arrIter, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return arrIter{}, false
	}
	return arrIter{b: b, i: i + 1, first: true}, true
}

func (it *arrIter) next() (val []byte, ok bool) {
	b := it.b
	i := skipSpace(b, it.i)
	if i >= len(b) {
		return nil, false
	}
	if b[i] == ']' {
		it.done = true
		return nil, false
	}
	if !it.first {
		if b[i] != ',' {
			return nil, false
		}
		i = skipSpace(b, i+1)
	}
	ve := skipValue(b, i)
	if ve < 0 {
		return nil, false
	}
	it.i, it.first = ve, false
	return b[i:ve], true
}

// keyEquals compares a raw key with key, unescaping only when needed (on the
// stack for short keys).
func keyEquals(raw []byte, esc bool, key string) bool {
	if !esc {
		return string(raw) == key
	}
	var tmp [64]byte
	u, ok := appendUnescaped(tmp[:0], raw)
	return ok && string(u) == key
}

// appendUnescaped appends the decoded body of a JSON string (no quotes) to
// dst. Like encoding/json, an unpaired surrogate becomes U+FFFD. ok is false
// on a bad escape.
func appendUnescaped(dst, s []byte) ([]byte, bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			// Copy the run up to the next escape in one append.
			j := i + 1
			for j < len(s) && s[j] != '\\' {
				j++
			}
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		if i+1 >= len(s) {
			return dst, false
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			dst = append(dst, e)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(s[i+2:])
			if r < 0 {
				return dst, false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if r2 := hex4(s[i+2:]); r2 >= 0 {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							dst = utf8.AppendRune(dst, d)
							i += 6
							continue
						}
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default:
			return dst, false
		}
		i += 2
	}
	return dst, true
}

// hex4 decodes the 4 hex digits at the start of s, or returns -1.
func hex4(s []byte) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}
