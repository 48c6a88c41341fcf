package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/iohub/iohub/hub/handler"
)

// TryOptions describe one dry run of a handler module (`hub try`).
type TryOptions struct {
	Module      string         // path of the .wasm module or .js file
	Config      map[string]any // the events[] config table; nil for none
	Call        handler.Call   // the event; Socket.ID is a known socket
	Timeout     time.Duration  // zero: 100ms
	MemoryLimit int64          // zero: 16 MiB
	Logger      *slog.Logger   // the guest's log lines and the host's messages
	JSRuntime   string         // quickjs.wasm, for a .js file
}

// TryResult is what the handler did.
type TryResult struct {
	Status  string     `json:"status"` // "ok", "error" or "reject"
	Error   string     `json:"error,omitempty"`
	Replied bool       `json:"replied"`
	Reply   []any      `json:"reply,omitempty"`
	Effects []Recorded `json:"effects"`
}

// Try loads one module, as a hub would (validation, _initialize, hub_init), runs
// one event through it and reports what it did, touching no real socket.
func Try(ctx context.Context, o TryOptions) (*TryResult, error) {
	name := strings.TrimSuffix(filepath.Base(o.Module), ".wasm") // chat.js stays chat.js: that names the .js file
	rec := &Recorder{Sockets: map[string]bool{o.Call.Socket.ID: true}}
	var loadErr string
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h, err := New(ctx, Options{
		Dir:         filepath.Dir(o.Module),
		Events:      []Event{{Name: o.Call.Event, Handler: name, Config: o.Config}},
		Timeout:     o.Timeout,
		MemoryLimit: o.MemoryLimit,
		CacheDir:    "-",
		Target:      rec,
		Logger:      slog.New(&errorCatcher{Handler: logger.Handler(), last: &loadErr}),
		JSRuntime:   o.JSRuntime,
	})
	if err != nil {
		return nil, err
	}
	defer h.Close(ctx)
	if !h.Bound(o.Call.Event) {
		return nil, fmt.Errorf("module not loaded: %s", loadErr)
	}
	out := h.Handle(ctx, &o.Call)
	res := &TryResult{Status: "ok", Error: out.Error, Replied: out.Replied, Reply: out.ReplyArgs(), Effects: rec.Effects()}
	switch {
	case out.Reject:
		res.Status = "reject"
	case out.Error != "":
		res.Status = "error"
	}
	if res.Effects == nil {
		res.Effects = []Recorded{}
	}
	return res, nil
}

// errorCatcher remembers the last error logged while loading, to report why a
// module did not load.
type errorCatcher struct {
	slog.Handler
	last *string
}

func (e *errorCatcher) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		msg := r.Message
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "err" || a.Key == "path" {
				msg += "; " + a.Value.String()
			}
			return true
		})
		*e.last = msg
	}
	return e.Handler.Handle(ctx, r)
}

func (e *errorCatcher) WithAttrs(as []slog.Attr) slog.Handler {
	return &errorCatcher{Handler: e.Handler.WithAttrs(as), last: e.last}
}

func (e *errorCatcher) WithGroup(g string) slog.Handler {
	return &errorCatcher{Handler: e.Handler.WithGroup(g), last: e.last}
}

// ParseArgs decodes a JSON array of event arguments, for `hub try -args`.
func ParseArgs(s string) ([]any, error) {
	if s == "" {
		return nil, nil
	}
	args, ok := decodeArgs([]byte(s))
	if !ok {
		return nil, fmt.Errorf("not a JSON array: %s", s)
	}
	return args, nil
}

// ParseConfig decodes a JSON object, for `hub try -handler-config`.
func ParseConfig(s string) (map[string]any, error) {
	if s == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	return m, nil
}
