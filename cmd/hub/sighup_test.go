package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run this binary as `hub`: with IOHUB_TEST_RUN_HUB set,
// the process is the command with the arguments after "--".
func TestMain(m *testing.M) {
	if os.Getenv("IOHUB_TEST_RUN_HUB") != "" {
		args := os.Args
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		os.Exit(run(args, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// lines collects a process's output lines, for waiting on one.
type lines struct {
	mu  sync.Mutex
	all []string
}

func (l *lines) read(r io.Reader) {
	s := bufio.NewScanner(r)
	for s.Scan() {
		l.mu.Lock()
		l.all = append(l.all, s.Text())
		l.mu.Unlock()
	}
}

// wait returns the first line matching re, failing after 10s.
func (l *lines) wait(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		l.mu.Lock()
		for _, line := range l.all {
			if m := re.FindStringSubmatch(line); m != nil {
				l.mu.Unlock()
				return m
			}
		}
		l.mu.Unlock()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t.Fatalf("no line matching %s in:\n%s", re, strings.Join(l.all, "\n"))
	return nil
}

// SIGHUP re-reads the config file: a new API token works without a restart,
// and an invalid file is refused with every problem logged as `hub check`
// prints it.
func TestSIGHUPReloadsConfig(t *testing.T) {
	const secret = "[auth]\njwtSecret = \"s3cret-s3cret-s3cret-s3cret-s3cret\"\n"
	path := writeConfig(t, "listen = \"127.0.0.1:0\"\n"+secret+"[api]\ntokens = [\"before\"]\n")
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "serve", "-c", path)
	cmd.Env = append(os.Environ(), "IOHUB_TEST_RUN_HUB=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := &lines{}
	go out.read(stderr)
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("hub exited with %v", err)
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("hub did not stop on SIGTERM")
		}
	})
	url := out.wait(t, regexp.MustCompile(`"iohub listening" addr=(http://\S+)`))[1]
	status := func(token string) int {
		req, _ := http.NewRequest(http.MethodPost, url+"/hub/raw", strings.NewReader(`{"event":"x"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := status("after"); got != http.StatusUnauthorized {
		t.Fatalf("token of the next config before SIGHUP: %d", got)
	}

	writeConfig := func(text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeConfig("listen = \"127.0.0.1:0\"\n" + secret + "[api]\ntokens = [\"after\"]\n")
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	out.wait(t, regexp.MustCompile(`msg="config reloaded" changed=\[api.tokens\]`))
	if got, old := status("after"), status("before"); got != http.StatusAccepted || old != http.StatusUnauthorized {
		t.Errorf("after SIGHUP: new token %d, old token %d; want 202 and 401", got, old)
	}

	writeConfig("permissionMode = \"write\"\n" + secret + "[api]\ntokens = [\"third\"]\n")
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	out.wait(t, regexp.MustCompile(`config reload refused: `+regexp.QuoteMeta(path)+`: permissionMode: `))
	out.wait(t, regexp.MustCompile(`config reload refused; nothing changed" problems=1`))
	if got := status("after"); got != http.StatusAccepted {
		t.Errorf("after an invalid file: token in force %d, want 202", got)
	}
}
