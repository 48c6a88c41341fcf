package hub

import (
	"fmt"

	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/hub/limit"
	strapiclient "github.com/iohub/iohub/hub/strapi/client"
)

// strapiClientOptions are the Strapi client's settings from [strapi].
func strapiClientOptions(c config.Strapi) strapiclient.Options {
	return strapiclient.Options{URL: c.URL, APIToken: c.APIToken, Timeout: c.Timeout.D()}
}

// limitsFromConfig turns [limits] into limit.Settings. It fails only on what
// config's validation reports too (a bad trustedProxies entry).
func limitsFromConfig(c config.Limits) (limit.Settings, error) {
	proxies, bad := limit.ParsePrefixes(c.TrustedProxies)
	if bad >= 0 {
		return limit.Settings{}, fmt.Errorf("limits.trustedProxies[%d]: not an IP address or CIDR range: %q", bad, c.TrustedProxies[bad])
	}
	return limit.Settings{
		MaxConnections:      c.MaxConnections,
		MaxConnectionsPerIP: c.MaxConnectionsPerIP,
		Handshakes:          limit.NewRate(c.HandshakesPerSecondPerIP, 0),
		Events:              limit.NewRate(c.EventsPerSecond, c.EventsBurst),
		TrustedProxies:      proxies,
	}, nil
}
