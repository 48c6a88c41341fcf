package cluster

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Redis hangs (stopped, its connections open and unanswered) while a node
// emits steadily: the node reports degraded within about a second, and every
// op ends in exactly one counter. Redis then resumes and answers the PUBLISH
// commands it was sent before it stopped, so nothing is unconfirmed, and the
// other nodes receive exactly the ops counted as published: the dropped ones
// are exactly those lost. (Before, an op whose answer timed out was counted
// as dropped and then delivered when Redis resumed.)
func TestHungRedis(t *testing.T) {
	srv, nodes := threeNodes(t)
	a, b, c := nodes[0], nodes[1], nodes[2]
	eventually(t, func() bool { return a.Stats().Nodes == 3 })

	var sent atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			a.emit("tick", i, nil)
			sent.Add(1)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()

	time.Sleep(200 * time.Millisecond) // some ops go through first
	srv.Pause()
	paused := time.Now()
	for a.Health()["status"] != "degraded" {
		if time.Since(paused) > 3*time.Second {
			srv.Resume()
			t.Fatal("not degraded 3s after Redis hung")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("degraded %v after Redis hung (check interval 100ms)", time.Since(paused).Round(time.Millisecond))
	time.Sleep(500 * time.Millisecond) // ops made meanwhile are dropped
	srv.Resume()
	eventually(t, func() bool { return !a.Degraded() })
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()

	// Wait for the publisher to finish what it queued.
	var st Stats
	eventually(t, func() bool {
		st = a.Stats()
		return st.Published+st.Dropped+st.Unconfirmed == sent.Load()
	})
	t.Logf("sent %d: published %d, dropped %d, unconfirmed %d", sent.Load(), st.Published, st.Dropped, st.Unconfirmed)
	if st.Dropped == 0 {
		t.Error("no op dropped while Redis hung")
	}
	if st.Unconfirmed != 0 {
		t.Errorf("%d ops unconfirmed; Redis resumed and answered them", st.Unconfirmed)
	}
	for _, n := range []*testNode{b, c} {
		eventually(t, func() bool { return n.applied.Load() >= st.Published })
		ticks := 0
		for _, call := range n.local.got() {
			if strings.HasPrefix(call, "raw tick ") {
				ticks++
			}
		}
		if got := n.applied.Load(); got != st.Published || int64(ticks) != st.Published {
			t.Errorf("node %s applied %d ops (%d ticks); a published %d and dropped %d of %d",
				n.id, got, ticks, st.Published, st.Dropped, sent.Load())
		}
	}
	if h := a.Health()["cluster"].(map[string]any); h["dropped"] != st.Dropped {
		t.Errorf("health dropped %v, stats %d", h["dropped"], st.Dropped)
	}
}
