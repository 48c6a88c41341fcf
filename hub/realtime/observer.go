package realtime

import (
	"cmp"
	"slices"
)

// Observer is told what happens to sockets, for metrics; *metrics.Metrics
// implements it. Methods must be fast and safe for concurrent use. Their
// string arguments come from the constants of this package and clienterr,
// never from a client.
type Observer interface {
	ConnectionAccepted()
	// ConnectionRefused gets the clienterr code the client was sent.
	ConnectionRefused(code string)
	EventReceived()
	// EventDropped gets one of the Drop* reasons.
	EventDropped(reason string)
	// Delivered gets one of the Delivery* kinds, once per packet asked for.
	Delivered(kind string)
	// SocketsReached gets how many sockets one broadcast reached.
	SocketsReached(n int)
}

// Why a client event reached no handler.
const (
	DropNoHandler   = "no_handler"   // no handler is bound to its name
	DropQueueFull   = "queue_full"   // maxPending of the socket's events already wait
	DropRateLimited = "rate_limited" // over limits.eventsPerSecond
)

// What a delivery was.
const (
	DeliveryContent   = "content"   // EmitContent: permission-checked
	DeliveryRaw       = "raw"       // EmitRaw: POST /hub/raw, ops of other nodes
	DeliveryBroadcast = "broadcast" // Broadcast: handlers, ops of other nodes
	DeliverySend      = "send"      // Send: to one socket
)

type nopObserver struct{}

func (nopObserver) ConnectionAccepted()      {}
func (nopObserver) ConnectionRefused(string) {}
func (nopObserver) EventReceived()           {}
func (nopObserver) EventDropped(string)      {}
func (nopObserver) Delivered(string)         {}
func (nopObserver) SocketsReached(int)       {}

// SocketCount is how many sockets are connected over one transport with one
// role.
type SocketCount struct {
	Transport string // "polling" or "websocket" (after an upgrade)
	Role      string // OtherRole for a role the permission table does not know
	N         int
}

// OtherRole stands for every role the permission table does not know.
const OtherRole = "other"

// SocketCounts counts the connected sockets by transport and role, for the
// sockets_connected gauge. A role the permission table does not know is
// counted as OtherRole, so a token's role can never add a label value.
// Every known role and configured transport is listed, with 0 when no socket
// has it, so the series exist before the first connection. It walks the
// connection table: O(sockets), once per scrape.
func (s *Server) SocketCounts() []SocketCount {
	rules := s.rules.Load()
	type key struct{ transport, role string }
	counts := map[key]int{}
	roles := append(rules.Roles(), OtherRole) // Roles returns a fresh slice
	for _, t := range s.transports {
		for _, r := range roles {
			counts[key{t, r}] = 0
		}
	}
	s.conns.Range(func(_, v any) bool {
		c := v.(*conn)
		k := key{transport: "unknown", role: OtherRole}
		if tr := c.sock.Conn().Transport(); tr != nil {
			k.transport = tr.Name()
		}
		if rules.Known(c.id.Role) {
			k.role = c.id.Role
		}
		counts[k]++
		return true
	})
	out := make([]SocketCount, 0, len(counts))
	for k, n := range counts {
		out = append(out, SocketCount{Transport: k.transport, Role: k.role, N: n})
	}
	slices.SortFunc(out, func(a, b SocketCount) int {
		return cmp.Or(cmp.Compare(a.Transport, b.Transport), cmp.Compare(a.Role, b.Role))
	})
	return out
}
