package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iohub/iohub/internal/redistest"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hub.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRun(t *testing.T) {
	good := writeConfig(t, "[auth]\njwtSecret = \"s3cret-s3cret-s3cret-s3cret-s3cret\"\n")
	bad := writeConfig(t, "permissionMode = \"write\"\n[IOServerOptions]\npingIntervall = \"1s\"\n")
	tests := []struct {
		name     string
		args     []string
		code     int
		out, err string // substrings expected in stdout / stderr
	}{
		{name: "version", args: []string{"version"}, code: 0, out: "iohub "},
		{name: "check reports missing handler modules", args: []string{"check", "-c", writeConfig(t, "[[events]]\nname = \"connection\"\nhandler = \"ghost\"\n")}, code: 1,
			err: "events[0] (connection -> ghost): inactive: module not found: "},
		{name: "check ok", args: []string{"check", "-c", good}, code: 0, out: "ok"},
		{name: "check reports every problem", args: []string{"check", "-config", bad}, code: 1,
			err: `permissionMode: expected "action" or "read", got "write"`},
		{name: "check reports every problem (2)", args: []string{"check", "-config", bad}, code: 1,
			err: `IOServerOptions.pingIntervall: unknown key (did you mean "pingInterval"?)`},
		{name: "check names a bad [http] value", args: []string{"check", "-c", writeConfig(t, "[http]\nidleTimeout = \"abc\"\n")}, code: 1,
			err: `: http.idleTimeout: expected a duration like "25s" or milliseconds as an integer, got "abc"`},
		{name: "check counts", args: []string{"check", "-config", bad}, code: 1, err: "2 problem(s)"},
		{name: "check missing file", args: []string{"check", "-c", filepath.Join(t.TempDir(), "nope.toml")}, code: 1, err: "nope.toml"},
		{name: "token", args: []string{"token", "-c", good, "--role", "Editor", "--sub", "7"}, code: 0, out: "eyJ"},
		{name: "token needs role and sub", args: []string{"token", "-c", good, "--role", "Editor"}, code: 2, err: "--role and --sub are required"},
		{name: "token without secret", args: []string{"token", "-c", writeConfig(t, ""), "--role", "R", "--sub", "1"}, code: 1, err: "hub token:"},
		{name: "unknown command", args: []string{"launch"}, code: 2, err: `unknown command "launch"`},
		{name: "stray argument", args: []string{"check", "extra"}, code: 2, err: `unexpected argument "extra"`},
		{name: "bad flag", args: []string{"serve", "-nope"}, code: 2, err: "flag provided but not defined"},
		{name: "serve with bad config", args: []string{"-c", bad}, code: 1, err: "permissionMode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.out) {
				t.Errorf("stdout %q lacks %q", stdout.String(), tt.out)
			}
			if !strings.Contains(stderr.String(), tt.err) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.err)
			}
		})
	}
}

func TestCommandList(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"-help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != 0 {
				t.Errorf("exit %d, want 0", code)
			}
			wantList(t, stdout.String())
			if stderr.Len() > 0 {
				t.Errorf("stderr: %s", stderr.String())
			}
		})
	}
	for _, args := range [][]string{{"launch"}, {"help", "launch"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), `unknown command "launch"`) {
				t.Errorf("stderr lacks the unknown command: %s", stderr.String())
			}
			wantList(t, stderr.String())
		})
	}
}

// wantList checks that out lists every command with its summary, one line
// each.
func wantList(t *testing.T, out string) {
	t.Helper()
	for _, name := range []string{"serve", "check", "token", "try", "version", "help"} {
		c := lookup(name)
		if c == nil {
			t.Fatalf("no command %q", name)
		}
		if !regexp.MustCompile(`(?m)^  ` + name + ` +` + regexp.QuoteMeta(c.summary) + `$`).MatchString(out) {
			t.Errorf("list lacks %q with its summary:\n%s", name, out)
		}
	}
	if n := strings.Count(out, "\n  "); n != len(commands) {
		t.Errorf("%d command lines, want %d", n, len(commands))
	}
}

