package realtime

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/iohub/iohub/hub/limit"
)

// A session that connects over long-polling and then upgrades has its
// events read by the hub (the fast path) from the upgrade on, as one that
// opened over a WebSocket.
func TestFastPathAfterUpgrade(t *testing.T) {
	s, url, _ := startLimited(t, limit.Settings{})
	r := &recorder{}
	s.SetHandlers(r)
	base := url + "/socket.io/?EIO=4&transport=polling"
	get := func(u string) string {
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	var hs struct{ Sid string }
	if open := get(base); json.Unmarshal([]byte(strings.TrimPrefix(open, "0")), &hs) != nil || hs.Sid == "" {
		t.Fatalf("handshake %q", open)
	}
	res, err := http.Post(base+"&sid="+hs.Sid, "text/plain;charset=UTF-8", strings.NewReader("40"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := get(base + "&sid=" + hs.Sid); !strings.HasPrefix(got, "40") {
		t.Fatalf("no CONNECT ack: %q", got)
	}
	waitSockets(t, s, 1)

	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(url, "http")+"/socket.io/?EIO=4&transport=websocket&sid="+hs.Sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	c := &rawClient{ws: ws}
	c.write(t, "2probe")
	if p := c.read(t); p != "3probe" {
		t.Fatalf("probe answer %q", p)
	}
	c.write(t, "5")
	for i := range 3 {
		c.emit(t, i, "rec", i)
		if id, args, err := c.ack(t); err != nil || id != i || args != "["+strconv.Itoa(i)+"]" {
			t.Fatalf("ack %d %s %v", id, args, err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.viaJSON.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if r.viaJSON.Load() == 0 {
		t.Fatalf("%d events after the upgrade, none read by the hub", r.calls.Load())
	}
}
