package admin

import (
	"net"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/iohub/iohub/hub/realtime"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// What the hub sends the UI, in the shapes the Admin UI's own server
// (instrument() in @socket.io/admin-ui's dist/index.js) gives them. Payloads
// are maps and slices of plain values: the library's encoder handles those.

// timestamp is a time as JavaScript's Date serialises to JSON, which is what
// the UI parses.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// secretHeader reports the request headers the UI shows as "[redacted]": a
// session cookie or a bearer token there would let whoever reads the page act
// as that user. (The hub's own token travels in auth, which is never shown.)
func secretHeader(name string) bool {
	switch name {
	case "authorization", "cookie", "proxy-authorization":
		return true
	}
	return false
}

// serializeSocket describes a socket of the application namespace.
func serializeSocket(sock *socket.Socket) map[string]any {
	h := sock.Handshake()
	return map[string]any{
		"id":        string(sock.Id()),
		"clientId":  clientID(sock),
		"transport": sock.Conn().Transport().Name(),
		"nsp":       sock.Nsp().Name(),
		"data":      socketData(sock),
		"handshake": map[string]any{
			"address": hostOnly(h.Address),
			"headers": headers(h.Headers),
			"query":   flatten(h.Query),
			"issued":  h.Issued,
			"secure":  h.Secure,
			"time":    h.Time,
			"url":     h.Url,
			"xdomain": h.Xdomain,
		},
		"rooms": rooms(sock),
	}
}

// hostOnly is the IP address of host:port, which is what the UI's "IP
// address" column shows for a Node.js server.
func hostOnly(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// clientID is the Engine.IO connection's id, cut to 12 characters as the
// UI's own server does: sockets of one connection share it.
func clientID(sock *socket.Socket) string {
	id := string(sock.Conn().Id())
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

// socketData is what the UI shows as the socket's data: the identity the
// handshake gave it, without the token's claims (they may hold personal
// data the admin has no need for).
func socketData(sock *socket.Socket) map[string]any {
	id := realtime.IdentityOf(sock)
	if id == nil {
		return map[string]any{}
	}
	d := map[string]any{"role": id.Role, "anonymous": id.Anonymous}
	if id.UserID != "" {
		d["userId"] = id.UserID
	}
	return d
}

func rooms(sock *socket.Socket) []any {
	keys := sock.Rooms().Keys()
	out := make([]string, len(keys))
	for i, r := range keys {
		out[i] = string(r)
	}
	slices.Sort(out)
	res := make([]any, len(out))
	for i, r := range out {
		res[i] = r
	}
	return res
}

// headers lowercases names and joins repeated values, as Node.js presents
// them (and so as the UI expects).
func headers(in map[string]any) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		k = strings.ToLower(k)
		if secretHeader(k) {
			out[k] = "[redacted]"
			continue
		}
		out[k] = joined(v)
	}
	return out
}

// flatten gives single query values as strings, as Node.js parses them.
func flatten(in map[string]any) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		if vs, ok := v.([]string); ok && len(vs) == 1 {
			out[k] = vs[0]
			continue
		}
		out[k] = plain(v)
	}
	return out
}

func joined(v any) any {
	if vs, ok := v.([]string); ok {
		return strings.Join(vs, ", ")
	}
	return plain(v)
}

// plain turns a []string into []any for the encoder; other values pass.
func plain(v any) any {
	vs, ok := v.([]string)
	if !ok {
		return v
	}
	out := make([]any, len(vs))
	for i, s := range vs {
		out[i] = s
	}
	return out
}

// stats is the server_stats payload. clientsCount counts the connections
// with a socket in the application namespace, so the UI's own connection is
// not among them. memory and goroutines are iohub's additions; the UI shows
// what it knows and ignores the rest.
func (a *Admin) stats() map[string]any {
	var sockets, clients, polling int
	seen := map[string]bool{}
	a.app.Sockets().Range(func(_ socket.SocketId, s *socket.Socket) bool {
		sockets++
		if c := string(s.Conn().Id()); !seen[c] {
			seen[c] = true
			clients++
			if s.Conn().Transport().Name() == "polling" {
				polling++
			}
		}
		return true
	})
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return map[string]any{
		"serverId":            a.hostname,
		"hostname":            a.hostname,
		"pid":                 a.pid,
		"uptime":              a.now().Sub(a.started).Seconds(),
		"clientsCount":        clients,
		"pollingClientsCount": polling,
		"namespaces":          []any{map[string]any{"name": a.app.Name(), "socketsCount": sockets}},
		"memory": map[string]any{
			"heapAlloc": ms.HeapAlloc,
			"sys":       ms.Sys,
		},
		"goroutines": runtime.NumGoroutine(),
	}
}

// allSockets lists the application namespace's sockets, never the UI's own.
func (a *Admin) allSockets() []any {
	var out []any
	a.app.Sockets().Range(func(_ socket.SocketId, s *socket.Socket) bool {
		out = append(out, serializeSocket(s))
		return true
	})
	if out == nil {
		out = []any{}
	}
	return out
}
