package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/iohub/iohub/internal/testreq"
)

// TestREADMECommands runs every `go run ./cmd/hub ...` line of the README as
// written (in-process, from the repository root), so that the examples keep
// working. `go run ./cmd/hub` alone serves until stopped and is left to e2e/.
func TestREADMECommands(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines := regexp.MustCompile("go run \\./cmd/hub([^`\n]*)").FindAllStringSubmatch(string(readme), -1)
	if len(lines) < 5 {
		t.Fatalf("found %d `go run ./cmd/hub` lines in README.md, expected the examples", len(lines))
	}
	t.Chdir(root)
	// The default hub.toml expands these; the README's lines assume them unset.
	for _, v := range []string{"HUB_LISTEN", "JWT_SECRET", "HUB_API_TOKEN", "STRAPI_URL", "STRAPI_API_TOKEN", "IOHUB_REDIS_URL", "IOHUB_NODE_ID"} {
		t.Setenv(v, "")
	}
	ran := 0
	for _, m := range lines {
		args, err := shellWords(m[1])
		if err != nil {
			t.Errorf("README: %q: %v", m[0], err)
			continue
		}
		if len(args) == 0 {
			continue // serves
		}
		ran++
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			for _, a := range args {
				if strings.HasSuffix(a, ".js") {
					if _, err := os.Stat("node_modules/quickjs-wasi/quickjs.wasm"); err != nil {
						testreq.Missing(t, "", "node_modules/quickjs-wasi/quickjs.wasm", "run `npm ci` at the repository root")
					}
				}
			}
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != 0 {
				t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
			}
		})
	}
	if ran == 0 {
		t.Error("no README command ran")
	}
}

// shellWords splits a command line as sh would for the README's simple
// lines: blanks separate words, '...' and "..." quote, # starts a comment.
func shellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\t':
			if inWord {
				words, inWord = append(words, w.String()), false
				w.Reset()
			}
		case c == '#' && !inWord:
			return words, nil
		case c == '\'' || c == '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, errUnterminated
			}
			w.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

var errUnterminated = errors.New("unterminated quote")

func TestShellWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  # only a comment", nil},
		{" check -c hub.toml   # validate", []string{"check", "-c", "hub.toml"}},
		{` try -ack -args '[1, "a b"]' x.wasm`, []string{"try", "-ack", "-args", `[1, "a b"]`, "x.wasm"}},
		{` try -event "chat:send" a#b`, []string{"try", "-event", "chat:send", "a#b"}},
	}
	for _, tt := range tests {
		got, err := shellWords(tt.in)
		if err != nil || strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("shellWords(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := shellWords(`a 'b`); err == nil {
		t.Error("unterminated quote accepted")
	}
}
