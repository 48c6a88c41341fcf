// Command connection-logger reproduces strapi-plugin-io's seed handler,
// strapi.log.info(`[io] new connection with id ${socket.id}`), as an iohub
// Wasm handler bound to the "connection" event.
package main

import iohub "github.com/iohub/iohub/sdk/go"

func init() {
	iohub.Handle(func(ev *iohub.Event) iohub.Status {
		if ev.Kind == iohub.KindConnection {
			iohub.Info("[io] new connection with id " + ev.SocketID)
		}
		return iohub.StatusOK
	})
}

// main never runs in a c-shared (reactor) build.
func main() {}
