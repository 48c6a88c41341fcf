package config

import (
	"reflect"
	"testing"
)

func TestLimits(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		env   map[string]string
		want  Limits   // when probs is nil
		probs []string // lines without the "hub.toml: " prefix
	}{
		{name: "absent: all off", src: "", want: Limits{}},
		{name: "every key", src: "[limits]\nmaxConnections = 10000\nmaxConnectionsPerIP = 50\nhandshakesPerSecondPerIP = 2.5\neventsPerSecond = 20\neventsBurst = 40\ntrustedProxies = [\"127.0.0.1/32\", \"10.0.0.0/8\", \"::1\", \"fd00::/8\"]\n",
			want: Limits{10000, 50, 2.5, 20, 40, []string{"127.0.0.1/32", "10.0.0.0/8", "::1", "fd00::/8"}}},
		{name: "from the environment", src: "[limits]\nmaxConnections = \"${MAXC}\"\neventsPerSecond = \"${EPS:-0.5}\"\n", env: map[string]string{"MAXC": "300"},
			want: Limits{MaxConnections: 300, EventsPerSecond: 0.5}},
		{name: "negative", src: "[limits]\nmaxConnections = -1\nmaxConnectionsPerIP = -2\nhandshakesPerSecondPerIP = -0.5\neventsPerSecond = -3\neventsBurst = -4\n", probs: []string{
			`limits.maxConnections: must be 0 (no limit) or positive, got -1`,
			`limits.maxConnectionsPerIP: must be 0 (no limit) or positive, got -2`,
			`limits.handshakesPerSecondPerIP: must be 0 (no limit) or positive, got -0.5`,
			`limits.eventsPerSecond: must be 0 (no limit) or positive, got -3`,
			`limits.eventsBurst: must be 0 (no limit) or positive, got -4`}},
		{name: "wrong types", src: "[limits]\nmaxConnections = 1.5\nhandshakesPerSecondPerIP = \"fast\"\neventsPerSecond = inf\ntrustedProxies = \"10.0.0.0/8\"\n", probs: []string{
			`limits.maxConnections: expected an integer, got 1.5`,
			`limits.handshakesPerSecondPerIP: expected a number like 10 or 0.5, got "fast"`,
			`limits.eventsPerSecond: expected a number like 10 or 0.5, got +Inf`,
			`limits.trustedProxies: expected an array of strings, got "10.0.0.0/8"`}},
		{name: "burst without a rate", src: "[limits]\neventsBurst = 5\n", probs: []string{
			`limits.eventsBurst: has no effect without eventsPerSecond > 0: set both, or neither, got 5`}},
		{name: "bad proxies", src: "[limits]\ntrustedProxies = [\"10.0.0.0/8\", \"10.0.0.0/33\", \"proxy.internal\", \"::ffff:10.0.0.0/104\", \"fe80::1%eth0\"]\n", probs: []string{
			`limits.trustedProxies[1]: expected an IP address like "10.0.0.1" or a CIDR range like "10.0.0.0/8", got "10.0.0.0/33"`,
			`limits.trustedProxies[2]: expected an IP address like "10.0.0.1" or a CIDR range like "10.0.0.0/8", got "proxy.internal"`,
			`limits.trustedProxies[3]: expected an IP address like "10.0.0.1" or a CIDR range like "10.0.0.0/8", got "::ffff:10.0.0.0/104"`,
			`limits.trustedProxies[4]: expected an IP address like "10.0.0.1" or a CIDR range like "10.0.0.0/8", got "fe80::1%eth0"`}},
		{name: "unknown key", src: "[limits]\nmaxConnection = 5\n", probs: []string{
			`limits.maxConnection: unknown key (did you mean "maxConnections"?)`}},
		{name: "not a table", src: "limits = 5\n", probs: []string{
			`limits: expected a table, got 5`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse([]byte(tt.src), "hub.toml", "", func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if tt.probs == nil {
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(c.Limits, tt.want) {
					t.Errorf("got %+v, want %+v", c.Limits, tt.want)
				}
				return
			}
			want := make([]string, len(tt.probs))
			for i, w := range tt.probs {
				want[i] = "hub.toml: " + w
			}
			checkLines(t, err, want...)
		})
	}
}
