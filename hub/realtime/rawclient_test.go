package realtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// rawClient speaks Engine.IO 4 / Socket.IO 5 over a WebSocket by hand, so a
// test controls every packet: the headers of the upgrade, when CONNECT is
// sent, and closing a connection in the middle of a handshake.
type rawClient struct {
	ws *websocket.Conn
}

// rawOpen opens the WebSocket and reads the Engine.IO open packet.
func rawOpen(t testing.TB, base string, header http.Header) *rawClient {
	t.Helper()
	url := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	ws, resp, err := websocket.DefaultDialer.Dial(url, header)
	if resp != nil {
		resp.Body.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	c := &rawClient{ws: ws}
	t.Cleanup(func() { ws.Close() })
	if p := c.read(t); !strings.HasPrefix(p, "0{") {
		t.Fatalf("expected the open packet, got %q", p)
	}
	return c
}

// read returns the next packet that is not a ping (pings are answered).
func (c *rawClient) read(t testing.TB) string {
	t.Helper()
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if string(b) == "2" {
			c.write(t, "3")
			continue
		}
		return string(b)
	}
}

func (c *rawClient) write(t testing.TB, p string) {
	t.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(p)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// connectError is a CONNECT_ERROR's payload.
type connectError struct {
	Message string `json:"message"`
	Data    struct {
		Code string `json:"code"`
	} `json:"data"`
}

// connect sends CONNECT for "/" and returns nil once connected, or the
// connect_error.
func (c *rawClient) connect(t testing.TB) *connectError {
	t.Helper()
	c.write(t, "40")
	return c.connectResult(t)
}

func (c *rawClient) connectResult(t testing.TB) *connectError {
	t.Helper()
	p := c.read(t)
	switch {
	case strings.HasPrefix(p, "40"):
		return nil
	case strings.HasPrefix(p, "44"):
		var e connectError
		if err := json.Unmarshal([]byte(p[2:]), &e); err != nil {
			t.Fatalf("connect_error %q: %v", p, err)
		}
		return &e
	}
	t.Fatalf("expected CONNECT or CONNECT_ERROR, got %q", p)
	return nil
}

// dialRaw opens a connection and connects it, failing the test on a refusal.
func dialRaw(t testing.TB, base string, header http.Header) *rawClient {
	t.Helper()
	c := rawOpen(t, base, header)
	if e := c.connect(t); e != nil {
		t.Fatalf("refused: %+v", e)
	}
	return c
}

// emit sends event with a JSON argument; ackID < 0 asks for no ack.
func (c *rawClient) emit(t testing.TB, ackID int, event string, arg any) {
	t.Helper()
	b, _ := json.Marshal([]any{event, arg})
	id := ""
	if ackID >= 0 {
		id = strconv.Itoa(ackID)
	}
	c.write(t, "42"+id+string(b))
}

// ack reads the next ACK and returns its id and raw arguments.
func (c *rawClient) ack(t testing.TB) (int, string, error) {
	t.Helper()
	p := c.read(t)
	if !strings.HasPrefix(p, "43") {
		return 0, "", fmt.Errorf("expected an ack, got %q", p)
	}
	i := strings.IndexByte(p, '[')
	if i < 0 {
		return 0, "", errors.New("ack without arguments: " + p)
	}
	id, err := strconv.Atoi(p[2:i])
	return id, p[i:], err
}

func (c *rawClient) close() { c.ws.Close() }
