package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClusterDefaults(t *testing.T) {
	c, err := Parse(nil, "hub.toml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Cluster.Enabled() || c.Cluster.ChannelPrefix != "iohub" || c.Cluster.NodeID != "" {
		t.Errorf("default cluster = %+v, want disabled with prefix iohub", c.Cluster)
	}
	// An optional URL from the environment: empty means alone.
	t.Setenv("TEST_CLUSTER_URL", "")
	c, err = Parse([]byte("[cluster]\nredis = \"${TEST_CLUSTER_URL:-}\"\n"), "hub.toml")
	if err != nil || c.Cluster.Enabled() {
		t.Fatalf("optional empty redis: %v, %+v", err, c)
	}
	c, err = Parse([]byte("[cluster]\nredis = \"redis://127.0.0.1\"\n"), "hub.toml")
	if err != nil || !c.Cluster.Enabled() {
		t.Fatalf("minimal cluster: %v, %+v", err, c)
	}
}

func TestClusterProblems(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"unknown key", "[cluster]\nredis = \"redis://h\"\nnodeID = \"a\"", []string{
			`cluster.nodeID: unknown key (did you mean "nodeId"?)`}},
		{"not a table", "cluster = \"redis://h\"", []string{`cluster: expected a table, got "redis://h"`}},
		{"bad scheme", "[cluster]\nredis = \"http://:secret@h:6379\"", []string{
			`cluster.redis: expected a URL like "redis://:password@127.0.0.1:6379/0" (or "rediss://" for TLS); the scheme must be redis or rediss, got "http"`}},
		{"no host", "[cluster]\nredis = \"redis://:secret@:6379\"", []string{
			`cluster.redis: expected a URL like "redis://:password@127.0.0.1:6379/0" (or "rediss://" for TLS); the host is missing`}},
		{"bad db", "[cluster]\nredis = \"redis://h/zero\"", []string{
			`cluster.redis: expected a URL like "redis://:password@127.0.0.1:6379/0" (or "rediss://" for TLS); the path must be a database number, got "/zero"`}},
		{"bad port", "[cluster]\nredis = \"redis://h:99999\"", []string{
			`cluster.redis: expected a URL like "redis://:password@127.0.0.1:6379/0" (or "rediss://" for TLS); the port must be 1..65535`}},
		{"query", "[cluster]\nredis = \"redis://h?pool_size=3\"", []string{
			`cluster.redis: expected a URL like "redis://:password@127.0.0.1:6379/0" (or "rediss://" for TLS); query parameters and fragments are not supported`}},
		{"not a string", "[cluster]\nredis = 6379", []string{`cluster.redis: expected a string, got 6379`}},
		{"bad node id and prefix", "[cluster]\nredis = \"redis://h\"\nnodeId = \"node 1\"\nchannelPrefix = \"\"", []string{
			`cluster.nodeId: may only contain letters, digits, '.', '_' and '-', got "node 1"`,
			`cluster.channelPrefix: must not be empty`}},
		{"prefix with a wildcard", "[cluster]\nredis = \"redis://h\"\nchannelPrefix = \"app:*\"", []string{
			`cluster.channelPrefix: may only contain letters, digits, '.', '_', '-' and ':', got "app:*"`}},
		{"long node id", "[cluster]\nredis = \"redis://h\"\nnodeId = \"" + strings.Repeat("n", 65) + "\"", []string{
			`cluster.nodeId: must be at most 64 bytes, got 65`}},
		{"tls options without rediss", "[cluster]\nredis = \"redis://h\"\ntlsCAFile = \"ca.pem\"\ntlsInsecureSkipVerify = true", []string{
			`cluster.tlsCAFile: needs a "rediss://" redis URL`,
			`cluster.tlsInsecureSkipVerify: needs a "rediss://" redis URL`}},
		{"tls flag not a bool", "[cluster]\nredis = \"rediss://h\"\ntlsInsecureSkipVerify = \"yes\"", []string{
			`cluster.tlsInsecureSkipVerify: expected true or false, got "yes"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), "hub.toml")
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = "hub.toml: " + w
			}
			checkLines(t, err, want...)
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("a problem repeats the password: %v", err)
			}
		})
	}
}

// A password from an unset variable must not silently connect without one.
func TestClusterUnsetPassword(t *testing.T) {
	t.Setenv("TEST_UNSET_REDIS_PW", "")
	os.Unsetenv("TEST_UNSET_REDIS_PW")
	_, err := Parse([]byte("[cluster]\nredis = \"redis://:${TEST_UNSET_REDIS_PW}@h:6379\"\n"), "hub.toml")
	checkLines(t, err, `hub.toml: cluster.redis: uses environment variable TEST_UNSET_REDIS_PW, which is not set (write ${TEST_UNSET_REDIS_PW:-} if it is optional)`)
	if _, err := Parse([]byte("[cluster]\nredis = \"redis://:${TEST_UNSET_REDIS_PW:-}@h:6379\"\n"), "hub.toml"); err != nil {
		t.Errorf("optional password: %v", err)
	}
}

func TestClusterLoadResolvesCAFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hub.toml")
	src := "[cluster]\nredis = \"rediss://h:6380\"\ntlsCAFile = \"ca.pem\"\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), "cluster.tlsCAFile: cannot read") {
		t.Fatalf("missing CA file: got %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "ca.pem"); c.Cluster.TLSCAFile != want {
		t.Errorf("tlsCAFile = %q, want %q", c.Cluster.TLSCAFile, want)
	}
}
