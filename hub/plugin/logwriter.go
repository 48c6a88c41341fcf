package plugin

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"unicode/utf8"
)

// Log limits of one event (one guest call), the same for the Wasm log import
// and JavaScript's console (js_prelude.js holds copies, checked by a test):
// lines past either total are dropped and counted, with one notice at the
// end; a line longer than maxLogLine is cut there, with a marker.
const (
	maxLogLines = 1000
	maxLogBytes = 1 << 20
	maxLogLine  = 16 << 10
)

// logBudget counts what one guest call has logged through the log import.
type logBudget struct {
	mu      sync.Mutex // the notice is written by another goroutine (see take)
	lines   int
	bytes   int
	dropped int
}

// take reports whether a line of n bytes may still be logged in this call.
// The first line refused arranges for one "dropped N lines" notice once the
// call ends: the call's context is done then (its deadline is cancelled as
// the guest returns), so the count is final without the host's run path
// having to ask.
func (b *logBudget) take(ctx context.Context, log *slog.Logger, n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.lines < maxLogLines && b.bytes+n <= maxLogBytes {
		b.lines++
		b.bytes += n
		return true
	}
	b.dropped++
	if b.dropped == 1 {
		context.AfterFunc(ctx, func() {
			b.mu.Lock()
			n := b.dropped
			b.mu.Unlock()
			log.Warn(fmt.Sprintf("(%d more log lines dropped: at most %d lines and %d bytes per event)", n, maxLogLines, maxLogBytes))
		})
	}
	return false
}

// truncMarker ends a line cut at maxLogLine; the number is the line's length.
const truncMarker = "... [line truncated: %d bytes]"

// capLine cuts a log line longer than maxLogLine, at a UTF-8 boundary, and
// says so at its end.
func capLine(b []byte) string {
	if len(b) <= maxLogLine {
		return string(b)
	}
	cut := maxLogLine
	for cut > maxLogLine-utf8.UTFMax && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return string(b[:cut]) + fmt.Sprintf(truncMarker, len(b))
}

// logAt writes a guest's log line at the ABI's level.
func logAt(log *slog.Logger, level int32, msg string) {
	log.Log(context.Background(), slogLevel(level), msg)
}

// slogLevel maps the ABI's log levels, 0 debug, 1 info, 2 warn, 3 error,
// others clamped.
func slogLevel(level int32) slog.Level {
	switch {
	case level <= levelDebug:
		return slog.LevelDebug
	case level == levelInfo:
		return slog.LevelInfo
	case level == levelWarn:
		return slog.LevelWarn
	}
	return slog.LevelError
}

// lineWriter turns a guest's stdout or stderr into log records, one per line.
// Each instance has its own, and an instance runs one call at a time, so it
// needs no lock. During a call, the call's log budget (shared with the log
// import) caps what it writes; outside calls (instance start-up) nothing
// does, as the init deadline bounds it.
type lineWriter struct {
	log   *slog.Logger
	level slog.Level
	buf   []byte
	call  *callState      // the call running, or nil
	ctx   context.Context // its context (the budget's notice waits for its end)
}

// during makes cs's log budget cap what the writer writes until the next
// call: wasmGuest.call sets it before each guest call.
func (w *lineWriter) during(ctx context.Context, cs *callState) { w.ctx, w.call = ctx, cs }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			if len(w.buf) >= maxLogLine {
				w.emit(w.buf)
				w.buf = w.buf[:0]
			}
			return len(p), nil
		}
		w.emit(w.buf[:i])
		w.buf = w.buf[:copy(w.buf, w.buf[i+1:])]
	}
}

func (w *lineWriter) emit(line []byte) {
	line = bytes.TrimRight(line, "\r")
	if len(line) == 0 {
		return
	}
	if w.call != nil && !w.call.logs.take(w.ctx, w.log, min(len(line), maxLogLine)) {
		return
	}
	w.log.Log(context.Background(), w.level, capLine(line))
}