// TestCommandUsage: every command's -h, and `hub help <command>`, print its
// usage line and each of its flags on stdout and exit 0; a bad flag prints
// them on stderr and exits 2.
func TestCommandUsage(t *testing.T) {
	tests := []struct {
		name  string
		usage string
		flags []string
	}{
		{"serve", "usage: hub [serve] [-c hub.toml]", []string{"-c", "-config"}},
		{"check", "usage: hub check [-c hub.toml]", []string{"-c", "-config"}},
		{"token", "usage: hub token -role R -sub ID [-ttl 1h] [-c hub.toml]", []string{"-c", "-config", "-role", "-sub", "-ttl"}},
		{"try", "usage: hub try [flags] module.wasm|handler.js", []string{"-kind", "-event", "-args", "-ack", "-socket", "-role", "-user", "-reason", "-handler-config", "-timeout", "-memory", "-v", "-js-runtime"}},
		{"version", "usage: hub version", nil},
		{"help", "usage: hub help [command]", nil},
	}
	if len(tests) != len(commands) {
		t.Errorf("%d commands tested, %d exist", len(tests), len(commands))
	}
	for _, tt := range tests {
		for _, args := range [][]string{{tt.name, "-h"}, {tt.name, "--help"}, {"help", tt.name}} {
			if tt.name == "help" && args[1] != tt.name {
				continue // `hub help -h` is the list
			}
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				if code := run(args, &stdout, &stderr); code != 0 {
					t.Errorf("exit %d, want 0; stderr: %s", code, stderr.String())
				}
				out := stdout.String()
				if !strings.HasPrefix(out, tt.usage+"\n") {
					t.Errorf("stdout does not start with %q:\n%s", tt.usage, out)
				}
				for _, f := range tt.flags {
					if !regexp.MustCompile(`(?m)^  ` + f + `(\s|$)`).MatchString(out) {
						t.Errorf("usage lacks flag %s:\n%s", f, out)
					}
				}
				if len(tt.flags) == 0 && strings.Contains(out, "flags:") {
					t.Errorf("usage lists flags:\n%s", out)
				}
			})
		}
		if tt.name == "help" {
			continue
		}
		t.Run(tt.name+" -bogus", func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run([]string{tt.name, "-bogus"}, &stdout, &stderr); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if stdout.Len() > 0 || !strings.Contains(stderr.String(), "flag provided but not defined: -bogus\n"+tt.usage) {
				t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
			}
		})
	}
}

func TestCheckWarnsOfDevDefaults(t *testing.T) {
	dev := writeConfig(t, "[auth]\njwtSecret = \"iohub-development-secret-change-me\"\n[api]\ntokens = [\"iohub-development-token\"]\n")
	real := writeConfig(t, "[auth]\njwtSecret = \"s3cret-s3cret-s3cret-s3cret-s3cret\"\n[api]\ntokens = [\"a-real-token\"]\n")
	tests := []struct {
		path string
		want []string // lines of stderr, after the path
	}{
		{dev, []string{
			": warning: auth.jwtSecret: development default in use; set JWT_SECRET",
			": warning: api.tokens[0]: development default in use; set HUB_API_TOKEN",
		}},
		{real, nil},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"check", "-c", tt.path}, &stdout, &stderr); code != 0 {
			t.Errorf("exit %d; stderr: %s", code, stderr.String())
		}
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if tt.want == nil && stderr.Len() > 0 {
			t.Errorf("stderr: %s", stderr.String())
		}
		for i, w := range tt.want {
			if i >= len(lines) || !strings.HasPrefix(lines[i], tt.path+w) {
				t.Errorf("stderr line %d lacks %q:\n%s", i, w, stderr.String())
			}
		}
		if !strings.HasSuffix(stdout.String(), ": ok\n") {
			t.Errorf("stdout: %s", stdout.String())
		}
	}
}

// hub check builds the hub but joins nothing: with [cluster] it does not
// dial Redis (here a listener that counts connections).
func TestCheckDialsNoRedis(t *testing.T) {
	redis := redistest.Listen(t)
	path := writeConfig(t, "[auth]\njwtSecret = \"s3cret-s3cret-s3cret-s3cret-s3cret\"\n[api]\ntokens = [\"a-real-token\"]\n[cluster]\nredis = \""+redis.URL+"\"\n")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"check", "-c", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d; stderr: %s", code, stderr.String())
	}
	time.Sleep(50 * time.Millisecond) // a dial would have been accepted by now
	if n := redis.Dials(); n != 0 {
		t.Errorf("hub check opened %d connections to Redis", n)
	}
}
