package wsframe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

type failures struct {
	mu   sync.Mutex
	errs []error
	ch   chan struct{}
}

func newFailures() *failures { return &failures{ch: make(chan struct{}, 16)} }

func (f *failures) report(_ bool, err error) {
	f.mu.Lock()
	f.errs = append(f.errs, err)
	f.mu.Unlock()
	f.ch <- struct{}{}
}

// Frames reach the peer complete and in order, also when the peer reads late
// and the socket buffer fills (the non-blocking write comes up short and a
// goroutine finishes it).
func TestOutboxOrderAcrossPartialWrites(t *testing.T) {
	server, client := tcpPair(t)
	var o outbox
	f := newFailures()
	o.init(NewWriter(), server, f.report)
	if o.raw == nil {
		t.Fatal("a TCP connection should be written without blocking")
	}

	const n = 200_000 // 1.6 MB: far more than loopback socket buffers hold
	go func() {
		for i := range n {
			var b [8]byte
			binary.BigEndian.PutUint64(b[:], uint64(i))
			o.queue(b[:])
		}
	}()
	time.Sleep(50 * time.Millisecond) // let the buffers fill before reading
	got := make([]byte, 8*n)
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if v := binary.BigEndian.Uint64(got[8*i:]); v != uint64(i) {
			t.Fatalf("frame %d carries %d", i, v)
		}
	}
	if len(f.errs) != 0 {
		t.Fatalf("failures: %v", f.errs)
	}
}

// Closing writes what is queued first: a disconnect packet sent just before
// closing must reach the client.
func TestOutboxCloseWritesQueued(t *testing.T) {
	server, client := tcpPair(t)
	var o outbox
	o.init(NewWriter(), server, newFailures().report)
	o.queue([]byte("last words"))
	o.close(time.Second)
	server.Close()
	got, _ := io.ReadAll(client)
	if string(got) != "last words" {
		t.Fatalf("peer read %q", got)
	}
	o.queue([]byte("after close")) // dropped, no panic
}

// A peer that never reads is cut off at maxQueued instead of growing memory.
func TestOutboxTooFarBehind(t *testing.T) {
	server, _ := tcpPair(t)
	var o outbox
	f := newFailures()
	o.init(NewWriter(), server, f.report)
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	for range 2 * maxQueued / len(chunk) {
		o.queue(chunk)
	}
	select {
	case <-f.ch:
	case <-time.After(10 * time.Second):
		t.Fatal("no failure reported")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !errors.Is(f.errs[0], errTooFarBehind) {
		t.Fatalf("failure = %v", f.errs[0])
	}
}

// A write on a connection the peer reset is reported once, as a close.
func TestOutboxPeerGone(t *testing.T) {
	server, client := tcpPair(t)
	var o outbox
	var closedSeen bool
	done := make(chan struct{}, 4)
	o.init(NewWriter(), server, func(closed bool, err error) { closedSeen = closed; done <- struct{}{} })
	client.(*net.TCPConn).SetLinger(0) // reset, not FIN
	client.Close()
	deadline := time.After(10 * time.Second)
	for {
		o.queue([]byte("hello?"))
		select {
		case <-done:
			if !closedSeen {
				t.Fatal("a reset peer was reported as an error, not a close")
			}
			select {
			case <-done:
				t.Fatal("reported twice")
			case <-time.After(100 * time.Millisecond):
			}
			return
		case <-deadline:
			t.Fatal("no failure reported")
		case <-time.After(10 * time.Millisecond):
		}
	}
}
