package cluster_test

import (
	"fmt"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/cluster"
	"github.com/iohub/iohub/hub/sanitize"
)

// printLocal stands in for the node's own Socket.IO server
// (*realtime.Server): it holds the socket "s1" and prints what it is asked
// to deliver.
type printLocal struct{}

func (printLocal) PlanContent(access.ContentEvent, any) []sanitize.Delivery { return nil }
func (printLocal) EmitRaw(string, any, []string) error                      { return nil }
func (printLocal) Join(string, string) bool                                 { return true }
func (printLocal) Leave(string, string) bool                                { return true }
func (printLocal) Disconnect(string) bool                                   { return true }
func (printLocal) HasSocket(sid string) bool                                { return sid == "s1" }
func (printLocal) UserChanged(string, bool)                                 {}

func (printLocal) Broadcast(event string, args []any, room, exceptSID string) error {
	fmt.Println("local broadcast:", event, args)
	return nil
}

func (printLocal) Send(sid, event string, args []any) bool {
	fmt.Println("local send:", sid, event, args)
	return true
}

// A Node wraps the node's own Socket.IO server and shares what it delivers
// with the other nodes through Redis. When Redis cannot be reached within
// StartTimeout (here nobody listens on 127.0.0.1:1) the node starts degraded:
// it keeps delivering to its own sockets, ops for other nodes are dropped and
// counted, and /hub/health says "degraded" until Redis answers.
func Example() {
	n, err := cluster.New(cluster.Options{
		Redis:        "redis://127.0.0.1:1",
		NodeID:       "node-a",
		Local:        printLocal{},
		StartTimeout: 50 * time.Millisecond,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer n.Close()

	n.Send("s1", "greeting", []any{"hello"})         // s1 is here: no op for other nodes
	_ = n.Broadcast("news", []any{"to all"}, "", "") // delivered here; its op is dropped
	fmt.Println("degraded:", n.Degraded())
	fmt.Println("status:", n.Health()["status"])
	st := n.Stats()
	fmt.Println("up:", st.Up, "published:", st.Published, "dropped:", st.Dropped)
	// Output:
	// local send: s1 greeting [hello]
	// local broadcast: news [to all]
	// degraded: true
	// status: degraded
	// up: false published: 0 dropped: 1
}
