// Command echo is the Go SDK's minimal handler: for a client event it acks
// [{"lang":"go","event":<name>,"args":<the args verbatim>}] when the client
// asked for an ack; every other kind is ignored.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o echo-go.wasm .
package main

import iohub "github.com/iohub/iohub/sdk/go"

// out is reused across events: instances handle one event at a time.
var out []byte

func init() {
	iohub.Handle(func(ev *iohub.Event) iohub.Status {
		if ev.Kind != iohub.KindEvent {
			return iohub.StatusOK
		}
		iohub.Debug("echo " + ev.Name)
		if !ev.Ack {
			return iohub.StatusOK
		}
		out = append(out[:0], `[{"lang":"go","event":`...)
		out = iohub.AppendString(out, ev.Name)
		out = append(out, `,"args":`...)
		out = append(out, ev.Args...) // already JSON: copied verbatim
		out = append(out, "}]"...)
		if err := iohub.Reply(out); err != nil {
			return iohub.Fail("echo: reply: " + err.Error())
		}
		return iohub.StatusOK
	})
}

// main is required by package main but never runs in a c-shared (reactor) build.
func main() {}
