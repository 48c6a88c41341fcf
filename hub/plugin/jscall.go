package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/clienterr"
	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/plugin/internal/jsvm"
)

// call handles one event in the VM: one call of the prelude's dispatcher
// with the event (jsEvent, jsArgs), the job queue when the handler returned a
// promise, then the outcome's effects through the same validation as a Wasm
// guest's (addJS), applied by the run path (run.go).
//
// A handler that throws, rejects, runs past the deadline or out of memory
// has no socket effect; the client's ack gets {"error": message}: the
// exception's message, or "handler failed" when the hub stopped it. Its log
// lines are written either way. A throw from the handler's own code is
// caught by the prelude, which leaves the VM as after any event (its
// handler, cur, is reset): the VM serves on, module state included. A VM
// that was interrupted, killed, ran out of memory or grew past three
// quarters of its cap is replaced.
func (in *jsInstance) call(lim limit, cs *callState) verdict {
	c := in.code
	in.vm.SetDeadline(time.Time{})
	in.vm.SetCPULimit(lim.timeout, lim.cpu)
	defer in.vm.SetCPULimit(0, nil)
	args := in.jsArgs(cs.js, cs.config)
	out, err := in.vm.CallArgs(lim.ctx, in.dispatch, args...)
	clear(args)                      // keep no input alive in the instance
	if err == nil && len(out) == 0 { // a promise is pending: run what it waits for
		if err = in.vm.RunJobs(lim.ctx); err == nil {
			var s string
			s, err = in.vm.CallString(lim.ctx, in.resume)
			out = []byte(s)
		}
	}
	if err != nil {
		reason, over := in.failed(lim, err, cs)
		return verdict{status: statusError, msg: clienterr.ErrHandlerFailed.Message, stopped: reason, overLimit: over}
	}
	o, err := parseJSOutcome(out)
	if err != nil {
		cs.log.Error("handler outcome unreadable; VM discarded", "err", err, "socket", cs.sid)
		return verdict{status: statusError, msg: clienterr.ErrHandlerFailed.Message, fault: true}
	}
	writeLogs(cs.log, o.Logs)
	keep := !in.vm.Closed() && !in.vm.Interrupted() && !in.tooBig()
	if o.Status != statusOK {
		msg := orDefault(o.Message, clienterr.ErrHandlerFailed.Message)
		if len(msg) > maxErrorMessage {
			msg = msg[:maxErrorMessage]
		}
		cs.log.Warn("handler threw", "message", msg, "stack", fixStack(c.name, o.Stack), "socket", cs.sid)
		// QuickJS's heap limit throws a catchable "out of memory": the
		// handler's state may be half-built, and it will likely run out again.
		oom := strings.Contains(o.Message, "out of memory")
		return verdict{status: statusError, msg: msg, keep: keep && !oom, fault: oom}
	}
	cs.attached = o.Binaries
	for _, b := range o.Binaries {
		cs.bytes += len(b) // the prelude kept them under the event's limit
	}
	for e, rest := o.nextEffect(); e != nil; e, rest = rest.nextEffect() {
		if err := cs.addJS(e); err != nil {
			cs.log.Warn("handler effect dropped", "err", err, "socket", cs.sid)
		}
	}
	return verdict{status: statusOK, keep: keep}
}

// jsEvent is the dispatcher's input for one event (js_prelude.js,
// dispatch), made once per event and shared by its JavaScript bindings;
// jsArgs passes it as the dispatcher's arguments.
type jsEvent struct {
	ack      bool
	received int64 // when the event arrived, in ms
	event    string
	// args is the argument list as JSON: the client's for an event,
	// [reason] for a disconnect, none for a connection; binary as
	// placeholders naming bins.
	args []byte
	// argsAsString: args is not UTF-8 or holds a NUL (which ends QuickJS's
	// parser's input), so it goes as a string, for the prelude's JSON.parse.
	argsAsString   bool
	sid, role, uid string
	// lazy is what the socket decodes on use: its id, its rooms and its
	// token's claims, as JSON, on three lines.
	lazy []byte
	bins []byte // the binaries as a JSON list of base64 strings; nil without binary
}

