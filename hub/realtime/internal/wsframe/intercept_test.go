package wsframe

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// chunkConn is a net.Conn whose reads return a stream a few bytes at a time.
type chunkConn struct {
	net.Conn
	stream []byte
	step   func() int
}

func (c *chunkConn) Read(p []byte) (int, error) {
	if len(c.stream) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.stream), max(1, c.step()))
	copy(p, c.stream[:n])
	c.stream = c.stream[n:]
	return n, nil
}

func (c *chunkConn) SetReadDeadline(time.Time) error { return nil }

// taking is what an interceptor saw.
type taking struct {
	payloads []string
	after    []bool
}

// take42 takes Socket.IO event packets, as realtime's fast path does.
func (tk *taking) take42(payload []byte, afterLibrary bool) bool {
	if !bytes.HasPrefix(payload, []byte("42")) {
		return false
	}
	tk.payloads = append(tk.payloads, string(payload))
	tk.after = append(tk.after, afterLibrary)
	return true
}

// readAll reads g the way gorilla does, reads of at most size bytes, until an
// error, and returns what it read.
func readAll(g *guarded, size func() int) ([]byte, error) {
	var got []byte
	buf := make([]byte, 64<<10)
	for {
		n, err := g.Read(buf[:max(1, size())])
		got = append(got, buf[:n]...)
		if err != nil {
			return got, err
		}
	}
}

// dataMessages returns the payloads of the complete data frames of a client
// stream, unmasked (FIN frames only: what the tests send).
func dataMessages(t *testing.T, b []byte) []string {
	t.Helper()
	var out []string
	for len(b) > 0 {
		hlen, plen, ok := peekHeader(b)
		if !ok || uint64(len(b)) < uint64(hlen)+plen {
			t.Fatalf("incomplete frame handed on: % x", b)
		}
		op := b[0] & 0x0f
		p := append([]byte(nil), b[hlen:hlen+int(plen)]...)
		var mask [4]byte
		copy(mask[:], b[hlen-4:hlen])
		maskBytes(p, mask)
		if op < 8 {
			out = append(out, string(p))
		}
		b = b[hlen+int(plen):]
	}
	return out
}

