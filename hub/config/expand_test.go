package config

import (
	"os"
	"reflect"
	"testing"
	"time"
)

func TestExpandString(t *testing.T) {
	env := map[string]string{"A": "alpha", "EMPTY": "", "Q": `he said "hi"` + "\nnext = 'x'"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		in, out string
		unset   []string
		problem string
	}{
		{in: "plain", out: "plain"},
		{in: "${A}", out: "alpha"},
		{in: "x-${A}-${A}-y", out: "x-alpha-alpha-y"},
		{in: "${MISSING}", out: "", unset: []string{"MISSING"}},
		{in: "${MISSING}/${OTHER}", out: "/", unset: []string{"MISSING", "OTHER"}},
		{in: "${MISSING:-fallback}", out: "fallback"},
		{in: "${EMPTY:-fallback}", out: "fallback"},
		{in: "${EMPTY}", out: ""},
		{in: "${A:-fallback}", out: "alpha"},
		{in: "${MISSING:-}", out: ""},
		{in: "${MISSING:-a:-b c}", out: "a:-b c"},
		{in: "${Q}", out: `he said "hi"` + "\nnext = 'x'"},
		{in: "$A $ cost: 5$ $", out: "$A $ cost: 5$ $"},
		{in: "a$$b $$$$", out: "a$b $$"},
		{in: "$${A}", out: "${A}"},
		{in: "$$${A}", out: "$alpha"},
		{in: "${A}${", problem: `unterminated "${" (write "$${" for a literal "${")`},
		{in: "${A", problem: `unterminated "${" (write "$${" for a literal "${")`},
		{in: "${}", problem: `invalid variable reference "${}": expected ${NAME} or ${NAME:-default}, NAME made of letters, digits and '_'`},
		{in: "${1A}", problem: `invalid variable reference "${1A}": expected ${NAME} or ${NAME:-default}, NAME made of letters, digits and '_'`},
		{in: "${A-x}", problem: `invalid variable reference "${A-x}": expected ${NAME} or ${NAME:-default}, NAME made of letters, digits and '_'`},
	}
	for _, tt := range tests {
		e := expandString(tt.in, lookup)
		if e.problem != tt.problem {
			t.Errorf("%q: problem %q, want %q", tt.in, e.problem, tt.problem)
			continue
		}
		if tt.problem != "" {
			continue
		}
		if e.out != tt.out || !reflect.DeepEqual(e.unset, tt.unset) {
			t.Errorf("%q: got %q unset %v, want %q unset %v", tt.in, e.out, e.unset, tt.out, tt.unset)
		}
	}
}

func TestParseExpandsEverywhere(t *testing.T) {
	t.Setenv("TEST_SECRET", "a\"b'c\nd = [1]\n# not a comment")
	t.Setenv("TEST_ORIGIN", "https://app.example.com")
	t.Setenv("TEST_PING", "25000")
	t.Setenv("TEST_WATCH", "false")
	t.Setenv("TEST_CACHE", "42")
	os.Unsetenv("TEST_UNSET_URL")
	os.Unsetenv("TEST_UNSET_SIZE")
	src := `
privateFields = ["password", "${TEST_UNSET_FIELD:-token}"]
[IOServerOptions]
pingInterval = "${TEST_PING}"
maxHttpBufferSize = "${TEST_UNSET_SIZE:-2MiB}"
[IOServerOptions.cors]
origin = "${TEST_ORIGIN}"
[auth]
jwtSecret = "${TEST_SECRET}"
[strapi]
url = "${TEST_UNSET_URL}"
cacheSize = "${TEST_CACHE}"
[plugins]
watch = "${TEST_WATCH:-true}"
[[events]]
name = "x"
handler = "y"
config = { nested = { list = ["${TEST_ORIGIN}", { deep = "${TEST_CACHE}" }], price = "5$" } }
`
	c, err := Parse([]byte(src), "hub.toml")
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.PrivateFields = []string{"password", "token"}
	want.IO.PingInterval = Duration(25 * time.Second)
	want.IO.MaxHTTPBufferSize = 2 * MiB
	want.IO.Cors.Origin = StringList{"https://app.example.com"}
	want.Auth.JWTSecret = "a\"b'c\nd = [1]\n# not a comment"
	want.Auth.Algorithms = []string{"HS256"}
	want.Strapi.URL = "" // unset without default: empty, so no Strapi lookups
	want.Strapi.CacheSize = 42
	want.Plugins.Watch = false
	want.Events = []Event{{Name: "x", Handler: "y", Config: map[string]any{
		"nested": map[string]any{
			"list":  []any{"https://app.example.com", map[string]any{"deep": "42"}},
			"price": "5$",
		},
	}}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got  %#v\nwant %#v", c, want)
	}
}

// A string that did not come from the environment is not taken for a number
// or a boolean.
func TestEnvStringsOnlyStandForScalarsWhenExpanded(t *testing.T) {
	t.Setenv("TEST_WATCH", "maybe")
	_, err := Parse([]byte("[plugins]\nwatch = \"${TEST_WATCH}\"\n[strapi]\ncacheSize = \"${TEST_WATCH:-x}\""), "hub.toml")
	checkLines(t, err,
		`hub.toml: plugins.watch: expected true or false, got "maybe"`,
		`hub.toml: strapi.cacheSize: expected an integer, got "maybe"`,
	)
}