// set makes e the dispatcher's input for call; when its arguments hold
// binary, ph are they with placeholders naming bins.
func (e *jsEvent) set(c *handler.Call, ph []any, bins [][]byte) error {
	*e = jsEvent{ack: c.Ack, received: c.Received.UnixMilli(), event: c.Event,
		sid: c.Socket.ID, role: c.Socket.Role, uid: c.Socket.UserID}
	// One buffer for what is made here: the lazy part, then the arguments
	// when they are not JSON already.
	buf := make([]byte, 0, 256)
	buf = appendString(buf, c.Socket.ID)
	buf = append(buf, "\n["...)
	for i, r := range c.Socket.Rooms {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, r)
	}
	buf = append(buf, "]\n"...)
	var err error
	if c.Socket.Claims == nil {
		buf = append(buf, "null"...)
	} else if buf, err = appendJSON(buf, c.Socket.Claims); err != nil {
		return err
	}
	e.lazy = buf[:len(buf):len(buf)]
	at := len(buf)
	switch {
	case c.Kind == handler.Disconnect:
		buf = append(appendString(append(buf, '['), c.Reason), ']')
	case c.Kind != handler.Event:
		buf = append(buf, "[]"...)
	case ph != nil:
		buf, err = appendJSON(buf, ph)
	case c.Args == nil && c.ArgsJSON != nil:
		e.args = c.ArgsJSON
	case len(c.Args) == 0:
		buf = append(buf, "[]"...)
	default:
		buf, err = appendJSON(buf, c.Args)
	}
	if err != nil {
		return err
	}
	if e.args == nil {
		e.args = buf[at:]
	}
	e.argsAsString = !utf8.Valid(e.args) || bytes.IndexByte(e.args, 0) >= 0
	if ph != nil {
		e.bins, _ = appendJSON(nil, bins) // [][]byte: base64 strings
	}
	return nil
}

// jsArgs returns the dispatcher's arguments for e, in in.args.
func (in *jsInstance) jsArgs(e *jsEvent, config []byte) []jsvm.Arg {
	args := jsvm.JSON(e.args) // QuickJS parses it from the bytes, as JSON.parse would
	if e.argsAsString {
		args = jsvm.StringBytes(e.args)
	}
	ack := int64(0)
	if e.ack {
		ack = 1
	}
	cfg, bins := jsvm.Undefined, jsvm.Undefined
	if len(config) > 2 { // not "{}"
		cfg = jsvm.StringBytes(config)
	}
	if len(e.bins) > 0 {
		bins = jsvm.StringBytes(e.bins)
	}
	return append(in.args[:0], jsvm.String(e.event), args, jsvm.Int(ack), jsvm.String(e.sid), jsvm.String(e.role),
		jsvm.String(e.uid), jsvm.Int(e.received), jsvm.StringBytes(e.lazy), cfg, bins)
}

// failed says why a call failed and whether it ran over its limit, and logs
// what the handler logged before.
func (in *jsInstance) failed(lim limit, err error, cs *callState) (reason string, overLimit bool) {
	reason = err.Error()
	switch { // killed first: a VM stuck in a builtin also passed the deadline
	case errors.Is(err, jsvm.ErrKilled):
		reason, overLimit = fmt.Sprintf("cpu time limit: killed after %s of CPU inside code that does not check its limit", 2*lim.timeout), true
	case in.vm.Interrupted():
		reason, overLimit = fmt.Sprintf("cpu time limit: used more than %s of CPU", lim.timeout), true
	}
	var exc *jsvm.Exception
	if errors.As(err, &exc) && strings.Contains(exc.Message, "out of memory") {
		reason = "out of memory: " + exc.Error()
	}
	// The logs of the event are still in the VM when it stopped cleanly.
	if !in.vm.Closed() {
		alim := in.code.host.startLimit(context.Background(), lim.timeout, false)
		in.vm.SetCPULimit(0, nil)
		in.vm.SetDeadline(alim.soft)
		out, aerr := in.vm.CallString(alim.ctx, in.abort)
		alim.end()
		if aerr == nil {
			if o, perr := parseJSOutcome([]byte(out)); perr == nil {
				writeLogs(cs.log, o.Logs)
			}
		}
	}
	return reason, overLimit
}

