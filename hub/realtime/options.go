package realtime

import (
	"time"

	"github.com/iohub/iohub/hub/realtime/internal/wsframe"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// IOOptions are the Socket.IO server's settings ([IOServerOptions]). They
// keep their Socket.IO meaning, so the library's documentation applies to
// them as written.
type IOOptions struct {
	// Path is the Socket.IO endpoint: it starts with "/" and does not end
	// with one. "": "/socket.io".
	Path string
	// PingInterval is how often the server pings. 0: 25s.
	PingInterval time.Duration
	// PingTimeout is how long a pong may take before the connection is
	// closed. 0: 20s.
	PingTimeout time.Duration
	// ConnectTimeout is how long a client may take to join the namespace
	// after its transport opened. 0: 45s.
	ConnectTimeout time.Duration
	// UpgradeTimeout is how long a transport upgrade may take. 0: 10s.
	UpgradeTimeout time.Duration
	// MaxHTTPBufferSize is the largest message a client may send, in bytes.
	// 0: 1000000 (Socket.IO's 1e6).
	MaxHTTPBufferSize int64
	// Transports are the allowed transports: "polling" and/or "websocket".
	// nil: both.
	Transports []string
	// CORS is what cross-origin browser pages may do. Zero: no CORS headers,
	// so only same-origin pages can connect.
	CORS CORS
	// Recovery is how long a disconnected client may come back and get the
	// packets it missed (connection state recovery); its handshake runs
	// again. 0: off.
	Recovery time.Duration
}

// CORS is IOOptions.CORS.
type CORS struct {
	// Origins are "*" alone (any origin) or origins like
	// "https://app.example.com". nil: no CORS headers.
	Origins []string
	// Methods are the allowed methods. nil: GET and POST.
	Methods []string
	// AllowedHeaders are the headers allowed beyond the CORS-safelisted
	// ones. nil: none.
	AllowedHeaders []string
	// Credentials allows cookies and HTTP auth (browsers refuse it with
	// "*"). false: not allowed.
	Credentials bool
}

// WithDefaults returns o with each zero field set to its default.
func (o IOOptions) WithDefaults() IOOptions {
	if o.Path == "" {
		o.Path = "/socket.io"
	}
	if o.PingInterval == 0 {
		o.PingInterval = 25 * time.Second
	}
	if o.PingTimeout == 0 {
		o.PingTimeout = 20 * time.Second
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = 45 * time.Second
	}
	if o.UpgradeTimeout == 0 {
		o.UpgradeTimeout = 10 * time.Second
	}
	if o.MaxHTTPBufferSize == 0 {
		o.MaxHTTPBufferSize = 1_000_000
	}
	if o.Transports == nil {
		o.Transports = []string{transports.POLLING, transports.WEBSOCKET}
	}
	if o.CORS.Methods == nil {
		o.CORS.Methods = []string{"GET", "POST"}
	}
	return o
}

// serverOptions maps io onto the library's options.
func serverOptions(io IOOptions, obs Observer, w *wsframe.Writer, rooms *roomsVersion) *socket.ServerOptions {
	io = io.WithDefaults()
	opts := socket.DefaultServerOptions()
	opts.SetPath(io.Path)
	opts.SetPingInterval(io.PingInterval)
	opts.SetPingTimeout(io.PingTimeout)
	opts.SetConnectTimeout(io.ConnectTimeout)
	opts.SetUpgradeTimeout(io.UpgradeTimeout)
	opts.SetMaxHttpBufferSize(io.MaxHTTPBufferSize)
	// The client bundle is served by npm/CDNs; the library would look for it next
	// to the executable, which a Go binary does not have.
	opts.SetServeClient(false)

	known := transports.Transports()
	set := types.NewSet[transports.TransportCtor]()
	for _, name := range io.Transports {
		if name == transports.WEBSOCKET {
			set.Add(&wsframe.Builder{W: w, MaxMessage: io.MaxHTTPBufferSize})
			continue
		}
		set.Add(known[name])
	}
	opts.SetTransports(set)

	if len(io.CORS.Origins) > 0 {
		cors := &types.Cors{
			Origin:      corsOrigin(io.CORS.Origins),
			Methods:     io.CORS.Methods,
			Credentials: io.CORS.Credentials,
		}
		if len(io.CORS.AllowedHeaders) > 0 {
			cors.AllowedHeaders = io.CORS.AllowedHeaders
		}
		opts.SetCors(cors)
	}

	if io.Recovery > 0 {
		rec := socket.DefaultConnectionStateRecovery()
		rec.SetMaxDisconnectionDuration(io.Recovery.Milliseconds())
		// Always false (config refuses true): the library skips every
		// middleware, the handshake's token and user checks included, for a
		// recovered session when this is true, and defaults to true when it
		// is unset.
		rec.SetSkipMiddlewares(false)
		opts.SetConnectionStateRecovery(rec)
	} else {
		// Recovery needs the library's session-aware adapter, which numbers
		// and stores every broadcast; without it, the faster one.
		opts.SetAdapter(fanoutAdapterBuilder{obs: obs, rooms: rooms})
	}
	return opts
}

// corsOrigin passes "*" as the string the library treats as "any origin", and a
// list as the exact origins to reflect.
func corsOrigin(origins []string) any {
	if len(origins) == 1 {
		return origins[0]
	}
	return origins
}
