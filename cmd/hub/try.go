package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/plugin"
)

var tryCmd = &command{
	name:    "try",
	summary: "run one event through a handler module (.wasm or .js), outside a hub",
	usage:   "hub try [flags] module.wasm|handler.js",
	about: "Runs one event through one handler module, outside a hub, for developing\n" +
		"handlers: the module's log lines go to stderr, what it did (acks, emits, room\n" +
		"changes) to stdout as JSON. Exit 1 when the handler fails or rejects.",
	nargs: 1,
	flags: tryFlags,
}

// tryFlags defines `hub try`'s flags; the action runs the event.
func tryFlags(fs *flag.FlagSet, stdout, stderr io.Writer) func([]string) int {
	var o tryOpts
	fs.StringVar(&o.kind, "kind", "event", `"connection", "disconnect" or "event"`)
	fs.StringVar(&o.event, "event", "", `the event name (default: the kind, or "message" for -kind event)`)
	fs.StringVar(&o.args, "args", "[]", "the client's arguments, a JSON array")
	fs.BoolVar(&o.ack, "ack", false, "the client asks for an acknowledgement")
	fs.StringVar(&o.sid, "socket", "try-socket-1", "the socket id")
	fs.StringVar(&o.role, "role", "Public", "the socket's role")
	fs.StringVar(&o.user, "user", "", "the socket's user id (empty: anonymous)")
	fs.StringVar(&o.reason, "reason", "", "the disconnect reason")
	fs.StringVar(&o.cfg, "handler-config", "", "the handler's config table, a JSON object")
	o.timeout = config.Duration(100 * time.Millisecond)
	fs.TextVar(&o.timeout, "timeout", o.timeout, "deadline of the guest call")
	o.mem = 16 * config.MiB
	fs.TextVar(&o.mem, "memory", o.mem, "memory limit of the instance")
	fs.BoolVar(&o.verbose, "v", false, "log at debug level")
	fs.StringVar(&o.jsRuntime, "js-runtime", plugin.DefaultJSRuntime, "quickjs.wasm, for a .js handler file (npm ci installs it)")
	return func(args []string) int { return tryModule(args[0], &o, stdout, stderr) }
}

type tryOpts struct {
	kind, event, args, sid, role, user, reason, cfg, jsRuntime string
	ack, verbose                                               bool
	timeout                                                    config.Duration
	mem                                                        config.ByteSize
}

// tryModule runs `hub try`: one event through module.
func tryModule(module string, o *tryOpts, stdout, stderr io.Writer) int {
	k := handler.Kind(o.kind)
	if k != handler.Connection && k != handler.Disconnect && k != handler.Event {
		fmt.Fprintf(stderr, "hub try: -kind: expected connection, disconnect or event, got %q\n", o.kind)
		return exitUsage
	}
	name := o.event
	if name == "" {
		name = string(k)
		if k == handler.Event {
			name = "message"
		}
	}
	callArgs, err := plugin.ParseArgs(o.args)
	if err != nil {
		fmt.Fprintln(stderr, "hub try: -args:", err)
		return exitUsage
	}
	hcfg, err := plugin.ParseConfig(o.cfg)
	if err != nil {
		fmt.Fprintln(stderr, "hub try: -handler-config:", err)
		return exitUsage
	}
	rooms := []string{o.sid, o.role}
	var claims map[string]any
	if o.user != "" {
		rooms = append(rooms, "user:"+o.user)
		claims = map[string]any{"id": o.user}
	}
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	res, err := plugin.Try(context.Background(), plugin.TryOptions{
		Module: module,
		Config: hcfg,
		Call: handler.Call{
			Kind: k, Event: name, Args: callArgs, Ack: o.ack, Reason: o.reason, Received: time.Now(),
			Socket: handler.Socket{ID: o.sid, Role: o.role, UserID: o.user, Rooms: rooms, Claims: claims},
		},
		Timeout:     o.timeout.D(),
		MemoryLimit: int64(o.mem),
		JSRuntime:   o.jsRuntime,
		Logger:      slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	})
	if err != nil {
		fmt.Fprintln(stderr, "hub try:", err)
		return exitFail
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(res)
	if res.Status != "ok" {
		return exitFail
	}
	return exitOK
}
