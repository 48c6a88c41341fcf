package plugin

import (
	"bytes"
	"context"
	"log/slog"
)

// maxLogLine bounds one guest stdout/stderr line; longer lines are split.
const maxLogLine = 4 << 10

// lineWriter turns a guest's stdout or stderr into log records, one per line.
// Each instance has its own, and an instance runs one call at a time, so it
// needs no lock.
type lineWriter struct {
	log   *slog.Logger
	level slog.Level
	buf   []byte
}

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
	if len(line) > 0 {
		w.log.Log(context.Background(), w.level, string(line))
	}
}
