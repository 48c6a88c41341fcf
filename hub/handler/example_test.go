package handler_test

import (
	"context"
	"fmt"

	"github.com/iohub/iohub/hub/handler"
)

// echo is the smallest Dispatcher: bound to "echo", it answers the ack with
// the arguments it got. The socket side passes arguments read from a
// WebSocket frame as JSON (ArgsJSON), others as Go values (Args).
type echo struct{}

func (echo) Bound(event string) bool { return event == "echo" }

func (echo) Handle(_ context.Context, call *handler.Call) handler.Outcome {
	if call.ArgsJSON != nil {
		return handler.Outcome{Replied: true, ReplyJSON: call.ArgsJSON}
	}
	return handler.Outcome{Replied: true, Reply: call.Args}
}

func Example() {
	var d handler.Dispatcher = echo{}
	out := d.Handle(context.Background(), &handler.Call{Kind: handler.Event, Event: "echo", ArgsJSON: []byte(`[{"n":1.50}]`), Ack: true})
	fmt.Println(string(out.ReplyJSON), out.ReplyArgs())
	// Output: [{"n":1.50}] [map[n:1.50]]
}
