package plugin_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/plugin"
)

// pongWasm is testdata/reply.wat compiled by wat2wasm: an ABI v1 module that
// exports memory, hub_abi_version (returning 1) and hub_on_event, which reads
// the event's envelope with hub.input_read and answers the ack with
// hub.reply(`["pong"]`).
var pongWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x10, 0x03, 0x60, 0x02, 0x7f, 0x7f, 0x01,
	0x7f, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02, 0x1e, 0x02, 0x03, 0x68, 0x75,
	0x62, 0x0a, 0x69, 0x6e, 0x70, 0x75, 0x74, 0x5f, 0x72, 0x65, 0x61, 0x64, 0x00, 0x00, 0x03, 0x68,
	0x75, 0x62, 0x05, 0x72, 0x65, 0x70, 0x6c, 0x79, 0x00, 0x00, 0x03, 0x03, 0x02, 0x01, 0x02, 0x05,
	0x03, 0x01, 0x00, 0x01, 0x07, 0x2b, 0x03, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
	0x0f, 0x68, 0x75, 0x62, 0x5f, 0x61, 0x62, 0x69, 0x5f, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e,
	0x00, 0x02, 0x0c, 0x68, 0x75, 0x62, 0x5f, 0x6f, 0x6e, 0x5f, 0x65, 0x76, 0x65, 0x6e, 0x74, 0x00,
	0x03, 0x0a, 0x1c, 0x02, 0x04, 0x00, 0x41, 0x01, 0x0b, 0x15, 0x00, 0x41, 0x80, 0x08, 0x41, 0x80,
	0xc0, 0x00, 0x10, 0x00, 0x1a, 0x41, 0x00, 0x41, 0x08, 0x10, 0x01, 0x1a, 0x41, 0x00, 0x0b, 0x0b,
	0x0e, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x08, 0x5b, 0x22, 0x70, 0x6f, 0x6e, 0x67, 0x22, 0x5d,
}

// A Host loads the handler modules its [[events]] entries name from a plugins
// directory (here ping.wasm, bound to the event "ping") and runs each socket
// event through them. A Recorder stands in for the Socket.IO server: it
// records what the handler did to sockets instead of doing it. The handler's
// answer to the client's ack comes back in the Outcome.
func Example() {
	dir, err := os.MkdirTemp("", "plugins")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "ping.wasm"), pongWasm, 0o644); err != nil {
		fmt.Println(err)
		return
	}

	ctx := context.Background()
	rec := &plugin.Recorder{Sockets: map[string]bool{"s1": true}}
	h, err := plugin.New(ctx, plugin.Options{
		Dir:      dir,
		Events:   []plugin.Event{{Name: "ping", Handler: "ping"}},
		CacheDir: "-", // no disk compilation cache
		Target:   rec,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer h.Close(ctx)

	out := h.Handle(ctx, &handler.Call{
		Kind: handler.Event, Event: "ping", Args: []any{"hello"}, Ack: true, Received: time.Now(),
		Socket: handler.Socket{ID: "s1", Role: "Public", Rooms: []string{"Public", "s1"}},
	})
	fmt.Println(h.Bound("ping"), out.Replied, string(out.ReplyJSON), len(rec.Effects()))
	// Output: true true ["pong"] 0
}

// Try is `hub try`: it loads one module as a hub would, runs one event
// through it against a Recorder and reports what the handler did, touching
// no real socket.
func ExampleTry() {
	dir, err := os.MkdirTemp("", "plugins")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	module := filepath.Join(dir, "ping.wasm")
	if err := os.WriteFile(module, pongWasm, 0o644); err != nil {
		fmt.Println(err)
		return
	}

	res, err := plugin.Try(context.Background(), plugin.TryOptions{
		Module: module,
		Call: handler.Call{
			Kind: handler.Event, Event: "ping", Ack: true, Received: time.Now(),
			Socket: handler.Socket{ID: "s1", Role: "Public"},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Status, res.Replied, res.Reply)
	// Output: ok true [pong]
}
