// Package iohub is the Go guest SDK for iohub Wasm handlers (ABI v1.1, see
// sdk/ABI.md). Build with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o handler.wasm .
//
// and register the handler in init:
//
//	func init() {
//		iohub.Handle(func(ev *iohub.Event) iohub.Status {
//			if ev.Kind == iohub.KindConnection {
//				iohub.Info("new connection " + ev.SocketID)
//			}
//			return iohub.StatusOK
//		})
//	}
//
// Outside wasip1 the package compiles (for tests and tooling) but every host
// call returns ErrUnavailable.
package iohub

import (
	"strconv"
	"time"
	"unsafe"
)

// Status is what a handler returns (ABI.md section 5).
type Status int32

const (
	StatusOK     Status = 0 // socket effects are applied; the ack gets the Reply or no arguments
	StatusError  Status = 1 // effects dropped; the ack gets {"error": <SetError message or "handler failed">}
	StatusReject Status = 2 // effects dropped; for "connection" the socket is disconnected
)

// Fail sets the error message and returns StatusError.
func Fail(msg string) Status { SetError(msg); return StatusError }

// Reject sets the error message and returns StatusReject.
func Reject(msg string) Status { SetError(msg); return StatusReject }

var (
	handler func(*Event) Status
	initFn  func(config []byte) error
)

// Handle registers the event handler (call it from init). A later call
// replaces an earlier one.
func Handle(h func(ev *Event) Status) { handler = h }

// Init registers a function called once per instance, before any event, with
// the handler's config table as a JSON object ("{}" when absent). Returning
// an error refuses the module; the error's text is logged by the hub.
func Init(f func(config []byte) error) { initFn = f }

// Errno is a negative result code of a host call.
type Errno int32

// The host's error codes (ABI.md section 3).
const (
	ErrNotFound    Errno = -1 // no such key / socket
	ErrInvalid     Errno = -2 // malformed argument (bad UTF-8 or JSON, reserved event name, ...)
	ErrDenied      Errno = -3 // not allowed in this call (Reply when the client asked for no ack)
	ErrLimit       Errno = -4 // a limit was hit
	ErrState       Errno = -5 // does not fit the current state (second Reply, KVAdd on a non-integer)
	ErrUnavailable Errno = -6 // the service behind the call is down
)

func (e Errno) Error() string {
	switch e {
	case ErrNotFound:
		return "iohub: not found"
	case ErrInvalid:
		return "iohub: invalid argument"
	case ErrDenied:
		return "iohub: denied"
	case ErrLimit:
		return "iohub: limit exceeded"
	case ErrState:
		return "iohub: invalid state"
	case ErrUnavailable:
		return "iohub: unavailable"
	}
	return "iohub: host error " + strconv.Itoa(int(e))
}

// errno maps a host return value to nil or an Errno (constants convert to an
// interface without allocating).
func errno(rc int32) error {
	switch {
	case rc >= 0:
		return nil
	case rc == -1:
		return ErrNotFound
	case rc == -2:
		return ErrInvalid
	case rc == -3:
		return ErrDenied
	case rc == -4:
		return ErrLimit
	case rc == -5:
		return ErrState
	case rc == -6:
		return ErrUnavailable
	}
	return Errno(rc)
}

// Level is a log level.
type Level int32

const (
	LevelDebug Level = 0
	LevelInfo  Level = 1
	LevelWarn  Level = 2
	LevelError Level = 3
)

// Log writes one line to the hub's log under the plugin's name, at once,
// whatever the status.
func Log(level Level, msg string) { hostLog(int32(level), msg) }

func Debug(msg string) { Log(LevelDebug, msg) }
func Info(msg string)  { Log(LevelInfo, msg) }
func Warn(msg string)  { Log(LevelWarn, msg) }
func Error(msg string) { Log(LevelError, msg) }

// SetError sets the message of a non-zero status (the last call wins, 1 KiB
// kept). The client's ack gets {"error": msg}.
func SetError(msg string) { hostSetError(msg) }

