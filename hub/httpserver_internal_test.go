package hub

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeListener returns the errors of its script in turn (nil: a connection),
// then net.ErrClosed.
type fakeListener struct {
	net.Listener
	script []error
}

func (f *fakeListener) Accept() (net.Conn, error) {
	if len(f.script) == 0 {
		return nil, net.ErrClosed
	}
	err := f.script[0]
	f.script = f.script[1:]
	if err != nil {
		return nil, err
	}
	c, _ := net.Pipe()
	return c, nil
}

func TestAcceptErrorsRateLimited(t *testing.T) {
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: syscall.EMFILE}
	tests := []struct {
		name   string
		script []error
		step   time.Duration // clock advance per Accept
		want   []string      // log lines, in order (substrings)
	}{
		{name: "one line per second, suppressed counted in the next",
			script: []error{emfile, emfile, emfile, emfile, emfile, emfile},
			step:   300 * time.Millisecond, // errors at 0.3, 0.6, ..., 1.8s
			want: []string{
				`level=WARN msg="cannot accept connections; if the descriptors ran out (too many open files), raise the limit (ulimit -n) or lower http.idleTimeout" err="accept tcp: too many open files"`,
				`err="accept tcp: too many open files" suppressed=3`,
			}},
		{name: "recovery reports what was left out",
			script: []error{emfile, emfile, emfile, nil, nil, nil, nil},
			step:   400 * time.Millisecond,
			want:   []string{`too many open files"`, `msg="accepting connections again" suppressed=2`}},
		{name: "flapping stays within one line per second",
			script: []error{emfile, nil, emfile, nil, emfile, nil, emfile, nil},
			step:   100 * time.Millisecond,
			want:   []string{`too many open files"`}},
		{name: "closed listener is not an error", script: nil, want: nil},
		{name: "every error logged when they are far apart",
			script: []error{emfile, errors.New("boom")},
			step:   2 * time.Second,
			want:   []string{"too many open files", `err=boom`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
				ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
					if a.Key == slog.TimeKey {
						return slog.Attr{}
					}
					return a
				}}))
			clock := time.Unix(1000, 0)
			ln := logAcceptErrors(&fakeListener{script: tt.script}, logger).(*acceptLogListener)
			ln.now = func() time.Time { clock = clock.Add(tt.step); return clock }
			for range len(tt.script) + 1 {
				if c, err := ln.Accept(); err == nil {
					c.Close()
				}
			}
			var lines []string
			if s := strings.TrimSpace(buf.String()); s != "" {
				lines = strings.Split(s, "\n")
			}
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(tt.want), buf.String())
			}
			for i, w := range tt.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("line %d: %s\nlacks %s", i, lines[i], w)
				}
			}
		})
	}
}
