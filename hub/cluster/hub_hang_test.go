package cluster_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iohub/iohub/internal/promtest"
	"github.com/iohub/iohub/internal/redistest"
)

// A hung Redis (stopped, not closed) shows as degraded in /hub/health and in
// /hub/metrics within about a second, with the hub's default check interval;
// once it resumes, the other node has received exactly the ops counted as
// published, and the dropped ones are exactly the rest.
func TestHubHungRedis(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	nodes := startNodes(t, srv.URL, 2)
	a, b := nodes[0], nodes[1]
	health := func() string {
		res, err := http.Get(a.url + "/hub/health")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var h struct{ Status string }
		if err := json.NewDecoder(res.Body).Decode(&h); err != nil {
			t.Fatal(err)
		}
		return h.Status
	}
	value := func(url, name string, labels ...string) float64 {
		v, ok := promtest.Get(t, url, "t0ken").Value(name, labels...)
		if !ok {
			t.Fatalf("no %s%v in %s's metrics", name, labels, url)
		}
		return v
	}
	deadline := time.Now().Add(15 * time.Second)
	for health() != "ok" || value(a.url, "iohub_cluster_nodes") != 2 {
		if time.Now().After(deadline) {
			t.Fatal("the nodes never saw each other")
		}
		time.Sleep(20 * time.Millisecond)
	}

	var sent atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		em := a.srv.Realtime()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			_ = em.EmitRaw("tick", i, nil)
			sent.Add(1)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	stopped := false
	stopSending := func() {
		if !stopped {
			stopped = true
			close(stop)
			wg.Wait()
		}
	}
	defer stopSending()

	time.Sleep(200 * time.Millisecond)
	srv.Pause()
	paused := time.Now()
	var inHealth, inMetrics time.Duration
	for inHealth == 0 || inMetrics == 0 {
		if time.Since(paused) > 3*time.Second {
			srv.Resume()
			t.Fatalf("3s after Redis hung: health degraded after %v, metrics after %v (0: not yet)", inHealth, inMetrics)
		}
		if inHealth == 0 && health() == "degraded" {
			inHealth = time.Since(paused)
		}
		if inMetrics == 0 && value(a.url, "iohub_cluster_redis_state", "state", "degraded") == 1 {
			inMetrics = time.Since(paused)
			if value(a.url, "iohub_cluster_redis_state", "state", "up") != 0 {
				t.Error("redis state both degraded and up")
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("Redis hung: /hub/health degraded after %v, /hub/metrics after %v", inHealth.Round(time.Millisecond), inMetrics.Round(time.Millisecond))
	time.Sleep(300 * time.Millisecond)
	srv.Resume()
	for health() != "ok" {
		if time.Since(paused) > 15*time.Second {
			t.Fatal("not ok again after Redis resumed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stopSending()

	var published, dropped, unconfirmed float64
	deadline = time.Now().Add(15 * time.Second)
	for {
		published = value(a.url, "iohub_cluster_ops_published_total")
		dropped = value(a.url, "iohub_cluster_ops_dropped_total")
		unconfirmed = value(a.url, "iohub_cluster_ops_unconfirmed_total")
		if published+dropped+unconfirmed == float64(sent.Load()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sent %d ops; published %v + dropped %v + unconfirmed %v", sent.Load(), published, dropped, unconfirmed)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("sent %d: published %v, dropped %v, unconfirmed %v", sent.Load(), published, dropped, unconfirmed)
	if dropped == 0 || unconfirmed != 0 {
		t.Errorf("dropped %v (want some), unconfirmed %v (want 0: Redis resumed)", dropped, unconfirmed)
	}
	var received float64
	for received = value(b.url, "iohub_cluster_ops_received_total"); received < published; received = value(b.url, "iohub_cluster_ops_received_total") {
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if received != published {
		t.Errorf("the other node received %v ops; %v were counted published, %v dropped", received, published, dropped)
	}
}
