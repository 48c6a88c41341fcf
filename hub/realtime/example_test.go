package realtime_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/auth"
	"github.com/iohub/iohub/hub/handler"
	"github.com/iohub/iohub/hub/realtime"
	"github.com/iohub/iohub/hub/sanitize"
)

// echo answers "echo" events' acks with their arguments.
type echo struct{}

func (echo) Bound(event string) bool { return event == "echo" }

func (echo) Handle(_ context.Context, call *handler.Call) handler.Outcome {
	return handler.Outcome{Replied: true, ReplyJSON: call.ArgsJSON, Reply: call.Args}
}

// serveAndDial serves s on a loopback HTTP server and opens a WebSocket to
// its Socket.IO endpoint; stop closes both.
func serveAndDial(s *realtime.Server) (ws *websocket.Conn, stop func(), err error) {
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", s.Handler())
	ts := httptest.NewServer(mux)
	ws, _, err = websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		ts.Close()
		return nil, nil, err
	}
	return ws, func() { ws.Close(); ts.Close() }, nil
}

// A Socket.IO server with the hub's handshake: a client without a token is
// in the public role; its events go to the handlers, and a handler's reply
// comes back as the ack. Spoken here by hand (Engine.IO 4, Socket.IO 5) to
// show the packets; socket.io-client does the same.
func Example() {
	a, _ := auth.New(auth.Options{JWTSecret: "example-secret-0123456789abcdef0123"})
	rules, _ := access.New(map[string][]string{"Public": {"api::message.message.find"}}, access.ModeAction)
	s := realtime.New(realtime.Options{Auth: a, Rules: rules, Sanitizer: sanitize.New(nil),
		Logger: slog.New(slog.DiscardHandler)})
	defer s.Close()
	s.SetHandlers(echo{})
	ws, stop, err := serveAndDial(s)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	send := func(p string) { _ = ws.WriteMessage(websocket.TextMessage, []byte(p)) }
	read := func() string { _, b, _ := ws.ReadMessage(); return string(b) }
	fmt.Println(read()[:1]) // the Engine.IO open packet
	send("40")              // CONNECT to "/", no auth.token
	fmt.Println(read()[:2]) // CONNECT with the socket id
	send(`421["echo",{"text":"hi"}]`)
	fmt.Println(read())
	// Output:
	// 0
	// 40
	// 431[{"text":"hi"}]
}

// Two servers in one process act as one hub through a MemoryBroker: an emit
// made on one reaches the sockets of both (cluster.Node does the same for
// servers on several machines, through Redis).
func ExampleMemoryBroker() {
	a, _ := auth.New(auth.Options{JWTSecret: "example-secret-0123456789abcdef0123"})
	rules, _ := access.New(nil, access.ModeAction)
	broker := realtime.NewMemoryBroker()
	newServer := func() *realtime.Server {
		return realtime.New(realtime.Options{Auth: a, Rules: rules, Sanitizer: sanitize.New(nil), Broker: broker.Node()})
	}
	first, second := newServer(), newServer()
	defer first.Close()
	defer second.Close()
	ws, stop, err := serveAndDial(second) // the client connects to the second
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	read := func() string { _, b, _ := ws.ReadMessage(); return string(b) }
	read()                                                   // the Engine.IO open packet
	_ = ws.WriteMessage(websocket.TextMessage, []byte("40")) // CONNECT
	read()                                                   // CONNECT with the socket id
	for second.Sockets() == 0 {                              // the server registers the socket just after
		time.Sleep(time.Millisecond)
	}

	_ = first.EmitRaw("news", "from the first server", nil)
	fmt.Println(read())
	// Output: 42["news","from the first server"]
}
