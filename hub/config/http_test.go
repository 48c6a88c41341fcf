package config

import (
	"slices"
	"testing"
	"time"
)

func TestHTTPDefaults(t *testing.T) {
	c, err := Parse(nil, "hub.toml")
	if err != nil {
		t.Fatal(err)
	}
	want := HTTP{
		ReadHeaderTimeout: Duration(10 * time.Second),
		ReadTimeout:       Duration(30 * time.Second),
		IdleTimeout:       Duration(time.Minute),
		MaxHeaderBytes:    64 * KiB,
	}
	if c.HTTP != want {
		t.Errorf("got %+v, want %+v", c.HTTP, want)
	}
}

func TestHTTP(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		want  HTTP     // when problems is nil
		probs []string // lines without the "hub.toml: " prefix
	}{
		{name: "every key", src: "[http]\nreadHeaderTimeout = \"2s\"\nreadTimeout = 5000\nwriteTimeout = \"2m\"\nidleTimeout = \"90s\"\nmaxHeaderBytes = \"16KiB\"\n",
			want: HTTP{Duration(2 * time.Second), Duration(5 * time.Second), Duration(2 * time.Minute), Duration(90 * time.Second), 16 * KiB}},
		{name: "zero turns limits off", src: "[http]\nreadHeaderTimeout = 0\nreadTimeout = \"0s\"\nidleTimeout = 0\nmaxHeaderBytes = 0\n",
			want: HTTP{}},
		{name: "writeTimeout without polling", src: "[IOServerOptions]\ntransports = [\"websocket\"]\n[http]\nwriteTimeout = \"5s\"\n",
			want: HTTP{Duration(10 * time.Second), Duration(30 * time.Second), Duration(5 * time.Second), Duration(time.Minute), 64 * KiB}},
		{name: "not a duration", src: "[http]\nidleTimeout = \"abc\"\n", probs: []string{
			`http.idleTimeout: expected a duration like "25s" or milliseconds as an integer, got "abc"`}},
		{name: "negative", src: "[http]\nreadTimeout = \"-1s\"\n", probs: []string{
			`http.readTimeout: must not be negative, got "-1s"`}},
		{name: "header bytes too small", src: "[http]\nmaxHeaderBytes = 100\n", probs: []string{
			`http.maxHeaderBytes: must be 0 (1MiB) or at least 4KiB (4096), got 100`}},
		{name: "header bytes not a size", src: "[http]\nmaxHeaderBytes = true\n", probs: []string{
			`http.maxHeaderBytes: expected a size like 1048576 or "1MiB" (units B, kB, KiB, MB, MiB, GB, GiB), got true`}},
		{name: "writeTimeout would cut long polls", src: "[http]\nwriteTimeout = \"30s\"\n", probs: []string{
			`http.writeTimeout: must be 0 (no limit) or longer than IOServerOptions.pingInterval + pingTimeout (45s): a long-polling GET is held that long, got 30s`}},
		{name: "unknown key", src: "[http]\nidleTimout = \"1s\"\n", probs: []string{
			`http.idleTimout: unknown key (did you mean "idleTimeout"?)`}},
		{name: "not a table", src: "http = 1\n", probs: []string{
			`http: expected a table, got 1`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.src), "hub.toml")
			if tt.probs == nil {
				if err != nil {
					t.Fatal(err)
				}
				if c.HTTP != tt.want {
					t.Errorf("got %+v, want %+v", c.HTTP, tt.want)
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

func TestDevDefaults(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // keys
	}{
		{"both", "[auth]\njwtSecret = \"" + DevJWTSecret + "\"\n[api]\ntokens = [\"real-token\", \"" + DevAPIToken + "\"]\n", []string{"auth.jwtSecret", "api.tokens[1]"}},
		{"from the environment default", "[auth]\njwtSecret = \"${IOHUB_TEST_UNSET_SECRET:-" + DevJWTSecret + "}\"\n", []string{"auth.jwtSecret"}},
		{"real values", "[auth]\njwtSecret = \"a-real-secret-of-some-length\"\n[api]\ntokens = [\"real-token\"]\n", nil},
		{"nothing set", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.src), "hub.toml")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range c.DevDefaults() {
				got = append(got, d.Key)
				if d.Fix == "" {
					t.Errorf("%s: no fix", d.Key)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
