package realtime

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// An upgrade request's writer forgets net/http's writer once hijacked, and
// answers later writes the way net/http does.
func TestReleaseAfterHijack(t *testing.T) {
	seen := make(chan *dropOnHijack, 1)
	srv := httptest.NewServer(releaseAfterHijack(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, ok := w.(*dropOnHijack)
		if !ok {
			seen <- nil
			return
		}
		c, _, err := d.Hijack()
		if err != nil {
			t.Error(err)
		} else {
			c.Write([]byte("HTTP/1.1 101 Switching Protocols\r\n\r\n"))
			c.Close()
		}
		seen <- d
	})))
	defer srv.Close()

	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	d := <-seen
	if d == nil {
		t.Fatal("an upgrade request did not get the wrapper")
	}
	if d.inner != nil || d.hijacker != nil {
		t.Error("net/http's writer is still referenced after the hijack")
	}
	if _, err := d.Write([]byte("x")); !errors.Is(err, http.ErrHijacked) {
		t.Errorf("write after hijack: %v, want ErrHijacked", err)
	}
	if _, _, err := d.Hijack(); !errors.Is(err, http.ErrHijacked) {
		t.Errorf("second hijack: %v, want ErrHijacked", err)
	}

	// Plain requests are served with net/http's writer as is.
	plain, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	plain.Body.Close()
	if d := <-seen; d != nil {
		t.Error("a plain request got the wrapper")
	}
}
