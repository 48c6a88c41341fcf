// Package realtime is the hub's Socket.IO side: the handshake (token -> identity ->
// rooms), client events on their way to the handlers (read by the hub itself
// over WebSockets: fastpath.go), and the one delivery path that content
// events, raw emits, handlers and Strapi user changes all go through, to this
// node's sockets and, through a Broker (broker.go), every other node's.
package realtime

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/auth"
	"github.com/iohub/iohub/hub/clienterr"
	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/limit"
	"github.com/iohub/iohub/hub/realtime/internal/wsframe"
	"github.com/iohub/iohub/hub/sanitize"
	"github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// Authenticator turns a handshake token into an identity. *auth.Authenticator is
// the implementation; the interface keeps this package testable without JWTs.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (auth.Identity, error)
}

// Options configure a Server. Auth, Rules and Sanitizer are required;
// the others have defaults.
type Options struct {
	// IO are the Socket.IO settings, complete (IOOptions.WithDefaults).
	IO        IOOptions
	Auth      Authenticator
	Rules     *access.Rules
	Sanitizer *sanitize.Sanitizer
	// Logger gets the server's log lines. Nil discards them.
	Logger *slog.Logger
	// AuthTimeout bounds one handshake's authentication (a Strapi lookup can hang).
	// Zero means 10s.
	AuthTimeout time.Duration
	// Observer is told about connections, events and deliveries (metrics).
	// Nil: nobody.
	Observer Observer
	// Limits are [limits]. The zero value limits nothing.
	Limits limit.Settings
	// Context is the hub's root context: handshakes and handler calls run
	// under it, so ending it stops them. Nil means context.Background().
	Context context.Context
	// Broker carries deliveries to and from the other nodes of the hub
	// (MemoryBroker, cluster.Node); New starts it. Nil: this server is the
	// whole hub.
	Broker Broker
}

// Server is the Socket.IO server with iohub's handshake and rooms.
type Server struct {
	io      *socket.Server
	writer  *wsframe.Writer // this server's WebSocket writers and backlog
	handler http.Handler
	ctx     context.Context // the root of every handshake and handler call
	auth    atomic.Pointer[authBox]
	rules   atomic.Pointer[access.Rules]
	schemas atomic.Pointer[sanitize.Schemas] // nil: none read from Strapi
	clean   atomic.Pointer[sanitize.Sanitizer]
	log     *slog.Logger
	timeout time.Duration
	sockets atomic.Int64
	obs     Observer
	// transports are the configured ones, listed by SocketCounts.
	transports []string
	adm        admission

	// maxMessage is maxHttpBufferSize: the fast path leaves larger messages
	// to the library, which refuses them.
	maxMessage int
	handlers   handler.Dispatcher // nil: no events[] handlers
	conns      sync.Map           // socket id -> *conn
	broker     Broker             // nil: no other nodes
	// rooms versions the main namespace's memberships, for the room list
	// each handler call carries (rooms.go); nil when the library's own
	// adapter serves (connection-state recovery), which it cannot see.
	rooms *roomsVersion
}

