// The Go SDK's binary API in a real guest: replies [args, reversed binary 0]
// (args verbatim, so their placeholders come back as the client's bytes).
package main

import (
	"slices"

	iohub "github.com/iohub/iohub/sdk/go"
)

func init() {
	iohub.Handle(func(ev *iohub.Event) iohub.Status {
		data, err := iohub.Binary(0)
		if err != nil {
			return iohub.Fail("no binary argument: " + err.Error())
		}
		slices.Reverse(data)
		idx, err := iohub.Attach(data)
		if err != nil {
			return iohub.Fail("attach: " + err.Error())
		}
		out := append([]byte("["), ev.Args...)
		out = append(out, ',')
		out = iohub.AppendPlaceholder(out, idx)
		out = append(out, ']')
		if err := iohub.Reply(out); err != nil {
			return iohub.Fail("reply: " + err.Error())
		}
		return iohub.StatusOK
	})
}

func main() {}
