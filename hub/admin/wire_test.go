package admin_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iohub/iohub/internal/hubtest"

	"github.com/gorilla/websocket"

	"github.com/iohub/iohub/hub/auth"
)

// The tests speak the Socket.IO protocol in raw packets over one WebSocket
// per client: what the UI's socket.io-client sends and receives, with no
// client library's timing in between.

// testHub is a real hub (hub.New + Serve on a loopback listener).
type testHub struct {
	url string
}

// secret is the hub's auth.jwtSecret, which the tests mint tokens with.
const secret = "admin-test-secret-0123456789abcdef"

func startHub(t *testing.T, adminTOML string) *testHub {
	t.Helper()
	_, url, _ := hubtest.Start(t, `
listen = "127.0.0.1:0"
[auth]
jwtSecret = "`+secret+`"
[api]
tokens = ["t0ken"]
`+adminTOML, nil)
	return &testHub{url: url}
}

func (h *testHub) token(t *testing.T, sub string) string {
	t.Helper()
	a, err := auth.New(auth.Options{JWTSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Mint("", sub, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// raw POSTs to /hub/raw.
func (h *testHub) raw(t *testing.T, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url+"/hub/raw", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer t0ken")
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("/hub/raw %s: %d", body, res.StatusCode)
	}
}

// client is one Engine.IO connection with one Socket.IO namespace.
type client struct {
	t      *testing.T
	nsp    string // "" for "/", else "/admin,"-style prefix
	ws     *websocket.Conn
	wmu    sync.Mutex
	in     chan string // Socket.IO packets of nsp, without the nsp prefix
	closed chan struct{}
	sid    string

	backlog []string // packets received, not yet asked for (test goroutine only)
}

// connect opens a connection and asks to join nsp ("/" or "/admin") with
// auth. It returns the client and the CONNECT (40) or CONNECT_ERROR (44)
// packet's JSON.
func connect(t *testing.T, h *testHub, nsp string, auth map[string]any) (*client, string, bool) {
	t.Helper()
	u := strings.Replace(h.url, "http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"
	ws, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, ws: ws, in: make(chan string, 256), closed: make(chan struct{})}
	if nsp != "/" {
		c.nsp = nsp + ","
	}
	t.Cleanup(func() { ws.Close() })
	_, open, err := ws.ReadMessage()
	if err != nil || !strings.HasPrefix(string(open), "0{") {
		t.Fatalf("engine open: %q, %v", open, err)
	}
	go c.read()
	a, _ := json.Marshal(auth)
	c.send("0" + string(a))
	p := c.next(5 * time.Second)
	switch {
	case strings.HasPrefix(p, "0"):
		var ok struct{ Sid string }
		_ = json.Unmarshal([]byte(p[1:]), &ok)
		c.sid = ok.Sid
		return c, p[1:], true
	case strings.HasPrefix(p, "4"):
		return c, p[1:], false
	}
	t.Fatalf("connect %s: unexpected packet %q", nsp, p)
	return nil, "", false
}

// read answers pings and queues the packets of c's namespace.
func (c *client) read() {
	defer close(c.closed)
	for {
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		m := string(b)
		switch {
		case m == "2":
			c.write("3")
		case strings.HasPrefix(m, "4"):
			p := m[1:]
			if c.nsp != "" {
				// The type digit comes first, then the namespace.
				if len(p) < 1 || !strings.HasPrefix(p[1:], c.nsp) {
					continue
				}
				p = p[:1] + p[1+len(c.nsp):]
			} else if len(p) > 1 && p[1] == '/' {
				continue
			}
			c.in <- p
		}
	}
}

func (c *client) write(m string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.WriteMessage(websocket.TextMessage, []byte(m))
}

// send writes a Socket.IO packet ("2[...]" an event) to c's namespace.
func (c *client) send(p string) { c.write("4" + p[:1] + c.nsp + p[1:]) }

// next returns the next packet, failing the test after d.
func (c *client) next(d time.Duration) string {
	c.t.Helper()
	select {
	case p := <-c.in:
		return p
	case <-time.After(d):
		c.t.Fatal("no packet in", d)
	}
	return ""
}

// find returns the first packet, already received or arriving within 5s,
// that match accepts; the packets before it stay for later calls.
func (c *client) find(what string, match func(string) bool) string {
	c.t.Helper()
	for i, p := range c.backlog {
		if match(p) {
			c.backlog = slices.Delete(c.backlog, i, i+1)
			return p
		}
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case p := <-c.in:
			if match(p) {
				return p
			}
			c.backlog = append(c.backlog, p)
		case <-deadline:
			c.t.Fatalf("no %s in 5s; got %v", what, c.backlog)
		}
	}
}

// eventName is the name of an event packet, "" for other packets.
func eventName(p string) (string, []json.RawMessage) {
	var args []json.RawMessage
	if !strings.HasPrefix(p, "2[") || json.Unmarshal([]byte(p[1:]), &args) != nil || len(args) == 0 {
		return "", nil
	}
	var name string
	_ = json.Unmarshal(args[0], &name)
	return name, args[1:]
}

// event waits for the event name and returns its arguments.
func (c *client) event(name string) []json.RawMessage {
	c.t.Helper()
	p := c.find(fmt.Sprintf("event %q", name), func(p string) bool {
		n, _ := eventName(p)
		return n == name
	})
	_, args := eventName(p)
	return args
}

// ack emits event with args and an ack id, and returns the ack's JSON.
func (c *client) ack(id int, args ...any) string {
	c.t.Helper()
	b, _ := json.Marshal(args)
	c.send(fmt.Sprintf("2%d%s", id, b))
	prefix := fmt.Sprintf("3%d[", id)
	p := c.find("ack "+prefix, func(p string) bool { return strings.HasPrefix(p, prefix) })
	return p[len(prefix)-1:]
}

// gone reports whether the server ended c's socket (a DISCONNECT packet or
// the connection closing) within 5s.
func (c *client) gone() bool {
	if slices.Contains(c.backlog, "1") {
		return true
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case p := <-c.in:
			if p == "1" {
				return true
			}
			c.backlog = append(c.backlog, p)
		case <-c.closed:
			return true
		case <-deadline:
			return false
		}
	}
}
