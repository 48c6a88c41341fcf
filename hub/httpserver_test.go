package hub_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/iohub/iohub/hub/config"
	"github.com/iohub/iohub/internal/hubtest"
)

// serveConfig runs a hub on src (a whole hub.toml) and returns its address;
// log collects what it logs.
func serveConfig(t *testing.T, src string, log io.Writer) string {
	t.Helper()
	_, url, _ := hubtest.Start(t, src, log)
	return strings.TrimPrefix(url, "http://")
}

// syncBuffer is a log sink that the test reads while the hub writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDevDefaultsWarning(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		want     []string
		unwanted []string
	}{
		{name: "development defaults",
			src: "[auth]\njwtSecret = \"${IOHUB_TEST_UNSET:-" + config.DevJWTSecret + "}\"\n[api]\ntokens = [\"${IOHUB_TEST_UNSET:-" + config.DevAPIToken + "}\"]\n",
			want: []string{
				`level=WARN msg="development default in use: auth.jwtSecret; set JWT_SECRET`,
				`level=WARN msg="development default in use: api.tokens[0]; set HUB_API_TOKEN`,
			}},
		{name: "real values",
			src:      "[auth]\njwtSecret = \"a-real-secret-0123456789abcdef\"\n[api]\ntokens = [\"a-real-token\"]\n",
			unwanted: []string{"development default"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log syncBuffer
			addr := serveConfig(t, tt.src, &log)
			// Serve has logged its start once it answers.
			res, err := http.Get("http://" + addr + "/hub/health")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			for _, w := range tt.want {
				if !strings.Contains(log.String(), w) {
					t.Errorf("log lacks %s:\n%s", w, log.String())
				}
			}
			for _, u := range tt.unwanted {
				if strings.Contains(log.String(), u) {
					t.Errorf("log has %s:\n%s", u, log.String())
				}
			}
		})
	}
}

// TestSlowBodyCutOff: an authenticated upload that trickles at 100 B/s is
// answered 408 (or its connection closed) once http.readTimeout has passed.
func TestSlowBodyCutOff(t *testing.T) {
	addr := serveConfig(t, testConfig+"[http]\nreadTimeout = \"500ms\"\n", nil)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const size = 10_000
	fmt.Fprintf(c, "POST /hub/emit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0ken\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", size)
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() { // 10 bytes every 100ms, for at most 10s
		for range 100 {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := c.Write([]byte("          ")); err != nil {
				return
			}
		}
	}()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("no answer: %v after %v", err, elapsed)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), `"body_timeout"`) {
		t.Errorf("got %d %s, want 408 body_timeout", res.StatusCode, body)
	}
	if elapsed < 400*time.Millisecond || elapsed > 3*time.Second {
		t.Errorf("cut off after %v, want about 500ms", elapsed)
	}
}

// TestIdleKeepAliveClosed: 1,000 idle keep-alive connections (the issue's
// 1,014 exhausted a 1,024-descriptor limit) are closed after http.idleTimeout.
func TestIdleKeepAliveClosed(t *testing.T) {
	const n = 1000
	addr := serveConfig(t, testConfig+"[http]\nidleTimeout = \"300ms\"\n", nil)
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// One request each, then silence. The answer must keep the connection.
	var wg sync.WaitGroup
	errs := make(chan error, n)
	deadline := time.Now().Add(20 * time.Second)
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetDeadline(deadline)
			sent := time.Now()
			if _, err := io.WriteString(c, "GET /hub/health HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				errs <- err
				return
			}
			br := bufio.NewReader(c)
			res, err := http.ReadResponse(br, nil)
			if err != nil {
				errs <- err
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.Close {
				errs <- errors.New("the server closed the connection after the answer")
				return
			}
			// Then the server closes it: EOF, not our deadline.
			if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
				errs <- fmt.Errorf("idle connection: read %v, want EOF", err)
				return
			}
			// The idle timer starts after the answer, so after sent.
			if idle := time.Since(sent); idle < 250*time.Millisecond {
				errs <- fmt.Errorf("closed %v after the request, want 300ms idle at least", idle)
			}
		}()
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if failed++; failed <= 3 {
			t.Error(err)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d connections failed", failed, n)
	}
}

// TestTransportsWithTimeouts: every [http] limit far below pingInterval, and
// a polling session still lives through long polls (each held until the
// server's ping) and the pong POSTs between them; a WebSocket connection lives
// longer than writeTimeout.
func TestTransportsWithTimeouts(t *testing.T) {
	addr := serveConfig(t, testConfig+`
[IOServerOptions]
pingInterval = "1s"
pingTimeout = "1s"
[http]
readHeaderTimeout = "200ms"
readTimeout = "200ms"
idleTimeout = "200ms"
writeTimeout = "3s"
`, nil)
	const pings = 4 // > writeTimeout
	t.Run("polling", func(t *testing.T) {
		t.Parallel()
		longPoll(t, "http://"+addr+"/socket.io/?EIO=4&transport=polling", pings)
	})
	t.Run("websocket", func(t *testing.T) {
		t.Parallel()
		webSocket(t, "ws://"+addr+"/socket.io/?EIO=4&transport=websocket", pings)
	})
}

func longPoll(t *testing.T, base string, pings int) {
	cl := &http.Client{Timeout: 5 * time.Second}
	get := func(url string) string {
		t.Helper()
		res, err := cl.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET: %d %s", res.StatusCode, b)
		}
		return string(b)
	}
	post := func(url, body string) {
		t.Helper()
		res, err := cl.Post(url, "text/plain;charset=UTF-8", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || string(b) != "ok" {
			t.Fatalf("POST %q: %d %s", body, res.StatusCode, b)
		}
	}
	url := base + "&sid=" + openSid(t, get(base))
	post(url, "40") // Socket.IO CONNECT to "/"
	if got := get(url); !strings.HasPrefix(got, "40{") {
		t.Fatalf("CONNECT answer: %q", got)
	}
	var longest time.Duration
	for i := range pings {
		start := time.Now()
		if got := get(url); got != "2" { // held until the ping
			t.Fatalf("poll %d: got %q, want a ping", i, got)
		}
		longest = max(longest, time.Since(start))
		post(url, "3") // pong
	}
	if longest < 500*time.Millisecond {
		t.Errorf("no poll was held longer than the 200ms limits (longest %v): the test proves nothing", longest)
	}
}

func webSocket(t *testing.T, url string, pings int) {
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(time.Duration(pings+5) * time.Second))
	read := func() string {
		t.Helper()
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("after %v: %v", time.Since(start), err)
		}
		return string(b)
	}
	openSid(t, read())
	if err := c.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		t.Fatal(err)
	}
	if got := read(); !strings.HasPrefix(got, "40{") {
		t.Fatalf("CONNECT answer: %q", got)
	}
	for i := range pings {
		if got := read(); got != "2" {
			t.Fatalf("message %d: got %q, want a ping", i, got)
		}
		if err := c.WriteMessage(websocket.TextMessage, []byte("3")); err != nil {
			t.Fatal(err)
		}
	}
}

// openSid returns the session id of an Engine.IO open packet.
func openSid(t *testing.T, open string) string {
	t.Helper()
	var hs struct{ Sid string }
	if !strings.HasPrefix(open, "0") || json.Unmarshal([]byte(open[1:]), &hs) != nil || hs.Sid == "" {
		t.Fatalf("open packet: %q", open)
	}
	return hs.Sid
}
