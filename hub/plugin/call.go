package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"unicode/utf8"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/kv"
)

// callState is everything host functions need during one guest call. It travels
// in the call's context, so host functions find it without a lookup table.
type callState struct {
	input   []byte   // what input_read copies: the envelope, or the config in hub_init
	js      *jsEvent // a JavaScript handler's input instead
	config  []byte   // the binding's config: a JavaScript handler's ctx.config
	init    bool     // hub_init: socket effects are denied
	sid     string   // the socket the event is about
	ack     bool     // the client asked for an ack
	chain   *chainState
	kv      kv.Store
	log     *slog.Logger
	target  handler.Target
	errMsg  string
	effects []effect
	effBuf  [2]effect // effects' first backing array: most calls have one or two
	bytes   int       // payload bytes of effects so far
	logs    logBudget

	// Binary (binary.go): the event's binary arguments, those the guest
	// attached, and whether its placeholders stand for them (ABI v1.1 and
	// JavaScript).
	bins      [][]byte
	attached  [][]byte
	binaryOut bool
}

// chainState is shared by the handlers bound to one event: the first reply wins.
type chainState struct {
	replied   bool
	reply     []any  // with binary
	replyJSON []byte // without: as the guest wrote it
}

type callKey struct{}

func withCall(ctx context.Context, cs *callState) context.Context {
	return context.WithValue(ctx, callKey{}, cs)
}

func callFrom(ctx context.Context) *callState {
	cs, _ := ctx.Value(callKey{}).(*callState)
	return cs
}

type effectOp uint8

const (
	opReply effectOp = iota
	opEmit
	opRaw
	opRawRooms // one packet to the union of rooms ($io.raw({ rooms }))
	opSend
	opJoin
	opLeave
	opDisconnect
)

// effect is a socket effect, validated when the guest asked for it and applied
// only if the guest returns 0.
type effect struct {
	op     effectOp
	sid    string
	room   string
	rooms  []string // opRawRooms
	event  string
	except bool
	ev     access.ContentEvent
	data   any    // emit, rawRooms
	args   []any  // reply, raw, send
	raw    []byte // reply: the arguments as a JSON array, when args is nil
}

// add records an effect, enforcing the per-event limits.
func (cs *callState) add(e effect, payload int) int32 {
	if cs.init {
		return codeDenied
	}
	if len(cs.effects) >= maxEffects || cs.bytes+payload > maxEffectBytes {
		return codeLimit
	}
	cs.bytes += payload
	if cs.effects == nil {
		cs.effects = cs.effBuf[:0]
	}
	cs.effects = append(cs.effects, e)
	return 0
}

// targetSocket resolves the sid of a socket effect (empty: the event's
// socket). Socket effects are denied in hub_init, and need a socket connected
// to this hub.
func (cs *callState) targetSocket(sid string) (string, int32) {
	if cs.init {
		return "", codeDenied
	}
	if sid == "" {
		sid = cs.sid
	}
	if !cs.target.HasSocket(sid) {
		return "", codeNotFound
	}
	return sid, 0
}

// apply performs the recorded effects in order. Called only for status 0.
func (cs *callState) apply() {
	for _, e := range cs.effects {
		switch e.op {
		case opReply:
			cs.chain.replied, cs.chain.reply, cs.chain.replyJSON = true, e.args, e.raw
		case opEmit:
			cs.target.EmitContent(e.ev, e.data)
		case opRaw:
			except := ""
			if e.except {
				except = cs.sid
			}
			if err := cs.target.Broadcast(e.event, e.args, e.room, except); err != nil {
				cs.log.Warn("raw emit failed", "event", e.event, "err", err)
			}
		case opRawRooms:
			if err := cs.target.EmitRaw(e.event, e.data, e.rooms); err != nil {
				cs.log.Warn("raw emit failed", "event", e.event, "err", err)
			}
		case opSend:
			cs.target.Send(e.sid, e.event, e.args)
		case opJoin:
			cs.target.Join(e.sid, e.room)
		case opLeave:
			cs.target.Leave(e.sid, e.room)
		case opDisconnect:
			cs.target.Disconnect(e.sid)
		}
	}
}

// decodeJSON parses one JSON value with numbers kept exact.
func decodeJSON(b []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, false
	}
	// Reject trailing garbage after the value.
	if _, err := dec.Token(); err == nil {
		return nil, false
	}
	return v, true
}

// decodeArgs parses a JSON array of event arguments.
func decodeArgs(b []byte) ([]any, bool) {
	v, ok := decodeJSON(b)
	if !ok {
		return nil, false
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, false
	}
	if arr == nil {
		arr = []any{}
	}
	return arr, true
}

// replyEffect reads a reply's argument list from guest output b. Without
// binary (the common case) the JSON is checked and kept as written, to be
// spliced into the client's ack; with binary it is decoded and its
// placeholders resolved. false when b is not a JSON array.
func (cs *callState) replyEffect(b []byte) (effect, bool) {
	if !cs.mayHoldBinary(b) && utf8.Valid(b) {
		if !isJSONArray(b) {
			return effect{}, false
		}
		return effect{op: opReply, raw: bytes.Clone(b)}, true
	}
	args, ok := decodeArgs(b)
	if ok {
		args, ok = cs.resolveArgs(args, b)
	}
	return effect{op: opReply, args: args}, ok
}

// isJSONArray reports whether b is one valid JSON array.
func isJSONArray(b []byte) bool {
	t := bytes.TrimLeft(b, " \t\r\n")
	return len(t) > 0 && t[0] == '[' && json.Valid(t)
}
