package hub

import (
	"fmt"
	"io"
	"log/slog"
)

// NewLevelLogger builds the hub's logger from a level that can change while
// the hub runs (hand it to Server.SetLogLevel and a reload sets it from
// logLevel) and [logFormat] ("text" or "json"). Everything in the hub logs
// through the logger it is given.
func NewLevelLogger(level *slog.LevelVar, format string, w io.Writer) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("logFormat: expected \"text\" or \"json\", got %q", format)
}

// ParseLevel reads logLevel: "debug", "info", "warn" or "error".
func ParseLevel(level string) (slog.Level, error) { return parseLevel(level) }

func parseLevel(level string) (slog.Level, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return 0, fmt.Errorf("logLevel: %w", err)
	}
	return lv, nil
}
