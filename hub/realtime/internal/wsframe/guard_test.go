package wsframe

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// clientFrame builds a masked client frame (RFC 6455 section 5.2).
func clientFrame(b0 byte, payload []byte) []byte {
	f := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n <= 0xffff:
		f = append(f, 0x80|126, byte(n>>8), byte(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	mask := [4]byte{0x12, 0x34, 0x56, 0x78}
	f = append(f, mask[:]...)
	for i, c := range payload {
		f = append(f, c^mask[i&3])
	}
	return f
}

const (
	finText   = 0x81
	finBinary = 0x82
	text      = 0x01
	cont      = 0x00
	finCont   = 0x80
	closeOp   = 0x88
	pingOp    = 0x89
	pongOp    = 0x8a
)

func closePayload(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

func frames(fs ...[]byte) []byte { return bytes.Join(fs, nil) }

func TestGuard(t *testing.T) {
	euro := "\xe2\x82\xac" // €
	for _, tt := range []struct {
		name   string
		stream []byte
		code   int // 0: valid
	}{
		{"text", clientFrame(finText, []byte(`42["hi"]`)), 0},
		{"empty text", clientFrame(finText, nil), 0},
		{"utf8 text", clientFrame(finText, []byte("42[\"h\u00e9llo "+euro+" \U0001F600\"]")), 0},
		{"binary is not utf8-checked", clientFrame(finBinary, []byte{0xff, 0xfe}), 0},
		{"long text", clientFrame(finText, bytes.Repeat([]byte(euro), 30000)), 0},
		{"ping pong", frames(clientFrame(pingOp, []byte("x")), clientFrame(pongOp, nil)), 0},
		{"fragmented, character split across frames", frames(
			clientFrame(text, []byte("a\xe2")), clientFrame(pingOp, nil),
			clientFrame(cont, []byte("\x82")), clientFrame(finCont, []byte("\xac"))), 0},
		{"close empty", clientFrame(closeOp, nil), 0},
		{"close 1000 with reason", clientFrame(closeOp, closePayload(1000, "bye "+euro)), 0},
		{"close 4000", clientFrame(closeOp, closePayload(4000, "")), 0},

		{"invalid utf8", clientFrame(finText, []byte("42[\"\xff\"]")), CloseInvalidData},
		{"surrogate", clientFrame(finText, []byte("\xed\xa0\x80")), CloseInvalidData},
		{"overlong", clientFrame(finText, []byte("\xc0\xaf")), CloseInvalidData},
		{"truncated at message end", clientFrame(finText, []byte("ab\xe2\x82")), CloseInvalidData},
		{"truncated across fragments", frames(clientFrame(text, []byte("\xe2\x82")), clientFrame(finCont, nil)), CloseInvalidData},
		{"invalid after valid message", frames(clientFrame(finText, []byte("ok")), clientFrame(finText, []byte("\x80"))), CloseInvalidData},
		{"close 1-byte payload", clientFrame(closeOp, []byte{3}), CloseProtocolError},
		{"close code 1005", clientFrame(closeOp, closePayload(1005, "")), CloseProtocolError},
		{"close code 999", clientFrame(closeOp, closePayload(999, "")), CloseProtocolError},
		{"close code 5000", clientFrame(closeOp, closePayload(5000, "")), CloseProtocolError},
		{"close reason not utf8", clientFrame(closeOp, closePayload(1000, "\xff")), CloseInvalidData},
		{"unmasked", []byte{finText, 2, 'h', 'i'}, CloseProtocolError},
		{"reserved bit", clientFrame(finText|0x40, []byte("x")), CloseProtocolError},
		{"unknown opcode", clientFrame(0x83, nil), CloseProtocolError},
		{"fragmented control", clientFrame(0x09, nil), CloseProtocolError},
		{"long control", clientFrame(pingOp, bytes.Repeat([]byte("x"), 126)), CloseProtocolError},
		{"continuation without a message", clientFrame(finCont, []byte("x")), CloseProtocolError},
		{"new message inside a fragmented one", frames(clientFrame(text, []byte("a")), clientFrame(finText, []byte("b"))), CloseProtocolError},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The verdict is the same however the stream is cut into reads.
			for _, step := range []int{len(tt.stream), 1, 2, 3, 7} {
				var r frameReader
				got, valid, seen := 0, 0, 0
				for i := 0; i < len(tt.stream) && got == 0; i += step {
					chunk := tt.stream[i:min(i+step, len(tt.stream))]
					if ok, code := r.scan(chunk); !ok {
						got, valid = code, seen+r.valid
					}
					seen += len(chunk)
				}
				if got != tt.code {
					t.Fatalf("reads of %d bytes: code %d, want %d", step, got, tt.code)
				}
				if got != 0 && valid > len(tt.stream) {
					t.Fatalf("valid prefix %d past the stream", valid)
				}
			}
		})
	}
}

// FuzzGuard: any client byte stream is scanned without panicking, and the
// verdict does not depend on how the stream is split into reads.
func FuzzGuard(f *testing.F) {
	f.Add(clientFrame(finText, []byte(`42["hi"]`)), 3)
	f.Add(frames(clientFrame(text, []byte("a\xe2")), clientFrame(finCont, []byte("\x82\xac"))), 1)
	f.Add(clientFrame(closeOp, []byte{3}), 2)
	f.Fuzz(func(t *testing.T, stream []byte, step int) {
		if step <= 0 || step > len(stream) {
			step = max(1, len(stream))
		}
		verdict := func(step int) int {
			var r frameReader
			for i := 0; i < len(stream); i += step {
				if ok, code := r.scan(stream[i:min(i+step, len(stream))]); !ok {
					return code
				}
			}
			return 0
		}
		if whole, split := verdict(max(1, len(stream))), verdict(step); whole != split {
			t.Fatalf("whole stream: %d, in reads of %d: %d", whole, step, split)
		}
	})
}
