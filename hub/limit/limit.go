// Package limit holds the hub's admission limits: how many sockets a node and
// one client address may have, how fast one address may handshake, and how
// fast one socket may send events. Settings can be swapped while the limiter
// is in use; each decision reads them once, so it sees the old or the new
// settings, never a mix.
//
// It is a leaf package: it knows nothing of Socket.IO. Package realtime asks
// it at the handshake and for each client event.
package limit

import (
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Settings are the limits. The zero Settings limit nothing.
type Settings struct {
	// MaxConnections bounds the sockets of this node (with handshakes under
	// way). 0: no limit.
	MaxConnections int
	// MaxConnectionsPerIP bounds the sockets of one client address. 0: no limit.
	MaxConnectionsPerIP int
	// Handshakes is the rate of handshakes one client address may start.
	Handshakes Rate
	// Events is the rate of events one socket may send to handlers.
	Events Rate
	// TrustedProxies are the peers whose X-Forwarded-For is believed (see
	// ClientIP). Empty: the TCP peer is the client.
	TrustedProxies []netip.Prefix
}

// Refusals, as Admit returns them.
var (
	ErrTooManyConnections = errors.New("too many connections")
	ErrTooManyHandshakes  = errors.New("too many handshakes")
)

// maxTrackedIPs bounds the table of per-address handshake buckets. Entries
// whose bucket has refilled are dropped first (forgetting them changes
// nothing); when every entry is busy, arbitrary ones are, so an attacker with
// many addresses costs at most this many entries, and the addresses dropped
// merely start again with a full bucket.
const maxTrackedIPs = 1 << 16

// Limiter applies Settings. It is safe for concurrent use.
type Limiter struct {
	settings atomic.Pointer[Settings]
	now      func() time.Time

	mu    sync.Mutex
	total int                    // slots held
	perIP map[netip.Addr]int     // slots held per address; no zero entries
	hs    map[netip.Addr]*Bucket // handshake buckets per address

	refusedConns      atomic.Int64
	refusedHandshakes atomic.Int64
	eventsLimited     atomic.Int64
}

// New returns a limiter with s. now is its clock; nil means time.Now (tests
// pass their own, so rates are checked without waiting).
func New(s Settings, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	l := &Limiter{now: now, perIP: map[netip.Addr]int{}, hs: map[netip.Addr]*Bucket{}}
	l.SetSettings(s)
	return l
}

// SetSettings replaces the settings; they apply to the next handshake and the
// next event. Sockets over a lowered limit stay connected.
func (l *Limiter) SetSettings(s Settings) {
	s.TrustedProxies = append([]netip.Prefix(nil), s.TrustedProxies...)
	l.settings.Store(&s)
}

// Settings returns the settings in force.
func (l *Limiter) Settings() Settings { return *l.settings.Load() }

// ClientIP is ClientIP with the trusted proxies in force.
func (l *Limiter) ClientIP(peer string, xff []string) netip.Addr {
	return ClientIP(peer, xff, l.settings.Load().TrustedProxies)
}

// Admit decides on a handshake from ip: it takes a handshake token, then a
// connection slot, and returns the Slot to Release when the socket goes (or
// the handshake fails later), or ErrTooManyHandshakes / ErrTooManyConnections.
// Counting happens here, under one lock, so concurrent handshakes cannot
// overshoot a limit.
func (l *Limiter) Admit(ip netip.Addr) (*Slot, error) {
	s := l.settings.Load()
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !s.Handshakes.Off() && !l.handshakeBucket(ip, now, s.Handshakes).Take(now, s.Handshakes) {
		l.refusedHandshakes.Add(1)
		return nil, ErrTooManyHandshakes
	}
	if (s.MaxConnections > 0 && l.total >= s.MaxConnections) ||
		(s.MaxConnectionsPerIP > 0 && l.perIP[ip] >= s.MaxConnectionsPerIP) {
		l.refusedConns.Add(1)
		return nil, ErrTooManyConnections
	}
	l.total++
	l.perIP[ip]++
	return &Slot{l: l, ip: ip}, nil
}

// handshakeBucket returns ip's bucket, making room in the table first when it
// is full. Called with l.mu held.
func (l *Limiter) handshakeBucket(ip netip.Addr, now time.Time, r Rate) *Bucket {
	if b, ok := l.hs[ip]; ok {
		return b
	}
	if len(l.hs) >= maxTrackedIPs {
		l.evict(now, r)
	}
	b := &Bucket{}
	l.hs[ip] = b
	return b
}

// evict drops the entries whose bucket has refilled, and if that frees less
// than a quarter of the table, arbitrary others until it does: one sweep
// then serves many insertions. Called with l.mu held.
func (l *Limiter) evict(now time.Time, r Rate) {
	for ip, b := range l.hs {
		if b.full(now, r) {
			delete(l.hs, ip)
		}
	}
	for ip := range l.hs {
		if len(l.hs) <= maxTrackedIPs*3/4 {
			break
		}
		delete(l.hs, ip)
	}
}

func (l *Limiter) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if n := l.perIP[ip] - 1; n > 0 {
		l.perIP[ip] = n
	} else {
		delete(l.perIP, ip)
	}
}

// AllowEvent takes a token from a socket's event bucket.
func (l *Limiter) AllowEvent(b *Bucket) bool {
	r := l.settings.Load().Events
	if b.Take(l.now(), r) {
		return true
	}
	l.eventsLimited.Add(1)
	return false
}

// Stats are the limiter's counts.
type Stats struct {
	Connections       int // slots held: sockets connected or handshaking
	Addresses         int // client addresses holding a slot
	TrackedIPs        int // entries of the handshake table
	RefusedConns      int64
	RefusedHandshakes int64
	EventsLimited     int64 // events dropped or answered "rate limited"
}

// Stats returns the current counts.
func (l *Limiter) Stats() Stats {
	l.mu.Lock()
	st := Stats{Connections: l.total, Addresses: len(l.perIP), TrackedIPs: len(l.hs)}
	l.mu.Unlock()
	st.RefusedConns = l.refusedConns.Load()
	st.RefusedHandshakes = l.refusedHandshakes.Load()
	st.EventsLimited = l.eventsLimited.Load()
	return st
}

// Slot is one admitted socket's place in the counts.
type Slot struct {
	l    *Limiter
	ip   netip.Addr
	once sync.Once
}

// Release gives the slot back. Only the first call counts, so every path that
// may end a socket can call it.
func (s *Slot) Release() { s.once.Do(func() { s.l.release(s.ip) }) }

// IP is the client address the slot is counted against.
func (s *Slot) IP() netip.Addr { return s.ip }
