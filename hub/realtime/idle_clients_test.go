package realtime

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// waitLine reads r until a line equal to want, for at most d.
func waitLine(r io.Reader, want string, d time.Duration) bool {
	found := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if sc.Text() == want {
				found <- true
				_, _ = io.Copy(io.Discard, r)
				return
			}
		}
		found <- false
	}()
	select {
	case ok := <-found:
		return ok
	case <-time.After(d):
		return false
	}
}

// TestIdleMemClients is TestIdleMemory's client side, run in a child process:
// it opens IOHUB_IDLE_N connections to IOHUB_IDLE_CLIENTS, prints "ready",
// answers pings until its stdin closes, then closes them.
func TestIdleMemClients(t *testing.T) {
	url := os.Getenv("IOHUB_IDLE_CLIENTS")
	if url == "" {
		t.Skip("the child process of TestIdleMemory")
	}
	n, _ := strconv.Atoi(os.Getenv("IOHUB_IDLE_N"))
	conns := make([]*websocket.Conn, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 50)
	var wg sync.WaitGroup
	for i := range conns {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := idleDial(url)
			conns[i] = c
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, c := range conns {
		go func() { // answer pings; ends when the connection closes
			for {
				mt, b, err := c.ReadMessage()
				if err != nil {
					return
				}
				if mt == websocket.TextMessage && string(b) == "2" {
					_ = c.WriteMessage(websocket.TextMessage, []byte("3"))
				}
			}
		}()
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
}

// idleDial opens a WebSocket and completes the Engine.IO open and the
// Socket.IO CONNECT.
func idleDial(base string) (*websocket.Conn, error) {
	url := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	c, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if resp != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, b, err := c.ReadMessage(); err != nil || !strings.HasPrefix(string(b), "0{") {
		c.Close()
		return nil, fmt.Errorf("open packet %q: %v", b, err)
	}
	if err := c.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		c.Close()
		return nil, err
	}
	if _, b, err := c.ReadMessage(); err != nil || !strings.HasPrefix(string(b), "40") {
		c.Close()
		return nil, fmt.Errorf("CONNECT %q: %v", b, err)
	}
	_ = c.SetReadDeadline(time.Time{})
	return c, nil
}