// addJS validates one effect of a JavaScript handler, ["op", args...], and
// records it as a Wasm guest's host call would.
func (cs *callState) addJS(raw []byte) error {
	if args, ok := replyArgs(raw); ok { // the common effect, read without a decoder
		return cs.addReply(args, len(raw))
	}
	var buf [5]json.RawMessage
	parts, ok := splitEffect(raw, buf[:0])
	if !ok {
		if err := json.Unmarshal(raw, &parts); err != nil || len(parts) == 0 {
			return fmt.Errorf("malformed effect %.80s", raw)
		}
	}
	op, ok := jsonString(parts[0])
	if !ok {
		return fmt.Errorf("malformed effect %.80s", raw)
	}
	strs := func(n int) ([]string, error) {
		if len(parts) < n+1 {
			return nil, fmt.Errorf("%s: too few arguments", op)
		}
		out := make([]string, n)
		for i := range out {
			if out[i], ok = jsonString(parts[i+1]); !ok {
				return nil, fmt.Errorf("%s: argument %d is not a string", op, i+1)
			}
		}
		return out, nil
	}
	size := len(raw)
	var code int32
	switch op {
	case "reply":
		if len(parts) != 2 {
			return errors.New("reply: want one argument list")
		}
		return cs.addReply(parts[1], size)
	case "emit": // ["emit", "uid.action", data] or, for $io.emit({ schema }), [..., "singularName"]
		s, err := strs(1)
		if err != nil || (len(parts) != 3 && len(parts) != 4) {
			return errors.New("emit: want an event and data")
		}
		ev, err := access.ParseEvent(s[0])
		if err != nil {
			return fmt.Errorf("emit: %v", err)
		}
		if len(parts) == 4 {
			prefix, ok := jsonString(parts[3])
			if !ok {
				return errors.New("emit: the event name prefix is not a string")
			}
			if ev, err = ev.Named(prefix); err != nil {
				return fmt.Errorf("emit: %v", err)
			}
		}
		data, ok := decodeJSON(parts[2])
		if ok {
			data, ok = cs.resolve(data, parts[2])
		}
		if !ok {
			return errors.New("emit: the data is not JSON")
		}
		code = cs.add(effect{op: opEmit, ev: ev, data: data}, size)
	case "rawTo": // ["rawTo", ["room", ...], event, data]: one packet to the union
		var rooms []string
		if len(parts) != 4 || json.Unmarshal(parts[1], &rooms) != nil || len(rooms) == 0 {
			return errors.New("rawTo: want a non-empty list of rooms, an event and data")
		}
		for _, r := range rooms {
			if r == "" {
				return errors.New("rawTo: a room name is empty")
			}
		}
		event, ok := jsonString(parts[2])
		if !ok || event == "" || access.IsReservedEvent(event) {
			return fmt.Errorf("rawTo: invalid event %.80s", parts[2])
		}
		data, ok := decodeJSON(parts[3])
		if ok {
			data, ok = cs.resolve(data, parts[3])
		}
		if !ok {
			return errors.New("rawTo: the data is not JSON")
		}
		code = cs.add(effect{op: opRawRooms, rooms: rooms, event: event, data: data}, size)
	case "raw":
		s, err := strs(2)
		if err != nil || len(parts) != 5 {
			return errors.New("raw: want a room, an event, arguments and a flag")
		}
		args, okArgs := decodeArgs(parts[3])
		if okArgs {
			args, okArgs = cs.resolveArgs(args, parts[3])
		}
		except := string(bytes.TrimSpace(parts[4]))
		if !okArgs || s[1] == "" || access.IsReservedEvent(s[1]) || (except != "0" && except != "1") {
			return fmt.Errorf("raw: invalid event %q or arguments", s[1])
		}
		code = cs.add(effect{op: opRaw, room: s[0], event: s[1], args: args, except: except == "1"}, size)
	case "send":
		s, err := strs(2)
		if err != nil || len(parts) != 4 {
			return errors.New("send: want a socket, an event and arguments")
		}
		args, ok := decodeArgs(parts[3])
		if ok {
			args, ok = cs.resolveArgs(args, parts[3])
		}
		if !ok || s[1] == "" || access.IsReservedEvent(s[1]) {
			return fmt.Errorf("send: invalid event %q or arguments", s[1])
		}
		sid, c := cs.targetSocket(s[0])
		if c != 0 {
			return socketGone(op, s[0], c)
		}
		code = cs.add(effect{op: opSend, sid: sid, event: s[1], args: args}, size)
	case "join", "leave":
		s, err := strs(2)
		if err != nil || len(parts) != 3 || s[1] == "" {
			return fmt.Errorf("%s: want a socket and a room", op)
		}
		sid, c := cs.targetSocket(s[0])
		if c != 0 {
			return socketGone(op, s[0], c)
		}
		o := opJoin
		if op == "leave" {
			o = opLeave
		}
		code = cs.add(effect{op: o, sid: sid, room: s[1]}, size)
	case "disconnect":
		s, err := strs(1)
		if err != nil || len(parts) != 2 {
			return errors.New("disconnect: want a socket")
		}
		sid, c := cs.targetSocket(s[0])
		if c != 0 {
			return socketGone(op, s[0], c)
		}
		code = cs.add(effect{op: opDisconnect, sid: sid}, size)
	default:
		return fmt.Errorf("unknown effect %q", op)
	}
	if code == codeLimit {
		return fmt.Errorf("%s: over the limits of one event (%d effects, %d bytes)", op, maxEffects, maxEffectBytes)
	}
	return nil
}