// New builds the Socket.IO server. Mount Handler() at IO.Path + "/".
func New(opts Options) *Server {
	opts.IO = opts.IO.WithDefaults() // zero fields: Socket.IO's defaults
	s := &Server{
		writer:  wsframe.NewWriter(),
		ctx:     opts.Context,
		log:     opts.Logger,
		timeout: opts.AuthTimeout,
		obs:     opts.Observer,
		broker:  opts.Broker,

		transports: opts.IO.Transports,
		maxMessage: int(min(opts.IO.MaxHTTPBufferSize, 1<<30)),
	}
	if s.obs == nil {
		s.obs = nopObserver{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.timeout == 0 {
		s.timeout = 10 * time.Second
	}
	if s.ctx == nil {
		s.ctx = context.Background()
	}
	s.SetAuth(opts.Auth)
	s.SetSanitizer(opts.Sanitizer)
	s.rules.Store(opts.Rules)
	s.adm.l = limit.New(opts.Limits, nil)
	// The options go to the server, not to ServeHandler: the server picks its
	// adapter (session-aware when connection state recovery is on) and connect
	// timeout from them, and hands them on to the engine.
	if opts.IO.Recovery <= 0 {
		s.rooms = &roomsVersion{}
	}
	s.io = socket.NewServer(nil, serverOptions(opts.IO, s.obs, s.writer, s.rooms))
	s.handler = guardPolling(releaseAfterHijack(s.io.ServeHandler(nil)), int64(opts.IO.MaxHTTPBufferSize), s.closeSession)
	_ = s.io.Engine().On("connection", func(args ...any) {
		if es, ok := args[0].(engine.Socket); ok {
			repeatPongs(es)
		}
	})
	s.io.Use(s.handshake)
	_ = s.io.On("connection", func(args ...any) { s.onConnection(args[0].(*socket.Socket)) })
	if s.broker != nil {
		s.broker.Start(s.apply)
	}
	return s
}

// closeSession closes the Engine.IO session sid, if it is open.
func (s *Server) closeSession(sid string) {
	if c, ok := s.io.Engine().Clients().Load(sid); ok {
		c.Close(true)
	}
}

// Handler serves the Engine.IO/Socket.IO protocol (polling and websocket).
func (s *Server) Handler() http.Handler { return s.handler }

// SetRules swaps the permission table; emits already under way use the old one.
func (s *Server) SetRules(r *access.Rules) { s.rules.Store(r) }

// authBox holds an Authenticator, which atomic.Pointer cannot hold itself.
type authBox struct{ Authenticator }

// SetAuth swaps the authenticator; the next handshake uses a. Sockets already
// connected keep the identity they were given.
func (s *Server) SetAuth(a Authenticator) { s.auth.Store(&authBox{a}) }

// SetSanitizer swaps the private-field remover of content events.
func (s *Server) SetSanitizer(c *sanitize.Sanitizer) { s.clean.Store(c) }

// Sockets reports how many sockets are connected.
func (s *Server) Sockets() int64 { return s.sockets.Load() }

// Close disconnects every socket. The HTTP listener is the caller's to stop.
func (s *Server) Close() {
	done := make(chan struct{})
	s.io.Close(func(error) { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.log.Warn("socket.io close did not finish in 5s")
	}
	s.writer.Close()
}

// handshake is the namespace middleware: it applies [limits], authenticates
// auth.token and either attaches the identity or refuses the socket with one of
// the clienterr messages. A refused socket never falls back to the public role
// and never reaches "connection".
func (s *Server) handshake(sock *socket.Socket, next func(*socket.ExtendedError)) {
	// Before anything else, so that failed attempts count against the
	// handshake rate too.
	release, err := s.adm.admit(sock)
	if err != nil {
		s.log.Debug("handshake refused", "socket", sock.Id(), "reason", err)
		next(s.refusal(err))
		return
	}
	token, ok := handshakeToken(sock.Handshake().Auth)
	if !ok {
		release()
		s.log.Debug("handshake refused", "socket", sock.Id(), "reason", "auth.token is not a string")
		next(s.refusal(clienterr.ErrInvalidToken))
		return
	}
	// Authentication may ask Strapi over the network; do not hold the library's
	// goroutine meanwhile. next may be called from any goroutine.
	go func() {
		ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
		defer cancel()
		id, err := s.auth.Load().Authenticate(ctx, token)
		if err != nil { // the authenticator logged why
			release()
			next(s.refusal(err))
			return
		}
		if prev := IdentityOf(sock); prev != nil {
			// A recovered session brings back its rooms and identity. The token
			// was just checked again and the role may have changed meanwhile, so
			// leave the old identity rooms; onConnection joins the current ones.
			for _, r := range identityRooms(prev) {
				sock.Leave(r)
			}
		}
		sock.SetData(&id)
		// Join the identity rooms before the connection completes: the
		// library sends the client its CONNECT before "connection" listeners
		// run, and a client that emits or is emitted to right after
		// connecting must already be in its rooms.
		sock.Join(identityRooms(&id)...)
		next(nil)
	}()
}

// handshakeToken reads auth.token, the only place strapi-plugin-io looks. Absent or
// null means anonymous; any other non-string is refused.
func handshakeToken(a map[string]any) (string, bool) {
	v, present := a["token"]
	if !present || v == nil {
		return "", true
	}
	tok, ok := v.(string)
	return tok, ok
}

// refusal is the connect_error a refused socket gets: only the clienterr
// sentinel's message and code, never internal detail. It counts the refusal.
func (s *Server) refusal(err error) *socket.ExtendedError {
	msg, code := clienterr.Handshake(err)
	s.obs.ConnectionRefused(string(code))
	return socket.NewExtendedError(msg, map[string]any{"code": code})
}

func (s *Server) onConnection(sock *socket.Socket) {
	id := IdentityOf(sock)
	if id == nil { // cannot happen: the middleware runs first; refuse rather than guess
		s.log.Error("socket connected without an identity; disconnecting", "socket", sock.Id())
		sock.Disconnect(true)
		return
	}
	// Joined in the handshake already, unless a later middleware left them
	// (a Join that changes nothing still builds the library's sets).
	if rooms := identityRooms(id); !inAll(sock, rooms) {
		sock.Join(rooms...)
	}
	c := &conn{sock: sock, id: id}
	s.conns.Store(string(sock.Id()), c)
	s.sockets.Add(1)
	s.obs.ConnectionAccepted()
	s.log.Debug("socket connected", "socket", sock.Id(), "role", id.Role, "user", id.UserID, "transport", sock.Conn().Transport().Name())

	// The library may report a close twice (server shutdown racing the
	// transport's own close): the first report wins.
	var lastRooms atomic.Pointer[[]string]
	_ = sock.On("disconnecting", func(...any) {
		rooms := s.roomsOf(c)
		lastRooms.CompareAndSwap(nil, &rooms)
	})
	_ = sock.On("disconnect", func(args ...any) {
		if !c.closed.CompareAndSwap(false, true) {
			return
		}
		s.conns.Delete(string(sock.Id()))
		s.sockets.Add(-1)
		reason, _ := firstString(args)
		s.log.Debug("socket disconnected", "socket", sock.Id(), "reason", reason)
		if s.handlers != nil && s.handlers.Bound(string(handler.Disconnect)) {
			var rooms []string
			if r := lastRooms.Load(); r != nil {
				rooms = *r
			}
			call := callFor(c, handler.Disconnect, string(handler.Disconnect), nil, false, rooms)
			call.Reason = reason
			s.dispatch(c, call, nil, true)
		}
	})
	// Every socket is listened to, handlers or not: client events are counted.
	sock.OnAny(func(args ...any) { s.onClientEvent(c, args) })
	s.readEvents(c)
	// Only a polling session can still upgrade: a WebSocket one is spared
	// the listener (an idle connection's every listener is memory held).
	if es := sock.Conn(); es.Transport().Name() == transports.POLLING {
		_ = es.On("upgrade", func(...any) { s.readEvents(c) })
	}
	if s.handlers != nil && s.handlers.Bound(string(handler.Connection)) {
		s.dispatch(c, callFor(c, handler.Connection, string(handler.Connection), nil, false, s.roomsOf(c)), nil, true)
	}
}

func firstString(args []any) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	s, ok := args[0].(string)
	return s, ok
}
