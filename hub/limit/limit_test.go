package limit

import (
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// clock is a hand-moved clock: rates are checked by moving it, not by waiting.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Unix(1_700_000_000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// takes counts how many of n takes succeed at the clock's current time.
func takes(b *Bucket, c *clock, r Rate, n int) int {
	ok := 0
	for range n {
		if b.Take(c.Now(), r) {
			ok++
		}
	}
	return ok
}

func TestBucket(t *testing.T) {
	c := newClock()
	var b Bucket
	r := Rate{PerSecond: 2, Burst: 5}
	if got := takes(&b, c, r, 10); got != 5 {
		t.Fatalf("a fresh bucket gave %d, want its burst 5", got)
	}
	c.Add(500 * time.Millisecond) // one token at 2/s
	if got := takes(&b, c, r, 10); got != 1 {
		t.Fatalf("after 0.5s at 2/s: %d, want 1", got)
	}
	c.Add(time.Hour) // refills to the burst, not beyond
	if got := takes(&b, c, r, 10); got != 5 {
		t.Fatalf("after an hour: %d, want 5", got)
	}
	c.Add(-time.Minute) // a clock going back adds nothing
	if got := takes(&b, c, r, 10); got != 0 {
		t.Fatalf("after the clock went back: %d, want 0", got)
	}
	// A new rate applies to the existing bucket at once.
	c.Add(time.Minute + time.Second)
	if got := takes(&b, c, Rate{PerSecond: 1, Burst: 1}, 10); got != 1 {
		t.Fatalf("after lowering the burst to 1: %d, want 1", got)
	}
	if got := takes(&b, c, Rate{}, 10); got != 10 {
		t.Fatalf("rate off: %d, want every take", got)
	}
}

func TestNewRate(t *testing.T) {
	tests := []struct {
		name      string
		perSecond float64
		burst     int
		want      Rate
	}{
		{"off", 0, 0, Rate{}},
		{"off whatever the burst", 0, 5, Rate{}},
		{"burst defaults to a second's worth", 2.5, 0, Rate{2.5, 3}},
		{"a whole rate's second", 10, 0, Rate{10, 10}},
		{"slow rates still let one through", 0.2, 0, Rate{0.2, 1}},
		{"slow rates still let one through (events)", 0.5, 0, Rate{0.5, 1}},
		{"explicit burst", 10, 50, Rate{10, 50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NewRate(tt.perSecond, tt.burst); got != tt.want {
				t.Errorf("NewRate(%v, %d) = %+v, want %+v", tt.perSecond, tt.burst, got, tt.want)
			}
		})
	}
}

var (
	ipA = netip.MustParseAddr("192.0.2.1")
	ipB = netip.MustParseAddr("192.0.2.2")
)

func TestAdmitConnections(t *testing.T) {
	l := New(Settings{MaxConnections: 3, MaxConnectionsPerIP: 2}, nil)
	a1, err1 := l.Admit(ipA)
	a2, err2 := l.Admit(ipA)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if _, err := l.Admit(ipA); !errors.Is(err, ErrTooManyConnections) {
		t.Fatalf("third from one address: %v, want ErrTooManyConnections", err)
	}
	b1, err := l.Admit(ipB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Admit(ipB); !errors.Is(err, ErrTooManyConnections) {
		t.Fatalf("fourth in all: %v, want ErrTooManyConnections", err)
	}
	a1.Release()
	a1.Release() // a second release changes nothing
	if st := l.Stats(); st.Connections != 2 || st.RefusedConns != 2 {
		t.Fatalf("stats %+v, want 2 connections and 2 refusals", st)
	}
	a3, err := l.Admit(ipA)
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	// Lowering the limit refuses new sockets but keeps those connected.
	l.SetSettings(Settings{MaxConnections: 1})
	if _, err := l.Admit(ipB); !errors.Is(err, ErrTooManyConnections) {
		t.Fatalf("after lowering: %v", err)
	}
	for _, s := range []*Slot{a2, a3, b1} {
		s.Release()
	}
	if st := l.Stats(); st.Connections != 0 || st.Addresses != 0 {
		t.Fatalf("after releasing all: %+v", st)
	}
}

// Concurrent handshakes never overshoot the limit, and releasing them all
// returns the count to zero.
func TestAdmitConcurrent(t *testing.T) {
	const limit, tries = 10, 200
	l := New(Settings{MaxConnections: limit}, nil)
	var (
		mu    sync.Mutex
		slots []*Slot
		wg    sync.WaitGroup
	)
	for i := range tries {
		wg.Go(func() {
			ip := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
			if s, err := l.Admit(ip); err == nil {
				mu.Lock()
				slots = append(slots, s)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(slots) != limit {
		t.Fatalf("%d admitted, want %d", len(slots), limit)
	}
	for _, s := range slots {
		wg.Go(s.Release)
		wg.Go(s.Release)
	}
	wg.Wait()
	if st := l.Stats(); st.Connections != 0 || st.Addresses != 0 || st.RefusedConns != tries-limit {
		t.Fatalf("stats %+v", st)
	}
}

func TestAdmitHandshakes(t *testing.T) {
	c := newClock()
	l := New(Settings{Handshakes: NewRate(2, 0)}, c.Now)
	admitted := func(ip netip.Addr, n int) int {
		ok := 0
		for range n {
			if slot, err := l.Admit(ip); err == nil {
				ok++
				slot.Release()
			} else if !errors.Is(err, ErrTooManyHandshakes) {
				t.Fatal(err)
			}
		}
		return ok
	}
	if got := admitted(ipA, 5); got != 2 {
		t.Fatalf("burst: %d, want 2", got)
	}
	if got := admitted(ipB, 5); got != 2 {
		t.Fatalf("another address has its own bucket: %d, want 2", got)
	}
	c.Add(500 * time.Millisecond)
	if got := admitted(ipA, 5); got != 1 {
		t.Fatalf("after 0.5s: %d, want 1", got)
	}
	if st := l.Stats(); st.RefusedHandshakes != 10 || st.Connections != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// The handshake table stays bounded however many addresses come by, and
// forgets idle addresses first.
func TestHandshakeTableBounded(t *testing.T) {
	c := newClock()
	l := New(Settings{Handshakes: NewRate(1, 0)}, c.Now)
	ip := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}) }
	admit := func(a netip.Addr) error {
		slot, err := l.Admit(a)
		if err == nil {
			slot.Release()
		}
		return err
	}
	busy := ip(0)
	for i := range maxTrackedIPs {
		if err := admit(ip(i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := l.Stats().TrackedIPs; n != maxTrackedIPs {
		t.Fatalf("%d tracked, want %d", n, maxTrackedIPs)
	}
	// A second later every bucket has refilled except busy's, which is
	// used again: the next new address evicts all the idle ones.
	c.Add(time.Second)
	if err := admit(busy); err != nil {
		t.Fatal(err)
	}
	if err := admit(busy); !errors.Is(err, ErrTooManyHandshakes) {
		t.Fatalf("busy address: %v, want refused", err)
	}
	if err := admit(ip(maxTrackedIPs)); err != nil {
		t.Fatal(err)
	}
	if n := l.Stats().TrackedIPs; n != 2 {
		t.Fatalf("%d tracked after evicting idle entries, want 2", n)
	}
	if err := admit(busy); !errors.Is(err, ErrTooManyHandshakes) {
		t.Fatal("the busy address was forgotten with the idle ones")
	}
	// Addresses that stay busy: the table still does not grow past its bound.
	for i := range 2 * maxTrackedIPs {
		_ = admit(ip(maxTrackedIPs + 1 + i))
		if n := l.Stats().TrackedIPs; n > maxTrackedIPs {
			t.Fatalf("%d tracked, over the bound %d", n, maxTrackedIPs)
		}
	}
}

func TestClientIP(t *testing.T) {
	trusted, bad := ParsePrefixes([]string{"127.0.0.1/32", "10.0.0.0/8", "::1"})
	if bad >= 0 {
		t.Fatal(bad)
	}
	tests := []struct {
		name    string
		peer    string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxies configured: header ignored", "127.0.0.1:5000", []string{"203.0.113.9"}, nil, "127.0.0.1"},
		{"untrusted peer: spoofed header ignored", "198.51.100.7:5000", []string{"203.0.113.9"}, trusted, "198.51.100.7"},
		{"trusted peer, one hop", "127.0.0.1:5000", []string{"203.0.113.9"}, trusted, "203.0.113.9"},
		{"right-most untrusted wins over a spoofed left part", "127.0.0.1:5000", []string{"1.2.3.4, 203.0.113.9, 10.1.2.3"}, trusted, "203.0.113.9"},
		{"several header lines", "10.0.0.5:1", []string{"1.2.3.4", "203.0.113.9", "10.9.9.9"}, trusted, "203.0.113.9"},
		{"all trusted: left-most", "127.0.0.1:1", []string{"10.0.0.1, 10.0.0.2"}, trusted, "10.0.0.1"},
		{"garbage ends the walk", "127.0.0.1:1", []string{"evil, 10.0.0.2"}, trusted, "10.0.0.2"},
		{"no header from a trusted peer", "[::1]:1", nil, trusted, "::1"},
		{"ipv4-mapped peer", "[::ffff:10.0.0.1]:1", []string{"2001:db8::1"}, trusted, "2001:db8::1"},
		{"port in the header", "127.0.0.1:1", []string{"203.0.113.9:4711"}, trusted, "203.0.113.9"},
		{"unparsable peer", "@", nil, trusted, "invalid IP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClientIP(tt.peer, tt.xff, tt.trusted).String(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
