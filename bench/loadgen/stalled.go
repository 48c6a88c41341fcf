//go:build linux

package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/gorilla/websocket"
)

// Scenario (a'), stalled: the closed-loop fan-out with a few extra clients
// that connect and then never read, with a small receive buffer. Compared
// with (a) in the same run, it shows whether one slow reader slows the
// sources (the HTTP posters) and everyone else: it should not (a client that
// falls behind is cut off by its own cap, as Node does).

// stalledDialer gives its connections a 4 KiB receive buffer, so the server's
// frames pile up on the server side quickly.
var stalledDialer = &websocket.Dialer{
	NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil || host != "127.0.0.1" {
			return nil, fmt.Errorf("loadgen dials 127.0.0.1 only, not %q", addr)
		}
		d := net.Dialer{Control: nil}
		c, err := d.DialContext(ctx, network, addr)
		if err == nil {
			_ = c.(*net.TCPConn).SetReadBuffer(4 << 10)
		}
		return c, err
	},
	HandshakeTimeout: 15 * time.Second,
	ReadBufferSize:   2048,
	WriteBufferPool:  &writeBufs,
}

// connectStalled opens n clients that read nothing after their handshake.
func connectStalled(ctx context.Context, port, n int) ([]*client, error) {
	var cs []*client
	for range n {
		c, err := dialWith(ctx, stalledDialer, port, nil)
		if err != nil {
			closeAll(cs)
			return nil, fmt.Errorf("stalled client: %w", err)
		}
		cs = append(cs, c)
	}
	return cs, nil
}
