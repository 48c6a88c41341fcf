package limit

import (
	"fmt"

	"github.com/iohub/iohub/hub/config"
)

// FromConfig turns [limits] into Settings. It fails only on what config's
// validation reports too (a bad trustedProxies entry).
func FromConfig(c config.Limits) (Settings, error) {
	proxies, bad := ParsePrefixes(c.TrustedProxies)
	if bad >= 0 {
		return Settings{}, fmt.Errorf("limits.trustedProxies[%d]: not an IP address or CIDR range: %q", bad, c.TrustedProxies[bad])
	}
	s := Settings{
		MaxConnections:      c.MaxConnections,
		MaxConnectionsPerIP: c.MaxConnectionsPerIP,
		TrustedProxies:      proxies,
	}
	if r := c.HandshakesPerSecondPerIP; r > 0 {
		s.Handshakes = Rate{PerSecond: r, Burst: burstFor(r, 0)}
	}
	if r := c.EventsPerSecond; r > 0 {
		s.Events = Rate{PerSecond: r, Burst: burstFor(r, c.EventsBurst)}
	}
	return s, nil
}
