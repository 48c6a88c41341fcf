//go:build linux

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Scenario (e), cluster: cross-node fan-out. N hub nodes joined through one
// redis-server ([cluster]), the fan-out clients spread evenly over them, every
// content event posted to node 0, so (N-1)/N of the deliveries cross Redis.
// The same load on one hub alone is the baseline. Both count lost and
// duplicated messages, like (a); CPU is summed over every process that serves
// (the hubs and redis-server), per delivered message. iohub only: the Node
// reference has no cluster.

// clusterResult is one run of one setup.
type clusterResult struct {
	Setup      string  `json:"setup"` // "cluster" or "single"
	Nodes      int     `json:"nodes"`
	Round      int     `json:"round"`
	Clients    int     `json:"clients"`
	Events     int     `json:"events"`
	Expected   int64   `json:"expected"`
	Delivered  int64   `json:"delivered"`
	Lost       int64   `json:"lost"`
	Duplicated int64   `json:"duplicated"`
	PostErrors int64   `json:"postErrors"`
	Seconds    float64 `json:"seconds"`
	MsgsPerSec float64 `json:"msgsPerSec"`
	P50Ms      float64 `json:"p50Ms"`
	P99Ms      float64 `json:"p99Ms"`
	// CPU (user+system) of the hubs and of redis-server over the window.
	HubCPUSec   float64 `json:"hubCpuSec"`
	RedisCPUSec float64 `json:"redisCpuSec"`
	// CPUPerMsgUs is hubs + redis per delivered message.
	CPUPerMsgUs        float64 `json:"cpuPerMsgUs"`
	RedisCPUPerMsgUs   float64 `json:"redisCpuPerMsgUs"`
	LoadgenCPUPerMsgUs float64 `json:"loadgenCpuPerMsgUs"`
}

const (
	setupCluster = "cluster"
	setupSingle  = "single"
)

// clusterSection is appended to the hub's benchmark config on each node.
const clusterSection = `
[cluster]
redis = "redis://127.0.0.1:%d/0"
nodeId = "bench-%d"
channelPrefix = "bench"
`

// runClusterRound runs both setups once, in an order alternating by round.
func runClusterRound(ctx context.Context, h *hubLauncher, o *options, round int, res *results, fail func(string, ...any)) error {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return errSkip{reason: "cluster: no redis-server (apt install redis-server)"}
	}
	setups := []int{o.clusterNodes, 1}
	if round%2 == 0 {
		setups[0], setups[1] = 1, o.clusterNodes
	}
	for _, nodes := range setups {
		logf("cluster round %d: %d hub node(s), %d clients, %d events posted to node 0", round, nodes, o.fan.clients, o.fan.events)
		r, err := runClusterFanout(ctx, h, bin, nodes, o.fan, round)
		if err != nil {
			return err
		}
		logf("  %.0f msgs/s in %.1fs, p99 %.1f ms, CPU %.2f us/msg (redis %.2f), lost %d, dup %d",
			r.MsgsPerSec, r.Seconds, r.P99Ms, r.CPUPerMsgUs, r.RedisCPUPerMsgUs, r.Lost, r.Duplicated)
		if r.Lost > 0 || r.Duplicated > 0 || r.PostErrors > 0 {
			fail("cluster round %d (%s): %d lost, %d duplicated, %d failed posts", round, r.Setup, r.Lost, r.Duplicated, r.PostErrors)
		}
		res.Cluster = append(res.Cluster, r)
	}
	return nil
}

