package cluster_test

import (
	"fmt"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/cluster"
	"github.com/iohub/iohub/hub/realtime"
	"github.com/iohub/iohub/hub/sanitize"
)

// A Node is the realtime server's Broker over Redis (New builds it, Connect
// joins the cluster): the server delivers to
// its own sockets and publishes each delivery through the node for the other
// nodes. When Redis cannot be reached within StartTimeout (here nobody
// listens on 127.0.0.1:1) the node starts degraded: the server keeps
// delivering to its own sockets, ops for other nodes are dropped and counted,
// sockets of other nodes cannot be reached, and /hub/health says "degraded"
// until Redis answers.
func Example() {
	n, err := cluster.New(cluster.Options{
		Redis:        "redis://127.0.0.1:1",
		NodeID:       "node-a",
		StartTimeout: 50 * time.Millisecond,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer n.Close()
	if err := n.Connect(); err != nil { // waits StartTimeout for Redis
		fmt.Println(err)
		return
	}
	rules, _ := access.New(nil, access.ModeAction)
	rt := realtime.New(realtime.Options{Rules: rules, Sanitizer: sanitize.New(nil), Broker: n})
	defer rt.Close()

	_ = rt.Broadcast("news", []any{"to all"}, "", "") // delivered here; its op is dropped
	fmt.Println("send to a socket elsewhere:", rt.Send("s-on-node-b", "dm", nil))
	fmt.Println("degraded:", n.Degraded())
	fmt.Println("status:", n.Health()["status"])
	st := n.Stats()
	fmt.Println("up:", st.Up, "published:", st.Published, "dropped:", st.Dropped)
	// Output:
	// send to a socket elsewhere: false
	// degraded: true
	// status: degraded
	// up: false published: 0 dropped: 1
}