func TestInterceptOrderAndSplit(t *testing.T) {
	big := `42["big","` + strings.Repeat("x", 70000) + `"]`
	msgs := []struct {
		frame []byte
		taken bool
	}{
		{clientFrame(finText, []byte(`42["a",1]`)), true},
		{clientFrame(finText, []byte(`3`)), false}, // a pong: the library's
		{clientFrame(pingOp, []byte("p")), false},
		{clientFrame(finText, []byte(`42["b",{"é":"€"}]`)), true},
		{clientFrame(finText, []byte(`42["c"]`)), true},
		{clientFrame(finBinary, []byte{0, 1, 2}), false},
		{clientFrame(finText, []byte(big)), false}, // over the limit
		{clientFrame(finText, []byte(`41`)), false},
		{clientFrame(finText, []byte(`42["d"]`)), true},
		{frames(clientFrame(text, []byte(`42["frag`)), clientFrame(finCont, []byte(`mented"]`))), false},
		{clientFrame(finText, []byte(`42["e"]`)), true},
	}
	var stream []byte
	var wantTaken, wantPassed []string
	var wantAfter []bool
	passed := true // the first offer reports afterLibrary
	for _, m := range msgs {
		stream = append(stream, m.frame...)
		for _, p := range dataMessages(t, m.frame) {
			if m.taken {
				wantTaken = append(wantTaken, p)
				wantAfter = append(wantAfter, passed)
				passed = false
			} else {
				wantPassed = append(wantPassed, p)
				passed = true
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name       string
		step, size func() int
	}{
		{"whole", func() int { return len(stream) }, func() int { return 64 << 10 }},
		{"bytes", func() int { return 1 }, func() int { return 1024 }},
		{"random reads", func() int { return 1 + rng.IntN(300) }, func() int { return 1 + rng.IntN(2000) }},
		{"small buffer", func() int { return 1 + rng.IntN(5000) }, func() int { return 1 + rng.IntN(16) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 20 {
				g := &guarded{Conn: &chunkConn{stream: stream, step: tc.step}}
				tk := &taking{}
				g.icpt.Store(&interceptor{take: tk.take42, max: 64 << 10})
				got, err := readAll(g, tc.size)
				if !errors.Is(err, io.EOF) {
					t.Fatalf("read: %v", err)
				}
				if fmt.Sprint(tk.payloads) != fmt.Sprint(wantTaken) {
					t.Fatalf("taken %.300q\nwant %.300q", tk.payloads, wantTaken)
				}
				if fmt.Sprint(tk.after) != fmt.Sprint(wantAfter) {
					t.Fatalf("afterLibrary %v, want %v", tk.after, wantAfter)
				}
				if p := dataMessages(t, got); fmt.Sprint(p) != fmt.Sprint(wantPassed) {
					t.Fatalf("handed on %.300q\nwant %.300q", short(p), short(wantPassed))
				}
				if g.is.buf != nil {
					t.Fatal("the stash still holds a buffer at the end")
				}
			}
		})
	}
}

// A frame the interceptor may take is checked as any other: invalid UTF-8
// is a violation, with the frames before it handed on.
func TestInterceptViolation(t *testing.T) {
	stream := frames(
		clientFrame(finText, []byte(`3`)),
		clientFrame(finText, []byte(`42["ok"]`)),
		clientFrame(finText, []byte("42[\"\xff\"]")),
		clientFrame(finText, []byte(`42["never"]`)),
	)
	for _, step := range []int{1, 3, len(stream)} {
		g := &guarded{Conn: &chunkConn{stream: stream, step: func() int { return step }}}
		tk := &taking{}
		g.icpt.Store(&interceptor{take: tk.take42, max: 1 << 10})
		got, err := readAll(g, func() int { return 512 })
		if !errors.Is(err, ErrProtocol) || g.Violation() != CloseInvalidData {
			t.Fatalf("step %d: err %v, violation %d", step, err, g.Violation())
		}
		if p := dataMessages(t, got); fmt.Sprint(p) != "[3]" || fmt.Sprint(tk.payloads) != `[42["ok"]]` {
			t.Fatalf("step %d: handed on %q, taken %q", step, p, tk.payloads)
		}
	}
}

// An interceptor installed in the middle of a frame the library is reading
// takes over at the next frame.
func TestInterceptInstalledMidFrame(t *testing.T) {
	first := clientFrame(finText, []byte(`42["`+strings.Repeat("y", 300)+`"]`))
	stream := frames(first, clientFrame(finText, []byte(`42["next"]`)))
	g := &guarded{Conn: &chunkConn{stream: stream, step: func() int { return 100 }}}
	buf := make([]byte, 100)
	n, err := g.Read(buf) // without an interceptor: the first 100 bytes
	if err != nil || n != 100 {
		t.Fatal(n, err)
	}
	tk := &taking{}
	g.icpt.Store(&interceptor{take: tk.take42, max: 1 << 10})
	rest, err := readAll(g, func() int { return 64 })
	if !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	if !bytes.Equal(append(buf[:n:n], rest...), first) || fmt.Sprint(tk.payloads) != `[42["next"]]` {
		t.Fatalf("handed on %d bytes, taken %q", n+len(rest), tk.payloads)
	}
}

// FuzzIntercept: any client stream, cut any way, gets the guard's verdict
// with or without an interceptor, and the interceptor only sees complete,
// valid text messages.
func FuzzIntercept(f *testing.F) {
	f.Add(frames(clientFrame(finText, []byte(`42["a"]`)), clientFrame(finText, []byte(`3`))), 3, 7)
	f.Add(frames(clientFrame(text, []byte("a\xe2")), clientFrame(finCont, []byte("\x82\xac"))), 1, 2)
	f.Add(clientFrame(finText, []byte("42[\"\xff\"]")), 2, 100)
	f.Fuzz(func(t *testing.T, stream []byte, step, size int) {
		step, size = max(1, step%4096), max(1, size%4096)
		plain := &guarded{Conn: &chunkConn{stream: stream, step: func() int { return step }}}
		_, _ = readAll(plain, func() int { return size })
		g := &guarded{Conn: &chunkConn{stream: stream, step: func() int { return step }}}
		g.icpt.Store(&interceptor{take: func(p []byte, _ bool) bool {
			if !bytes.HasPrefix(p, []byte("42")) {
				return false
			}
			if !utf8Valid(p) {
				t.Fatalf("offered invalid UTF-8: %q", p)
			}
			return true
		}, max: 1 << 10})
		_, _ = readAll(g, func() int { return size })
		// A held frame is checked once it is complete: a stream that ends
		// inside one may end before the violation in it is seen.
		if plain.Violation() != g.Violation() && (g.Violation() != 0 || !endsInTextFrame(stream)) {
			t.Fatalf("violation %d without an interceptor, %d with", plain.Violation(), g.Violation())
		}
	})
}

func utf8Valid(b []byte) bool { return utf8.Valid(b) }

// short cuts long messages for failure reports.
func short(msgs []string) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		if len(m) > 40 {
			m = fmt.Sprintf("%s...(%d bytes)", m[:20], len(m))
		}
		out[i] = m
	}
	return out
}

// endsInTextFrame reports whether stream ends inside a masked FIN text frame.
func endsInTextFrame(stream []byte) bool {
	for len(stream) > 0 {
		hlen, plen, ok := peekHeader(stream)
		if !ok || uint64(len(stream)) < uint64(hlen)+plen {
			return len(stream) >= 2 && stream[0] == 0x81 && stream[1]&0x80 != 0
		}
		stream = stream[uint64(hlen)+plen:]
	}
	return false
}

// Until the socket is registered (Connected), its events wait at the gate;
// other packets (CONNECT, other namespaces) pass at once.
func TestGate(t *testing.T) {
	stream := frames(clientFrame(finText, []byte(`40`)), clientFrame(finText, []byte(`42/admin,["a"]`)), clientFrame(finText, []byte(`42["x"]`)))
	g := &guarded{Conn: &chunkConn{stream: stream, step: func() int { return len(stream) }}}
	g.armGate()
	got := make(chan []string, 1)
	go func() {
		b, _ := readAll(g, func() int { return 4096 })
		got <- dataMessagesOf(b)
	}()
	select {
	case m := <-got:
		t.Fatalf("read past the gate before it opened: %q", m)
	case <-time.After(100 * time.Millisecond):
	}
	g.icpt.Store(nil) // as Connected
	g.openGate()
	select {
	case m := <-got:
		if fmt.Sprint(m) != `[40 42/admin,["a"] 42["x"]]` {
			t.Fatalf("handed on %q", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the gate did not open")
	}
}

// dataMessagesOf is dataMessages without a test to fail.
func dataMessagesOf(b []byte) []string {
	var out []string
	for len(b) > 0 {
		hlen, plen, ok := peekHeader(b)
		if !ok || uint64(len(b)) < uint64(hlen)+plen {
			return append(out, "(incomplete)")
		}
		p := append([]byte(nil), b[hlen:hlen+int(plen)]...)
		var mask [4]byte
		copy(mask[:], b[hlen-4:hlen])
		maskBytes(p, mask)
		out = append(out, string(p))
		b = b[hlen+int(plen):]
	}
	return out
}
