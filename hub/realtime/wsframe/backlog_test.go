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

// WaitBacklog waits while a reader is behind and returns once it caught up.
func TestWaitBacklog(t *testing.T) {
	server, client := tcpPair(t)
	// Small socket buffers, so the kernel cannot take the whole backlog.
	server.(*net.TCPConn).SetWriteBuffer(16 << 10)
	client.(*net.TCPConn).SetReadBuffer(16 << 10)
	var o outbox
	o.init(server, newFailures().report)
	base := Backlog() // other tests' connections may still hold bytes

	chunk := bytes.Repeat([]byte("x"), 64<<10)
	for range 64 { // 4 MiB: more than the socket buffers take
		o.queue(chunk)
	}
	time.Sleep(50 * time.Millisecond)
	if Backlog() <= base+1<<20 {
		t.Fatalf("backlog %d with a peer that does not read", Backlog()-base)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := WaitBacklog(ctx, base+64<<10); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitBacklog with a stuck peer = %v, want the context's deadline", err)
	}

	go io.Copy(io.Discard, client)
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := WaitBacklog(ctx, base+64<<10); err != nil {
		t.Fatalf("WaitBacklog once the peer reads = %v", err)
	}
}
