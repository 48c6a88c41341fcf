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

// tryModule runs `hub try [flags] module.wasm`: one event through one handler
// module, outside a hub, printing the module's log lines (stderr) and what it
// did (stdout, JSON). For developing handlers.
func tryModule(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hub try", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hub try [flags] module.wasm|handler.js\n\nRuns one event through a handler module and prints what it did.")
		fs.PrintDefaults()
	}
	kind := fs.String("kind", "event", `"connection", "disconnect" or "event"`)
	event := fs.String("event", "", `the event name (default: the kind, or "message" for -kind event)`)
	argsJSON := fs.String("args", "[]", "the client's arguments, a JSON array")
	ack := fs.Bool("ack", false, "the client asks for an acknowledgement")
	sid := fs.String("socket", "try-socket-1", "the socket id")
	role := fs.String("role", "Public", "the socket's role")
	user := fs.String("user", "", "the socket's user id (empty: anonymous)")
	reason := fs.String("reason", "", "the disconnect reason")
	cfgJSON := fs.String("handler-config", "", "the handler's config table, a JSON object")
	var timeout config.Duration = config.Duration(100 * time.Millisecond)
	fs.TextVar(&timeout, "timeout", timeout, "deadline of the guest call")
	var mem config.ByteSize = 16 * config.MiB
	fs.TextVar(&mem, "memory", mem, "memory limit of the instance")
	verbose := fs.Bool("v", false, "log at debug level")
	jsRuntime := fs.String("js-runtime", plugin.DefaultJSRuntime, "quickjs.wasm, for a .js handler file (npm ci installs it)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	k := handler.Kind(*kind)
	if k != handler.Connection && k != handler.Disconnect && k != handler.Event {
		fmt.Fprintf(stderr, "hub try: -kind: expected connection, disconnect or event, got %q\n", *kind)
		return 2
	}
	name := *event
	if name == "" {
		name = string(k)
		if k == handler.Event {
			name = "message"
		}
	}
	callArgs, err := plugin.ParseArgs(*argsJSON)
	if err != nil {
		fmt.Fprintln(stderr, "hub try: -args:", err)
		return 2
	}
	hcfg, err := plugin.ParseConfig(*cfgJSON)
	if err != nil {
		fmt.Fprintln(stderr, "hub try: -handler-config:", err)
		return 2
	}
	rooms := []string{*sid, *role}
	var claims map[string]any
	if *user != "" {
		rooms = append(rooms, "user:"+*user)
		claims = map[string]any{"id": *user}
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	res, err := plugin.Try(context.Background(), plugin.TryOptions{
		Module: fs.Arg(0),
		Config: hcfg,
		Call: handler.Call{
			Kind: k, Event: name, Args: callArgs, Ack: *ack, Reason: *reason, Received: time.Now(),
			Socket: handler.Socket{ID: *sid, Role: *role, UserID: *user, Rooms: rooms, Claims: claims},
		},
		Timeout:     timeout.D(),
		MemoryLimit: int64(mem),
		JSRuntime:   *jsRuntime,
		Logger:      slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	})
	if err != nil {
		fmt.Fprintln(stderr, "hub try:", err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(res)
	if res.Status != "ok" {
		return 1
	}
	return 0
}
