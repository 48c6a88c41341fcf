package realtime

import (
	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/hub/realtime/internal/wsframe"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// serverOptions maps [IOServerOptions] onto the library's options. Keys keep their
// Socket.IO meaning, so the library's documentation applies to them as written.
func serverOptions(io config.IOServerOptions, obs Observer, w *wsframe.Writer) *socket.ServerOptions {
	opts := socket.DefaultServerOptions()
	opts.SetPath(io.Path)
	opts.SetPingInterval(io.PingInterval.D())
	opts.SetPingTimeout(io.PingTimeout.D())
	opts.SetConnectTimeout(io.ConnectTimeout.D())
	opts.SetUpgradeTimeout(io.UpgradeTimeout.D())
	opts.SetMaxHttpBufferSize(int64(io.MaxHTTPBufferSize))
	// The client bundle is served by npm/CDNs; the library would look for it next
	// to the executable, which a Go binary does not have.
	opts.SetServeClient(false)

	known := transports.Transports()
	set := types.NewSet[transports.TransportCtor]()
	for _, name := range io.Transports {
		if name == transports.WEBSOCKET {
			set.Add(&wsframe.Builder{W: w})
			continue
		}
		set.Add(known[name])
	}
	opts.SetTransports(set)

	if len(io.Cors.Origin) > 0 {
		cors := &types.Cors{
			Origin:      corsOrigin(io.Cors.Origin),
			Methods:     []string(io.Cors.Methods),
			Credentials: io.Cors.Credentials,
		}
		if len(io.Cors.AllowedHeaders) > 0 {
			cors.AllowedHeaders = []string(io.Cors.AllowedHeaders)
		}
		opts.SetCors(cors)
	}

	if r := io.ConnectionStateRecovery; r != nil {
		rec := socket.DefaultConnectionStateRecovery()
		rec.SetMaxDisconnectionDuration(r.MaxDisconnectionDuration.D().Milliseconds())
		// Always false, whatever the config says (config refuses true): the
		// library skips every middleware, the handshake's token and user
		// checks included, for a recovered session when this is true, and
		// defaults to true when it is unset.
		rec.SetSkipMiddlewares(false)
		opts.SetConnectionStateRecovery(rec)
	} else {
		// Recovery needs the library's session-aware adapter, which numbers
		// and stores every broadcast; without it, the faster one.
		opts.SetAdapter(fanoutAdapterBuilder{obs: obs})
	}
	return opts
}

// corsOrigin passes "*" as the string the library treats as "any origin", and a
// list as the exact origins to reflect.
func corsOrigin(origins config.StringList) any {
	if len(origins) == 1 {
		return origins[0]
	}
	return []string(origins)
}
