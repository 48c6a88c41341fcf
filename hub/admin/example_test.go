package admin_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/iohub/iohub/hub/admin"
)

// UIHandler serves the Admin UI's built files (npm @socket.io/admin-ui's
// ui/dist) at admin.UIPath, on the hub's own HTTP server, so the UI talks to
// the hub it came from. Here a stand-in index.html plays the built UI. Without
// the files, the handler answers 503 saying how to install them.
func ExampleUIHandler() {
	dist, err := os.MkdirTemp("", "admin-ui")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dist)
	_ = os.WriteFile(filepath.Join(dist, "index.html"), []byte("<title>Socket.IO Admin UI</title>"), 0o644)

	logger := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	mux.Handle(admin.UIPath, admin.UIHandler(dist, logger))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, err := http.Get(srv.URL + admin.UIPath)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.StatusCode, res.Header.Get("X-Frame-Options"), string(body))

	missing := httptest.NewRecorder()
	admin.UIHandler(filepath.Join(dist, "nothing-here"), logger).
		ServeHTTP(missing, httptest.NewRequest(http.MethodGet, admin.UIPath, nil))
	fmt.Println(missing.Code)
	// Output:
	// 200 DENY <title>Socket.IO Admin UI</title>
	// 503
}

// New adds the "/admin" namespace the UI logs in to to the hub's Socket.IO
// server. A login with the wrong password is refused with the UI's own
// "invalid credentials"; here a bare WebSocket speaks the Socket.IO packets
// the UI's client would send.
func ExampleNew() {
	server := socket.NewServer(nil, nil)
	defer server.Close(nil)
	a := admin.New(admin.Options{Username: "ops", Password: "s3cret", IO: server})
	defer a.Close()
	srv := httptest.NewServer(server.ServeHandler(nil))
	defer srv.Close()

	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, _ = ws.ReadMessage() // the Engine.IO open packet
	_ = ws.WriteMessage(websocket.TextMessage, []byte(`40/admin,{"username":"ops","password":"wrong"}`))
	_, refusal, _ := ws.ReadMessage()
	fmt.Println(string(refusal))
	// Output: 44/admin,{"data":null,"message":"invalid credentials"}
}
