package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
