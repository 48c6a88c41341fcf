package hub

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/iohub/iohub/hub/config"
)

// newHTTPServer builds the server for h with c's limits (defaults filled in;
// a negative one is none, net/http's 0).
//
// net/http's ReadTimeout is not used: it also runs while a long-polling GET
// waits for its answer (up to pingInterval), and when it fires net/http takes
// the connection for dead and cancels the request's context, although the
// client is still waiting. The body deadline is set per request instead, only on
// requests that carry a body (bodyDeadline). WebSocket connections are not
// affected by any of these: the upgrade clears the deadlines net/http set.
func newHTTPServer(c HTTPOptions, h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           bodyDeadline(c.ReadTimeout, h),
		ReadHeaderTimeout: max(c.ReadHeaderTimeout, 0),
		WriteTimeout:      max(c.WriteTimeout, 0),
		IdleTimeout:       max(c.IdleTimeout, 0),
		MaxHeaderBytes:    max(c.MaxHeaderBytes, 0),
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
}

// bodyDeadline gives each request that carries a body d to send it. A body
// that is late fails its read (the API answers 408) and the connection is
// not reused. The deadline is lifted once the body is read, so a handler that
// then takes its time is not cut off.
func bodyDeadline(d time.Duration, next http.Handler) http.Handler {
	if d <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(d)) == nil {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		}
		next.ServeHTTP(w, r)
	})
}

type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// acceptErrorInterval is how often accept errors are logged at most.
const acceptErrorInterval = time.Second

// logAcceptErrors wraps ln so that accept errors (EMFILE when descriptors run
// out, ...) are logged at warn: net/http retries them silently, and the hub
// then answers nothing, /hub/health included. At most one line per interval;
// the next line counts those left out.
func logAcceptErrors(ln net.Listener, logger *slog.Logger) net.Listener {
	return &acceptLogListener{Listener: ln, log: logger, every: acceptErrorInterval, now: time.Now}
}

type acceptLogListener struct {
	net.Listener
	log   *slog.Logger
	every time.Duration
	now   func() time.Time

	mu         sync.Mutex
	last       time.Time // of the last line logged
	suppressed int       // errors since then, not logged
}

func (l *acceptLogListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	switch {
	case err == nil:
		l.recovered()
	case !errors.Is(err, net.ErrClosed): // closed: shutting down
		l.failed(err)
	}
	return c, err
}

func (l *acceptLogListener) failed(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.last) < l.every {
		l.suppressed++
		return
	}
	attrs := []any{"err", err}
	if l.suppressed > 0 {
		attrs = append(attrs, "suppressed", l.suppressed)
	}
	l.log.Warn("cannot accept connections; if the descriptors ran out (too many open files), raise the limit (ulimit -n) or lower http.idleTimeout", attrs...)
	l.last, l.suppressed = now, 0
}

// recovered reports the errors left out since the last line once accepting
// works again, so that a burst is never hidden entirely; within the same
// limit of one line per interval, as descriptors that run out flap.
func (l *acceptLogListener) recovered() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now := l.now(); l.suppressed > 0 && now.Sub(l.last) >= l.every {
		l.log.Warn("accepting connections again", "suppressed", l.suppressed)
		l.last, l.suppressed = now, 0
	}
}

// warnDevDefaults names each development default still in use: with them,
// anyone who has read hub.toml can mint tokens or call the API.
func warnDevDefaults(cfg *config.Config, logger *slog.Logger) {
	for _, d := range cfg.DevDefaults() {
		logger.Warn("development default in use: "+d.Key+"; "+d.Fix, "key", d.Key)
	}
}
