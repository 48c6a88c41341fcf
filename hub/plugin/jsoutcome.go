package plugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// jsOutcome is what the prelude's dispatcher reports for one event
// (js_prelude.js describes the text).
type jsOutcome struct {
	Status  int32
	Message string
	Stack   string
	Logs    []jsLogEntry
	// Binaries the effects' placeholders name.
	Binaries [][]byte
	effects  effectLines // only with status 0
}

// jsLogEntry is one log line of a handler.
type jsLogEntry struct {
	Level int
	Text  string
}

// effectLines are effects, one JSON array ["op", args...] a line.
type effectLines []byte

// nextEffect returns the first effect and the lines after it; nil after the
// last.
func (l effectLines) nextEffect() ([]byte, effectLines) {
	if len(l) == 0 {
		return nil, nil
	}
	e, rest, _ := bytes.Cut(l, []byte{'\n'})
	return e, rest
}

func (o *jsOutcome) nextEffect() ([]byte, effectLines) { return o.effects.nextEffect() }

// parseJSOutcome decodes an outcome. It comes from the sandbox: any bytes
// must give an error or an outcome, never a panic (FuzzJSOutcome). The
// effects are left to addJS.
func parseJSOutcome(b []byte) (jsOutcome, error) {
	if len(b) == 0 || (b[0] != '0' && b[0] != '1') {
		return jsOutcome{}, fmt.Errorf("outcome: bad status %.20q", b)
	}
	o := jsOutcome{Status: int32(b[0] - '0')}
	p := b[1:]
	for len(p) > 0 && p[0] == '\t' {
		if len(p) < 2 {
			return jsOutcome{}, errors.New("outcome: empty field")
		}
		key := p[1]
		p = p[2:]
		if key == 'l' {
			e, rest, err := cutLogRecord(p)
			if err != nil {
				return jsOutcome{}, err
			}
			o.Logs, p = append(o.Logs, e), rest
			continue
		}
		// A JSON field ends at the next tab or newline: JSON.stringify
		// writes neither raw.
		end := bytes.IndexAny(p, "\t\n")
		if end < 0 {
			end = len(p)
		}
		val := p[:end]
		p = p[end:]
		var err error
		switch key {
		case 'b': // base64, decoded by encoding/json into bytes
			err = json.Unmarshal(val, &o.Binaries)
		case 'm':
			err = json.Unmarshal(val, &o.Message)
		case 't':
			err = json.Unmarshal(val, &o.Stack)
		default:
			err = fmt.Errorf("unknown field %q", key)
		}
		if err != nil {
			return jsOutcome{}, fmt.Errorf("outcome: %v", err)
		}
	}
	if len(p) > 0 {
		if p[0] != '\n' {
			return jsOutcome{}, fmt.Errorf("outcome: unexpected %.20q", p)
		}
		o.effects = p[1:]
	}
	return o, nil
}

// parseLogRecords reads log records alone (the loader's).
func parseLogRecords(p []byte) ([]jsLogEntry, error) {
	var logs []jsLogEntry
	for len(p) > 0 {
		if len(p) < 2 || p[0] != '\t' || p[1] != 'l' {
			return nil, fmt.Errorf("log records: unexpected %.20q", p)
		}
		e, rest, err := cutLogRecord(p[2:])
		if err != nil {
			return nil, err
		}
		logs, p = append(logs, e), rest
	}
	return logs, nil
}

// cutLogRecord reads "<level>,<length>:<text>" (after "\tl") from p, the
// length in UTF-16 units (JavaScript's), and returns the rest.
func cutLogRecord(p []byte) (jsLogEntry, []byte, error) {
	bad := func() (jsLogEntry, []byte, error) {
		return jsLogEntry{}, nil, fmt.Errorf("outcome: bad log record %.20q", p)
	}
	comma := bytes.IndexByte(p, ',')
	colon := bytes.IndexByte(p, ':')
	if comma < 1 || colon < comma+2 {
		return bad()
	}
	level, err1 := strconv.Atoi(string(p[:comma]))
	units, err2 := strconv.Atoi(string(p[comma+1 : colon]))
	if err1 != nil || err2 != nil || units < 0 {
		return bad()
	}
	text := p[colon+1:]
	n, ok := utf16Prefix(text, units)
	if !ok {
		return bad()
	}
	return jsLogEntry{Level: level, Text: wellFormed(text[:n])}, text[n:], nil
}

// utf16Prefix returns how many bytes of b, UTF-8 as QuickJS writes a
// JavaScript string (lone surrogates as three-byte sequences), hold its first
// units UTF-16 code units; false when b is shorter, or the count splits a
// character.
func utf16Prefix(b []byte, units int) (int, bool) {
	i := 0
	for units > 0 {
		if i >= len(b) {
			return 0, false
		}
		switch c := b[i]; {
		case c < 0x80:
			i, units = i+1, units-1
		case c < 0xC0:
			return 0, false // a continuation byte where a character starts
		case c < 0xE0:
			i, units = i+2, units-1
		case c < 0xF0:
			i, units = i+3, units-1
		default: // outside the BMP: a surrogate pair, two units
			i, units = i+4, units-2
		}
	}
	return i, units == 0 && i <= len(b)
}

// wellFormed returns b as a string, each lone surrogate (a three-byte
// sequence UTF-8 does not allow) and any other invalid byte as U+FFFD: what
// decoding the JSON of the same text gives.
func wellFormed(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if b[i] == 0xED && i+2 < len(b) && b[i+1] >= 0xA0 && b[i+1] <= 0xBF {
			out = append(out, "\uFFFD"...)
			i += 3
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		out = utf8.AppendRune(out, r) // RuneError for an invalid byte
		i += size
	}
	return string(out)
}
