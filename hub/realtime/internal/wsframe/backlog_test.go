package wsframe

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// A client that does not read holds its bytes as parked: they are not the
// hub's writers' backlog, so pacing does not wait for them (one stalled reader
// must not throttle every source). Once it reads, they are gone from both.
func TestStalledReaderIsParked(t *testing.T) {
	server, client := tcpPair(t)
	// Small socket buffers, so the kernel cannot take the whole backlog.
	server.(*net.TCPConn).SetWriteBuffer(16 << 10)
	client.(*net.TCPConn).SetReadBuffer(16 << 10)
	w := NewWriter()
	t.Cleanup(w.Close)
	var o outbox
	o.init(w, server, newFailures().report)
	baseParked := w.Parked()

	chunk := bytes.Repeat([]byte("x"), 64<<10)
	for range 64 { // 4 MiB: more than the socket buffers take
		o.queue(chunk)
	}
	deadline := time.Now().Add(10 * time.Second)
	for w.Parked()-baseParked < 1<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("parked %d bytes with a peer that does not read", w.Parked()-baseParked)
		}
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.WaitBacklog(ctx, w.Backlog()+64<<10); err != nil {
		t.Fatalf("WaitBacklog with only a stalled reader behind = %v, want at once", err)
	}
	more := bytes.Repeat([]byte("y"), 256<<10)
	before := w.Parked()
	o.queue(more)
	if got := w.Parked() - before; got != int64(len(more)) {
		t.Fatalf("bytes queued on a stalled connection: %d parked, want %d", got, len(more))
	}

	go io.Copy(io.Discard, client)
	deadline = time.Now().Add(10 * time.Second)
	for w.Parked() > baseParked {
		if time.Now().After(deadline) {
			t.Fatalf("still %d bytes parked after the peer read everything", w.Parked()-baseParked)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// WaitBacklog waits while the writers are behind and returns once they caught up.
func TestWaitBacklog(t *testing.T) {
	const n = 1 << 20
	w := NewWriter()
	limit := int64(64 << 10)
	w.backlog.account(n, 0) // as if a writer were n bytes behind
	done := make(chan error, 1)
	go func() { done <- w.WaitBacklog(context.Background(), limit) }()
	select {
	case err := <-done:
		t.Fatalf("WaitBacklog returned %v with the writers behind", err)
	case <-time.After(50 * time.Millisecond):
	}
	w.backlog.account(-n, 0)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WaitBacklog still waiting after the writers caught up")
	}

	w.backlog.account(n, 0)
	defer w.backlog.account(-n, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := w.WaitBacklog(ctx, limit); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitBacklog while behind = %v, want the context's deadline", err)
	}
}
