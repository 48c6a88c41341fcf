package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// This file holds the JSON plumbing shared by the body decoders (decodeEmit,
// decodeRaw, decodeWebhook). The decoders are pure functions of the body bytes so
// they can be fuzzed without a server; the HTTP handlers only read the body, call
// one, and act on the result.
//
// Bodies are first split into their top-level fields (object -> raw values) and each
// field is then decoded on its own. That costs a second pass over the bytes but lets
// every error name the field and say what was expected, where encoding/json's struct
// decoding would answer "cannot unmarshal number into Go struct field ...".

// jsonObject is a body's top-level fields, undecoded.
type jsonObject map[string]json.RawMessage

// parseObject checks that body is exactly one JSON object, optionally surrounded by
// whitespace, and splits it into its fields. Duplicate keys keep the last value, as
// in JavaScript's JSON.parse.
func parseObject(body []byte) (jsonObject, *apiError) {
	d := json.NewDecoder(bytes.NewReader(body))
	var raw json.RawMessage
	if err := d.Decode(&raw); err != nil {
		return nil, syntaxError(err, body)
	}
	end := d.InputOffset()
	if rest := bytes.TrimLeft(body[end:], " \t\r\n"); len(rest) > 0 {
		return nil, errBadJSON("body is not valid JSON: unexpected data after the JSON object at byte %d", len(body)-len(rest)+1)
	}
	if raw[0] != '{' {
		return nil, errBadJSON("body must be a JSON object, got %s", jsonKind(raw))
	}
	var obj jsonObject
	if err := json.Unmarshal(raw, &obj); err != nil {
		// Unreachable: raw is a syntactically valid object. Kept so a change in
		// encoding/json can never turn into a panic or a 500.
		return nil, errBadJSON("body is not valid JSON: %v", err)
	}
	return obj, nil
}

// syntaxError turns a json.Decoder error into a bad_json answer that says where the
// body went wrong. Positions count bytes from 1, as json.SyntaxError.Offset does: "at
// byte 14" is the 14th byte; a truncated body fails "at byte <its length>".
func syntaxError(err error, body []byte) *apiError {
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return errBadJSON("body is empty; expected a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errBadJSON("body is not valid JSON: unexpected end of input at byte %d", len(body))
	case errors.As(err, &se):
		return errBadJSON("body is not valid JSON: %s at byte %d", se.Error(), se.Offset)
	default:
		return errBadJSON("body is not valid JSON: %v", err)
	}
}

// jsonKind names the type of a valid JSON value for error messages.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// isNull reports whether raw is the JSON literal null. Decoders treat a null field
// like an absent one, as JavaScript senders often write {"room": null}.
func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// rejectUnknown fails on the first field (in sorted order, so the answer is stable)
// that is not in known. The strict endpoints use it so a typo ("evnt") is an error
// rather than a silently missing field.
func (o jsonObject) rejectUnknown(known ...string) *apiError {
	var unknown []string
	for k := range o {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return errBadJSON("unknown field %q", unknown[0])
}

// optString returns the field as a string. ok is false when the field is absent or
// null; a value of another type is an invalid_field error.
func (o jsonObject) optString(name string) (s string, ok bool, e *apiError) {
	raw, present := o[name]
	if !present || isNull(raw) {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, errInvalid("field %q must be a string, got %s", name, jsonKind(raw))
	}
	return s, true, nil
}

// reqString returns a required, non-empty string field. Absent, null and "" are all
// missing_field.
func (o jsonObject) reqString(name string) (string, *apiError) {
	s, ok, e := o.optString(name)
	if e != nil {
		return "", e
	}
	if !ok || s == "" {
		return "", errMissing(name)
	}
	return s, nil
}

// optStrings returns the field as a list of strings; ok is false when the field is
// absent or null.
func (o jsonObject) optStrings(name string) (list []string, ok bool, e *apiError) {
	raw, present := o[name]
	if !present || isNull(raw) {
		return nil, false, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, false, errInvalid("field %q must be an array of strings, got %s", name, jsonKind(raw))
	}
	list = make([]string, len(items))
	for i, item := range items {
		if err := json.Unmarshal(item, &list[i]); err != nil || isNull(item) {
			return nil, false, errInvalid("field %q must be an array of strings, but %s[%d] is %s", name, name, i, jsonKind(item))
		}
	}
	return list, true, nil
}

// anyValue decodes the field into maps, slices and scalars, numbers as json.Number
// so ids beyond 2^53 reach sockets digit for digit. An absent field is nil (sent as
// JSON null).
func (o jsonObject) anyValue(name string) (any, *apiError) {
	raw, present := o[name]
	if !present {
		return nil, nil
	}
	v, err := decodeAny(raw)
	if err != nil {
		// Unreachable for a field of a valid object; see parseObject.
		return nil, errInvalid("field %q: %v", name, err)
	}
	return v, nil
}

func decodeAny(raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("decoding JSON value: %w", err)
	}
	return v, nil
}
