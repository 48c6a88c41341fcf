package limit

import (
	"net"
	"net/netip"
	"strings"
)

// ClientIP is the address a connection is counted against. peer is the TCP
// peer ("ip:port", as http.Request.RemoteAddr). xff are the request's
// X-Forwarded-For header values, in order.
//
// The header is read only when the peer is in trusted: anyone else could write
// any address in it. Then the client is the right-most address that is not a
// trusted proxy: each proxy appends the address it got the request from, so
// the entries left of the first untrusted one were written by the client and
// prove nothing. When every entry is trusted, the left-most is the client; an
// entry that does not parse ends the walk at the last good address.
//
// A peer that does not parse (a Unix socket) gives the zero Addr, which all
// such connections share.
func ClientIP(peer string, xff []string, trusted []netip.Prefix) netip.Addr {
	addr := parseAddr(peer)
	if len(trusted) == 0 || !isTrusted(addr, trusted) {
		return addr
	}
	for i := len(xff) - 1; i >= 0; i-- {
		parts := strings.Split(xff[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a := parseAddr(strings.TrimSpace(parts[j]))
			if !a.IsValid() {
				return addr
			}
			addr = a
			if !isTrusted(a, trusted) {
				return a
			}
		}
	}
	return addr
}

// parseAddr reads "ip", "ip:port", "[ipv6]:port" or "[ipv6]"; IPv4-mapped IPv6
// addresses become IPv4, so one client has one key whichever stack it came in by.
func parseAddr(s string) netip.Addr {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParsePrefixes reads trustedProxies entries: CIDR ranges ("10.0.0.0/8") or
// single addresses ("127.0.0.1", "::1"). It returns the index of the first bad
// entry, or -1.
func ParsePrefixes(list []string) ([]netip.Prefix, int) {
	out := make([]netip.Prefix, 0, len(list))
	for i, s := range list {
		p, ok := parsePrefix(s)
		if !ok {
			return nil, i
		}
		out = append(out, p)
	}
	return out, -1
}

func parsePrefix(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		// An IPv4 range written as IPv6-mapped would never match the unmapped
		// addresses it is compared with.
		if p.Addr().Is4In6() {
			return netip.Prefix{}, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}
