package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Limits is `[limits]`: how many sockets this node and one client address may
// have, and how fast clients may handshake and send events. Every limit is off
// by default (see the README's [limits] section for why and for values to
// start from). A refused handshake gets connect_error with data.code
// "too_many_connections" or "too_many_handshakes"; an event over the rate is
// dropped, or answered {"error": "rate limited"} when it asked for an ack.
type Limits struct {
	// MaxConnections is `maxConnections`, the most sockets this node holds,
	// counting handshakes under way. 0 (default): no limit.
	MaxConnections int `toml:"maxConnections"`

	// MaxConnectionsPerIP is `maxConnectionsPerIP`, the most sockets one client
	// address holds (see TrustedProxies for what the address is). 0 (default):
	// no limit.
	MaxConnectionsPerIP int `toml:"maxConnectionsPerIP"`

	// HandshakesPerSecondPerIP is `handshakesPerSecondPerIP`, how many
	// handshakes per second one client address may start, on average; it may
	// start up to this many (at least one) at once. Fractions are allowed (0.5:
	// one every two seconds). 0 (default): no limit.
	HandshakesPerSecondPerIP float64 `toml:"handshakesPerSecondPerIP"`

	// EventsPerSecond is `eventsPerSecond`, how many events per second one
	// socket may send to handlers, on average. Fractions are allowed. 0
	// (default): no limit. The hub's own connection and disconnect calls are
	// never limited.
	EventsPerSecond float64 `toml:"eventsPerSecond"`

	// EventsBurst is `eventsBurst`, how many events a socket may send at once
	// after a quiet spell (the token bucket's size). 0 (default): one second's
	// worth, eventsPerSecond rounded up. Needs eventsPerSecond.
	EventsBurst int `toml:"eventsBurst"`

	// TrustedProxies is `trustedProxies`, the addresses ("10.0.0.1") and ranges
	// ("10.0.0.0/8") of reverse proxies in front of the hub. When the TCP peer
	// is one of them, the client address is the right-most X-Forwarded-For
	// entry that is not; otherwise the header is ignored. Default empty: the
	// TCP peer is the client.
	TrustedProxies []string `toml:"trustedProxies"`
}

// Enabled reports whether any limit is on.
func (l Limits) Enabled() bool {
	return l.MaxConnections > 0 || l.MaxConnectionsPerIP > 0 || l.HandshakesPerSecondPerIP > 0 || l.EventsPerSecond > 0
}

func (d *decoder) validateLimits(p keyPath, l *Limits) {
	d.notNegative(p.key("maxConnections"), float64(l.MaxConnections))
	d.notNegative(p.key("maxConnectionsPerIP"), float64(l.MaxConnectionsPerIP))
	d.notNegative(p.key("handshakesPerSecondPerIP"), l.HandshakesPerSecondPerIP)
	d.notNegative(p.key("eventsPerSecond"), l.EventsPerSecond)
	bp := p.key("eventsBurst")
	switch {
	case l.EventsBurst < 0 && d.ok(bp):
		d.notNegative(bp, float64(l.EventsBurst))
	case l.EventsBurst > 0 && l.EventsPerSecond <= 0 && d.ok(bp) && d.ok(p.key("eventsPerSecond")):
		d.add(bp, fmt.Sprintf("has no effect without eventsPerSecond > 0: set both, or neither, got %d", l.EventsBurst))
	}
	tp := p.key("trustedProxies")
	for i, s := range l.TrustedProxies {
		if !validProxy(s) {
			d.add(tp.at(i), `expected an IP address like "10.0.0.1" or a CIDR range like "10.0.0.0/8", got `+quote(s))
		}
	}
}

func (d *decoder) notNegative(p keyPath, v float64) {
	if v < 0 && d.ok(p) {
		d.add(p, "must be 0 (no limit) or positive, got "+strconv.FormatFloat(v, 'g', -1, 64))
	}
}

// validProxy accepts what limit.ParsePrefixes accepts: an address without a
// zone, or a CIDR range that is not an IPv4-mapped IPv6 one (it would never
// match: client addresses are unmapped before they are compared).
func validProxy(s string) bool {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return err == nil && !p.Addr().Is4In6()
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Zone() == ""
}