func runClusterFanout(ctx context.Context, h *hubLauncher, redisBin string, nodes int, cfg fanoutConfig, round int) (*clusterResult, error) {
	var hubs []*server
	var redis *server
	defer func() {
		for _, s := range hubs {
			s.stop()
		}
		if redis != nil {
			redis.stop()
		}
	}()
	if nodes == 1 {
		s, err := h.start(ctx)
		if err != nil {
			return nil, err
		}
		hubs = append(hubs, s)
	} else {
		var err error
		if redis, err = startRedisServer(ctx, redisBin, h.dir); err != nil {
			return nil, err
		}
		for i := range nodes {
			s, err := startClusterHub(ctx, h, redis.port, i)
			if err != nil {
				return nil, err
			}
			hubs = append(hubs, s)
		}
	}

	var delivered, warm atomic.Int64
	recvs := make([]*receiver, 0, cfg.clients)
	var clients []*client
	defer func() { closeAll(clients) }()
	for i, srv := range hubs {
		n := cfg.clients / nodes
		if i < cfg.clients%nodes {
			n++
		}
		part := make([]*receiver, n)
		cs, err := connectMany(ctx, srv.port, n, 50, func(j int, c *client) {
			part[j], c.onEvent = newReceiver(cfg.events, &warm, &delivered)
		})
		if err != nil {
			return nil, fmt.Errorf("node %d: connect %d clients: %w", i, n, err)
		}
		clients = append(clients, cs...)
		recvs = append(recvs, part...)
	}

	p := newPoster(hubs[0].emitURL, cfg.posters)
	defer p.close()
	// Warm-up: every client on every node must get one event posted to node
	// 0, which also proves the nodes see each other.
	warmDeadline := time.Now().Add(30 * time.Second)
	for warm.Load() < int64(cfg.clients) {
		if time.Now().After(warmDeadline) {
			return nil, fmt.Errorf("only %d of %d clients got the warm-up event", warm.Load(), cfg.clients)
		}
		// Repeated until all have one: a node still joining the cluster
		// misses the first. Extra warm-ups are not counted.
		if err := p.post(fanoutBody(-1, time.Now(), cfg.size)); err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
		_ = waitFor(ctx, 2*time.Second, func() bool { return warm.Load() >= int64(cfg.clients) })
	}
	if err := waitQuiet(ctx, &warm, 300*time.Millisecond); err != nil {
		return nil, err
	}

	procs := hubs
	cpu := func() (hub, rds time.Duration, err error) {
		for _, s := range procs {
			c, err := procCPU(s.pid())
			if err != nil {
				return 0, 0, err
			}
			hub += c
		}
		if redis != nil {
			if rds, err = procCPU(redis.pid()); err != nil {
				return 0, 0, err
			}
		}
		return hub, rds, nil
	}
	hub0, redis0, err := cpu()
	if err != nil {
		return nil, err
	}
	self0 := selfCPU()
	start := time.Now()
	var postErrs atomic.Int64
	fan := cfg
	fan.rate = 0
	postAll(ctx, p, fan, start, &postErrs)

	expected := int64(cfg.clients) * int64(cfg.events)
	lastN, lastChange := int64(-1), time.Now()
	for delivered.Load() < expected {
		for _, s := range append(append([]*server(nil), hubs...), redis) {
			if s == nil {
				continue
			}
			if err := s.alive(); err != nil {
				return nil, err
			}
		}
		if n := delivered.Load(); n != lastN {
			lastN, lastChange = n, time.Now()
		} else if time.Since(lastChange) > cfg.quiet {
			break
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		time.Sleep(20 * time.Millisecond)
	}
	hub1, redis1, err := cpu()
	if err != nil {
		return nil, err
	}
	self1 := selfCPU()
	if n := delivered.Load(); n < expected && nodes > 1 {
		// Say what the nodes saw: a node that judged Redis unreachable
		// (degraded) drops the ops for the others and counts them.
		for i, h := range hubs {
			logf("  node %d lost deliveries; its /hub/health: %s", i, healthOf(h.port))
		}
	}
	closeAll(clients)
	clients = nil

	res := &clusterResult{
		Setup: setupSingle, Nodes: nodes, Round: round,
		Clients: cfg.clients, Events: cfg.events, Expected: expected, PostErrors: postErrs.Load(),
	}
	if nodes > 1 {
		res.Setup = setupCluster
	}
	t, err := tallyReceivers(recvs, expected, start)
	if err != nil {
		return nil, err
	}
	res.Lost, res.Duplicated = t.lost, t.dup
	res.Delivered, res.Seconds, res.MsgsPerSec = int64(len(t.lats)), t.seconds, t.perSec
	q := quantilesUs(t.lats, 0.50, 0.99)
	res.P50Ms, res.P99Ms = q[0]/1e3, q[1]/1e3
	res.HubCPUSec, res.RedisCPUSec = (hub1 - hub0).Seconds(), (redis1 - redis0).Seconds()
	if res.Delivered > 0 {
		d := float64(res.Delivered)
		res.CPUPerMsgUs = float64((hub1 - hub0 + redis1 - redis0).Microseconds()) / d
		res.RedisCPUPerMsgUs = float64((redis1 - redis0).Microseconds()) / d
		res.LoadgenCPUPerMsgUs = float64((self1 - self0).Microseconds()) / d
	}
	return res, nil
}

// waitQuiet waits until n stops changing for d (late warm-up copies).
func waitQuiet(ctx context.Context, n *atomic.Int64, d time.Duration) error {
	last := n.Load()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
		if cur := n.Load(); cur == last {
			return nil
		} else {
			last = cur
		}
	}
}