// splitEffect splits an effect as the prelude writes it, a JSON array
// without whitespace, into its elements, appended to parts; false when raw
// is not of that form (it is then decoded as any JSON). The elements are not
// checked here: addJS decodes each strictly, which together with the split
// accepts exactly the arrays the decoder would.
func splitEffect(raw []byte, parts []json.RawMessage) ([]json.RawMessage, bool) {
	if len(raw) < 3 || raw[0] != '[' || raw[len(raw)-1] != ']' {
		return nil, false
	}
	depth, start, inString := 0, 1, false
	for i := 1; i < len(raw)-1; i++ {
		c := raw[i]
		if inString {
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
		case ']', '}':
			if depth--; depth < 0 {
				return nil, false
			}
		case ',':
			if depth == 0 {
				if i == start {
					return nil, false
				}
				parts, start = append(parts, raw[start:i]), i+1
			}
		case ' ', '\t', '\n', '\r':
			return nil, false
		}
	}
	if inString || depth != 0 || start == len(raw)-1 {
		return nil, false
	}
	return append(parts, raw[start:len(raw)-1]), true
}

// jsonString decodes a JSON string as encoding/json would, without it for
// one that needs no unescaping.
func jsonString(b []byte) (string, bool) {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		plain := true
		for _, c := range b[1 : len(b)-1] {
			if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
				plain = false
				break
			}
		}
		if plain {
			return string(b[1 : len(b)-1]), true
		}
	}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return "", false
	}
	return s, true
}

// replyArgs finds the argument list of a reply effect as the prelude writes
// it, ["reply",[...]]. What it returns is checked by addReply to be one JSON
// array, which makes raw a list of exactly "reply" and it, as the decoder
// would have found.
func replyArgs(raw []byte) ([]byte, bool) {
	const prefix = `["reply",[`
	if len(raw) < len(prefix)+2 || string(raw[:len(prefix)]) != prefix || raw[len(raw)-1] != ']' {
		return nil, false
	}
	return raw[len(prefix)-1 : len(raw)-1], true
}

// addReply records a reply with argument list args (JSON), from an effect
// of size bytes.
func (cs *callState) addReply(args []byte, size int) error {
	e, ok := cs.replyEffect(args)
	switch {
	case !ok:
		return errors.New("reply: the arguments are not a JSON array")
	case !cs.ack:
		return errors.New("reply: the client asked for no acknowledgement")
	case cs.chain.replied || cs.hasReply():
		return nil // the first reply wins, as in Socket.IO
	}
	if cs.add(e, size) == codeLimit {
		return fmt.Errorf("reply: over the limits of one event (%d effects, %d bytes)", maxEffects, maxEffectBytes)
	}
	return nil
}

func socketGone(op, sid string, code int32) error {
	if code == codeNotFound {
		return fmt.Errorf("%s: socket %q is not connected to this hub", op, sid)
	}
	return fmt.Errorf("%s: not allowed here", op)
}
