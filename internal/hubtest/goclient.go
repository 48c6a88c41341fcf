package hubtest

import (
	"errors"
	"time"

	"github.com/zishang520/socket.io/clients/engine/v3/transports"
	client "github.com/zishang520/socket.io/clients/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// ErrNoOpen is GoSocket's error when the Engine.IO connection did not open.
var ErrNoOpen = errors.New("hubtest: the Go client's connection did not open in 5s")

// GoSocket returns a socket of the library's Go client for the main
// namespace of the hub at url, over WebSocket, without reconnection, with
// auth as its handshake auth (nil: none). It is not connected yet: register
// its listeners, then call Connect, so that nothing the hub sends right away
// (connect, connect_error, a first event) is missed.
//
// The Engine.IO connection is opened before the socket is made: the
// client's Socket.Connect both subscribes to the manager's "open" and calls
// onopen itself when the manager is open already, so a manager that opens
// in between sends CONNECT twice (the namespace then delivers every event
// twice). Opening first leaves Connect one way to send it.
func GoSocket(url string, auth map[string]any) (*client.Socket, error) {
	opts := client.DefaultOptions()
	opts.SetTransports(types.NewSet(transports.WebSocket))
	opts.SetReconnection(false)
	opts.SetForceNew(true)
	opts.SetAutoConnect(false)
	if auth != nil {
		opts.SetAuth(auth)
	}
	m := client.NewManager(url, opts)
	opened := make(chan error, 1)
	m.Open(func(err error) { opened <- err })
	select {
	case err := <-opened:
		if err != nil {
			return nil, err
		}
	case <-time.After(5 * time.Second):
		m.Engine().Close()
		return nil, ErrNoOpen
	}
	return m.Socket("/", opts), nil
}
