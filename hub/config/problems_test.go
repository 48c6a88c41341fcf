package config

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// checkLines asserts that err is a *Problems whose Error() is exactly want,
// one line per problem.
func checkLines(t *testing.T, err error, want ...string) {
	t.Helper()
	var p *Problems
	if !errors.As(err, &p) {
		t.Fatalf("error %v (%T) is not a *Problems", err, err)
	}
	if len(p.List) != len(want) {
		t.Errorf("got %d problems, want %d", len(p.List), len(want))
	}
	got := strings.Split(p.Error(), "\n")
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("line %d:\n got  %s\n want %s", i, g, w)
		}
	}
}

func TestProblems(t *testing.T) {
	const allActions = `expected one of find, findOne, create, update, delete, publish, unpublish, createOrUpdate, bulkDelete, or "*"`
	tests := []struct {
		name string
		src  string
		env  map[string]string // "" value with key prefix "-" means unset
		want []string          // lines without the "hub.toml: " prefix
	}{
		// Syntax.
		{"syntax error", "listen = \"x\"\nlogLevel = \n", nil, []string{
			`syntax error at line 2, column 12: expected value but found '\n' instead`}},
		{"duplicate key", "listen = \"a:1\"\nlisten = \"b:2\"\n", nil, []string{
			`syntax error at line 2, column 1: Key 'listen' has already been defined.`}},

		// Unknown keys.
		{"unknown top-level key with suggestion", `listn = ":1"`, nil, []string{
			`listn: unknown key (did you mean "listen"?)`}},
		{"unknown top-level key without suggestion", `colour = "red"`, nil, []string{
			`colour: unknown key`}},
		{"unknown key differing in case", "[ioServerOptions]\npath = \"/x\"", nil, []string{
			`ioServerOptions: unknown key (did you mean "IOServerOptions"?)`}},
		{"unknown nested key", "[IOServerOptions]\npingIntervall = \"25s\"", nil, []string{
			`IOServerOptions.pingIntervall: unknown key (did you mean "pingInterval"?)`}},
		{"unknown key deeper", "[IOServerOptions.cors]\norigins = \"*\"", nil, []string{
			`IOServerOptions.cors.origins: unknown key (did you mean "origin"?)`}},
		{"unknown key in a role", "[roles.Public]\npermission = []", nil, []string{
			`roles.Public.permission: unknown key (did you mean "permissions"?)`}},
		{"unknown key in an event", "[[events]]\nname = \"x\"\nhandlr = \"y\"\nhandler = \"y\"", nil, []string{
			`events[0].handlr: unknown key (did you mean "handler"?)`}},
		{"events config and roles names are free-form", "[roles.Anything-Goes]\n[[events]]\nname = \"x\"\nhandler = \"y\"\nconfig = { whatever = 1 }\n[contentTypes]\nwhatever = \"*\"", nil, nil},

		// Basic types.
		{"string expected", `listen = 1337`, nil, []string{`listen: expected a string, got 1337`}},
		{"bool expected", "[plugins]\nwatch = \"yes\"", nil, []string{`plugins.watch: expected true or false, got "yes"`}},
		{"integer expected", "[strapi]\ncacheSize = \"10\"", nil, []string{`strapi.cacheSize: expected an integer, got "10"`}},
		{"table expected", `IOServerOptions = "x"`, nil, []string{`IOServerOptions: expected a table, got "x"`}},
		{"array of strings expected", "[IOServerOptions]\ntransports = \"websocket\"", nil, []string{
			`IOServerOptions.transports: expected an array of strings, got "websocket"`}},
		{"string element expected", "[IOServerOptions]\ntransports = [\"polling\", 1]", nil, []string{
			`IOServerOptions.transports[1]: expected a string, got 1`}},
		{"array of tables expected", `events = "x"`, nil, []string{`events: expected an array of tables ([[events]]), got "x"`}},
		{"event table expected", `events = ["x"]`, nil, []string{`events[0]: expected a table with name and handler, got "x"`}},
		{"event config table expected", "[[events]]\nname = \"x\"\nhandler = \"y\"\nconfig = [1]", nil, []string{
			`events[0].config: expected a table, got an array`}},
		{"role table expected", `roles = { Public = ["api::a.a.find"] }`, nil, []string{`roles.Public: expected a table, got an array`}},

		// Durations.
		{"bad duration string", "[IOServerOptions]\npingInterval = \"fast\"", nil, []string{
			`IOServerOptions.pingInterval: expected a duration like "25s" or milliseconds as an integer, got "fast"`}},
		{"duration without unit", "[IOServerOptions]\npingInterval = \"25\"", nil, []string{
			`IOServerOptions.pingInterval: expected a duration like "25s" or milliseconds as an integer, got "25"`}},
		{"duration of wrong type", "[IOServerOptions]\npingInterval = true\npingTimeout = 1.5\nconnectTimeout = 2020-01-01", nil, []string{
			`IOServerOptions.pingInterval: expected a duration like "25s" or milliseconds as an integer, got true`,
			`IOServerOptions.pingTimeout: expected a duration like "25s" or milliseconds as an integer, got 1.5`,
			`IOServerOptions.connectTimeout: expected a duration like "25s" or milliseconds as an integer, got a datetime`}},
		{"negative durations", "[IOServerOptions]\npingInterval = \"-5s\"\npingTimeout = -20\n[auth]\nleeway = \"-1s\"", nil, []string{
			`IOServerOptions.pingInterval: must not be negative, got "-5s"`,
			`IOServerOptions.pingTimeout: must not be negative, got -20`,
			`auth.leeway: must not be negative, got "-1s"`}},
		{"zero durations", "[IOServerOptions]\npingInterval = 0\nupgradeTimeout = \"0s\"\n[plugins]\ntimeout = \"0ms\"\n[strapi]\ntimeout = 0", nil, []string{
			`IOServerOptions.pingInterval: must be greater than zero`,
			`IOServerOptions.upgradeTimeout: must be greater than zero`,
			`plugins.timeout: must be greater than zero`,
			`strapi.timeout: must be greater than zero`}},
		{"leeway too large", "[auth]\nleeway = \"10m\"", nil, []string{`auth.leeway: must be at most 5m0s, got 10m0s`}},
		{"recovery skipping the handshake", "[IOServerOptions.connectionStateRecovery]\nskipMiddlewares = true", nil, []string{
			`IOServerOptions.connectionStateRecovery.skipMiddlewares: must be false: iohub re-checks the token and the user whenever a session is recovered ` +
				`(with true, an expired token or a user blocked while away would come back with its rooms and the messages it missed); remove the key`}},
		{"recovery duration zero", "[IOServerOptions.connectionStateRecovery]\nmaxDisconnectionDuration = 0", nil, []string{
			`IOServerOptions.connectionStateRecovery.maxDisconnectionDuration: must be greater than zero`}},

		// Sizes.
		{"bad size string", "[IOServerOptions]\nmaxHttpBufferSize = \"lots\"", nil, []string{
			`IOServerOptions.maxHttpBufferSize: expected a size like 1048576 or "1MiB" (units B, kB, KiB, MB, MiB, GB, GiB), got "lots"`}},
		{"unknown size unit", "[api]\nmaxBodySize = \"1M\"", nil, []string{
			`api.maxBodySize: expected a size like 1048576 or "1MiB" (units B, kB, KiB, MB, MiB, GB, GiB), got "1M"`}},
		{"size of wrong type", "[api]\nmaxBodySize = true", nil, []string{
			`api.maxBodySize: expected a size like 1048576 or "1MiB" (units B, kB, KiB, MB, MiB, GB, GiB), got true`}},
		{"negative sizes", "[api]\nmaxBodySize = -1\n[plugins]\nmemoryLimit = \"-1MiB\"", nil, []string{
			`api.maxBodySize: must not be negative, got -1`,
			`plugins.memoryLimit: must not be negative, got "-1MiB"`}},
		{"fractional bytes", "[api]\nmaxBodySize = \"1.3B\"", nil, []string{`api.maxBodySize: not a whole number of bytes, got "1.3B"`}},
		{"zero sizes", "[IOServerOptions]\nmaxHttpBufferSize = 0\n[api]\nmaxBodySize = \"0B\"", nil, []string{
			`IOServerOptions.maxHttpBufferSize: must be greater than zero`,
			`api.maxBodySize: must be greater than zero`}},
		{"memoryLimit not a page multiple", "[plugins]\nmemoryLimit = \"100kB\"", nil, []string{
			`plugins.memoryLimit: must be a multiple of 64KiB (65536, the Wasm page size), got 100000; the next multiple is 131072`}},
		{"memoryLimit too small and too large", "[plugins]\nmemoryLimit = 4096", nil, []string{
			`plugins.memoryLimit: must be at least 64KiB (65536), got 4096`}},
		{"memoryLimit too large", "[plugins]\nmemoryLimit = \"8GiB\"", nil, []string{
			`plugins.memoryLimit: must be at most 4GiB (the wasm32 address space), got 8589934592`}},

		// String lists.
		{"string list of wrong type", "[IOServerOptions.cors]\norigin = 5\nmethods = [\"GET\", false]", nil, []string{
			`IOServerOptions.cors.origin: expected a string or an array of strings, got 5`,
			`IOServerOptions.cors.methods[1]: expected a string, got false`}},

		// Enumerations.
		{"permissionMode", `permissionMode = "write"`, nil, []string{`permissionMode: expected "action" or "read", got "write"`}},
		{"permissionMode with suggestion", `permissionMode = "reed"`, nil, []string{
			`permissionMode: expected "action" or "read", got "reed" (did you mean "read"?)`}},
		{"logLevel and logFormat", "logLevel = \"INFO\"\nlogFormat = \"xml\"", nil, []string{
			`logLevel: expected one of "debug", "info", "warn", "error", got "INFO" (did you mean "info"?)`,
			`logFormat: expected "text" or "json", got "xml"`}},
		{"transports", "[IOServerOptions]\ntransports = [\"polling\", \"websocket\", \"webtransport\"]", nil, []string{
			`IOServerOptions.transports[2]: expected "polling" or "websocket", got "webtransport"`}},
		{"transports suggestion and duplicate", "[IOServerOptions]\ntransports = [\"websockets\", \"polling\", \"polling\"]", nil, []string{
			`IOServerOptions.transports[0]: expected "polling" or "websocket", got "websockets" (did you mean "websocket"?)`,
			`IOServerOptions.transports[2]: duplicate transport "polling"`}},
		{"no transports", "[IOServerOptions]\ntransports = []", nil, []string{
			`IOServerOptions.transports: at least one transport is required: "polling" and/or "websocket"`}},

		// Listener and path.
		{"listen without port", `listen = "1337"`, nil, []string{
			`listen: expected host:port with a numeric port, like "127.0.0.1:1337", got "1337"`}},
		{"listen with a named port", `listen = "localhost:http"`, nil, []string{
			`listen: expected host:port with a numeric port, like "127.0.0.1:1337", got "localhost:http"`}},
		{"listen port out of range", `listen = ":70000"`, nil, []string{
			`listen: expected host:port with a numeric port, like "127.0.0.1:1337", got ":70000"`}},
		{"path", "[IOServerOptions]\npath = \"socket.io\"", nil, []string{`IOServerOptions.path: must start with "/", got "socket.io"`}},
		{"path trailing slash", "[IOServerOptions]\npath = \"/socket.io/\"", nil, []string{`IOServerOptions.path: must not end with "/", got "/socket.io/"`}},

		// CORS.
		{"credentials with wildcard origin", "[IOServerOptions.cors]\norigin = \"*\"\ncredentials = true", nil, []string{
			`IOServerOptions.cors.credentials: cannot be true when origin is "*": browsers refuse credentials with a wildcard origin; list the allowed origins instead`}},
		{"wildcard among origins", "[IOServerOptions.cors]\norigin = [\"https://a.example\", \"*\"]", nil, []string{
			`IOServerOptions.cors.origin[1]: "*" must be the only origin`}},
		{"origin with a path", "[IOServerOptions.cors]\norigin = \"http://localhost:5000/\"", nil, []string{
			`IOServerOptions.cors.origin: expected an origin like "https://app.example.com" (scheme://host[:port], no path), got "http://localhost:5000/" (did you mean "http://localhost:5000"?)`}},
		{"origin without scheme", "[IOServerOptions.cors]\norigin = [\"localhost\"]", nil, []string{
			`IOServerOptions.cors.origin[0]: expected an origin like "https://app.example.com" (scheme://host[:port], no path), got "localhost"`}},
		{"cors methods and headers", "[IOServerOptions.cors]\nmethods = [\"get\"]\nallowedHeaders = \"X Bad\"", nil, []string{
			`IOServerOptions.cors.methods[0]: expected one of "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", got "get" (did you mean "GET"?)`,
			`IOServerOptions.cors.allowedHeaders: expected a header name like "Authorization", got "X Bad"`}},

		// Content types.
		{"contentTypes not star", `contentTypes = "all"`, nil, []string{
			`contentTypes: expected "*" or a table of content types like { message = "*" }, got "all"`}},
		{"contentTypes wrong type", `contentTypes = 5`, nil, []string{
			`contentTypes: expected "*" or a table of content types like { message = "*" }, got 5`}},
		{"contentTypes entry wrong type", "[contentTypes]\nmessage = 5", nil, []string{
			`contentTypes.message: expected a string or an array of strings, got 5`}},
		{"unknown action in a list", "[contentTypes]\nmessage = [\"create\", \"craete\"]", nil, []string{
			`contentTypes.message[1]: unknown action "craete" (did you mean "create"?); ` + allActions}},
		{"unknown action as a string", "[contentTypes]\nmessage = \"craete\"\nchat = \"teleport\"", nil, []string{
			`contentTypes.message: unknown action "craete" (did you mean "create"?); ` + allActions,
			`contentTypes.chat: unknown action "teleport"; ` + allActions}},

		// Auth.
		{"alg none", "[auth]\njwtSecret = \"s\"\nalgorithms = [\"HS256\", \"none\"]", nil, []string{
			`auth.algorithms[1]: "none" is not allowed: unsigned tokens would let any client choose its role`}},
		{"HS256 without secret", "[auth]\nalgorithms = [\"HS256\"]", nil, []string{
			`auth.algorithms[0]: "HS256" requires auth.jwtSecret`}},
		{"RS256 without key", "[auth]\njwtSecret = \"s\"\nalgorithms = [\"HS256\", \"RS256\"]", nil, []string{
			`auth.algorithms[1]: "RS256" requires auth.publicKeyFile`}},
		{"unknown and duplicate algorithms", "[auth]\njwtSecret = \"s\"\nalgorithms = [\"HS265\", \"HS256\", \"HS256\"]", nil, []string{
			`auth.algorithms[0]: unknown algorithm "HS265" (did you mean "HS256"?); expected one of HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA`,
			`auth.algorithms[2]: duplicate algorithm "HS256"`}},
		{"key file without algorithms", "[auth]\npublicKeyFile = \"k.pem\"", nil, []string{
			`auth.algorithms: is required with auth.publicKeyFile: list the key's algorithms, e.g. ["RS256"], ["ES256"] or ["EdDSA"]`}},
		{"empty algorithms with secret", "[auth]\njwtSecret = \"s\"\nalgorithms = []", nil, []string{
			`auth.algorithms: must not be empty when auth.jwtSecret is set (omit it for ["HS256"])`}},
		{"secret from an unset variable", "[auth]\njwtSecret = \"${TEST_UNSET_SECRET}\"\nalgorithms = [\"HS256\"]",
			map[string]string{"-TEST_UNSET_SECRET": ""}, []string{
				`auth.jwtSecret: is empty because environment variable TEST_UNSET_SECRET is not set (write ${TEST_UNSET_SECRET:-} if it is optional)`}},
		{"issuer from an unset variable", "[auth]\nissuer = \"${TEST_UNSET_ISS}\"\naudience = \"${TEST_UNSET_AUD:-}\"",
			map[string]string{"-TEST_UNSET_ISS": "", "-TEST_UNSET_AUD": ""}, []string{
				`auth.issuer: is empty because environment variable TEST_UNSET_ISS is not set (write ${TEST_UNSET_ISS:-} if it is optional)`}},
		{"optional secret from an unset variable", "[auth]\njwtSecret = \"${TEST_UNSET_SECRET:-}\"",
			map[string]string{"-TEST_UNSET_SECRET": ""}, nil},
		{"roleClaim and authenticatedRole", "[auth]\nroleClaim = \"app..role\"\nauthenticatedRole = \"\"", nil, []string{
			`auth.roleClaim: expected a claim name or a dotted path like "app.role", got "app..role"`,
			`auth.authenticatedRole: must not be empty`}},

		// Roles.
		{"bad permissions", "[roles.Public]\npermissions = [\"\", \"message.create\", \"api::message\", \"api::*\", \"api::m*.m.find\", \"*.x\", \"api::a.b.c d\", \"api::a.a.*\", \"*\"]", nil, []string{
			`roles.Public.permissions[0]: must not be empty`,
			`roles.Public.permissions[1]: invalid permission "message.create": expected "<type>::<uid>.<action>" like "api::message.message.create", or "*" alone`,
			`roles.Public.permissions[2]: invalid permission "api::message": expected "<type>::<uid>.<action>" like "api::message.message.create", or "*" alone`,
			`roles.Public.permissions[3]: invalid permission "api::*": expected "<type>::<uid>.<action>" like "api::message.message.create", or "*" alone`,
			`roles.Public.permissions[4]: invalid permission "api::m*.m.find": "*" may only be the whole permission or its whole last segment, like "api::message.message.*"`,
			`roles.Public.permissions[5]: invalid permission "*.x": expected "<type>::<uid>.<action>" like "api::message.message.create", or "*" alone`,
			`roles.Public.permissions[6]: invalid permission "api::a.b.c d": expected "<type>::<uid>.<action>" like "api::message.message.create", or "*" alone`}},
		{"empty role name", "[roles.\"\"]\npermissions = [\"*\"]", nil, []string{`roles."": role name must not be empty`}},
		{"publicRoleName empty", `publicRoleName = " "`, nil, []string{`publicRoleName: must not be empty`}},
		{"role names that are rooms of users or sockets", "publicRoleName = \"user:1\"\n[auth]\nauthenticatedRole = \"USER:2\"\n" +
			"[roles.\"user:7\"]\n[roles.\"abcdefghijklmnopqrstuvwx\"]\n[roles.\"Content Editor\"]\n[roles.\"user\"]\n[roles.\"users:1\"]", nil, []string{
			`publicRoleName: role name must not start with "user:": that prefix names the rooms of single users`,
			`auth.authenticatedRole: role name must not start with "user:": that prefix names the rooms of single users`,
			`roles."user:7": role name must not start with "user:": that prefix names the rooms of single users`,
			`roles.abcdefghijklmnopqrstuvwx: role name must not be 24 letters, digits, '-' or '_' alone: that is the shape of a socket id, whose room holds one socket`}},

		// API.
		{"empty api token from an unset variable", "[api]\ntokens = [\"ok\", \"${TEST_UNSET_TOKEN}\"]",
			map[string]string{"-TEST_UNSET_TOKEN": ""}, []string{
				`api.tokens[1]: must not be empty (environment variable TEST_UNSET_TOKEN is not set)`}},
		{"api token with whitespace", "[api]\ntokens = [\"${TEST_TOKEN}\"]",
			map[string]string{"TEST_TOKEN": "abc\n"}, []string{
				`api.tokens[0]: must not start or end with whitespace (a bearer token never does)`}},

		// Strapi.
		{"bad strapi url", "[strapi]\nurl = \"ftp://cms.example.com\"\ncacheSize = 0", nil, []string{
			`strapi.url: expected an http or https URL like "http://localhost:1337", got "ftp://cms.example.com"`,
			`strapi.cacheSize: must be at least 1, got 0`}},
		{"strapi url without scheme", "[strapi]\nurl = \"localhost:1337\"", nil, []string{
			`strapi.url: expected an http or https URL like "http://localhost:1337", got "localhost:1337"`}},
		{"strapi api token from an unset variable", "[strapi]\nurl = \"http://cms:1337\"\napiToken = \"${TEST_UNSET_STRAPI}\"",
			map[string]string{"-TEST_UNSET_STRAPI": ""}, []string{
				`strapi.apiToken: is empty because environment variable TEST_UNSET_STRAPI is not set (write ${TEST_UNSET_STRAPI:-} if it is optional)`}},
		{"strapi api token without url", "[strapi]\napiToken = \"t\"", nil, []string{
			`strapi.apiToken: needs strapi.url: the token is for reading roles and users from Strapi`}},
		{"strapi api token with whitespace", "[strapi]\nurl = \"http://cms:1337\"\napiToken = \"${TEST_TOKEN}\"",
			map[string]string{"TEST_TOKEN": " t"}, []string{
				`strapi.apiToken: must not start or end with whitespace (a bearer token never does)`}},
		{"strapi version, payload, intervals", "[strapi]\nversion = 3\npayload = \"flatt\"\nsyncInterval = 0\nuserCacheTTL = \"0s\"", nil, []string{
			`strapi.version: expected 4 or 5 (or 0 to detect it), got 3`,
			`strapi.payload: expected one of "rest", "flat", "entry", got "flatt" (did you mean "flat"?)`,
			`strapi.syncInterval: must be greater than zero`,
			`strapi.userCacheTTL: must be greater than zero`}},
		{"strapi jwtManagement", "[strapi]\njwtManagement = \"legacy-support\"", nil, []string{
			`strapi.jwtManagement: expected "legacy" or "refresh", got "legacy-support"`}},
		{"strapi version not an integer", "[strapi]\nversion = \"5\"", nil, []string{
			`strapi.version: expected an integer, got "5"`}},

		// Events.
		{"events missing name and handler", "[[events]]\nname = \"connection\"\n[[events]]\nhandler = \"x\"", nil, []string{
			`events[0].handler: is required`,
			`events[1].name: is required`}},
		{"event handler not a plain name", "[[events]]\nname = \"a\"\nhandler = \"../evil\"\n[[events]]\nname = \"b\"\nhandler = \"logger.wasm\"", nil, []string{
			`events[0].handler: expected a module name in plugins.dir (letters, digits, '-', '_' and '.', starting with a letter or digit), got "../evil"`,
			`events[1].handler: expected a module name without ".wasm", got "logger.wasm" (did you mean "logger"?)`}},

		// Plugins.
		{"plugins dir empty", "[plugins]\ndir = \"\"", nil, []string{`plugins.dir: must not be empty`}},
		{"plugins jsRuntime empty", "[plugins]\njsRuntime = \"\"", nil, []string{`plugins.jsRuntime: must not be empty`}},

		// Environment.
		{"unterminated variable", "[IOServerOptions]\npingInterval = \"${PING\"", nil, []string{
			`IOServerOptions.pingInterval: unterminated "${" (write "$${" for a literal "${")`}},
		{"unterminated variable in an array", "privateFields = [\"a\", \"${X\"]", nil, []string{
			`privateFields[1]: unterminated "${" (write "$${" for a literal "${")`}},
		{"unterminated variable in event config", "[[events]]\nname = \"a\"\nhandler = \"b\"\nconfig = { deep = { list = [\"${\"] } }", nil, []string{
			`events[0].config.deep.list[0]: unterminated "${" (write "$${" for a literal "${")`}},
		{"invalid variable name", `listen = "${HUB-LISTEN}"`, nil, []string{
			`listen: invalid variable reference "${HUB-LISTEN}": expected ${NAME} or ${NAME:-default}, NAME made of letters, digits and '_'`}},
		{"nested default", `listen = "${A:-${B}}"`, nil, []string{
			`listen: invalid variable reference "${A:-${B}": a default cannot contain "${"`}},
		{"type error names the unset variable", "[IOServerOptions]\npingInterval = \"${TEST_UNSET_PING}\"",
			map[string]string{"-TEST_UNSET_PING": ""}, []string{
				`IOServerOptions.pingInterval: expected a duration like "25s" or milliseconds as an integer, got "" (environment variable TEST_UNSET_PING is not set)`}},

		// Ordering: file order, not schema order; absent keys last.
		{"multiple problems in file order", `
logLevel = "loud"
listen = "nowhere"

[plugins]
memoryLimit = 1000
watch = "maybe"

[auth]
publicKeyFile = "k.pem"

[IOServerOptions]
transports = ["carrier-pigeon"]
pingTimeout = "soon"

[[events]]
name = "connection"

[roles.Public]
permissions = ["everything"]
`, nil, []string{
			`logLevel: expected one of "debug", "info", "warn", "error", got "loud"`,
			`listen: expected host:port with a numeric port, like "127.0.0.1:1337", got "nowhere"`,
			`plugins.memoryLimit: must be at least 64KiB (65536), got 1000`,
			`plugins.watch: expected true or false, got "maybe"`,
			`auth.algorithms: is required with auth.publicKeyFile: list the key's algorithms, e.g. ["RS256"], ["ES256"] or ["EdDSA"]`,
			`IOServerOptions.transports[0]: expected "polling" or "websocket", got "carrier-pigeon"`,
			`IOServerOptions.pingTimeout: expected a duration like "25s" or milliseconds as an integer, got "soon"`,
			`events[0].handler: is required`,
			`roles.Public.permissions[0]: invalid permission "everything": expected "<type>::<uid>.<action>" like "api::message.message.create", or "*" alone`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				if name, unset := strings.CutPrefix(k, "-"); unset {
					t.Setenv(name, "")
					os.Unsetenv(name)
				} else {
					t.Setenv(k, v)
				}
			}
			c, err := Parse([]byte(tt.src), "hub.toml")
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error:\n%v", err)
				}
				return
			}
			if c != nil {
				t.Errorf("got a config with an error")
			}
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = "hub.toml: " + w
			}
			checkLines(t, err, want...)
		})
	}
}

func TestProblemsFormat(t *testing.T) {
	p := &Problems{File: "hub.toml", List: []Problem{{Key: "a.b", Message: "bad"}, {Message: "syntax"}}}
	if got, want := p.Error(), "hub.toml: a.b: bad\nhub.toml: syntax"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	p.File = ""
	if got, want := p.Error(), "a.b: bad\nsyntax"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
