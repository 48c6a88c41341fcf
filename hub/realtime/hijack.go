package realtime

import (
	"bufio"
	"net"
	"net/http"
	"sync"

	"github.com/iohub/iohub/hub/realtime/internal/wsframe"
)

// releaseAfterHijack serves h, giving WebSocket upgrade requests a response
// writer that lets go of net/http's after the hijack, and whose hijacked
// connection checks the client's frames (wsframe.Guard).
//
// The library keeps each connection's request context, response writer
// included, for the connection's lifetime. net/http's response writer holds
// the server connection with its 4 KiB read and 4 KiB write buffers, which
// are dead once the connection is hijacked: about a quarter of the memory of
// an idle WebSocket connection (BENCHMARKS.md, idle scenario).
func releaseAfterHijack(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			if hj, ok := w.(http.Hijacker); ok {
				w = &dropOnHijack{inner: w, hijacker: hj, header: w.Header()}
			}
		}
		h.ServeHTTP(w, r)
	})
}

type dropOnHijack struct {
	mu       sync.Mutex
	inner    http.ResponseWriter // nil once hijacked
	hijacker http.Hijacker
	header   http.Header
}

func (d *dropOnHijack) Header() http.Header { return d.header }

func (d *dropOnHijack) Write(b []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inner == nil {
		return 0, http.ErrHijacked
	}
	return d.inner.Write(b)
}

func (d *dropOnHijack) WriteHeader(code int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inner != nil {
		d.inner.WriteHeader(code)
	}
}

func (d *dropOnHijack) Flush() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if f, ok := d.inner.(http.Flusher); ok {
		f.Flush()
	}
}

func (d *dropOnHijack) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inner == nil {
		return nil, nil, http.ErrHijacked
	}
	c, rw, err := d.hijacker.Hijack()
	if err == nil {
		d.inner, d.hijacker = nil, nil
		// The WebSocket reader (gorilla, with its own read buffer) reads
		// through the guard; rw's reader is not used by it.
		c = wsframe.Guard(c)
	}
	return c, rw, err
}