// startClusterHub starts hub node i of a cluster on the Redis at redisPort.
func startClusterHub(ctx context.Context, h *hubLauncher, redisPort, i int) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(h.dir, fmt.Sprintf("hub-cluster-%d.toml", i))
	body := h.config(port) + fmt.Sprintf(clusterSection, redisPort, i)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		return nil, err
	}
	return launch(ctx, fmt.Sprintf("%s-%d", hubName, i), exec.Command(h.bin, "serve", "-config", cfg), port, "/hub/emit")
}

// startRedisServer runs redis-server on a free loopback port, without
// persistence, and waits until it answers PING.
func startRedisServer(ctx context.Context, bin, dir string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", dir, "--loglevel", "warning")
	logs := &tailBuffer{max: 16 << 10}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	s := &server{name: "redis", port: port, cmd: cmd, logs: logs, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for !redisPing(port) {
		if err := s.alive(); err != nil {
			return nil, err
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			s.stop()
			return nil, errors.New("redis-server did not answer in 10s: " + logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s, nil
}

func redisPing(port int) bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// clusterTable compares the cluster with one node under the same load.
func clusterTable(title string, nodes int, rs []*clusterResult) *table {
	name := fmt.Sprintf("%d nodes + redis", nodes)
	t := &table{title: title, cols: []string{name, "1 node", "cluster/1 node"}}
	setup := func(r *clusterResult) string { return r.Setup }
	row := func(label string, u unit, f func(*clusterResult) float64) {
		t.compare(label, u, pick(rs, setup, setupCluster, f), pick(rs, setup, setupSingle, f))
	}
	row("delivered msgs/s", rate, func(r *clusterResult) float64 { return r.MsgsPerSec })
	row("latency p50 (ms)", fixed(1), func(r *clusterResult) float64 { return r.P50Ms })
	row("latency p99 (ms)", fixed(1), func(r *clusterResult) float64 { return r.P99Ms })
	row("CPU per delivered msg, all servers (us)", fixed(2), func(r *clusterResult) float64 { return r.CPUPerMsgUs })
	row("  of which redis-server (us)", fixed(2), func(r *clusterResult) float64 { return r.RedisCPUPerMsgUs })
	row("loadgen CPU per delivered msg (us)", fixed(2), func(r *clusterResult) float64 { return r.LoadgenCPUPerMsgUs })
	tot := func(label string, f func(*clusterResult) float64) {
		t.total(label, pick(rs, setup, setupCluster, f), pick(rs, setup, setupSingle, f))
	}
	tot("lost (all rounds)", func(r *clusterResult) float64 { return float64(r.Lost) })
	tot("duplicated (all rounds)", func(r *clusterResult) float64 { return float64(r.Duplicated) })
	tot("failed posts (all rounds)", func(r *clusterResult) float64 { return float64(r.PostErrors) })
	t.notes = append(t.notes, fmt.Sprintf("Clients spread evenly over the nodes; events posted to node 0, so %d/%d of the deliveries cross Redis.", nodes-1, nodes))
	return t
}

// healthOf returns the /hub/health answer of the hub on port, or the error.
func healthOf(port int) string {
	c := http.Client{Timeout: 2 * time.Second}
	res, err := c.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/hub/health")
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	return strings.TrimSpace(string(b))
}
