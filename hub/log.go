package hub

import (
	"fmt"
	"io"
	"log/slog"
)

// NewLogger builds the hub's logger from [logLevel] and [logFormat] ("text" or
// "json"). Everything in the hub logs through the logger it is given.
func NewLogger(level, format string, w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("logLevel: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("logFormat: expected \"text\" or \"json\", got %q", format)
}
