package config

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      any
		fromEnv bool
		want    time.Duration
		msg     string
	}{
		{in: "25s", want: 25 * time.Second},
		{in: "100ms", want: 100 * time.Millisecond},
		{in: "1m30s", want: 90 * time.Second},
		{in: " 2h ", want: 2 * time.Hour},
		{in: "0", want: 0},
		{in: int64(25000), want: 25 * time.Second},
		{in: int64(0), want: 0},
		{in: "25000", fromEnv: true, want: 25 * time.Second},
		{in: "25000", msg: `expected a duration like "25s" or milliseconds as an integer, got "25000"`},
		{in: "", msg: `expected a duration like "25s" or milliseconds as an integer, got ""`},
		{in: "fast", msg: `expected a duration like "25s" or milliseconds as an integer, got "fast"`},
		{in: "-1ms", msg: `must not be negative, got "-1ms"`},
		{in: int64(-1), msg: `must not be negative, got -1`},
		{in: int64(1) << 60, msg: `too large, got 1152921504606846976`},
		{in: "99999999999999999999", fromEnv: true, msg: `too large, got "99999999999999999999"`},
		{in: 2.5, msg: `expected a duration like "25s" or milliseconds as an integer, got 2.5`},
		{in: []any{}, msg: `expected a duration like "25s" or milliseconds as an integer, got an array`},
		{in: map[string]any{}, msg: `expected a duration like "25s" or milliseconds as an integer, got a table`},
	}
	for _, tt := range tests {
		got, msg := parseDuration(tt.in, tt.fromEnv)
		if msg != tt.msg || (msg == "" && got.D() != tt.want) {
			t.Errorf("parseDuration(%#v, %v) = %v, %q; want %v, %q", tt.in, tt.fromEnv, got, msg, tt.want, tt.msg)
		}
	}
}

func TestParseByteSize(t *testing.T) {
	const expected = `expected a size like 1048576 or "1MiB" (units B, kB, KiB, MB, MiB, GB, GiB), got `
	tests := []struct {
		in   any
		want ByteSize
		msg  string
	}{
		{in: int64(1000000), want: 1000000},
		{in: 1e6, want: 1000000},
		{in: "1048576", want: MiB},
		{in: "1e6", want: 1000000},
		{in: "1E3kB", want: 1000000},
		{in: "16MiB", want: 16 * MiB},
		{in: "16 mib", want: 16 * MiB},
		{in: "16MIB", want: 16 * MiB},
		{in: "1MB", want: 1000000},
		{in: "512KiB", want: 512 * KiB},
		{in: "100kB", want: 100000},
		{in: "100KB", want: 100000},
		{in: "2GiB", want: 2 * GiB},
		{in: "3gb", want: 3000000000},
		{in: "1.5MiB", want: 1572864},
		{in: "10B", want: 10},
		{in: "0", want: 0},
		{in: "1.3B", msg: `not a whole number of bytes, got "1.3B"`},
		{in: 1.5, msg: expected + "1.5"},
		{in: "", msg: expected + `""`},
		{in: "MiB", msg: expected + `"MiB"`},
		{in: "1M", msg: expected + `"1M"`},
		{in: "1 e", msg: expected + `"1 e"`},
		{in: "1e", msg: expected + `"1e"`},
		{in: "1.MiB", msg: expected + `"1.MiB"`},
		{in: "0x10", msg: expected + `"0x10"`},
		{in: "-1", msg: `must not be negative, got "-1"`},
		{in: int64(-5), msg: `must not be negative, got -5`},
		{in: -1.0, msg: `must not be negative, got -1`},
		{in: "9223372036854775807GiB", msg: `too large, got "9223372036854775807GiB"`},
		{in: "99999999999999999999", msg: `too large, got "99999999999999999999"`},
		{in: "1e400", msg: `too large, got "1e400"`},
		{in: 1e30, msg: `too large, got 1e+30`},
		{in: true, msg: expected + "true"},
	}
	for _, tt := range tests {
		got, msg := parseByteSize(tt.in)
		if msg != tt.msg || (msg == "" && got != tt.want) {
			t.Errorf("parseByteSize(%#v) = %d, %q; want %d, %q", tt.in, got, msg, tt.want, tt.msg)
		}
	}
}

func TestTextRoundTrip(t *testing.T) {
	for _, d := range []Duration{0, Duration(25 * time.Second), Duration(1500 * time.Millisecond)} {
		b, _ := d.MarshalText()
		var back Duration
		if err := back.UnmarshalText(b); err != nil || back != d {
			t.Errorf("duration %v -> %s -> %v, %v", d, b, back, err)
		}
	}
	for _, s := range []ByteSize{0, 1, 1000000, 64 * KiB, 16 * MiB, 3 * GiB} {
		b, _ := s.MarshalText()
		var back ByteSize
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("size %d -> %s -> %d, %v", s, b, back, err)
		}
	}
	if got := (16 * MiB).String(); got != "16MiB" {
		t.Errorf("String = %q", got)
	}
	var d Duration
	if err := d.UnmarshalText([]byte("-1s")); err == nil {
		t.Error("negative duration accepted")
	}
}

func TestContentTypesAllows(t *testing.T) {
	ct := ContentTypes{Types: map[string][]string{"message": {"*"}, "chat": {"create", "update"}, "off": {}}}
	tests := []struct {
		api, action string
		want        bool
	}{
		{"message", "create", true},
		{"message", "custom", true},
		{"chat", "create", true},
		{"chat", "delete", false},
		{"off", "create", false},
		{"other", "create", false},
	}
	for _, tt := range tests {
		if got := ct.Allows(tt.api, tt.action); got != tt.want {
			t.Errorf("Allows(%q, %q) = %v", tt.api, tt.action, got)
		}
	}
	if !(ContentTypes{All: true}).Allows("anything", "anything") {
		t.Error("All does not allow")
	}
	if (ContentTypes{}).Allows("message", "create") {
		t.Error("zero value allows")
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"listen", "publicRoleName", "permissionMode", "IOServerOptions", "dir", "plugins"}
	tests := []struct{ in, want string }{
		{"listn", "listen"},
		{"Listen", "listen"},
		{"publicRolename", "publicRoleName"},
		{"permisionMod", "permissionMode"},
		{"ioserveroptions", "IOServerOptions"},
		{"IOServerOption", "IOServerOptions"},
		{"x", ""},
		{"di", "dir"},
		{"url", ""},
		{"something", ""},
		{"plugin", "plugins"},
	}
	for _, tt := range tests {
		got, _ := suggest(tt.in, keys)
		if got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