// Reply answers the client's ack with argsJSON, a JSON array of the ack
// callback's arguments (`[{"ok":true}]`). ErrDenied when the client asked for
// no ack, ErrState when already replied. Applied only on StatusOK.
func Reply(argsJSON []byte) error { return errno(hostReply(str(argsJSON))) }

// Emit is a permission-checked content event, like POST /hub/emit: event is
// "<uid>.<action>" ("api::message.message.create"), dataJSON one JSON value.
// Applied only on StatusOK.
func Emit(event string, dataJSON []byte) error { return errno(hostEmit(event, str(dataJSON))) }

// Raw emits event with argsJSON (a JSON array) to room, or to every socket
// when room is "". exceptSender leaves out the socket the event is about.
// Applied only on StatusOK.
func Raw(room, event string, argsJSON []byte, exceptSender bool) error {
	var flags int32
	if exceptSender {
		flags |= 1
	}
	return errno(hostRaw(room, event, str(argsJSON), flags))
}

// Send emits event with argsJSON (a JSON array) to one socket ("" = the
// event's socket). ErrNotFound when it is not connected to this hub.
func Send(sid, event string, argsJSON []byte) error {
	return errno(hostSend(sid, event, str(argsJSON)))
}

// Join adds socket sid ("" = the event's socket) to room. Applied only on StatusOK.
func Join(sid, room string) error { return errno(hostJoin(sid, room)) }

// Leave removes socket sid ("" = the event's socket) from room. Applied only on StatusOK.
func Leave(sid, room string) error { return errno(hostLeave(sid, room)) }

// Disconnect disconnects socket sid ("" = the event's socket) after the
// event's other effects. Applied only on StatusOK.
func Disconnect(sid string) error { return errno(hostDisconnect(sid)) }

// KVGet returns a copy of the value at key, or ErrNotFound. KV calls take
// effect at once, whatever the status; the namespace is the module's own,
// shared by all its instances.
func KVGet(key string) ([]byte, error) {
	var small [256]byte // most values fit: one host call, one exact allocation
	n := hostKVGet(key, unsafe.Pointer(&small), int32(len(small)))
	if n < 0 {
		return nil, errno(n)
	}
	if int(n) <= len(small) {
		return append([]byte(nil), small[:n]...), nil
	}
	for { // the value may change between calls: retry until it fits
		buf := make([]byte, n)
		m := hostKVGet(key, unsafe.Pointer(unsafe.SliceData(buf)), n)
		if m < 0 {
			return nil, errno(m)
		}
		if m <= n {
			return buf[:m], nil
		}
		n = m
	}
}

// KVSet stores val at key, expiring after ttl (0 = never; rounded up to 1 ms).
func KVSet(key string, val []byte, ttl time.Duration) error {
	return errno(hostKVSet(key, str(val), ttlMs(ttl)))
}

// KVDelete deletes key; ErrNotFound when there was nothing.
func KVDelete(key string) error { return errno(hostKVDelete(key)) }

// KVAdd atomically adds delta to the integer at key (absent = 0) and returns
// the new value. ttl > 0 (re)sets the expiry, 0 keeps it. ErrState when the
// stored value is not a decimal integer.
func KVAdd(key string, delta int64, ttl time.Duration) (int64, error) {
	var out int64
	if rc := hostKVAdd(key, delta, ttlMs(ttl), &out); rc < 0 {
		return 0, errno(rc)
	}
	return out, nil
}

// NowMs returns the hub's wall-clock time in Unix milliseconds.
func NowMs() int64 { return hostNowMs() }

// Random fills buf with cryptographically random bytes (in 64 KiB calls, the
// host's per-call limit).
func Random(buf []byte) error {
	for len(buf) > 0 {
		n := min(len(buf), 64<<10)
		if rc := hostRandom(unsafe.Pointer(unsafe.SliceData(buf)), int32(n)); rc < 0 {
			return errno(rc)
		}
		buf = buf[n:]
	}
	return nil
}

func ttlMs(ttl time.Duration) int64 {
	if ttl <= 0 {
		return 0
	}
	return int64((ttl + time.Millisecond - 1) / time.Millisecond)
}

// str views b as a string without copying, for host calls that only read it.
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
