package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Cluster is `[cluster]`: several hub nodes behind one load balancer, sharing
// deliveries and handler state through Redis. Absent (or redis empty), the hub
// runs alone.
type Cluster struct {
	// Redis is `redis`, the Redis server's URL:
	// "redis://[[user]:password@]host[:port][/db]", or "rediss://..." for TLS
	// (port 6379 and db 0 when left out). Empty (default): no cluster, the hub
	// runs alone. The password is usually "${REDIS_PASSWORD}"; an unset ${VAR}
	// without a default is a problem, as for auth.jwtSecret.
	Redis string `toml:"redis"`

	// NodeID is `nodeId`, this node's name in the cluster (logs, /hub/health,
	// and how a node recognises its own messages). Letters, digits, '.', '_'
	// and '-', at most 64 bytes; every node needs its own. Empty (default): a
	// random one is made at start.
	NodeID string `toml:"nodeId"`

	// ChannelPrefix is `channelPrefix`, the start of every Redis channel and key
	// the hub uses, so that several clusters can share one Redis database.
	// Default "iohub". Letters, digits, '.', '_', '-' and ':', at most 64 bytes.
	ChannelPrefix string `toml:"channelPrefix"`

	// TLSCAFile is `tlsCAFile`, a PEM file with the CA certificates that sign the
	// Redis server's certificate (rediss:// only). Empty (default): the system's
	// roots. Load resolves a relative path against the config file's directory
	// and checks that it is readable.
	TLSCAFile string `toml:"tlsCAFile"`

	// TLSInsecureSkipVerify is `tlsInsecureSkipVerify`: accept any server
	// certificate (rediss:// only; for tests, never in production). Default
	// false.
	TLSInsecureSkipVerify bool `toml:"tlsInsecureSkipVerify"`
}

// Enabled reports whether the hub runs as a cluster node.
func (c Cluster) Enabled() bool { return c.Redis != "" }

// DefaultChannelPrefix is cluster.channelPrefix's default.
const DefaultChannelPrefix = "iohub"

const maxClusterName = 64

func (d *decoder) validateCluster(p keyPath, c *Cluster) {
	rp := p.key("redis")
	// A password from an unset variable would silently connect without one.
	if vars := d.unset[rp.String()]; len(vars) > 0 {
		d.addRaw(rp, fmt.Sprintf("uses environment variable %s, which is not set (write ${%s:-} if it is optional)", vars[0], vars[0]))
	} else if c.Redis != "" {
		if msg := checkRedisURL(c.Redis); msg != "" {
			d.add(rp, msg)
		}
	}
	if c.NodeID != "" {
		if msg := checkClusterName(c.NodeID, ""); msg != "" {
			d.add(p.key("nodeId"), msg)
		}
	}
	if msg := checkClusterName(c.ChannelPrefix, ":"); msg != "" && d.ok(p.key("channelPrefix")) {
		d.add(p.key("channelPrefix"), msg)
	}
	tls := strings.HasPrefix(c.Redis, "rediss://")
	if c.TLSCAFile != "" && !tls {
		d.add(p.key("tlsCAFile"), `needs a "rediss://" redis URL`)
	}
	if c.TLSInsecureSkipVerify && !tls {
		d.add(p.key("tlsInsecureSkipVerify"), `needs a "rediss://" redis URL`)
	}
}

// checkRedisURL checks a redis/rediss URL. Messages never repeat the URL: it
// may hold a password.
func checkRedisURL(s string) string {
	const want = `expected a URL like "redis://:password@127.0.0.1:6379/0" (or "rediss://" for TLS)`
	u, err := url.Parse(s)
	if err != nil {
		return want + "; it does not parse"
	}
	switch {
	case u.Scheme != "redis" && u.Scheme != "rediss":
		return want + "; the scheme must be redis or rediss, got " + quote(u.Scheme)
	case u.Hostname() == "":
		return want + "; the host is missing"
	case u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return want + "; query parameters and fragments are not supported"
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return want + "; the port must be 1..65535"
		}
	}
	if db := strings.TrimPrefix(u.Path, "/"); db != "" {
		if n, err := strconv.Atoi(db); err != nil || n < 0 {
			return want + "; the path must be a database number, got " + quote(u.Path)
		}
	}
	return ""
}

// checkClusterName checks a node id or channel prefix: not empty, at most 64
// bytes, letters, digits, '.', '_', '-' and the extra characters.
func checkClusterName(s, extra string) string {
	if s == "" {
		return "must not be empty"
	}
	if len(s) > maxClusterName {
		return fmt.Sprintf("must be at most %d bytes, got %d", maxClusterName, len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || strings.IndexByte(extra, c) >= 0) {
			allowed := "letters, digits, '.', '_' and '-'"
			if extra != "" {
				allowed = "letters, digits, '.', '_', '-' and '" + extra + "'"
			}
			return "may only contain " + allowed + ", got " + quote(s)
		}
	}
	return ""
}
