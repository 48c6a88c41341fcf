// Package admin is the server side of the official Socket.IO Admin UI
// (npm @socket.io/admin-ui): the "/admin" namespace the UI connects to, with
// the protocol of that package's instrument() implemented against the hub's
// Socket.IO server, and the UI's built files served over HTTP (ui.go).
//
// The UI's sockets live in their own namespace: the hub's handshake, role
// rooms, handlers and broadcasts all belong to the main namespace "/", which
// is the only one the UI is shown. The hub implements the UI's "development
// mode" (every socket and room event) but not its aggregated packet counts,
// and only the join, leave and disconnect actions, and those only with
// [admin] readonly = false.
package admin

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"
	"golang.org/x/crypto/bcrypt"
)

// Namespace is where the UI connects; its login screen's default.
const Namespace = "/admin"

// StatsInterval is how often the UI gets server_stats, as from the Admin
// UI's own server: the UI marks a server unhealthy after 10s without.
const StatsInterval = 2 * time.Second

// maxPasswordChecks bounds the bcrypt comparisons under way: each costs tens
// of milliseconds of a core, and logins are few.
const maxPasswordChecks = 2

// errInvalidCredentials is the refusal the UI recognises (it then shows its
// login screen again), in its exact words.
const errInvalidCredentials = "invalid credentials"

// Options configure an Admin.
type Options struct {
	// Username is the login the UI asks for. "": every login is refused.
	Username string
	// Password is a bcrypt hash ("$2a$", "$2b$" or "$2y$") or, if it is not
	// one, the password itself.
	Password string
	// AllowActions lets the UI move sockets between rooms and disconnect
	// them. false: read-only, the UI's join, leave and disconnect are refused.
	AllowActions bool
	// IO is the hub's Socket.IO server (realtime.Server.IO). Required.
	IO *socket.Server
	// Logger; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Admin serves the Admin UI's protocol on the "/admin" namespace of a
// Socket.IO server.
type Admin struct {
	cfg      Options
	app      socket.Namespace // the hub's sockets, "/"
	nsp      socket.Namespace // the UI's sockets
	log      *slog.Logger
	now      func() time.Time
	started  time.Time
	hostname string
	pid      int
	sessions *sessions
	checks   chan struct{} // a slot per password check under way
	features []any         // the config event's supportedFeatures

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// New adds the "/admin" namespace to opts.IO and starts sending stats to the
// UIs that connect. Call Close to stop.
func New(opts Options) *Admin {
	a := &Admin{
		cfg:    opts,
		log:    opts.Logger,
		now:    opts.Now,
		pid:    os.Getpid(),
		checks: make(chan struct{}, maxPasswordChecks),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.started = a.now()
	a.sessions = newSessions(a.now)
	a.hostname, _ = os.Hostname()
	// ALL_EVENTS: the UI lists sockets, rooms and clients from all_sockets
	// and the events below. No AGGREGATED_EVENTS: the hub does not count
	// packets and bytes (its WebSocket fan-out bypasses the engine's packet
	// events), and the UI then hides those charts.
	a.features = []any{"ALL_EVENTS"}
	if a.cfg.AllowActions {
		a.features = []any{"JOIN", "LEAVE", "DISCONNECT", "ALL_EVENTS"}
	}
	if !isBcrypt(a.cfg.Password) {
		a.log.Warn("admin.password is in plain text; a bcrypt hash keeps it out of hub.toml")
	}

	a.app = opts.IO.Sockets()
	a.nsp = opts.IO.Of(Namespace, nil)
	a.nsp.Use(a.authenticate)
	_ = a.nsp.On("connection", func(args ...any) { a.onAdmin(args[0].(*socket.Socket)) })
	a.watch()
	go a.statsLoop()
	return a
}

// Close stops sending stats. The namespace stays until the Socket.IO server
// closes.
func (a *Admin) Close() {
	a.closeOnce.Do(func() { close(a.stop) })
	<-a.done
}

// authenticate is the namespace's middleware: a session id handed out at an
// earlier login, or the configured username and password.
func (a *Admin) authenticate(sock *socket.Socket, next func(*socket.ExtendedError)) {
	auth := sock.Handshake().Auth
	if id, _ := auth["sessionId"].(string); id != "" && a.sessions.valid(id) {
		next(nil)
		return
	}
	user, _ := auth["username"].(string)
	pass, _ := auth["password"].(string)
	// bcrypt takes its time: not on the library's goroutine. next may be
	// called from any goroutine.
	go func() {
		if !a.checkCredentials(user, pass) {
			a.log.Warn("admin login refused", "address", sock.Handshake().Address, "username", user)
			next(socket.NewExtendedError(errInvalidCredentials, nil))
			return
		}
		sock.SetData(a.sessions.create()) // sent to the UI once connected
		next(nil)
	}()
}

// checkCredentials compares both fields in full whatever the outcome, so the
// time taken does not tell which was wrong.
func (a *Admin) checkCredentials(user, pass string) bool {
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(a.cfg.Username)) == 1
	a.checks <- struct{}{}
	defer func() { <-a.checks }()
	var passOK bool
	if isBcrypt(a.cfg.Password) {
		passOK = bcrypt.CompareHashAndPassword([]byte(a.cfg.Password), []byte(pass)) == nil
	} else {
		passOK = subtle.ConstantTimeCompare([]byte(pass), []byte(a.cfg.Password)) == 1
	}
	return userOK && passOK && a.cfg.Username != ""
}

// isBcrypt reports whether password is a bcrypt hash rather than plain text.
func isBcrypt(password string) bool {
	_, err := bcrypt.Cost([]byte(password))
	return err == nil
}

// onAdmin greets a UI that logged in: its session, what it may do, every
// socket, the current stats.
func (a *Admin) onAdmin(sock *socket.Socket) {
	a.log.Info("admin UI connected", "address", sock.Handshake().Address, "readonly", !a.cfg.AllowActions)
	if id, ok := sock.Data().(string); ok {
		_ = sock.Emit("session", id)
	}
	for _, ev := range []string{"join", "leave", "_disconnect"} {
		_ = sock.On(ev, func(args ...any) { a.command(sock, ev, args) })
	}
	_ = sock.Emit("config", map[string]any{"supportedFeatures": a.features})
	_ = sock.Emit("all_sockets", a.allSockets())
	_ = sock.Emit("server_stats", a.stats())
}

func (a *Admin) statsLoop() {
	defer close(a.done)
	t := time.NewTicker(StatsInterval)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			if a.watched() {
				_ = a.nsp.Emit("server_stats", a.stats())
			}
		}
	}
}

// watched reports whether a UI is connected: without one, nothing is
// serialised.
func (a *Admin) watched() bool { return a.nsp.Sockets().Len() > 0 }

var errReadOnly = errors.New("read-only: set [admin] readonly = false in hub.toml to allow join, leave and disconnect")
