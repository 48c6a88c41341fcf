package config

import (
	"fmt"
	"time"
)

// HTTP is `[http]`: the limits of the HTTP server that carries Socket.IO and
// the API. Socket.IO's long-polling GETs are held until the next ping (up to
// IOServerOptions.pingInterval) and WebSocket connections are taken over from
// the server, so none of these may cut a request that merely waits.
type HTTP struct {
	// ReadHeaderTimeout is `readHeaderTimeout`, how long a client may take to
	// send a request's headers. Default 10s; 0 means no limit.
	ReadHeaderTimeout Duration `toml:"readHeaderTimeout"`

	// ReadTimeout is `readTimeout`, how long a request that carries a body (API
	// calls, webhooks, Socket.IO polling POSTs) may take to send it, from the
	// end of its headers; a slower one is answered 408 or its connection
	// closed. Requests without a body (long-polling GETs, WebSocket upgrades)
	// are not limited by it. Default 30s; 0 means no limit.
	ReadTimeout Duration `toml:"readTimeout"`

	// WriteTimeout is `writeTimeout`, how long the hub may take to write one
	// response, from the end of the request's headers. It bounds clients that
	// stop reading. A long-polling GET is answered at the latest after
	// pingInterval, so it must be longer than IOServerOptions.pingInterval +
	// pingTimeout when polling is allowed. WebSocket connections are not
	// affected. Default 0: no limit.
	WriteTimeout Duration `toml:"writeTimeout"`

	// IdleTimeout is `idleTimeout`, how long a keep-alive connection may wait
	// for its next request before it is closed. Default 60s; 0 means no limit
	// (idle connections then stay open until the client closes them).
	IdleTimeout Duration `toml:"idleTimeout"`

	// MaxHeaderBytes is `maxHeaderBytes`, the largest request line and headers
	// a client may send; larger ones get 431. Default 64KiB; 0 means Go's
	// net/http default, 1MiB.
	MaxHeaderBytes ByteSize `toml:"maxHeaderBytes"`
}

// Defaults of [http].
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxHeaderBytes    = 64 * KiB
)

func defaultHTTP() HTTP {
	return HTTP{
		ReadHeaderTimeout: Duration(DefaultReadHeaderTimeout),
		ReadTimeout:       Duration(DefaultReadTimeout),
		IdleTimeout:       Duration(DefaultIdleTimeout),
		MaxHeaderBytes:    DefaultMaxHeaderBytes,
	}
}

// minHeaderBytes keeps maxHeaderBytes above what a browser's handshake with a
// token in a cookie needs.
const minHeaderBytes = 4 * KiB

func (d *decoder) validateHTTP(p keyPath, h *HTTP, io *IOServerOptions, polling bool) {
	if mp := p.key("maxHeaderBytes"); h.MaxHeaderBytes != 0 && h.MaxHeaderBytes < minHeaderBytes && d.ok(mp) {
		d.add(mp, fmt.Sprintf("must be 0 (1MiB) or at least 4KiB (4096), got %d", h.MaxHeaderBytes))
	}
	wp := p.key("writeTimeout")
	if held := io.PingInterval + io.PingTimeout; polling && h.WriteTimeout > 0 && h.WriteTimeout <= held && d.ok(wp) {
		d.add(wp, fmt.Sprintf("must be 0 (no limit) or longer than IOServerOptions.pingInterval + pingTimeout (%v): a long-polling GET is held that long, got %v",
			held, h.WriteTimeout))
	}
}
