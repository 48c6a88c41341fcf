package iohub

// The logic behind the exports, kept free of build tags so it is tested
// natively; exports_wasip1.go only wires it to the Wasm exports.

import "unsafe"

var (
	input []byte // the input buffer, reused across events of this instance
	event Event  // the event, reused likewise
)

// keepInput is the largest input buffer kept between events; a bigger one (a
// rare large envelope) is released so the GC can reuse the space.
const keepInput = 256 << 10

// readInput copies the current input (n bytes announced by the export) into
// the reused buffer. It retries if the host reports a longer input.
func readInput(n int32) []byte {
	for {
		if n < 0 {
			n = 0
		}
		if cap(input) < int(n) {
			input = make([]byte, n, max(int(n), 1024))
		}
		buf := input[:cap(input)]
		got := hostInputRead(unsafe.Pointer(unsafe.SliceData(buf)), int32(len(buf)))
		if got < 0 {
			return nil
		}
		if int(got) <= len(buf) {
			return buf[:got]
		}
		n = got
	}
}

// onInit runs the Init function (if any) on a private copy of the config,
// which it may keep. Non-zero refuses the module.
func onInit(n int32) (rc int32) {
	if initFn == nil {
		return 0
	}
	defer func() {
		if r := recover(); r != nil {
			Error("panic in Init: " + panicText(r))
			SetError("init failed")
			rc = 1
		}
	}()
	cfg := append([]byte(nil), readInput(n)...)
	if err := initFn(cfg); err != nil {
		SetError(err.Error())
		return 1
	}
	return 0
}

// onEvent decodes the envelope and calls the handler. A panic is recovered
// (the instance is kept: creating a Go instance costs milliseconds) and
// reported as status 1 with the generic "handler failed".
func onEvent(n int32) (status int32) {
	defer func() {
		if r := recover(); r != nil {
			Error("panic in handler: " + panicText(r))
			SetError("handler failed")
			status = int32(StatusError)
		}
		if cap(input) > keepInput {
			input = nil
		}
	}()
	if handler == nil {
		SetError("iohub: no handler registered (call iohub.Handle in init)")
		return int32(StatusError)
	}
	if err := event.parse(readInput(n)); err != nil {
		SetError(err.Error())
		return int32(StatusError)
	}
	return int32(handler(&event))
}

func panicText(r any) string {
	switch v := r.(type) {
	case string:
		return v
	case error:
		return v.Error()
	}
	return "non-string panic value"
}
