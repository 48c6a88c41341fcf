package admin

import (
	"errors"
	"fmt"

	"github.com/zishang520/socket.io/servers/socket/v3"
)

// watch forwards what happens in the application namespace to the UIs:
// sockets connecting, changing transport and leaving, and room changes
// (the adapter reports those, whoever made them: the handshake's role
// rooms, handlers, the API, the UI itself).
func (a *Admin) watch() {
	_ = a.app.On("connection", func(args ...any) {
		sock := args[0].(*socket.Socket)
		if a.watched() {
			_ = a.nsp.Emit("socket_connected", serializeSocket(sock), timestamp(a.now()))
		}
		_ = sock.Conn().On("upgrade", func(...any) {
			if a.watched() {
				_ = a.nsp.Emit("socket_updated", map[string]any{
					"id": string(sock.Id()), "nsp": a.app.Name(), "transport": sock.Conn().Transport().Name(),
				})
			}
		})
		_ = sock.On("disconnect", func(args ...any) {
			if a.watched() {
				reason, _ := firstString(args)
				_ = a.nsp.Emit("socket_disconnected", a.app.Name(), string(sock.Id()), reason, timestamp(a.now()))
			}
		})
	})
	room := func(event string) func(...any) {
		return func(args ...any) {
			if !a.watched() || len(args) < 2 {
				return
			}
			r, _ := args[0].(socket.Room)
			id, _ := args[1].(socket.SocketId)
			_ = a.nsp.Emit(event, a.app.Name(), string(r), string(id), timestamp(a.now()))
		}
	}
	_ = a.app.Adapter().On("join-room", room("room_joined"))
	_ = a.app.Adapter().On("leave-room", room("room_left"))
}

// command runs a UI action on the application namespace's sockets. The UI
// sends (nsp, room, socket id) for join and leave and (nsp, close, socket
// id) for _disconnect; the id selects the sockets in that room, which is the
// one socket. An ack, when asked for, gets {"error": why} for a refused
// action and nothing otherwise; the UI asks for none.
func (a *Admin) command(from *socket.Socket, name string, args []any) {
	var ack socket.Ack
	if n := len(args); n > 0 {
		if f, ok := args[n-1].(socket.Ack); ok {
			ack, args = f, args[:n-1]
		}
	}
	err := a.run(name, args)
	if err != nil {
		a.log.Warn("admin action refused", "action", name, "admin", from.Handshake().Address, "err", err)
		if ack != nil {
			ack([]any{map[string]any{"error": err.Error()}}, nil)
		}
		return
	}
	a.log.Info("admin action", "action", name, "args", args, "admin", from.Handshake().Address)
	if ack != nil {
		ack([]any{}, nil)
	}
}

func (a *Admin) run(name string, args []any) error {
	if !a.cfg.AllowActions {
		return errReadOnly
	}
	if len(args) < 3 {
		return fmt.Errorf("%s takes 3 arguments, got %d", name, len(args))
	}
	if nsp, _ := args[0].(string); nsp != a.app.Name() {
		return fmt.Errorf("namespace %q: only %q can be changed", args[0], a.app.Name())
	}
	// Without a target the UI's own server acts on every socket; here a
	// target is required, so that no message can disconnect everyone.
	target, _ := args[2].(string)
	if target == "" {
		return errors.New("no target socket")
	}
	sockets := a.app.In(socket.Room(target))
	switch name {
	case "join", "leave":
		r, _ := args[1].(string)
		if r == "" {
			return errors.New("no room")
		}
		if name == "join" {
			sockets.SocketsJoin(socket.Room(r))
		} else {
			sockets.SocketsLeave(socket.Room(r))
		}
	case "_disconnect":
		closeConn, _ := args[1].(bool)
		sockets.DisconnectSockets(closeConn)
	}
	return nil
}

func firstString(args []any) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	s, ok := args[0].(string)
	return s, ok
}
