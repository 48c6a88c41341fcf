package redistest

import (
	"net"
	"sync/atomic"
	"testing"
)

// Counting is a listener standing where Redis would be: it accepts and
// closes connections, counting them, so a test can show that something did
// not dial Redis.
type Counting struct {
	// URL is a redis:// URL of the listener.
	URL      string
	accepted atomic.Int64
}

// Dials reports how many connections were made so far.
func (c *Counting) Dials() int64 { return c.accepted.Load() }

// Listen starts a Counting listener on a free loopback port until the test
// ends. It needs no redis-server.
func Listen(t testing.TB) *Counting {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	c := &Counting{URL: "redis://" + ln.Addr().String()}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.accepted.Add(1)
			conn.Close()
		}
	}()
	return c
}
