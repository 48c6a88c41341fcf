package access

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrBadEvent reports a content event string that is not of the form
// "<namespace>::<name>.<type>.<action>", e.g. "api::message.message.create".
var ErrBadEvent = errors.New(`content event must look like "api::<name>.<type>.<action>"`)

// ContentEvent is a parsed "<uid>.<action>" string.
type ContentEvent struct {
	UID     string // "api::message.message"
	Action  string // "create"
	APIName string // "message": the part of the uid after "::" and before the first "."
	// Prefix, when set (by Named), replaces APIName in the event name only.
	Prefix string
}

// Name is the Socket.IO event name clients listen for: "<apiName>:<action>", or
// "<prefix>:<action>" for an event made by Named.
func (e ContentEvent) Name() string {
	if e.Prefix != "" {
		return e.Prefix + ":" + e.Action
	}
	return e.APIName + ":" + e.Action
}

// Named returns e sent as "<prefix>:<action>": strapi-plugin-io 2's
// $io.emit({ event, schema, data }) names events after the schema's
// singularName, not the API name. Who receives it is unchanged (the uid
// decides). prefix must be a uid segment (letters, digits, '-', '_').
func (e ContentEvent) Named(prefix string) (ContentEvent, error) {
	if !validSegment(prefix) {
		return ContentEvent{}, fmt.Errorf("event name prefix must be letters, digits, '-' or '_', got %q", prefix)
	}
	if prefix != e.APIName { // the default name needs no override
		e.Prefix = prefix
	}
	return e, nil
}

// Permission is the full "<uid>.<action>" string.
func (e ContentEvent) Permission() string { return e.UID + "." + e.Action }

// ParseEvent splits "api::message.message.create" into uid and action. The action is
// the last dot-separated segment, so custom actions ("approve") work the same way.
func ParseEvent(s string) (ContentEvent, error) {
	dot := strings.LastIndexByte(s, '.')
	if dot < 0 {
		return ContentEvent{}, fmt.Errorf("%w, got %q", ErrBadEvent, s)
	}
	return NewContentEvent(s[:dot], s[dot+1:])
}

// NewContentEvent validates uid and action and derives the API name.
func NewContentEvent(uid, action string) (ContentEvent, error) {
	apiName, ok := APIName(uid)
	if !ok || !validSegment(action) {
		return ContentEvent{}, fmt.Errorf("%w, got %q", ErrBadEvent, uid+"."+action)
	}
	return ContentEvent{UID: uid, Action: action, APIName: apiName}, nil
}

// APIName returns "message" for "api::message.message" (and "users-permissions" for
// "plugin::users-permissions.user"). It reports false when uid is not
// "<namespace>::<name>.<type>" with non-empty parts.
func APIName(uid string) (string, bool) {
	ns, rest, ok := strings.Cut(uid, "::")
	if !ok || !validSegment(ns) {
		return "", false
	}
	name, typ, ok := strings.Cut(rest, ".")
	if !ok || !validSegment(name) || !validSegment(typ) {
		return "", false
	}
	return name, true
}

// validSegment accepts the characters Strapi allows in uids and action names.
func validSegment(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}

// reservedEvents are the event names Socket.IO keeps for itself: emitting
// one would confuse every client (socket.io-client throws on some of them).
// The JavaScript handlers' prelude has the same list (a test keeps them
// equal).
var reservedEvents = []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}

// IsReservedEvent reports whether Socket.IO keeps name for itself, so that
// no raw emit, send or handler effect may use it.
func IsReservedEvent(name string) bool { return slices.Contains(reservedEvents, name) }

// ReservedEvents returns the names IsReservedEvent reports.
func ReservedEvents() []string { return slices.Clone(reservedEvents) }
